// Calibration statistics of the numeric report (test process): the qparams equal the pipeline's calibrate
// pass (histogram sites are observed by the report's own HistogramObservers), the histogram, clipping range,
// clipped share and grid use are right, and the activation cache replays calibration exactly.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import type { Engine } from "../../core/src/backends/engine";
import { calibrateWithStatistics, describeRange, downsampleHistogram } from "../../core/src/numeric/calibration-stats";
import { readModel } from "../../core/src/onnx/read";
import { calibrate } from "../../core/src/passes/calibrate";
import { calibrateModel } from "../../core/src/pipeline";
import type { QConfigFile } from "../../core/src/qconfig/types";
import type { FloatExecutor } from "../../core/src/runtime/float-executor";
import { digitsSplit, modelBytes, testCore } from "../golden/pipeline-golden";

async function check(backend: Engine, qconfig?: QConfigFile): Promise<void> {
  const core = await testCore();
  const { calib } = digitsSplit();
  const pipeline = await calibrateModel(core, { model: modelBytes("cnn"), backend, calib, batchSize: 128, qconfig });
  const ours = await calibrateWithStatistics(core, { model: readModel(modelBytes("cnn")), backend, calib, batchSize: 128, qconfig, cacheActivations: true });
  assert.deepEqual([...ours.calibration.activations.keys()], [...pipeline.calibration.activations.keys()]);
  for (const [tensor, want] of pipeline.calibration.activations) {
    const got = ours.calibration.activations.get(tensor)!;
    assert.deepEqual({ ...got }, { ...want }, `${backend} ${tensor}`);
  }
  assert.equal(ours.calibration.batches, 2);
  for (const s of ours.statistics) {
    const a = ours.calibration.activations.get(s.tensor)!;
    assert.equal(s.clip_min, (s.quant_min - a.zeroPoint) * a.scale);
    assert.equal(s.clip_max, (s.quant_max - a.zeroPoint) * a.scale);
    assert.equal(s.histogram.counts.reduce((x, y) => x + y, 0), elementsSeen(ours.cache!, s.tensor), `${s.tensor}: the histogram counts every value`);
    assert.ok(s.range_used > 0 && s.range_used <= 1 && s.int8_levels_used <= s.range_used);
  }
  // The cache replays calibration: the pipeline's calibrate pass on the replayer gives the same qparams.
  const replayed = await calibrate(core, ours.plan, ours.cache!.replayer() as FloatExecutor, ours.data, { batchSize: 128 });
  for (const [tensor, want] of pipeline.calibration.activations) assert.deepEqual({ ...replayed.activations.get(tensor)! }, { ...want });
}

function elementsSeen(cache: NonNullable<Awaited<ReturnType<typeof calibrateWithStatistics>>["cache"]>, tensor: string): number {
  return cache.batches.reduce((n, b) => n + b.values.filter((v) => v.name === tensor).reduce((m, v) => m + v.data.length, 0), 0);
}

test("statistics calibration gives the pipeline's qparams (x86, HistogramObserver)", () => check("x86"));
test("statistics calibration gives the pipeline's qparams (qnnpack)", () => check("qnnpack"));
test("statistics calibration gives the pipeline's qparams (MinMax activations via the calibrate pass)", () =>
  check("x86", { global: { activation: { observer: "minmax" } } }));

test("x86's reduced range clips the digits' white pixels: the clipped share is the share of 1.0 pixels", async () => {
  const core = await testCore();
  const { calib } = digitsSplit();
  const ours = await calibrateWithStatistics(core, { model: readModel(modelBytes("cnn")), backend: "x86", calib, batchSize: 256 });
  const input = ours.statistics.find((s) => s.tensor === "input")!;
  assert.equal(input.role, "input");
  assert.ok(input.clip_max < 1, `x86's 0..127 grid ends below 1.0 (${input.clip_max})`);
  let above = 0;
  for (const v of calib.data) if (v > input.clip_max) above++;
  assert.ok(Math.abs(input.clipped_fraction - above / calib.data.length) < 1e-6, `${input.clipped_fraction} vs ${above / calib.data.length}`);
});

function checkRange(args: Parameters<typeof describeRange>[0], expected: Partial<ReturnType<typeof describeRange>>): void {
  const got = describeRange(args);
  for (const [k, v] of Object.entries(expected)) assert.ok(Math.abs((got as unknown as Record<string, number>)[k] - (v as number)) < 1e-9, `${k}: ${(got as unknown as Record<string, number>)[k]} vs ${v}`);
}

test("describeRange: clipping range, clipped share (partial bins) and grid use", () => {
  const base = { tensor: "t", producer_node: "", role: "output" as const, observer: "minmax" };
  // 4 bins over [0, 4], one value per bin; grid [0, 255] * 0.01 covers [0, 2.55]: bins 3 and 4 are out, bin 3 by 45%.
  checkRange({ ...base, min: 0, max: 4, scale: 0.01, zero_point: 0, quant_min: 0, quant_max: 255, bins: Float32Array.of(1, 1, 1, 1) }, {
    clip_min: 0,
    clip_max: 2.55,
    clipped_fraction: 1.45 / 4,
    range_used: 1,
    int8_levels_used: 1,
  });
  // [−1, 1] on a 0..127 grid of scale 1/63 around 64: levels 1..127 used, half the levels of the full type.
  checkRange({ ...base, min: -1, max: 1, scale: 1 / 63, zero_point: 64, quant_min: 0, quant_max: 127, bins: Float32Array.of(5, 5) }, {
    clipped_fraction: 0,
    range_used: 127 / 128,
    int8_levels_used: 127 / 256,
  });
  assert.deepEqual(downsampleHistogram({ lo: 0, hi: 1, counts: [1, 2, 3, 4] }, 2).counts, [3, 7]);
});
