// Fuzz suite for qconfig JSON (test process): random text, mutated valid files, deep nesting, huge files and
// values of every JSON type at every key. parseQconfig must return a config or throw a one-line InputError;
// checking, completion, hover and symbols must answer at any position without throwing.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import { parseQconfig } from "../../core/src/qconfig/parse";
import { checkQconfigText } from "../../core/src/qconfig/check";
import { qconfigCompletions } from "../../core/src/qconfig/complete";
import { qconfigHover } from "../../core/src/qconfig/hover";
import { qconfigSymbols } from "../../core/src/qconfig/symbols";
import { acceptOnlyInputErrors, fuzz } from "./fuzz-options";

const VALID = JSON.stringify(
  {
    backend: "x86",
    global: { activation: { observer: "histogram", dtype: "quint8", reduce_range: true }, weight: { observer: "per_channel_minmax", dtype: "qint8" } },
    opTypes: { Conv: { weight: { observer: "per_channel_minmax" } }, Sigmoid: null },
    nodes: { "/features/0/Conv": { activation: { observer: "minmax" } }, "/classifier/Gemm": null },
    calibration: { batchSize: 32 },
  },
  null,
  2,
);

/** Every tool on one text, at a few positions (start, middle, end, past the end). */
function exercise(text: string): void {
  acceptOnlyInputErrors(() => parseQconfig(text, "m.qconfig.json"), /unknown (key|op type|observer|dtype)|\[QS8\d\d\]/);
  for (const f of checkQconfigText(text)) assert.ok(f.message.length > 0 && f.range.start.line >= 0);
  qconfigSymbols(text);
  const lines = text.split("\n");
  for (const position of [
    { line: 0, character: 0 },
    { line: lines.length >> 1, character: 3 },
    { line: lines.length - 1, character: lines[lines.length - 1].length },
    { line: lines.length + 5, character: 99 },
  ]) {
    qconfigCompletions(text, position);
    qconfigHover(text, position);
  }
}

const jsonValue = fc.jsonValue({ maxDepth: 4 });
const key = fc.constantFrom("backend", "global", "opTypes", "nodes", "activation", "weight", "observer", "dtype", "qscheme", "reduce_range", "quant_min", "quant_max", "ch_axis", "calibration", "batchSize", "__proto__", "constructor", "");

test("random text and JSON of any shape", () => {
  fuzz("qconfig-random", fc.oneof(fc.string({ unit: "binary", maxLength: 300 }), fc.json({ maxDepth: 5 }), fc.dictionary(key, jsonValue).map((o) => JSON.stringify(o))), exercise);
});

test("mutated valid files: cut, spliced and retyped", () => {
  const mutation = fc.tuple(fc.nat(), fc.nat({ max: 30 }), fc.oneof(fc.constantFrom("{", "}", "[", "]", ",", ":", '"', "\\", "null", "1e999", "-0", "\u0000", "\ud800", "true"), fc.string({ maxLength: 6 })));
  fuzz("qconfig-mutated", fc.array(mutation, { minLength: 1, maxLength: 6 }), (edits) => {
    let text = VALID;
    for (const [at, del, insert] of edits) {
      const i = at % (text.length + 1);
      text = text.slice(0, i) + insert + text.slice(Math.min(text.length, i + del));
    }
    exercise(text);
  });
});

test("pathological files: deep nesting, huge arrays, long strings, duplicate keys", () => {
  const cases = [
    "[".repeat(100_000),
    `{"nodes": ${"{".repeat(50_000)}${"}".repeat(50_000)}}`,
    `{"global": ${"[".repeat(20_000)}${"]".repeat(20_000)}}`,
    `{"backend": "${"x".repeat(1_000_000)}"}`,
    `{"nodes": {${Array.from({ length: 50_000 }, (_, i) => `"/n${i}/Conv": null`).join(",")}}}`,
    `{"backend": "x86", "backend": "qnnpack", "backend": 3}`,
    `{"calibration": {"batchSize": 1e400}}`,
    `{"global": {"activation": {"quant_min": -9007199254740993, "quant_max": 9007199254740993}}}`,
  ];
  for (const text of cases) exercise(text);
});

// A key holding a newline (the JSON escape \n) is quoted with JSON escapes, so the diagnostic and
// parseQconfig's InputError stay on one line.
test("finding messages quote damaged keys on one line", () => {
  const text = '{"a\\nb": 1}';
  for (const f of checkQconfigText(text)) assert.ok(!f.message.includes("\n"), JSON.stringify(f.message));
});
