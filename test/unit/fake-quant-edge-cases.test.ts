// Fake-quant behaviour the golden data lacks: clamping, ties, NaN, per-channel axes other than 0, the
// backends' default QAT modules against qconfig_defaults.json, and the fused module's two sets of
// qparams (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { createCore } from "../../core/src/node/load-core";
import {
  QAT_BACKENDS,
  createFusedMovingAvgObsFakeQuantize,
  defaultQatFakeQuantSpec,
  fakeQuantizePerChannel,
  fakeQuantizePerTensor,
} from "../../core/src/wasm/fake-quant";
import { loadSharedJson } from "../helpers/shared";

const corePromise = createCore();
const f = Math.fround;

async function check(
  x: number[],
  scale: number,
  zeroPoint: number,
  quantMin: number,
  quantMax: number,
  expected: number[],
) {
  const core = await corePromise;
  const out = fakeQuantizePerTensor(core, Float32Array.from(x), scale, zeroPoint, quantMin, quantMax);
  assert.deepEqual(
    Array.from(out),
    expected,
    `fake-quantize ${JSON.stringify(x)} scale ${scale} zp ${zeroPoint}`,
  );
}

test("fake quantization clamps to [quant_min, quant_max] around the zero point", async () => {
  await check([-10, 10, 0.26], 0.5, 4, 0, 15, [f(-4 * 0.5), f(11 * 0.5), f(1 * 0.5)]);
  await check([Infinity, -Infinity], 0.25, 0, -8, 7, [f(7 * 0.25), f(-8 * 0.25)]);
});

test("fake quantization rounds ties half to even and keeps NaN", async () => {
  await check([0.5, 1.5, 2.5, -2.5], 1, 0, -128, 127, [0, 2, 2, -2]);
  const core = await corePromise;
  const out = fakeQuantizePerTensor(core, Float32Array.of(NaN, 1), 0.1, 0, 0, 255);
  assert.ok(Number.isNaN(out[0]));
  assert.equal(out[1], f(10 * f(0.1)));
});

test("per-channel fake quantization along the last axis equals per-tensor on each channel", async () => {
  const core = await corePromise;
  const shape = [3, 4];
  const x = Float32Array.from({ length: 12 }, (_, i) => Math.cos(i * 0.9) * 2);
  const scales = [0.01, 0.02, 0.05, 0.1];
  const zps = [0, 3, -2, 10];
  const out = fakeQuantizePerChannel(core, x, shape, scales, zps, -1, -128, 127);
  for (let i = 0; i < 12; i++) {
    const c = i % 4;
    const one = fakeQuantizePerTensor(core, x.subarray(i, i + 1), scales[c], zps[c], -128, 127);
    assert.equal(out[i], one[0], `element ${i}`);
  }
  assert.throws(
    () => fakeQuantizePerChannel(core, x, shape, scales, zps, 0, -128, 127),
    /axis 0 has 3 channels but 4 scales/,
  );
});

interface QatObj {
  dtype: string;
  qscheme: string;
  quant_min: string;
  quant_max: string;
  ch_axis?: string;
  observer: string;
}

test("the default QAT fake-quant modules match get_default_qat_qconfig of every backend", async () => {
  const core = await corePromise;
  const defaults = loadSharedJson<Record<string, { qat: Record<string, QatObj> }>>(
    "golden",
    "qconfig_defaults.json",
  );
  for (const backend of QAT_BACKENDS) {
    for (const role of ["activation", "weight"] as const) {
      const want = defaults[backend].qat[`${role}_obj`];
      const spec = defaultQatFakeQuantSpec(backend, role);
      const fq = createFusedMovingAvgObsFakeQuantize(core, spec);
      const where = `${backend} ${role}`;
      assert.equal(`torch.${spec.dtype}`, want.dtype, where);
      assert.equal(`torch.${spec.qscheme}`, want.qscheme, where);
      assert.deepEqual([fq.quantMin, fq.quantMax], [Number(want.quant_min), Number(want.quant_max)], where);
      const observer =
        spec.observer === "moving_average_minmax"
          ? "MovingAverageMinMaxObserver"
          : "MovingAveragePerChannelMinMaxObserver";
      assert.equal(observer, want.observer, where);
      fq.dispose();
    }
  }
});

test("the fused step fake-quantizes with fbgemm's qparams while calculate_qparams uses the observer's", async () => {
  const core = await corePromise;
  const fq = createFusedMovingAvgObsFakeQuantize(core, defaultQatFakeQuantSpec("qnnpack", "weight"));
  const x = Float32Array.of(-1.28, 0.5, 2.54, -0.01);
  const step = fq.step(x, [2, 2]);
  assert.deepEqual(Array.from(fq.minVal), [f(-1.28)]);
  assert.deepEqual(Array.from(fq.maxVal), [f(2.54)]);
  // Symmetric qint8 [-128, 127]: the step uses max(|min|/128, max/127), the observer max|x|/127.5.
  assert.equal(step.scales[0], f(f(2.54) / 127));
  assert.equal(step.zeroPoints[0], 0);
  assert.equal(fq.calculateQParams().scales[0], f(f(2.54) / f(127.5)));
  assert.equal(step.out[2], f(127 * step.scales[0]));
  // The second step moves min/max by the default averaging constant 0.01.
  fq.step(Float32Array.of(-5, 0, 0, 5), [2, 2]);
  assert.deepEqual(Array.from(fq.minVal), [f(f(-1.28) + f(f(0.01) * f(-5 - f(-1.28))))]);
  assert.throws(() => fq.step(new Float32Array(0), [0]), /empty tensor/);
  fq.dispose();
  assert.throws(() => fq.step(x, [4]), /disposed/);
});

test("a per-channel fused module refuses a channel axis other than 0, as PyTorch's fused op", async () => {
  const core = await corePromise;
  assert.throws(
    () =>
      createFusedMovingAvgObsFakeQuantize(core, { ...defaultQatFakeQuantSpec("x86", "weight"), chAxis: 1 }),
    /only supported on axis 0/,
  );
});
