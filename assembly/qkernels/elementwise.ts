// Quantized quint8 add, add_relu, mul and add-scalar with each PyTorch engine's exact integers (WASM).
//
// x86 / fbgemm / onednn (ATen's QuantizedOpKernels.cpp, same code for all three):
//   add: the vectorized lambda dequantizes with fmadd(scale, q, scale * -zp) (one f32 rounding), the
//        scalar tail with scale * (q - zp); c = da + db, ReLU max(c, 0), then
//        clamp(zp_out + nearbyint(c * (1.0f / (float)scale_out))). The FMA follows PyTorch 2.x's
//        vec256_qint.h (vec::fmadd, unconditional); Debian's PyTorch 1.13 build rounds the product
//        separately there, which changes a handful of (qa, qb) pairs per parameter set.
//   mul: requantize_from_int: zp_out + lrintf((float)((qa - za) * (qb - zb)) * m),
//        m = (sa * sb) * (1.0f / so) in f32; ReLU is max(q, zp_out) afterwards.
// qnnpack add (pytorch_qnnp q8vadd, same sizes only): integer multipliers of a/out and b/out scaled
//   to 2^21 at the larger one, a zero-point product folded into the accumulator, and a rounding
//   shift where ties go away from zero. qnnpack has no quint8 mul: PyTorch uses the ATen kernel.
// Every kernel takes contiguous same-shape operands (PyTorch broadcasts through TensorIterator; the
// host rejects broadcasting). Returns 0, or QNNPACK_UNSUPPORTED when qnnpack would refuse the scales.
//
// Speed: every result is a function of the byte pair (qa, qb), so large tensors go through a 64 KiB
// table of all pairs (built with f32x4 arithmetic, then one byte load per element); small ones, and
// the scalar tail of ATen's loop, compute directly.
import { ENGINE_QNNPACK } from "../util/engine";
import { fmaF32, quantizeU8, clampU8, lrintF32 } from "../util/float-exact";
import { vectorSpan } from "../util/lut";

/** Status returned when qnnpack's operator creation would fail for these quantization parameters. */
export const QNNPACK_UNSUPPORTED: i32 = 1;

/** Scratch bytes the binary kernels need: four 256-entry f32 tables, then the 256 x 256 pair table. */
export const QELEMENTWISE_SCRATCH_BYTES: i32 = 4096 + 65536;

/** From this many elements on, building the pair table (65536 entries) pays for itself. */
const PAIR_TABLE_MIN: i32 = 32768;

/** out[i] = table[a[i] * 256 + b[i]]. */
function applyPairTable(a: usize, b: usize, out: usize, from: i32, to: i32, table: usize): void {
  for (let i = from; i < to; i++) {
    store<u8>(out + <usize>i, load<u8>(table + ((<usize>load<u8>(a + <usize>i) << 8) | <usize>load<u8>(b + <usize>i))));
  }
}

/** table[qa * 256 + qb] = clamp(zp + nearest((tabA[qa] + tabB[qb]) * inv)) (ReLU: max(c, 0) first). */
function fillAddPairTable(table: usize, tabA: usize, tabB: usize, inv: f32, outZp: i32, relu: bool): void {
  const vinv = f32x4.splat(inv);
  const vzp = f32x4.splat(<f32>outZp);
  const vzero = f32x4.splat(0);
  const v255 = f32x4.splat(255);
  for (let qa = 0; qa < 256; qa++) {
    const da = f32x4.splat(load<f32>(tabA + (<usize>qa << 2)));
    const row = table + (<usize>qa << 8);
    for (let qb = 0; qb < 256; qb += 16) {
      const r0 = addLanes(da, v128.load(tabB + (<usize>qb << 2)), vinv, vzp, vzero, v255, relu);
      const r1 = addLanes(da, v128.load(tabB + (<usize>qb << 2), 16), vinv, vzp, vzero, v255, relu);
      const r2 = addLanes(da, v128.load(tabB + (<usize>qb << 2), 32), vinv, vzp, vzero, v255, relu);
      const r3 = addLanes(da, v128.load(tabB + (<usize>qb << 2), 48), vinv, vzp, vzero, v255, relu);
      v128.store(row + <usize>qb, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(r0, r1), i16x8.narrow_i32x4_s(r2, r3)));
    }
  }
}

