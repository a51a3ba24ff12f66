// Quantized quint8 activations with each PyTorch engine's exact integers (WASM): relu, relu6 (a clamp
// in the quantized domain), hardswish, sigmoid, tanh and leaky_relu.
//
// Every non-trivial activation is a pure function of the input byte, so it runs as a 256-entry
// lookup table built once per call:
// - qnnpack builds exactly such a table in pytorch_qnnp_create_{hardswish,sigmoid,tanh,leaky_relu}
//   (float32 arithmetic, lrintf); we reproduce its formula per entry.
// - x86 / fbgemm / onednn run ATen's dequantize -> float op -> quantize loops: the vectorized body
//   dequantizes with an FMA and uses Sleef's exp/tanh, the scalar tail uses scale * (q - zp) and
//   libm. We build one table per path (util/lut.ts applies each to its part of the loop). Sleef's
//   expf is reproduced bit for bit (util/float-exact.ts); its tanhf and glibc's expf/tanhf are
//   replaced by the correctly rounded value, so tanh's integers (and sigmoid's scalar tail) can
//   differ only where the float result sits within an ulp of a rounding tie.
// Kernels that take `scratch` need 512 bytes there; `loopStep` and `chunk` describe ATen's loop
// (util/lut.ts: its vectorized step, and the per-thread chunk length or 0; unused for qnnpack).
import { ENGINE_QNNPACK } from "../util/engine";
import { fmaF32, quantizeU8, lrintF32, clampU8, sleefExpF32 } from "../util/float-exact";
import { applyLutU8, applySplitLutU8 } from "../util/lut";

/** Output quantization PyTorch fixes for quint8 sigmoid (1/256, 0) and tanh (2/256, 128). */
const SIGMOID_SCALE: f64 = 0.00390625;
const TANH_SCALE: f64 = 0.0078125;

/** relu: max(q, zero_point), 16 bytes a step. */
export function qrelu_u8(src: usize, dst: usize, n: i32, zeroPoint: i32): void {
  qclamp_u8(src, dst, n, zeroPoint, 255);
}

/** dst = min(max(src, lo), hi) on bytes; relu6 is lo = zero point, hi = quantize(6.0). */
export function qclamp_u8(src: usize, dst: usize, n: i32, lo: i32, hi: i32): void {
  const vlo = i8x16.splat(<i8>lo);
  const vhi = i8x16.splat(<i8>hi);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const v = v128.load(src + <usize>i);
    v128.store(dst + <usize>i, i8x16.min_u(i8x16.max_u(v, vlo), vhi));
  }
  for (; i < n; i++) {
    let v = <i32>load<u8>(src + <usize>i);
    v = v < lo ? lo : v > hi ? hi : v;
    store<u8>(dst + <usize>i, <u8>v);
  }
}

/** The quantized value of 6.0 in (scale, zp): relu6's upper bound, via quantize_val. */
export function qrelu6_upper_u8(scale: f64, zeroPoint: i32): i32 {
  return quantizeU8(6.0, <f32>1.0 / <f32>scale, zeroPoint);
}

// ---- hardswish -------------------------------------------------------------------------------

function hardswishF32(x: f32): f32 {
  return (x * min<f32>(max<f32>(x + 3.0, 0.0), 6.0)) / 6.0;
}

export function qhardswish_u8(
  src: usize,
  dst: usize,
  n: i32,
  inScale: f64,
  inZp: i32,
  outScale: f64,
  outZp: i32,
  engine: i32,
  loopStep: i32,
  chunk: i32,
  scratch: usize,
): void {
  const s = <f32>inScale;
  if (engine == ENGINE_QNNPACK) {
    const inv: f32 = <f32>1.0 / <f32>outScale;
    for (let i = 0; i < 256; i++) {
      const x: f32 = s * <f32>(i - inZp);
      const y: f32 = inv * hardswishF32(x) + <f32>outZp;
      store<u8>(scratch + <usize>i, <u8>clampU8(lrintF32(min<f32>(max<f32>(y, 0), 255))));
    }
    applyLutU8(src, dst, n, scratch);
    return;
  }
  // Vectorized body: o_inv_scale = (float)(1.0 / o_scale) in double; tail: quantize_val's 1.0f / (float)scale.
  const vecInv = <f32>(1.0 / outScale);
  const tailInv: f32 = <f32>1.0 / <f32>outScale;
  const premul: f32 = s * <f32>-inZp;
  for (let i = 0; i < 256; i++) {
    store<u8>(scratch + <usize>i, <u8>quantizeU8(hardswishF32(fmaF32(s, <f32>i, premul)), vecInv, outZp));
    store<u8>(scratch + 256 + <usize>i, <u8>quantizeU8(hardswishF32(s * <f32>(i - inZp)), tailInv, outZp));
  }
  applySplitLutU8(src, dst, n, scratch, scratch + 256, loopStep, chunk);
}

// ---- sigmoid ---------------------------------------------------------------------------------

