// Quantize/dequantize edge cases the golden data lacks: saturation, ties, NaN/inf, empty tensors,
// per-channel axes other than 0, the SIMD body vs its scalar tail, and the memory cap (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { createCore } from "../../core/src/node/load-core";
import { WasmMemoryError } from "../../core/src/wasm/core";
import {
  dequantizePerChannel,
  dequantizePerTensor,
  dtypeRange,
  quantizePerChannel,
  quantizePerTensor,
  quantizePerTensorDynamic,
  type QuantDtype,
} from "../../core/src/wasm/quantize";

const corePromise = createCore();

/** PyTorch's CPU quantize of one float, written independently in JS: f32 reciprocal, f32 product, half-even. */
function referenceQuantize(x: number, scale: number, zeroPoint: number, dtype: QuantDtype): number {
  const inv = Math.fround(1 / Math.fround(scale));
  const t = Math.fround(Math.fround(x) * inv);
  if (Number.isNaN(t)) return zeroPoint;
  let r = t;
  if (Number.isFinite(t)) {
    const f = Math.floor(t);
    const d = t - f;
    r = d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
  }
  const v = Math.fround(r + Math.fround(zeroPoint));
  const { min, max } = dtypeRange(dtype);
  return Math.min(Math.max(v, min), max);
}

async function check(
  x: number[],
  scale: number,
  zeroPoint: number,
  dtype: QuantDtype,
  expected: number[],
): Promise<void> {
  const core = await corePromise;
  const q = quantizePerTensor(core, Float32Array.from(x), scale, zeroPoint, dtype);
  assert.deepEqual(
    Array.from(q),
    expected,
    `quantize ${JSON.stringify(x)} scale ${scale} zp ${zeroPoint} ${dtype}`,
  );
}

test("values past the dtype's range saturate, infinities included", async () => {
  const x = [1e30, -1e30, Infinity, -Infinity, 1e9, -1e9];
  await check(x, 0.1, 0, "quint8", [255, 0, 255, 0, 255, 0]);
  await check(x, 0.1, 5, "qint8", [127, -128, 127, -128, 127, -128]);
  await check(
    x,
    0.1,
    0,
    "qint32",
    [2147483647, -2147483648, 2147483647, -2147483648, 2147483647, -2147483648],
  );
});

test("1e9 to quint8 with scale 1/255, zero point 128 saturates to 255 (PyTorch 2.11 wraps to 0)", async () => {
  await check([1e9, -1e9, 0.5], 1 / 255, 128, "quint8", [255, 0, 255]);
});

test("ties round half to even, and the zero point is added after rounding", async () => {
  await check([0.5, 1.5, 2.5, -0.5, -1.5, -2.5], 1, 0, "qint8", [0, 2, 2, 0, -2, -2]);
  // nearbyint(0.5) + 3 = 3, where nearbyint(3.5) would give 4.
  await check([0.5, 1.5], 1, 3, "quint8", [3, 5]);
});

test("the product uses the float32 reciprocal of the scale, not a division", async () => {
  // fbgemm's own example: x * (1/scale) is exactly 127.5 -> 128, while x / scale is 127.49999 -> 127.
  await check([0.273939937], 0.00214854861, 0, "quint8", [128]);
});

test("qint32 adds the zero point in float32 as PyTorch does", async () => {
  // 2e9 + (-7) rounds back to 2e9 in float32.
  await check([1e9, 5.25], 0.5, -7, "qint32", [2000000000, 3]);
});

test("NaN quantizes to the zero point, in the SIMD body and in the tail", async () => {
  const x = Array.from({ length: 20 }, (_, i) => (i === 3 || i === 18 ? NaN : 0.25));
  const expected = x.map((v) => (Number.isNaN(v) ? 7 : 12));
  await check(x, 0.05, 7, "quint8", expected);
  await check([NaN], 0.05, -3, "qint32", [-3]);
});

test("empty tensors quantize and dequantize to empty arrays", async () => {
  const core = await corePromise;
  assert.equal(quantizePerTensor(core, new Float32Array(0), 0.1, 0, "qint8").length, 0);
  assert.equal(dequantizePerTensor(core, new Int8Array(0), 0.1, 0, "qint8").length, 0);
});

