// Float32 <-> quantized tensor conversion with PyTorch's exact CPU arithmetic (WASM).
// PyTorch (fbgemm::Quantize<T, LEGACY=false>, ATen quantize_val) computes
//   q = clamp(zero_point + nearbyint(x * (1.0f / (float)scale)), qmin, qmax)
// in float32: the reciprocal is taken once in f32, the product is one f32 multiply (no FMA), and
// nearbyint rounds half to even. We saturate values past the dtype's range (+/-inf included) where
// PyTorch's AVX2 path wraps for |x * inv_scale| >= 2^31; NaN quantizes to the zero point.
// Dequantize is (float)(q - zero_point) * (float)scale, one f32 rounding, as fbgemm::Dequantize.
import { DTYPE_QINT32, DTYPE_QINT8, DTYPE_QUINT8, dtypeMax, dtypeMin, chooseQParams, chosenScale, chosenZeroPoint } from "./util/qparams";
import { minMaxF32, reducedMax, reducedMin } from "./util/reduce";

// Past this magnitude every 8-bit result saturates; keeps f32 zero-point addition exact.
const CLIP_8BIT: f32 = 16777216.0;

/**
 * One element, any dtype: zero_point + nearbyint(x * invScale), saturated, NaN -> zero point. The
 * zero point is added in float32 as PyTorch does (it matters for qint32: 2e9 + -7 stays 2e9).
 */
// @ts-ignore: decorator
@inline
export function quantizeOne(x: f32, invScale: f32, zeroPoint: i32, qmin: f64, qmax: f64): i32 {
  const r = nearest<f32>(x * invScale);
  if (isNaN(r)) return zeroPoint;
  let v: f64 = <f64>(r + <f32>zeroPoint);
  if (v < qmin) v = qmin;
  if (v > qmax) v = qmax;
  return <i32>v;
}

/** Rounds 4 lanes to the zero point-shifted, clamped integers (8-bit dtypes). */
// @ts-ignore: decorator
@inline
function quantizeLanes8(x: v128, inv: v128, zp: v128, lo: v128, hi: v128): v128 {
  let t = f32x4.nearest(f32x4.mul(x, inv));
  // NaN lanes become 0 (the zero point after the shift).
  t = v128.and(t, f32x4.eq(t, t));
  t = f32x4.min(f32x4.max(t, f32x4.splat(-CLIP_8BIT)), f32x4.splat(CLIP_8BIT));
  t = f32x4.min(f32x4.max(f32x4.add(t, zp), lo), hi);
  return i32x4.trunc_sat_f32x4_s(t);
}

function quantize8(src: usize, dst: usize, n: i32, scale: f64, zeroPoint: i32, signed: bool): void {
  const invScale: f32 = <f32>1.0 / <f32>scale;
  const qmin: f64 = signed ? -128 : 0;
  const qmax: f64 = signed ? 127 : 255;
  const inv = f32x4.splat(invScale);
  const zp = f32x4.splat(<f32>zeroPoint);
  const lo = f32x4.splat(<f32>qmin);
  const hi = f32x4.splat(<f32>qmax);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = src + (<usize>i << 2);
    const a = quantizeLanes8(v128.load(p), inv, zp, lo, hi);
    const b = quantizeLanes8(v128.load(p, 16), inv, zp, lo, hi);
    const c = quantizeLanes8(v128.load(p, 32), inv, zp, lo, hi);
    const d = quantizeLanes8(v128.load(p, 48), inv, zp, lo, hi);
    // Values are already clamped to the dtype, so the saturating narrows are exact.
    const ab = i16x8.narrow_i32x4_s(a, b);
    const cd = i16x8.narrow_i32x4_s(c, d);
    const out = signed ? i8x16.narrow_i16x8_s(ab, cd) : i8x16.narrow_i16x8_u(ab, cd);
    v128.store(dst + <usize>i, out);
  }
  for (; i < n; i++) {
    const q = quantizeOne(load<f32>(src + (<usize>i << 2)), invScale, zeroPoint, qmin, qmax);
    store<u8>(dst + <usize>i, <u8>q);
  }
}

function quantize32(src: usize, dst: usize, n: i32, scale: f64, zeroPoint: i32): void {
  const invScale: f32 = <f32>1.0 / <f32>scale;
  for (let i = 0; i < n; i++) {
    const q = quantizeOne(load<f32>(src + (<usize>i << 2)), invScale, zeroPoint, -2147483648.0, 2147483647.0);
    store<i32>(dst + (<usize>i << 2), q);
  }
}

/**
 * quantize_per_tensor: `n` floats at src -> dst (1 byte per element for quint8/qint8, 4 for qint32).
 * `scale` is the double PyTorch is given; it is rounded to float32 as PyTorch does.
 */