/** sigmoid. Returns 1 under qnnpack for an output other than its fixed (1/256, 0), which PyTorch rejects. */
export function qsigmoid_u8(
  src: usize,
  dst: usize,
  n: i32,
  inScale: f64,
  inZp: i32,
  outScale: f64,
  outZp: i32,
  engine: i32,
  loopStep: i32,
  chunk: i32,
  scratch: usize,
): i32 {
  const s = <f32>inScale;
  if (engine == ENGINE_QNNPACK) {
    if (!(outScale == SIGMOID_SCALE && outZp == 0)) return 1;
    for (let i = 0; i < 256; i++) {
      const x: f32 = s * <f32>(i - inZp);
      const scaled: f32 = <f32>256.0 / (<f32>1.0 + <f32>Math.exp(<f64>-x));
      store<u8>(scratch + <usize>i, <u8>lrintF32(min<f32>(max<f32>(scaled, 0), 255)));
    }
    applyLutU8(src, dst, n, scratch);
    return 0;
  }
  // Both paths dequantize as (q - zp) * scale here (the two-argument Vectorized::dequantize).
  const vecInv = <f32>(1.0 / outScale);
  const tailInv: f32 = <f32>1.0 / <f32>outScale;
  for (let i = 0; i < 256; i++) {
    const x: f32 = <f32>(i - inZp) * s;
    const vecY: f32 = <f32>1.0 / (<f32>1.0 + sleefExpF32(-x));
    const tailY = <f32>(1.0 / (1.0 + <f64><f32>Math.exp(<f64>-x)));
    store<u8>(scratch + <usize>i, <u8>quantizeU8(vecY, vecInv, outZp));
    store<u8>(scratch + 256 + <usize>i, <u8>quantizeU8(tailY, tailInv, outZp));
  }
  applySplitLutU8(src, dst, n, scratch, scratch + 256, loopStep, chunk);
  return 0;
}

// ---- tanh ------------------------------------------------------------------------------------

/** tanh into PyTorch's fixed quint8 output (2/256, 128). */
export function qtanh_u8(src: usize, dst: usize, n: i32, inScale: f64, inZp: i32, engine: i32, loopStep: i32, chunk: i32, scratch: usize): void {
  const s = <f32>inScale;
  if (engine == ENGINE_QNNPACK) {
    for (let i = 0; i < 256; i++) {
      const x: f32 = s * <f32>(i - inZp);
      const scaled = <f32>(128.0 * Math.tanh(<f64>x) + 128.0);
      store<u8>(scratch + <usize>i, <u8>lrintF32(min<f32>(max<f32>(scaled, 0), 255)));
    }
    applyLutU8(src, dst, n, scratch);
    return;
  }
  const inv = <f32>(1.0 / TANH_SCALE);
  const premul: f32 = s * <f32>-inZp;
  for (let i = 0; i < 256; i++) {
    const vecX = fmaF32(s, <f32>i, premul);
    const tailX: f32 = s * <f32>(i - inZp);
    store<u8>(scratch + <usize>i, <u8>quantizeU8(<f32>Math.tanh(<f64>vecX), inv, 128));
    store<u8>(scratch + 256 + <usize>i, <u8>quantizeU8(<f32>Math.tanh(<f64>tailX), inv, 128));
  }
  applySplitLutU8(src, dst, n, scratch, scratch + 256, loopStep, chunk);
}

// ---- leaky_relu ------------------------------------------------------------------------------

/** Returns 0, or 1 when qnnpack would refuse the slope or the input/output scale ratio. */
export function qleaky_relu_u8(
  src: usize,
  dst: usize,
  n: i32,
  negativeSlope: f64,
  inScale: f64,
  inZp: i32,
  outScale: f64,
  outZp: i32,
  engine: i32,
  loopStep: i32,
  chunk: i32,
  scratch: usize,
): i32 {
  const slope = <f32>negativeSlope;
  const s = <f32>inScale;
  if (engine == ENGINE_QNNPACK) {
    const ratio: f32 = s / <f32>outScale;
    if (!(slope > 0 && slope <= 1 && ratio >= 0.00390625 && ratio < 256)) return 1;
    const lo = <f32>(<i32>0 - outZp);
    const hi = <f32>(<i32>255 - outZp);
    for (let i = 0; i < 256; i++) {
      const x: f32 = ratio * <f32>(i - inZp);
      let y: f32 = x < 0 ? x * slope : x;
      y = min<f32>(max<f32>(y, lo), hi);
      store<u8>(scratch + <usize>i, <u8>clampU8(lrintF32(y) + outZp));
    }
    applyLutU8(src, dst, n, scratch);
    return 0;
  }
  const inv: f32 = <f32>1.0 / <f32>outScale;
  const premul: f32 = s * <f32>-inZp;
  for (let i = 0; i < 256; i++) {
    const vx = fmaF32(s, <f32>i, premul);
    const vy: f32 = vx * (vx > 0 ? <f32>1.0 : slope);
    const tx: f32 = s * <f32>(i - inZp);
    const ty: f32 = tx > 0 ? tx : tx * slope;
    store<u8>(scratch + <usize>i, <u8>quantizeU8(vy, inv, outZp));
    store<u8>(scratch + 256 + <usize>i, <u8>quantizeU8(ty, inv, outZp));
  }
  applySplitLutU8(src, dst, n, scratch, scratch + 256, loopStep, chunk);
  return 0;
}
