// Fuzz suite for verify-golden JSON (test process): golden cases with mutated fields (shapes, dtypes, data
// lengths, scales, zero points, quant ranges, unknown ops) run through the WASM core. A case may pass, fail
// or be skipped, but the runner must never throw, never report a JavaScript TypeError as a kernel
// difference, and leave the core usable: the unmutated cases still pass afterwards.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import { loadCore } from "../../core/src/node/load-core";
import { runCase, type GoldenCase } from "../../core/src/golden/verify";
import { loadSharedJson } from "../helpers/shared";
import { fuzz } from "./fuzz-options";

const FILES = ["quantize.json", "observers.json", "fake_quant.json", "ops.json"];

/** A few cases of each kind from each golden file (small ones: mutations run them many times). */
function seedCases(): GoldenCase[] {
  const out: GoldenCase[] = [];
  for (const f of FILES) {
    const cases = loadSharedJson<GoldenCase[]>("golden", "kernels", f);
    const seen = new Map<string, number>();
    for (const c of cases) {
      const kind = String(c.op ?? c.observer);
      if ("error" in c || JSON.stringify(c).length > 20_000 || (seen.get(kind) ?? 0) >= 2) continue;
      seen.set(kind, (seen.get(kind) ?? 0) + 1);
      out.push(c);
    }
  }
  return out;
}

const SEEDS = seedCases();

const hostileNumber = fc.constantFrom(0, -1, 1e-45, 1e38, -1e38, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, -(2 ** 31), 2 ** 53, 0.5, 255, -128, 65536);
const hostileValue = fc.oneof(
  hostileNumber,
  fc.constantFrom(null, "", "float32", "uint8", "qint8", "bogus", true, [], {}),
  fc.record({ shape: fc.array(fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom(-1, 2 ** 31, 1e9)), { maxLength: 4 }), dtype: fc.constantFrom("float32", "int64", "uint8", "int8", "int32", "float64", "complex"), data: fc.array(hostileNumber, { maxLength: 6 }) }),
);

/** Replaces one field (anywhere in the case, up to two levels deep) with a hostile value. */
function mutate(c: GoldenCase, pick: number, value: unknown, deep: number): GoldenCase {
  const copy = structuredClone(c) as Record<string, unknown>;
  const keys = Object.keys(copy);
  const k = keys[pick % keys.length];
  const inner = copy[k];
  if (deep % 2 === 1 && inner && typeof inner === "object" && !Array.isArray(inner)) {
    const ik = Object.keys(inner);
    if (ik.length) (inner as Record<string, unknown>)[ik[deep % ik.length]] = value;
  } else {
    copy[k] = value;
  }
  return copy;
}

test("mutated golden cases: the runner never throws and never hides a JavaScript error", async () => {
  const core = await loadCore();
  const before = SEEDS.map((c) => runCase(c, core).status);
  fuzz("golden-mutated", fc.tuple(fc.nat({ max: SEEDS.length - 1 }), fc.nat(), hostileValue, fc.nat()), ([i, pick, value, deep]) => {
    // Through JSON, as the CLI reads cases (plain objects; NaN and Infinity become null).
    const outcome = runCase(JSON.parse(JSON.stringify(mutate(SEEDS[i], pick, value, deep))) as GoldenCase, core);
    assert.ok(["pass", "fail", "skip"].includes(outcome.status));
    if (outcome.status === "fail") {
      assert.doesNotMatch(outcome.detail, /TypeError|RangeError|ReferenceError|is not a function|Cannot read propert|Cannot convert|is not iterable|Invalid typed array|Maximum call stack|out of bounds|unreachable/, `a JavaScript error reported as a kernel failure: ${outcome.detail}`);
    }
  });
  // The core is still sound: every seed case gives the outcome it gave before the mutations.
  assert.deepEqual(SEEDS.map((c) => runCase(c, core).status), before);
});