test("every dtype matches the JS reference on random tensors (SIMD body and tail)", async () => {
  const core = await corePromise;
  const dtypes: QuantDtype[] = ["quint8", "qint8", "qint32"];
  fc.assert(
    fc.property(
      fc.float32Array({ maxLength: 70, noDefaultInfinity: false }),
      fc.double({ min: 1e-4, max: 50, noNaN: true }),
      fc.integer({ min: 0, max: 2 }),
      fc.integer({ min: -20, max: 20 }),
      (x, scale, d, zpOffset) => {
        const dtype = dtypes[d];
        const { min, max } = dtypeRange(dtype);
        const zp = Math.min(Math.max((dtype === "quint8" ? 128 : 0) + zpOffset, min), max);
        const q = quantizePerTensor(core, x, scale, zp, dtype);
        for (let i = 0; i < x.length; i++) {
          const want = referenceQuantize(x[i], scale, zp, dtype);
          if (q[i] !== want) throw new Error(`x[${i}] = ${x[i]}: ${q[i]}, want ${want}`);
        }
        const deq = dequantizePerTensor(core, q, scale, zp, dtype);
        for (let i = 0; i < x.length; i++) {
          const want = Math.fround(Math.fround(q[i] - zp) * Math.fround(scale));
          if (deq[i] !== want) throw new Error(`dequant[${i}] of ${q[i]}: ${deq[i]}, want ${want}`);
        }
      },
    ),
    { numRuns: 300 },
  );
});

test("per-channel quantize follows the channel axis (1 and -1) like per-tensor on each slice", async () => {
  const core = await corePromise;
  const shape = [2, 3, 4];
  const x = Float32Array.from({ length: 24 }, (_, i) => Math.sin(i * 1.7) * 3);
  for (const [axis, channels] of [
    [1, 3],
    [-1, 4],
  ]) {
    const scales = Array.from({ length: channels }, (_, c) => 0.01 + 0.013 * c);
    const zps = Array.from({ length: channels }, (_, c) => c - 1);
    const q = quantizePerChannel(core, x, shape, scales, zps, axis, "qint8");
    const channelOf = (i: number) => (axis === 1 ? Math.floor(i / 4) % 3 : i % 4);
    const want = Array.from(x, (v, i) =>
      referenceQuantize(v, scales[channelOf(i)], zps[channelOf(i)], "qint8"),
    );
    assert.deepEqual(Array.from(q), want, `axis ${axis}`);
    const deq = dequantizePerChannel(core, q, shape, scales, zps, axis, "qint8");
    const wantDeq = Array.from(q, (v, i) => Math.fround((v - zps[channelOf(i)]) * scales[channelOf(i)]));
    assert.deepEqual(Array.from(deq), wantDeq, `dequantize axis ${axis}`);
  }
});

test("bad quantization parameters are refused with a clear RangeError", async () => {
  const core = await corePromise;
  const x = Float32Array.of(1, 2, 3, 4, 5, 6);
  assert.throws(() => quantizePerTensor(core, x, 0, 0, "quint8"), /scale must be a positive finite number/);
  assert.throws(
    () => quantizePerTensor(core, x, 0.1, 300, "quint8"),
    /zero point 300 is outside quint8's range/,
  );
  assert.throws(
    () => quantizePerChannel(core, x, [2, 3], [0.1, 0.1], [0, 0], 1, "qint8"),
    /axis 1 has 3 channels but 2 scales/,
  );
  assert.throws(
    () => quantizePerChannel(core, x, [2, 3], [0.1, 0.1], [0, 0], 2, "qint8"),
    /channel axis 2 is out of range/,
  );
  assert.throws(
    () => quantizePerChannel(core, x, [4, 2], [0.1, 0.1], [0, 0], 1, "qint8"),
    /do not fill shape/,
  );
});

test("dynamic quantization: reduce_range is ignored under qnnpack; empty and NaN inputs are refused", async () => {
  const core = await corePromise;
  const x = Float32Array.from({ length: 40 }, (_, i) => Math.cos(i) * 4);
  const reduced = quantizePerTensorDynamic(core, x, "quint8", true);
  const full = quantizePerTensorDynamic(core, x, "quint8", false);
  const qnnpack = quantizePerTensorDynamic(core, x, "quint8", true, "qnnpack");
  assert.ok(reduced.scale > full.scale * 1.9, "reduce_range halves the integer range");
  assert.deepEqual(qnnpack, full);
  assert.ok(Math.max(...reduced.data) <= 127);
  assert.throws(() => quantizePerTensorDynamic(core, new Float32Array(0), "qint8", false), /empty tensor/);
  assert.throws(
    () => quantizePerTensorDynamic(core, Float32Array.of(1, NaN), "qint8", false),
    /NaN at index 1/,
  );
});

test("a tensor past the memory cap raises WasmMemoryError and leaves the core usable", async () => {
  const core = await createCore({ memoryCapBytes: 4 * 1024 * 1024 });
  assert.throws(
    () => quantizePerTensor(core, new Float32Array(2_000_000), 0.1, 0, "quint8"),
    WasmMemoryError,
  );
  assert.deepEqual(Array.from(quantizePerTensor(core, Float32Array.of(1, 2), 0.5, 0, "quint8")), [2, 4]);
});