export function quantizePerTensor(src: usize, dst: usize, n: i32, scale: f64, zeroPoint: i32, dtype: i32): void {
  if (dtype == DTYPE_QINT32) quantize32(src, dst, n, scale, zeroPoint);
  else quantize8(src, dst, n, scale, zeroPoint, dtype == DTYPE_QINT8);
}

// @ts-ignore: decorator
@inline
function loadQ(src: usize, i: usize, dtype: i32): i32 {
  if (dtype == DTYPE_QUINT8) return <i32>load<u8>(src + i);
  if (dtype == DTYPE_QINT8) return <i32>load<i8>(src + i);
  return load<i32>(src + (i << 2));
}

/** dequantize per tensor: (float)(q - zero_point) * (float)scale. */
export function dequantizePerTensor(src: usize, dst: usize, n: i32, scale: f64, zeroPoint: i32, dtype: i32): void {
  const s: f32 = <f32>scale;
  if (dtype != DTYPE_QINT32) {
    const vs = f32x4.splat(s);
    const vzp = i32x4.splat(zeroPoint);
    const signed = dtype == DTYPE_QINT8;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      // Widen 4 bytes to 4 int32 lanes.
      const bytes = v128.load32_zero(src + <usize>i);
      const q = signed
        ? i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(bytes))
        : i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(bytes));
      const f = f32x4.convert_i32x4_s(i32x4.sub(q, vzp));
      v128.store(dst + (<usize>i << 2), f32x4.mul(f, vs));
    }
    for (; i < n; i++) {
      store<f32>(dst + (<usize>i << 2), <f32>(loadQ(src, i, dtype) - zeroPoint) * s);
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const d: i64 = <i64>load<i32>(src + (<usize>i << 2)) - <i64>zeroPoint;
    store<f32>(dst + (<usize>i << 2), <f32>d * s);
  }
}

/**
 * quantize_per_channel over a contiguous tensor viewed as [outer, channels, inner]; scales are f64
 * (PyTorch's per-channel scales tensor is double), zero points i32, one per channel.
 */
export function quantizePerChannel(
  src: usize,
  dst: usize,
  outer: i32,
  channels: i32,
  inner: i32,
  scalesPtr: usize,
  zeroPointsPtr: usize,
  dtype: i32,
): void {
  const width: usize = dtype == DTYPE_QINT32 ? 4 : 1;
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const base = (<usize>o * <usize>channels + <usize>c) * <usize>inner;
      quantizePerTensor(
        src + (base << 2),
        dst + base * width,
        inner,
        load<f64>(scalesPtr + (<usize>c << 3)),
        load<i32>(zeroPointsPtr + (<usize>c << 2)),
        dtype,
      );
    }
  }
}

/** dequantize per channel: (float)(q - zp[c]) * scale[c], the product taken in double as ATen does. */
export function dequantizePerChannel(
  src: usize,
  dst: usize,
  outer: i32,
  channels: i32,
  inner: i32,
  scalesPtr: usize,
  zeroPointsPtr: usize,
  dtype: i32,
): void {
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const base = (<usize>o * <usize>channels + <usize>c) * <usize>inner;
      const s = load<f64>(scalesPtr + (<usize>c << 3));
      const zp = load<i32>(zeroPointsPtr + (<usize>c << 2));
      for (let e = 0; e < inner; e++) {
        const i = base + <usize>e;
        const d: f64 = <f64>(<f32>(<i64>loadQ(src, i, dtype) - <i64>zp));
        store<f32>(dst + (i << 2), <f32>(d * s));
      }
    }
  }
}

/**
 * quantize_per_tensor_dynamic: qparams from the tensor's min/max with ATen's ChooseQuantizationParams
 * (qint8: -128..127, quint8: 0..255, halved when reduceRange), then quantize. Writes the chosen scale
 * (f64) to scaleOut and zero point (i32) to zeroPointOut. Only quint8 and qint8, as PyTorch.
 */
export function quantizePerTensorDynamic(
  src: usize,
  dst: usize,
  n: i32,
  dtype: i32,
  reduceRange: bool,
  scaleOut: usize,
  zeroPointOut: usize,
): void {
  minMaxF32(src, n);
  chooseQParams(reducedMin, reducedMax, <i32>dtypeMin(dtype), <i32>dtypeMax(dtype), false, reduceRange);
  store<f64>(scaleOut, chosenScale);
  store<i32>(zeroPointOut, chosenZeroPoint);
  quantizePerTensor(src, dst, n, chosenScale, chosenZeroPoint, dtype);
}
