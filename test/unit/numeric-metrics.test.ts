// Error metrics of the numeric report (test process): SQNR as torch.ao.ns computes it (20 log10 of the
// norm ratio), MSE, max abs error, cosine, per channel, and dequantized weights (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { dequantizeWeight } from "../../core/src/numeric/compare-weights";
import { errorMetrics, finiteOrNull, perChannelMetrics, sqnrDb } from "../../core/src/numeric/metrics";
import type { QuantizedWeight } from "../../core/src/passes/convert";

function check(ref: number[], got: number[], expected: { sqnr_db: number; mse: number; max_abs_error: number; cosine: number }): void {
  const m = errorMetrics(ref, got);
  for (const k of ["sqnr_db", "mse", "max_abs_error", "cosine"] as const) {
    if (!Number.isFinite(expected[k])) assert.equal(m[k], expected[k], k);
    else assert.ok(Math.abs(m[k] - expected[k]) < 1e-12, `${k}: ${m[k]} vs ${expected[k]}`);
  }
  assert.equal(m.count, ref.length);
}

test("metrics: PyTorch's SQNR definition and the others", () => {
  // ||x|| = 5, ||x - y|| = 0.5: 20 log10(10) = 20 dB.
  check([3, 4], [3, 3.5], { sqnr_db: 20, mse: 0.125, max_abs_error: 0.5, cosine: (9 + 14) / (5 * Math.hypot(3, 3.5)) });
  check([1, -2, 3], [1, -2, 3], { sqnr_db: Infinity, mse: 0, max_abs_error: 0, cosine: 1 });
  check([0, 0], [1, 0], { sqnr_db: -Infinity, mse: 0.5, max_abs_error: 1, cosine: 0 });
  check([0, 0], [0, 0], { sqnr_db: Infinity, mse: 0, max_abs_error: 0, cosine: 1 });
  assert.equal(sqnrDb([2, 0], [1, 0]), 20 * Math.log10(2));
  assert.equal(finiteOrNull(Infinity), null);
  assert.equal(finiteOrNull(3), 3);
  assert.throws(() => errorMetrics([1], [1, 2]), /cannot compare 1 values with 2/);
});

test("metrics per channel follow the axis", () => {
  // shape [2, 2, 2], axis 1: channel 0 = elements 0,1,4,5; channel 1 = 2,3,6,7 (only channel 1 has error).
  const ref = [1, 1, 1, 1, 1, 1, 1, 1];
  const got = [1, 1, 0.5, 1, 1, 1, 1, 1];
  const [c0, c1] = perChannelMetrics(ref, got, [2, 2, 2], 1);
  assert.equal(c0.sqnr_db, Infinity);
  assert.ok(Math.abs(c1.sqnr_db - 20 * Math.log10(2 / 0.5)) < 1e-12);
  assert.equal(c1.count, 4);
  assert.throws(() => perChannelMetrics(ref, got, [2, 2, 2], 3), /out of range/);
});

test("dequantizeWeight: per channel and per tensor, as Tensor.dequantize", () => {
  const w = (scales: number[], zps: number[], axis?: number): QuantizedWeight => ({
    tensor: "w",
    node: "n",
    data: Int8Array.of(-2, 3, 4, -5),
    dims: [2, 2],
    qscheme: axis === undefined ? "per_tensor_symmetric" : "per_channel_symmetric",
    scales: Float32Array.from(scales),
    zeroPoints: Int32Array.from(zps),
    axis,
    float: new Float32Array(4),
  });
  assert.deepEqual([...dequantizeWeight(w([0.5, 0.25], [0, 1], 0))], [-1, 1.5, 0.75, -1.5]);
  assert.deepEqual([...dequantizeWeight(w([0.5], [0]))], [-1, 1.5, 2, -2.5]);
});
