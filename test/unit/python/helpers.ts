// Shared helpers for the Python analyzer tests: a process-wide analyzer, linting inline sources, and
// applying quick fixes (test process).
import * as assert from "node:assert/strict";
import type { Finding, TextEdit } from "../../../core/src/diagnostics";
import { loadPythonAnalyzer } from "../../../core/src/node/python-wasm";
import type { LintConfig, PythonAnalyzer } from "../../../core/src/python/index";

let analyzer: PythonAnalyzer | undefined;

export async function getAnalyzer(): Promise<PythonAnalyzer> {
  analyzer ??= await loadPythonAnalyzer();
  return analyzer;
}

/** Removes the common indentation of a template literal and its first empty line. */
export function py(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ""), "");
  const lines = raw.replace(/^\n/, "").split("\n");
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => (l.match(/^ */) as RegExpMatchArray)[0].length));
  return lines.map((l) => l.slice(indent)).join("\n");
}

export async function lint(source: string, config: LintConfig = {}): Promise<Finding[]> {
  const a = await getAnalyzer();
  const doc = a.parse(source);
  try {
    return a.analyze(doc, config);
  } finally {
    doc.dispose();
  }
}

/** "LINE CODE severity" for each finding whose code starts with one of `prefixes` (1-based lines). */
export function summarize(findings: Finding[], prefixes: string[]): string[] {
  return findings.filter((f) => prefixes.some((p) => f.code.startsWith(p))).map((f) => `${f.range.start.line + 1} ${f.code} ${f.severity}`);
}

/** Lints `source` and compares the findings of the given code families with `expected`. */
export async function check(source: string, expected: string[], prefixes: string[]): Promise<Finding[]> {
  const findings = await lint(source);
  assert.deepEqual(summarize(findings, prefixes), expected);
  return findings;
}

/** Applies non-overlapping edits to a text (0-based LSP positions). */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = text.split("\n");
  const offset = (line: number, ch: number) => lines.slice(0, line).reduce((n, l) => n + l.length + 1, 0) + ch;
  const sorted = [...edits].sort((a, b) => offset(b.range.start.line, b.range.start.character) - offset(a.range.start.line, a.range.start.character));
  let out = text;
  for (const e of sorted) {
    out = out.slice(0, offset(e.range.start.line, e.range.start.character)) + e.newText + out.slice(offset(e.range.end.line, e.range.end.character));
  }
  return out;
}

/**
 * Applies the first quick fix of the first finding with `code`, re-lints, and asserts that finding is
 * gone (and no new error appeared). Returns the fixed text.
 */
export async function checkFix(source: string, code: string): Promise<string> {
  const before = await lint(source);
  const target = before.find((f) => f.code === code);
  assert.ok(target, `expected a ${code} finding before the fix`);
  const fix = target.fixes?.[0];
  assert.ok(fix, `${code} has no quick fix`);
  const fixed = applyEdits(source, fix.edits);
  const after = await lint(fixed);
  assert.ok(
    !after.some((f) => f.code === code && f.range.start.line === target.range.start.line),
    `${code} still reported after "${fix.title}":\n${fixed}`,
  );
  const newErrors = after.filter((f) => f.severity === "error" && !before.some((b) => b.code === f.code));
  assert.deepEqual(newErrors.map((f) => `${f.range.start.line + 1} ${f.code}`), [], `the fix introduced new errors:\n${fixed}`);
  return fixed;
}

/**
 * Lints `source` and compares the findings of the given code families with the `# expect: CODE severity`
 * markers in the source (several markers on one line are separated by commas).
 */
export async function checkMarked(source: string, prefixes: string[]): Promise<Finding[]> {
  const expected: string[] = [];
  source.split("\n").forEach((line, i) => {
    const m = /# expect: (.*)$/.exec(line);
    if (!m) return;
    for (const part of (m[1] as string).split(",")) {
      const [code, severity] = part.trim().split(/\s+/);
      if (prefixes.some((p) => (code as string).startsWith(p))) expected.push(`${i + 1} ${code} ${severity}`);
    }
  });
  const findings = await lint(source);
  assert.deepEqual(summarize(findings, prefixes).sort(), expected.sort(), findings.map((f) => `${f.range.start.line + 1} ${f.code}: ${f.message}`).join("\n"));
  return findings;
}

/** A complete eager-mode static quantization script around a model class named M. */
export function eagerScript(classSource: string, opts: { qconfig?: string; extra?: string; call?: boolean } = {}): string {
  return [
    "import torch",
    "import torch.nn as nn",
    "import torch.nn.functional as F",
    "import torch.ao.quantization as tq",
    "",
    classSource.trim(),
    "",
    "",
    "m = M().eval()",
    `m.qconfig = ${opts.qconfig ?? 'tq.get_default_qconfig("x86")'}`,
    ...(opts.extra ? [opts.extra] : []),
    "m = tq.prepare(m)",
    "m(torch.randn(2, 4))",
    "m = tq.convert(m)",
    ...(opts.call === false ? [] : ["print(m(torch.randn(2, 4)))"]),
    "",
  ].join("\n");
}

/** A script defining a one-Linear model M and `q`, its dynamically quantized version (the QS4xx save/load cases). */
export const DYNAMIC_LINEAR_SCRIPT = py`
  import torch
  import torch.nn as nn


  class M(nn.Module):
      def __init__(self):
          super().__init__()
          self.fc = nn.Linear(4, 4)

      def forward(self, x):
          return self.fc(x)


  q = torch.ao.quantization.quantize_dynamic(M(), {nn.Linear}, dtype=torch.qint8)
`;