/** Four lanes of quantize(da + db): the same f32 operations as the scalar quantizeU8 (NaN aside). */
// @ts-ignore: decorator
@inline
function addLanes(da: v128, db: v128, inv: v128, zp: v128, zero: v128, top: v128, relu: bool): v128 {
  let c = f32x4.add(da, db);
  if (relu) c = f32x4.max(c, zero);
  const t = f32x4.min(f32x4.max(f32x4.add(f32x4.nearest(f32x4.mul(c, inv)), zp), zero), top);
  return i32x4.trunc_sat_f32x4_s(t);
}

/** Fills 256-entry f32 tables with PyTorch's vectorized (FMA) and scalar dequantization of every byte. */
function fillDequantTables(vecTab: usize, tailTab: usize, scale: f32, zeroPoint: i32): void {
  const premul: f32 = scale * <f32>-zeroPoint;
  for (let q = 0; q < 256; q++) {
    store<f32>(vecTab + (<usize>q << 2), fmaF32(scale, <f32>q, premul));
    store<f32>(tailTab + (<usize>q << 2), scale * <f32>(q - zeroPoint));
  }
}

function addRange(
  a: usize,
  b: usize,
  out: usize,
  from: i32,
  to: i32,
  tabA: usize,
  tabB: usize,
  inv: f32,
  outZp: i32,
  relu: bool,
): void {
  for (let i = from; i < to; i++) {
    let c: f32 =
      load<f32>(tabA + (<usize>load<u8>(a + <usize>i) << 2)) + load<f32>(tabB + (<usize>load<u8>(b + <usize>i) << 2));
    if (relu) c = max<f32>(c, 0);
    store<u8>(out + <usize>i, <u8>quantizeU8(c, inv, outZp));
  }
}

function qnnpackAdd(
  a: usize,
  b: usize,
  out: usize,
  n: i32,
  aScale: f32,
  aZp: i32,
  bScale: f32,
  bZp: i32,
  outScale: f32,
  outZp: i32,
  relu: bool,
  table: usize,
): i32 {
  const aRatio: f32 = aScale / outScale;
  const bRatio: f32 = bScale / outScale;
  const lo: f32 = 6.103515625e-5; // 2^-14
  if (!(aRatio >= lo && aRatio < 256 && bRatio >= lo && bRatio < 256)) return QNNPACK_UNSUPPORTED;
  const maxRatio = max<f32>(aRatio, bRatio);
  const exponent: i32 = <i32>(reinterpret<u32>(maxRatio) >> 23) - 127;
  const shift: i32 = 21 - exponent;
  const toFixed = reinterpret<f32>(<u32>(21 - exponent + 127) << 23);
  const aMul: i32 = lrintF32(aRatio * toFixed);
  const bMul: i32 = lrintF32(bRatio * toFixed);
  const zeroPointProduct: i32 = -(aMul * aZp + bMul * bZp);
  const mask: i32 = (1 << shift) - 1;
  const threshold: i32 = mask >> 1;
  const yMin: i32 = relu ? outZp : 0;
  if (n >= PAIR_TABLE_MIN) {
    for (let qa = 0; qa < 256; qa++) {
      for (let qb = 0; qb < 256; qb++) {
        const y = qnnpackAddOne(qa, qb, zeroPointProduct, aMul, bMul, mask, threshold, shift, outZp, yMin);
        store<u8>(table + <usize>((qa << 8) | qb), <u8>y);
      }
    }
    applyPairTable(a, b, out, 0, n, table);
    return 0;
  }
  for (let i = 0; i < n; i++) {
    const y = qnnpackAddOne(
      <i32>load<u8>(a + <usize>i), <i32>load<u8>(b + <usize>i), zeroPointProduct, aMul, bMul, mask, threshold, shift, outZp, yMin,
    );
    store<u8>(out + <usize>i, <u8>y);
  }
  return 0;
}

