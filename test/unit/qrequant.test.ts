// Host-side requantization and dynamic-quantization helpers of the linear/conv kernels (test process):
// PyTorch's ChooseQuantizationParams and dynamic input quantization against quantize.json's
// quantize_per_tensor_dynamic cases, and the per-engine epilogue constants on hand-checked values.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { loadSharedJson, goldenTensor } from "../helpers/shared";
import {
  chooseDynamicQParams,
  quantizeDynamicInput,
  requantConstants,
  roundHalfEven,
} from "../../core/src/wasm/qrequant";

interface DynamicCase {
  op: string;
  x: unknown;
  dtype: string;
  reduce_range: boolean;
  out: { int_repr: unknown; scale: number; zero_point: number };
}

function check(c: DynamicCase) {
  const x = goldenTensor(c.x).data as Float32Array;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const q = chooseDynamicQParams(lo, hi, c.reduce_range);
  assert.equal(q.scale, Math.fround(c.out.scale), "scale");
  assert.equal(q.zeroPoint, c.out.zero_point, "zero point");
  const out = new Uint8Array(x.length);
  quantizeDynamicInput(x, q, out);
  assert.deepEqual(Array.from(out), Array.from(goldenTensor(c.out.int_repr).data));
}

test("dynamic input quantization matches PyTorch's quantize_per_tensor_dynamic (quint8)", () => {
  const cases = loadSharedJson<DynamicCase[]>("golden", "kernels", "quantize.json").filter(
    (c) => c.op === "quantize_per_tensor_dynamic" && c.dtype === "quint8",
  );
  assert.ok(cases.length >= 2, "quantize.json has quint8 dynamic cases");
  for (const c of cases) check(c);
});

test("roundHalfEven rounds ties to even like nearbyint", () => {
  assert.deepEqual(
    [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, 2.5001].map(roundHalfEven),
    [0, 2, 2, -0, -2, -2, 2, 3],
  );
});

test("per-engine epilogue constants replay each engine's float sequence", () => {
  const f = Math.fround;
  const bias = Float32Array.of(0.3);
  const [sIn, sW, sOut] = [0.02, 0.005, 0.1];
  const fb = requantConstants("fbgemm", 1, sIn, [sW], bias, sOut);
  const atw = f(f(sIn) * f(sW));
  assert.deepEqual([fb.bint[0], fb.a[0], fb.bf[0], fb.cc[0]], [0, 1, f(f(0.3) / atw), f(atw / f(sOut))]);
  const dn = requantConstants("onednn", 1, sIn, [sW], bias, sOut);
  assert.deepEqual([dn.bint[0], dn.a[0], dn.bf[0], dn.cc[0]], [0, atw, f(0.3), f(1 / sOut)]);
  const qn = requantConstants("qnnpack", 1, sIn, [sW], bias, sOut);
  // 0.3 / (0.02 * 0.005) = 3000: the bias becomes an int32 added to the accumulator.
  assert.deepEqual(
    [qn.bint[0], qn.a[0], qn.bf[0], qn.cc[0]],
    [3000, f(f(f(sW) * f(sIn)) * f(1 / f(sOut))), 0, 1],
  );
});
