// Bit-exact float32 building blocks for replicating PyTorch's quantized CPU kernels (WASM): the fused
// multiply-add its AVX2 code uses, and the quantize step (x * inv_scale, round half to even, add the
// zero point, saturate) that both its vectorized and scalar paths share.

/**
 * float32 fused multiply-add a * b + c with a single rounding, as x86's vfmadd*ps computes it.
 * WASM has no FMA outside relaxed SIMD, so: the product is exact in f64 (24 + 24 bits), the sum is
 * rounded to odd in f64 (TwoSum gives the error; an inexact even result steps one ulp toward the
 * true value), and rounding that to f32 is then correct because f64 keeps more than 24 + 2 bits.
 */
// @ts-ignore: decorator
@inline
export function fmaF32(a: f32, b: f32, c: f32): f32 {
  const p: f64 = <f64>a * <f64>b;
  const cc: f64 = <f64>c;
  const s: f64 = p + cc;
  const bb: f64 = s - p;
  const err: f64 = p - (s - bb) + (cc - bb);
  if (err != 0 && isFinite(s)) {
    let bits = reinterpret<u64>(s);
    if ((bits & 1) == 0) {
      // Step away from zero when the error has the sign of s, toward zero otherwise.
      if (err > 0 == s > 0) bits += 1;
      else bits -= 1;
      return <f32>reinterpret<f64>(bits);
    }
  }
  return <f32>s;
}

/**
 * quint8 quantize of one float: clamp(zero_point + nearbyint(v * inv), 0, 255), the arithmetic of
 * fbgemm::Quantize, ATen's quantize_val and Vectorized<quint8>::quantize (which clips at the int32
 * range before converting, so large values saturate). NaN maps to the zero point.
 */
// @ts-ignore: decorator
@inline
export function quantizeU8(v: f32, inv: f32, zeroPoint: i32): i32 {
  const r = nearest<f32>(v * inv);
  if (isNaN(r)) return zeroPoint;
  const t: f64 = <f64>r + <f64>zeroPoint;
  if (t <= 0) return 0;
  if (t >= 255) return 255;
  return <i32>t;
}

/** lrintf for values already known to be in a small range: round half to even, to i32. */
// @ts-ignore: decorator
@inline
export function lrintF32(v: f32): i32 {
  const r = nearest<f32>(v);
  if (isNaN(r)) return 0;
  if (r >= 2147483647.0) return i32.MAX_VALUE;
  if (r <= -2147483648.0) return i32.MIN_VALUE;
  return <i32>r;
}

/** Clamps to the quint8 range. */
// @ts-ignore: decorator
@inline
export function clampU8(v: i32): i32 {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}
