// Runs golden cases in the format of ../shared/golden/kernels through the WASM core (any process).
// Each case family (quantize, observers, fake-quant, quantized ops) registers handlers keyed by the
// case's `op` or `observer` field.
import type { WasmCore } from "../wasm/core";
import { handlers as quantizeHandlers } from "./quantize-cases";
import { handlers as observerHandlers } from "./observer-cases";
import { handlers as fakeQuantHandlers } from "./fake-quant-cases";
import { handlers as opHandlers } from "./op-cases";

export type CaseOutcome =
  | { status: "pass" }
  | { status: "fail"; detail: string }
  | { status: "skip"; reason: string };

/** A golden case as parsed from JSON; handlers validate the fields they read. */
export type GoldenCase = Record<string, unknown>;
export type CaseHandler = (c: GoldenCase, core: WasmCore) => CaseOutcome;

const registry = new Map<string, CaseHandler>();
for (const family of [quantizeHandlers, observerHandlers, fakeQuantHandlers, opHandlers]) {
  for (const [kind, handler] of Object.entries(family)) registry.set(kind, handler);
}

/** The key a case is dispatched on. */
export function caseKind(c: GoldenCase): string {
  if (typeof c.op === "string") return c.op;
  if (typeof c.observer === "string") return c.observer;
  return "?";
}

export interface CaseReport {
  file: string;
  index: number;
  kind: string;
  engine?: string;
  outcome: CaseOutcome;
}

/** Runs one case; a case PyTorch rejected (it carries `error`) is skipped, a throwing handler fails. */
export function runCase(c: GoldenCase, core: WasmCore): CaseOutcome {
  if ("error" in c) return { status: "skip", reason: `PyTorch rejected it: ${String(c.error)}` };
  const handler = registry.get(caseKind(c));
  if (!handler) return { status: "fail", detail: `no kernel for '${caseKind(c)}'` };
  try {
    return handler(c, core);
  } catch (e) {
    return { status: "fail", detail: `threw: ${(e as Error).message}` };
  }
}

export function runCases(file: string, cases: readonly GoldenCase[], core: WasmCore): CaseReport[] {
  return cases.map((c, index) => ({
    file,
    index,
    kind: caseKind(c),
    engine: typeof c.engine === "string" ? c.engine : undefined,
    outcome: runCase(c, core),
  }));
}

export function summarize(reports: readonly CaseReport[]): { passed: number; failed: number; skipped: number } {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const r of reports) {
    if (r.outcome.status === "pass") passed++;
    else if (r.outcome.status === "fail") failed++;
    else skipped++;
  }
  return { passed, failed, skipped };
}

export function formatFailure(r: CaseReport): string {
  const detail = r.outcome.status === "fail" ? r.outcome.detail : "";
  return `${r.file}#${r.index} ${r.kind}${r.engine ? ` [${r.engine}]` : ""}: ${detail}`;
}
