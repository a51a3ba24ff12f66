// Property tests for the qconfig tools on generated files: every quick fix removes a finding of its code without
// breaking the JSON, and checking, completion and hover never throw at any position (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import { checkQconfigText } from "../../core/src/qconfig/check";
import { qconfigCompletions } from "../../core/src/qconfig/complete";
import { qconfigHover } from "../../core/src/qconfig/hover";
import { LineIndex } from "../../core/src/qconfig/json-ast";
import type { TextEdit } from "../../core/src/diagnostics";

/** Mostly valid values per key (so the semantic rules get exercised), with the usual mistakes mixed in. */
const observerConfig = fc.record(
  {
    observer: fc.constantFrom("minmax", "histogram", "per_channel_minmax", "moving_average_minmax", "moving_average_per_channel_minmax", "percentile", "entropy", "HistogramObserver"),
    dtype: fc.constantFrom("quint8", "qint8", "qint32", "torch.qint8"),
    qscheme: fc.constantFrom("per_tensor_affine", "per_tensor_symmetric", "per_channel_affine", "per_channel_symmetric"),
    reduceRange: fc.constantFrom(true, false, true, false, "true"),
    quantMin: fc.constantFrom(-128, -127, -64, 0, 1, 100),
    quantMax: fc.constantFrom(127, 255, 63, 0, 128, -1),
    chAxis: fc.constantFrom(0, 1),
    averagingConstant: fc.constantFrom(0.01, 0.5),
    bins: fc.constantFrom(128, 2048),
    percentile: fc.constantFrom(99.9, 99.999),
    reduce_range: fc.constantFrom(true, false),
  },
  { requiredKeys: [] },
);
const entry = fc.record({ activation: observerConfig, weight: observerConfig }, { requiredKeys: [] });
const file = fc.record(
  {
    backend: fc.constantFrom("x86", "fbgemm", "qnnpack", "onednn", "arm"),
    global: entry,
    opTypes: fc.dictionary(fc.constantFrom("Conv", "ConvTranspose", "Sigmoid", "conv", "Gemm", "PRelu"), fc.option(entry, { nil: null }), { maxKeys: 3 }),
    nodes: fc.dictionary(fc.constantFrom("/a/Conv", "/b/Gemm"), fc.option(entry, { nil: null }), { maxKeys: 2 }),
  },
  { requiredKeys: [] },
);

function apply(text: string, edits: TextEdit[]): string {
  const lines = new LineIndex(text);
  const sorted = edits.map((e) => ({ s: lines.offsetAt(e.range.start), e: lines.offsetAt(e.range.end), t: e.newText })).sort((a, b) => b.s - a.s);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.s) + e.t + out.slice(e.e);
  return out;
}

test("every fix removes a finding of its code and keeps the JSON valid", () => {
  fc.assert(
    fc.property(file, fc.integer({ min: 0, max: 2 }), (f, indent) => {
      const text = JSON.stringify(f, null, indent);
      const findings = checkQconfigText(text);
      assert.ok(!findings.some((x) => x.code === "QS800"), "generated JSON is valid");
      for (const finding of findings) {
        for (const fix of finding.fixes ?? []) {
          const fixed = apply(text, fix.edits);
          assert.doesNotThrow(() => JSON.parse(fixed), `fix "${fix.title}" for ${finding.code} keeps valid JSON:\n${fixed}`);
          const before = findings.filter((x) => x.code === finding.code).length;
          const after = checkQconfigText(fixed).filter((x) => x.code === finding.code).length;
          assert.ok(after < before, `fix "${fix.title}" removes a ${finding.code} (${finding.message})\n${text}\n->\n${fixed}`);
        }
      }
    }),
    { numRuns: 150 },
  );
});

test("completion and hover never throw, at every position of damaged files", () => {
  fc.assert(
    fc.property(file, fc.nat(), fc.constantFrom("", "{", "}", '"', ",", ":", "\n", "[", "\\"), (f, cut, junk) => {
      const t = JSON.stringify(f, null, 1);
      const p = cut % (t.length + 1);
      const text = t.slice(0, p) + junk + t.slice(p);
      const lines = new LineIndex(text);
      checkQconfigText(text);
      for (let o = 0; o <= text.length; o += 7) {
        const pos = lines.positionAt(o);
        qconfigCompletions(text, pos);
        qconfigHover(text, pos);
      }
    }),
    { numRuns: 40 },
  );
});