/** q8vadd for one pair: accumulate, shift right rounding ties away from zero, add zp, clamp. */
// @ts-ignore: decorator
@inline
function qnnpackAddOne(
  qa: i32,
  qb: i32,
  zeroPointProduct: i32,
  aMul: i32,
  bMul: i32,
  mask: i32,
  threshold: i32,
  shift: i32,
  outZp: i32,
  yMin: i32,
): i32 {
  const acc: i32 = zeroPointProduct + aMul * qa + bMul * qb;
  const remainder: i32 = (acc & mask) - (acc < 0 ? 1 : 0);
  const y: i32 = (acc >> shift) + (remainder > threshold ? 1 : 0) + outZp;
  return y < yMin ? yMin : y > 255 ? 255 : y;
}

/** out = quantize(dequantize(a) + dequantize(b)), optionally ReLU-fused; quint8 operands of n elements. */
export function qadd_u8(
  a: usize,
  b: usize,
  out: usize,
  n: i32,
  aScale: f64,
  aZp: i32,
  bScale: f64,
  bZp: i32,
  outScale: f64,
  outZp: i32,
  relu: i32,
  engine: i32,
  loopStep: i32,
  chunk: i32,
  scratch: usize,
): i32 {
  if (engine == ENGINE_QNNPACK) {
    return qnnpackAdd(a, b, out, n, <f32>aScale, aZp, <f32>bScale, bZp, <f32>outScale, outZp, relu != 0, scratch + 4096);
  }
  const vecA = scratch;
  const tailA = scratch + 1024;
  const vecB = scratch + 2048;
  const tailB = scratch + 3072;
  fillDequantTables(vecA, tailA, <f32>aScale, aZp);
  fillDequantTables(vecB, tailB, <f32>bScale, bZp);
  const inv: f32 = <f32>1.0 / <f32>outScale;
  const useTable = n >= PAIR_TABLE_MIN;
  if (useTable) fillAddPairTable(scratch + 4096, vecA, vecB, inv, outZp, relu != 0);
  // ATen's loop, once or per thread chunk: vectorized body, then scalar tail.
  const step = chunk > 0 ? chunk : n;
  for (let start = 0; start < n; start += step) {
    const end = min<i32>(n, start + step);
    const bodyEnd = start + vectorSpan(end - start, loopStep);
    if (useTable) applyPairTable(a, b, out, start, bodyEnd, scratch + 4096);
    else addRange(a, b, out, start, bodyEnd, vecA, vecB, inv, outZp, relu != 0);
    addRange(a, b, out, bodyEnd, end, tailA, tailB, inv, outZp, relu != 0);
  }
  return 0;
}

/** out = requantize((a - za) * (b - zb)), optionally ReLU-fused; identical for every engine (quint8). */
export function qmul_u8(
  a: usize,
  b: usize,
  out: usize,
  n: i32,
  aScale: f64,
  aZp: i32,
  bScale: f64,
  bZp: i32,
  outScale: f64,
  outZp: i32,
  relu: i32,
  scratch: usize,
): void {
  const multiplier: f32 = <f32>aScale * <f32>bScale * (<f32>1.0 / <f32>outScale);
  const lo: i32 = relu != 0 ? outZp : 0;
  if (n >= PAIR_TABLE_MIN) {
    const table = scratch + 4096;
    for (let qa = 0; qa < 256; qa++) {
      for (let qb = 0; qb < 256; qb++) {
        store<u8>(table + <usize>((qa << 8) | qb), <u8>max<i32>(quantizeU8(<f32>((qa - aZp) * (qb - bZp)), multiplier, outZp), lo));
      }
    }
    applyPairTable(a, b, out, 0, n, table);
    return;
  }
  for (let i = 0; i < n; i++) {
    const product: i32 = (<i32>load<u8>(a + <usize>i) - aZp) * (<i32>load<u8>(b + <usize>i) - bZp);
    store<u8>(out + <usize>i, <u8>max<i32>(quantizeU8(<f32>product, multiplier, outZp), lo));
  }
}

/**
 * The requantizing branch of quantized add-scalar (ATen qadd_scalar_kernel), used when the shifted
 * zero point z - round(c / s) leaves the dtype's range: out = requantize_from_int((q - z) + cq,
 * s / s_out). The common branch is a copy with new quantization parameters (done by the host).
 */
