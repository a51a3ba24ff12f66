// Shared settings of the fuzz and property suites (test process): a fixed seed and a time budget per
// property, both set by scripts/fuzz.mjs through the environment (FUZZ_SEED, FUZZ_BUDGET_MS), so a run is
// reproducible (same seed: same inputs in the same order; a larger budget only runs further along them).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as fc from "fast-check";
import { InputError } from "../../core/src/errors";

/** The seed of every property in this run (default fixed, so a bare `node --test` run is reproducible). */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261127);

/** Milliseconds each property may run; scripts/fuzz.mjs divides its --budget-seconds among them. */
export const FUZZ_BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 3000);

/** Options for fc.assert: the fixed seed, as many runs as fit in the budget, and a time limit that ends the run without failing it. */
export function fuzzParameters<T>(budgetMs = FUZZ_BUDGET_MS): fc.Parameters<T> {
  return {
    seed: FUZZ_SEED,
    numRuns: 1_000_000,
    interruptAfterTimeLimit: Math.max(budgetMs, 200),
    markInterruptAsFailure: false,
  };
}

/**
 * Runs `f` and classifies the outcome: "ok", or "input-error" for an InputError (the user's problem, a
 * clean one-line message). Anything else is rethrown as a crash, with the message of the original error.
 */
export function acceptOnlyInputErrors<T>(f: () => T, knownMultiline?: RegExp): "ok" | "input-error" {
  try {
    f();
    return "ok";
  } catch (e) {
    if (e instanceof InputError) {
      if (e.message.includes("\n") && !knownMultiline?.test(e.message)) throw new Error(`an InputError message spans several lines: ${JSON.stringify(e.message)}`);
      if (/\bat .*\(.*:\d+:\d+\)/.test(e.message)) throw new Error(`an InputError message holds a stack frame: ${e.message}`);
      return "input-error";
    }
    throw e;
  }
}

/** Deterministic bytes from a seed (xorshift32), for fixed-size garbage. */
export function seededBytes(seed: number, length: number): Uint8Array {
  let s = seed >>> 0 || 1;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s & 0xff;
  }
  return out;
}

/** A mutation of `bytes`: flipped bits, overwritten bytes, inserted or deleted runs, or truncation. */
export function mutationOf(bytes: Uint8Array): fc.Arbitrary<Uint8Array> {
  const n = bytes.length;
  const pos = fc.integer({ min: 0, max: Math.max(0, n - 1) });
  const edit = fc.oneof(
    fc.record({ kind: fc.constant("flip" as const), at: pos, bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant("set" as const), at: pos, value: fc.constantFrom(0, 0x7f, 0x80, 0xff, 0x01, 0x08, 0x0a, 0x12, 0x1a) }),
    fc.record({ kind: fc.constant("insert" as const), at: pos, data: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
    fc.record({ kind: fc.constant("delete" as const), at: pos, length: fc.integer({ min: 1, max: 64 }) }),
    fc.record({ kind: fc.constant("truncate" as const), at: pos }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 8 }).map((edits) => {
    let b = bytes;
    for (const e of edits) {
      const at = Math.min(e.at, b.length);
      switch (e.kind) {
        case "flip":
          if (at < b.length) (b = b.slice())[at] ^= 1 << e.bit;
          break;
        case "set":
          if (at < b.length) (b = b.slice())[at] = e.value;
          break;
        case "insert": {
          const out = new Uint8Array(b.length + e.data.length);
          out.set(b.subarray(0, at));
          out.set(e.data, at);
          out.set(b.subarray(at), at + e.data.length);
          b = out;
          break;
        }
        case "delete": {
          const out = new Uint8Array(Math.max(0, b.length - Math.min(e.length, b.length - at)));
          out.set(b.subarray(0, at));
          out.set(b.subarray(at + e.length), at);
          b = out;
          break;
        }
        case "truncate":
          b = b.subarray(0, at);
          break;
      }
    }
    return b;
  });
}

/** Where failing inputs of the last run are written (outside the repository: they are for triage). */
export const FUZZ_OUT_DIR = process.env.FUZZ_OUT_DIR ?? path.join(os.tmpdir(), "quantscope-fuzz");

/**
 * Runs a property within the budget. On failure, writes the (shrunk) counterexample to FUZZ_OUT_DIR and
 * throws an error carrying the crash's own message and stack, not a multi-megabyte dump of the input.
 */
export function fuzz<T>(name: string, arb: fc.Arbitrary<T>, body: (value: T) => unknown, budgetMs = FUZZ_BUDGET_MS): void {
  const details = fc.check(
    fc.property(arb, (v) => {
      body(v);
    }),
    fuzzParameters<[T]>(budgetMs),
  );
  if (!details.failed) {
    if (process.env.FUZZ_VERBOSE) console.log(`${name}: ${details.numRuns} inputs, seed ${FUZZ_SEED}`);
    return;
  }
  const [value] = details.counterexample ?? [];
  fs.mkdirSync(FUZZ_OUT_DIR, { recursive: true });
  const base = path.join(FUZZ_OUT_DIR, name.replace(/[^a-z0-9]+/gi, "-"));
  const saved = value instanceof Uint8Array ? `${base}.bin` : `${base}.json`;
  fs.writeFileSync(saved, value instanceof Uint8Array ? value : JSON.stringify(value, null, 1));
  const cause = details.errorInstance;
  const shown = value instanceof Uint8Array ? `${value.length} bytes` : JSON.stringify(value).slice(0, 600);
  const err = new Error(
    `${name}: crash after ${details.numRuns} inputs (seed ${FUZZ_SEED}, path ${details.counterexamplePath}); input saved to ${saved} (${shown})\n` +
      `${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`,
  );
  throw err;
}

/** `fuzz` for async bodies (e.g. running a model on the WASM core). */
export async function fuzzAsync<T>(name: string, arb: fc.Arbitrary<T>, body: (value: T) => Promise<unknown>, budgetMs = FUZZ_BUDGET_MS): Promise<void> {
  const details = await fc.check(
    fc.asyncProperty(arb, async (v) => {
      await body(v);
    }),
    fuzzParameters<[T]>(budgetMs),
  );
  if (!details.failed) {
    if (process.env.FUZZ_VERBOSE) console.log(`${name}: ${details.numRuns} inputs, seed ${FUZZ_SEED}`);
    return;
  }
  const [value] = details.counterexample ?? [];
  fs.mkdirSync(FUZZ_OUT_DIR, { recursive: true });
  const saved = path.join(FUZZ_OUT_DIR, `${name.replace(/[^a-z0-9]+/gi, "-")}.json`);
  fs.writeFileSync(saved, JSON.stringify(value, null, 1));
  const cause = details.errorInstance;
  throw new Error(
    `${name}: crash after ${details.numRuns} inputs (seed ${FUZZ_SEED}, path ${details.counterexamplePath}); input saved to ${saved} (${JSON.stringify(value).slice(0, 600)})\n` +
      `${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`,
  );
}
