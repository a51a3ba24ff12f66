// The report view model (core/src/report/view/model.ts, shared by the HTML report and the side panel) from a
// numeric report: SQNR series (null = exact), sensitivity order and units, the suggestion sentence, clipping
// ranges for the histograms (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import type { NumericLayer, NumericReport } from "../../core/src/report/numeric-schema";
import { numericView } from "../../core/src/report/view/model";

const metrics = { sqnr_db: 30, mse: 1e-3, max_abs_error: 0.1, cosine: 0.999 };
const variant = { output_sqnr_db: 25, agreement: 0.99, drop_points: 1, accuracy: 0.95 };

function layer(node: string, extra: Partial<NumericLayer>): NumericLayer {
  return { node, ops: ["Conv", "Relu"], torch: "nni.ConvReLU2d", output: `${node}:out`, scale: 0.1, zero_point: 0, weight_sqnr_db: null, activation_sqnr_db: 30, shadow_sqnr_db: 35, activation: { propagated: metrics, shadow: metrics }, ...extra };
}

function check(report: NumericReport, expected: { series: unknown; ranked: string[]; suggestion?: RegExp; clip: [number, number] }): void {
  const v = numericView(report);
  assert.deepEqual(v.layers.map((l) => l.sqnr), expected.series);
  assert.deepEqual(v.ranked.map((l) => l.node), expected.ranked);
  if (expected.suggestion) assert.match(v.suggestion!, expected.suggestion);
  else assert.equal(v.suggestion, undefined);
  assert.deepEqual([v.activations[0].clipMin, v.activations[0].clipMax], expected.clip);
  assert.ok(v.summary.some((s) => s.label === "Top-1 accuracy" && /drop 1\.00 points/.test(s.value)));
}

const base: NumericReport = {
  version: 1,
  kind: "quantscope.numeric-report",
  model: "m.onnx",
  backend: "x86",
  calibration: { samples: 8, batch_size: 8, batches: 1 },
  data: { samples: 100, labeled: true },
  result: { ...variant, float_accuracy: 0.96 },
  layers: [
    layer("a", { weight_sqnr_db: null, weight: { tensor: "w", qscheme: "per_channel_symmetric", shape: [2, 1], metrics, per_channel: [metrics, metrics] }, sensitivity: { rank: 2, gain_points: 0.5, gain_sqnr_db: 3, only_this_int8: variant, all_but_this: variant } }),
    layer("b", { weight_sqnr_db: 40, weight: { tensor: "w2", qscheme: "per_channel_symmetric", shape: [2, 1], metrics, per_channel: [] }, activation_sqnr_db: null, sensitivity: { rank: 1, gain_points: 1, gain_sqnr_db: null, only_this_int8: variant, all_but_this: variant } }),
    layer("c", { activation: { propagated: metrics }, shadow_sqnr_db: null }),
  ],
  quant_stubs: [],
  calibration_stats: [
    { tensor: "input", producer_node: "", role: "input", observer: "histogram", min: -1, max: 1, scale: 0.5, zero_point: 2, quant_min: 0, quant_max: 3, clip_min: -1, clip_max: 0.5, clipped_fraction: 0.1, range_used: 1, int8_levels_used: 0.015625, histogram: { lo: -1, hi: 1, counts: [1, 2] } },
  ],
  float_nodes: [],
  sensitivity: { metric: "accuracy", ranking: ["b", "a"], suggestion: { target_drop_points: 0.5, keep_in_float: ["b"], result: { ...variant, drop_points: 0.25 }, met: true } },
};

test("numericView: SQNR series with exact values as Infinity, ranking and suggestion", () =>
  check(base, {
    series: [
      { weight: Infinity, propagated: 30, shadow: 35 },
      { weight: 40, propagated: Infinity, shadow: 35 },
      { propagated: 30 },
    ],
    ranked: ["b", "a"],
    suggestion: /^Keep b in float: measured accuracy drop 0\.25 points \(target 0\.5\)\.$/,
    clip: [-1, 0.5],
  }));

test("numericView: an unmet target says so; no sensitivity, no ranking", () => {
  const unmet = { ...base, sensitivity: { ...base.sensitivity!, suggestion: { ...base.sensitivity!.suggestion!, met: false } } };
  check(unmet, { series: numericView(base).layers.map((l) => l.sqnr), ranked: ["b", "a"], suggestion: /^No set of layers meets the 0\.5-point target; the best found keeps b in float/, clip: [-1, 0.5] });
  const none: NumericReport = { ...base, sensitivity: undefined, layers: base.layers.map(({ sensitivity: _s, ...l }) => l) };
  check(none, { series: numericView(base).layers.map((l) => l.sqnr), ranked: [], clip: [-1, 0.5] });
  const b = numericView(base).layers[1];
  assert.equal(b.sensitivity, Infinity);
  assert.equal(b.sensitivityPoints, 1);
});