export function qadd_scalar_requant_u8(
  src: usize,
  dst: usize,
  n: i32,
  selfScale: f64,
  selfZp: i32,
  scalarQ: i32,
  outScale: f64,
  outZp: i32,
  relu: i32,
): void {
  const multiplier: f32 = <f32>selfScale * (<f32>1.0 / <f32>outScale);
  for (let i = 0; i < n; i++) {
    const c: i32 = <i32>load<u8>(src + <usize>i) - selfZp + scalarQ;
    let q = quantizeU8(<f32>c, multiplier, outZp);
    if (relu != 0 && q < outZp) q = outZp;
    store<u8>(dst + <usize>i, <u8>clampU8(q));
  }
}

// ---- broadcasting (ATen's TensorIterator; every engine, qnnpack included, runs ATen's kernels) ----

/**
 * Output element `pos` of a loop coalesced to [d2, d1, d0] maps to operand offset
 * (pos / d0 / d1) * s2 + (pos / d0 % d1) * s1 + (pos % d0) * s0.
 */
// @ts-ignore: decorator
@inline
function offsetOf(row: i32, col: i32, d1: i32, s2: i32, s1: i32, s0: i32): i32 {
  return (row / d1) * s2 + (row % d1) * s1 + col * s0;
}

/**
 * Broadcasting add/add_relu/mul over a loop TensorIterator coalesced to [d2, d1, d0] (innermost d0;
 * operand strides in elements, inner strides 0 or 1). ATen runs its vectorized loop on each inner
 * row, or on the part of a row inside one thread's chunk of `chunk` flat elements (0: one chunk),
 * so each such segment has its own vectorized body and scalar tail. `op` 0 = add, 1 = mul.
 */
export function qbinary_bcast_u8(
  op: i32,
  a: usize,
  b: usize,
  out: usize,
  d2: i32,
  d1: i32,
  d0: i32,
  aS2: i32,
  aS1: i32,
  aS0: i32,
  bS2: i32,
  bS1: i32,
  bS0: i32,
  aScale: f64,
  aZp: i32,
  bScale: f64,
  bZp: i32,
  outScale: f64,
  outZp: i32,
  relu: i32,
  loopStep: i32,
  chunk: i32,
  scratch: usize,
): void {
  const n = d2 * d1 * d0;
  const vecA = scratch;
  const tailA = scratch + 1024;
  const vecB = scratch + 2048;
  const tailB = scratch + 3072;
  const inv: f32 = <f32>1.0 / <f32>outScale;
  const multiplier: f32 = <f32>aScale * <f32>bScale * inv;
  const lo: i32 = relu != 0 ? outZp : 0;
  if (op == 0) {
    fillDequantTables(vecA, tailA, <f32>aScale, aZp);
    fillDequantTables(vecB, tailB, <f32>bScale, bZp);
  }
  const step = chunk > 0 ? chunk : n;
  for (let start = 0; start < n; start += step) {
    const end = min<i32>(n, start + step);
    let pos = start;
    while (pos < end) {
      const row = pos / d0;
      const col = pos % d0;
      const segEnd = min<i32>(end, (row + 1) * d0);
      const bodyEnd = pos + vectorSpan(segEnd - pos, loopStep);
      const aBase = a + <usize>offsetOf(row, col, d1, aS2, aS1, aS0);
      const bBase = b + <usize>offsetOf(row, col, d1, bS2, bS1, bS0);
      for (let k = 0; k < segEnd - pos; k++) {
        const qa = <i32>load<u8>(aBase + <usize>(k * aS0));
        const qb = <i32>load<u8>(bBase + <usize>(k * bS0));
        let q: i32;
        if (op == 0) {
          const body = pos + k < bodyEnd;
          let c: f32 = load<f32>((body ? vecA : tailA) + (<usize>qa << 2)) + load<f32>((body ? vecB : tailB) + (<usize>qb << 2));
          if (relu != 0) c = max<f32>(c, 0);
          q = quantizeU8(c, inv, outZp);
        } else {
          q = max<i32>(quantizeU8(<f32>((qa - aZp) * (qb - bZp)), multiplier, outZp), lo);
        }
        store<u8>(out + <usize>(pos + k), <u8>q);
      }
      pos = segEnd;
    }
  }
}
