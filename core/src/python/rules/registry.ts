// The rule registry: every Python rule's code, severity and one-line summary, and the context rule
// families run in (any process). Families live one per file beside this one; docs/rules.md documents
// every code.
import type { Finding, Fix, Severity } from "../../diagnostics";
import type { FileModel } from "../model";
import type { FlowResult } from "../flow";
import type { PyNode } from "../syntax";

export interface RuleInfo {
  code: string;
  /** kebab-case name, e.g. "missing-quant-stub". */
  name: string;
  severity: Severity;
  summary: string;
}

export interface RuleContext {
  file: FileModel;
  flow: FlowResult;
  /** Document lines, for quick fixes that need indentation or surrounding text. */
  lines: string[];
  report(code: string, node: PyNode, message: string, options?: { severity?: Severity; fixes?: Fix[] }): void;
}

export interface RuleFamily {
  name: string;
  rules: RuleInfo[];
  check(ctx: RuleContext): void;
}

/** Collects findings, keeping one per code and range (the most severe when reported twice). */
export class FindingCollector {
  private readonly byKey = new Map<string, Finding>();

  constructor(private readonly rules: ReadonlyMap<string, RuleInfo>) {}

  add(code: string, node: PyNode, message: string, options: { severity?: Severity; fixes?: Fix[] } = {}): void {
    const info = this.rules.get(code);
    if (!info) throw new Error(`unregistered rule ${code}`);
    const severity = options.severity ?? info.severity;
    const range = node.range;
    const key = `${code}@${range.start.line}:${range.start.character}-${range.end.line}:${range.end.character}`;
    const existing = this.byKey.get(key);
    if (existing && rank(existing.severity) <= rank(severity)) return;
    const finding: Finding = { code, severity, message, range };
    if (options.fixes && options.fixes.length > 0) finding.fixes = options.fixes;
    this.byKey.set(key, finding);
  }

  findings(): Finding[] {
    return [...this.byKey.values()].sort(
      (a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || a.code.localeCompare(b.code),
    );
  }
}

function rank(s: Severity): number {
  return { error: 0, warning: 1, information: 2, hint: 3 }[s];
}
