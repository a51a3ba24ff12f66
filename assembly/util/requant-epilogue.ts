// The fused requantization epilogue shared by the quantized GEMM, conv and depthwise kernels (WASM).
// One formula covers the four PyTorch engines; the host picks the per-channel constants:
//   v = f32(acc + bint[c]) * a[c] + bf[c];  q = nearest_even(v * cc[c]);  out = clamp(q + zp, lo, hi)
// fbgemm/x86: bint = 0, a = 1, bf = bias / (in_scale * w_scale), cc = in_scale * w_scale / out_scale
// onednn:     bint = 0, a = in_scale * w_scale, bf = bias, cc = 1 / out_scale
// qnnpack:    bint = round(bias / (in_scale * w_scale)), a = w_scale * in_scale * (1 / out_scale), bf = 0, cc = 1
// Multiplying by 1 and adding 0 are exact in IEEE single precision, so each engine's own float
// sequence is reproduced bit for bit. Clamping happens before the zero point is added so saturated
// values cannot wrap.

/** Requantizes 4 accumulators of channels c..c+3 (constants at byte offset `off`) to clamped i32 codes. */
// @ts-ignore: decorator
@inline
export function requant4(
  acc: v128,
  bint: usize,
  a: usize,
  bf: usize,
  cc: usize,
  off: usize,
  zp: v128,
  loMinusZp: v128,
  hiMinusZp: v128,
): v128 {
  let f = f32x4.convert_i32x4_s(i32x4.add(acc, v128.load(bint + off)));
  f = f32x4.mul(f32x4.add(f32x4.mul(f, v128.load(a + off)), v128.load(bf + off)), v128.load(cc + off));
  let q = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f));
  q = i32x4.min_s(i32x4.max_s(q, loMinusZp), hiMinusZp);
  return i32x4.add(q, zp);
}

/** Same as requant4 with per-tensor constants already splatted (depthwise: one channel per plane). */
// @ts-ignore: decorator
@inline
export function requant4Splat(acc: v128, bint: v128, a: v128, bf: v128, cc: v128, zp: v128, loMinusZp: v128, hiMinusZp: v128): v128 {
  let f = f32x4.convert_i32x4_s(i32x4.add(acc, bint));
  f = f32x4.mul(f32x4.add(f32x4.mul(f, a), bf), cc);
  let q = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f));
  q = i32x4.min_s(i32x4.max_s(q, loMinusZp), hiMinusZp);
  return i32x4.add(q, zp);
}

/** Packs two vectors of codes in [0, 255] into the low 8 bytes of a vector. */
// @ts-ignore: decorator
@inline
export function narrow8(q0: v128, q1: v128): v128 {
  const h = i16x8.narrow_i32x4_s(q0, q1);
  return i8x16.narrow_i16x8_u(h, h);
}

/** Scalar form of the epilogue, for reference kernels and ragged edges; identical arithmetic. */
// @ts-ignore: decorator
@inline
export function requantScalar(acc: i32, bint: i32, a: f32, bf: f32, cc: f32, zp: i32, lo: i32, hi: i32): i32 {
  const v: f32 = (<f32>(acc + bint) * a + bf) * cc;
  const r = nearest<f32>(v);
  let q: i32;
  if (r >= 2147483648.0) q = 2147483647;
  else if (r <= -2147483648.0) q = -2147483648;
  else if (isNaN(r)) q = 0;
  else q = <i32>r;
  const loZ = lo - zp;
  const hiZ = hi - zp;
  if (q < loZ) q = loZ;
  if (q > hiZ) q = hiZ;
  return q + zp;
}
