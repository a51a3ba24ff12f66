// Comparison of computed results against golden values, reporting the first mismatch (any process).
import type { CaseOutcome } from "./verify";

export interface Mismatch {
  index: number;
  expected: number;
  actual: number;
}

/** First index where integer arrays differ, or a length mismatch as index -1. */
export function firstIntMismatch(expected: ArrayLike<number>, actual: ArrayLike<number>): Mismatch | undefined {
  if (expected.length !== actual.length) return { index: -1, expected: expected.length, actual: actual.length };
  for (let i = 0; i < expected.length; i++) {
    if (expected[i] !== actual[i]) return { index: i, expected: expected[i], actual: actual[i] };
  }
  return undefined;
}

/** |a - e| <= rtol * |e| + atol, elementwise; NaN only matches NaN. */
export function firstFloatMismatch(
  expected: ArrayLike<number>,
  actual: ArrayLike<number>,
  rtol = 1e-6,
  atol = 0,
): Mismatch | undefined {
  if (expected.length !== actual.length) return { index: -1, expected: expected.length, actual: actual.length };
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (!(Number.isNaN(e) && Number.isNaN(a))) return { index: i, expected: e, actual: a };
      continue;
    }
    if (Math.abs(a - e) > rtol * Math.abs(e) + atol) return { index: i, expected: e, actual: a };
  }
  return undefined;
}

export function describeMismatch(what: string, m: Mismatch): string {
  if (m.index < 0) return `${what}: length ${m.actual}, expected ${m.expected}`;
  return `${what}[${m.index}] = ${m.actual}, expected ${m.expected}`;
}

/** A case's outcome from its comparison: pass, or fail naming the first mismatch of `what`. */
export function mismatchOutcome(what: string, m: Mismatch | undefined): CaseOutcome {
  return m ? { status: "fail", detail: describeMismatch(what, m) } : { status: "pass" };
}
