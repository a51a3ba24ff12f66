// Lint configuration for the Python analyzer: rule selection, severity overrides, `[tool.quantscope]` in
// pyproject.toml, and `# quantscope: ignore[CODE]` suppression comments (any process).
import { parse as parseToml } from "smol-toml";
import type { Finding, Severity } from "../diagnostics";
import { InputError } from "../errors";

export interface LintConfig {
  /** Codes or prefixes to enable ("QS1" enables QS101..QS199). Default: every rule. */
  select?: string[];
  /** Codes or prefixes to disable; wins over select. */
  ignore?: string[];
  /** Per-code severity, e.g. { QS503: "error" }. */
  severityOverrides?: Record<string, Severity>;
}

const SEVERITIES: readonly Severity[] = ["error", "warning", "information", "hint"];

/** A pattern is "ALL" or a code prefix; case and surrounding blanks don't matter (settings are typed by hand). */
function matches(code: string, patterns: string[]): boolean {
  return patterns.some((p) => {
    const prefix = p.trim().toUpperCase();
    return prefix === "ALL" || code.startsWith(prefix);
  });
}

/** Whether a rule code is enabled under this configuration. */
export function isRuleEnabled(code: string, config: LintConfig): boolean {
  if (config.ignore && matches(code, config.ignore)) return false;
  if (config.select && config.select.length > 0) return matches(code, config.select);
  return true;
}

/** Applies selection and severity overrides. */
export function applyConfig(findings: Finding[], config: LintConfig): Finding[] {
  const out: Finding[] = [];
  for (const f of findings) {
    if (!isRuleEnabled(f.code, config)) continue;
    const severity = config.severityOverrides?.[f.code];
    out.push(severity ? { ...f, severity } : f);
  }
  return out;
}

function stringList(value: unknown, key: string, file: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new InputError(`[tool.quantscope] ${key} must be a list of rule codes`, file);
  }
  return value as string[];
}

/**
 * Reads `[tool.quantscope]` from pyproject.toml text: `select`, `ignore` (lists of codes or prefixes)
 * and `severity` (a table of code = "error" | "warning" | "information" | "hint"). Returns an empty
 * config when the table is absent; throws InputError for malformed TOML or values.
 */
export function parsePyprojectConfig(text: string, file?: string): LintConfig {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    throw new InputError(`not valid TOML (${(e as Error).message.split("\n")[0]})`, file);
  }
  const tool = doc["tool"];
  const table = tool && typeof tool === "object" ? (tool as Record<string, unknown>)["quantscope"] : undefined;
  if (table === undefined) return {};
  if (typeof table !== "object" || table === null || Array.isArray(table)) {
    throw new InputError("[tool.quantscope] must be a table", file);
  }
  const t = table as Record<string, unknown>;
  const config: LintConfig = {};
  const select = stringList(t["select"], "select", file);
  const ignore = stringList(t["ignore"], "ignore", file);
  if (select) config.select = select;
  if (ignore) config.ignore = ignore;
  const sev = t["severity"];
  if (sev !== undefined) {
    if (typeof sev !== "object" || sev === null || Array.isArray(sev)) throw new InputError("[tool.quantscope] severity must be a table", file);
    config.severityOverrides = {};
    for (const [code, value] of Object.entries(sev as Record<string, unknown>)) {
      if (typeof value !== "string" || !(SEVERITIES as readonly string[]).includes(value)) {
        throw new InputError(`[tool.quantscope] severity.${code} must be one of ${SEVERITIES.join(", ")}`, file);
      }
      config.severityOverrides[code.toUpperCase()] = value as Severity;
    }
  }
  return config;
}

const SUPPRESSION = /#\s*quantscope:\s*ignore(?:\[([A-Za-z0-9_,\s]*)\])?/;

/** The codes a comment suppresses: "all", a list of codes, or undefined when it is not a suppression. */
export function suppressionCodes(comment: string): "all" | string[] | undefined {
  const m = SUPPRESSION.exec(comment);
  if (!m) return undefined;
  if (m[1] === undefined) return "all";
  return m[1]
    .split(",")
    .map((c) => c.trim().toUpperCase())
    .filter((c) => c.length > 0);
}

/**
 * Drops findings suppressed by a `# quantscope: ignore[CODE]` comment on the finding's first line, or on
 * a line of its own right above it.
 */
export function applySuppressions(findings: Finding[], commentsByLine: Map<number, string>, lines: string[]): Finding[] {
  if (commentsByLine.size === 0) return findings;
  const suppressed = (line: number, code: string): boolean => {
    const candidates = [commentsByLine.get(line)];
    const above = commentsByLine.get(line - 1);
    if (above !== undefined && (lines[line - 1] ?? "").trim().startsWith("#")) candidates.push(above);
    return candidates.some((c) => {
      if (c === undefined) return false;
      const codes = suppressionCodes(c);
      return codes === "all" || (codes !== undefined && codes.some((x) => code.startsWith(x)));
    });
  };
  return findings.filter((f) => !suppressed(f.range.start.line, f.code));
}
