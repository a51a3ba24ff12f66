// Quantized depthwise 2-D convolution (groups == in channels == out channels), NCHW uint8 (WASM, SIMD128).
// Each channel plane is widened once into an i16 scratch plane with the zero point removed and the
// padding materialised as zeros; then 8 adjacent outputs of a row are computed at once: for every tap,
// one (stride 1) or two shuffled (stride 2) vector loads, i32x4.extmul with the splatted tap weight,
// and the fused requantization epilogue. Other strides take a scalar loop over the same plane.
import {
  dget,
  threadRangeStart,
  D_WEIGHTS,
  D_EPI_BINT,
  D_EPI_A,
  D_EPI_BF,
  D_EPI_C,
  D_INPUT,
  D_IN_ZP,
  D_OUTPUT,
  D_OUT_ZP,
  D_OUT_LO,
  D_OUT_HI,
  D_SCRATCH,
  D_SCRATCH_STRIDE,
  D_C,
  D_H,
  D_W,
  D_OH,
  D_OW,
  D_KH,
  D_KW,
  D_SH,
  D_SW,
  D_PH,
  D_PW,
  D_DH,
  D_DW,
  D_BATCH,
} from "../util/qgemm-desc";
import { requant4Splat, narrow8, requantScalar } from "../util/requant-epilogue";

/** Zeroes `bytes` (a multiple of 16) bytes at `ptr` with vector stores. */
// @ts-ignore: decorator
@inline
function zero16(ptr: usize, bytes: usize): void {
  const z = i32x4.splat(0);
  for (let i: usize = 0; i < bytes; i += 16) v128.store(ptr + i, z);
}

/** Packs int8 weights [C][taps] into splatted i16 vectors (w - zp), 16 bytes per tap. */
export function qdepthwise_pack_weights(src: usize, zps: usize, channels: i32, taps: i32, dst: usize): void {
  for (let c = 0; c < channels; c++) {
    const zp = load<i32>(zps + (<usize>c << 2));
    for (let t = 0; t < taps; t++) {
      const v = <i32>load<i8>(src + <usize>c * taps + t) - zp;
      v128.store(dst + (<usize>(c * taps + t) << 4), i16x8.splat(<i16>v));
    }
    // The taps again in pairs (t0,t1) (t2,t3) ... (last, 0), each pair repeated 4 times, for
    // i32x4.dot_i16x8_s on interleaved inputs.
    const pairCount = (taps + 1) >> 1;
    const pairs = dst + <usize>channels * taps * 16 + <usize>c * pairCount * 16;
    for (let q = 0; q < pairCount; q++) {
      const lo = <i32>load<i8>(src + <usize>c * taps + 2 * q) - zp;
      const hi = 2 * q + 1 < taps ? <i32>load<i8>(src + <usize>c * taps + 2 * q + 1) - zp : 0;
      v128.store(pairs + (<usize>q << 4), i32x4.splat((hi << 16) | (lo & 0xffff)));
    }
  }
}

/** Bytes of packed depthwise weights (splatted taps, plus tap pairs for 3x3). */
export function qdepthwise_packed_bytes(channels: i32, taps: i32): i32 {
  return channels * taps * 16 + channels * ((taps + 1) >> 1) * 16;
}

/** Row stride (in i16 elements) of the padded scratch plane; also used by the host to size scratch. */
export function qdepthwise_plane_stride(w: i32, pw: i32, ow: i32, sw: i32, kw: i32, dw: i32): i32 {
  const owr = (ow + 7) & ~7;
  const need = (owr - 1) * sw + (kw - 1) * dw + 16;
  const wp = w + 2 * pw;
  return ((need > wp ? need : wp) + 7) & ~7;
}

/** Scratch bytes one thread needs: the widened plane, 16 bytes for ragged stores, one i32 output row. */
export function qdepthwise_scratch_bytes(h: i32, w: i32, ph: i32, pw: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32): i32 {
  const stride = qdepthwise_plane_stride(w, pw, ow, sw, kw, dw);
  const rows = max(h + 2 * ph, (oh - 1) * sh + (kh - 1) * dh + 1);
  return rows * stride * 2 + 16 + ((ow + 7) & ~7) * 4 + (kh * kw + 2) * 4 + 16;
}

/** Thread `t` of `threads` computes its share of the batch * C channel planes. */
export function qdepthwise_thread(desc: usize, t: i32, threads: i32): void {
  const channels = dget(desc, D_C);
  const h = dget(desc, D_H);
  const w = dget(desc, D_W);
  const oh = dget(desc, D_OH);
  const ow = dget(desc, D_OW);
  const kh = dget(desc, D_KH);
  const kw = dget(desc, D_KW);
  const sh = dget(desc, D_SH);
  const sw = dget(desc, D_SW);
  const ph = dget(desc, D_PH);
  const pw = dget(desc, D_PW);
  const dh = dget(desc, D_DH);
  const dw = dget(desc, D_DW);
  const inZp = dget(desc, D_IN_ZP);
  const outZp = dget(desc, D_OUT_ZP);
  const lo = dget(desc, D_OUT_LO);
  const hi = dget(desc, D_OUT_HI);
  const input = <usize>dget(desc, D_INPUT);
  const output = <usize>dget(desc, D_OUTPUT);
  const weights = <usize>dget(desc, D_WEIGHTS);
  const bintP = <usize>dget(desc, D_EPI_BINT);
  const aP = <usize>dget(desc, D_EPI_A);
  const bfP = <usize>dget(desc, D_EPI_BF);
  const ccP = <usize>dget(desc, D_EPI_C);
  const stride = qdepthwise_plane_stride(w, pw, ow, sw, kw, dw);
  const rowsNeeded = max(h + 2 * ph, (oh - 1) * sh + (kh - 1) * dh + 1);
  const plane = <usize>dget(desc, D_SCRATCH) + <usize>t * <usize>dget(desc, D_SCRATCH_STRIDE);
  const rowTmp = plane + (<usize>rowsNeeded * stride << 1);
  const accRow = rowTmp + 16; // i32 accumulators of one output row, OW rounded up to 8
  // Byte offset of each tap from an output's top-left input (taps + 1 entries: an odd count pairs
  // its last tap with a repeat of tap 0, whose weight in the pair is 0).
  const tapOffsets = accRow + (<usize>((ow + 7) & ~7) << 2);
  const taps = kh * kw;
  const total = dget(desc, D_BATCH) * channels;
  const p0 = threadRangeStart(total, t, threads, 1);
  const p1 = threadRangeStart(total, t + 1, threads, 1);
  const zpv = i16x8.splat(<i16>inZp);
  const outZpV = i32x4.splat(outZp);
  const loZ = i32x4.splat(lo - outZp);
  const hiZ = i32x4.splat(hi - outZp);
  const strideBytes = <usize>stride << 1;
  for (let p = p0; p < p1; p++) {
    const c = p % channels;
    const src = input + <usize>p * h * w;
    // Widen the plane: zero rows/columns for padding, (x - zp) inside. Rows are zeroed with inline
    // vector stores (strideBytes is a multiple of 16): bulk memory.fill calls cost more than the work.
    zero16(plane, <usize>ph * strideBytes);
    zero16(plane + <usize>(h + ph) * strideBytes, <usize>(rowsNeeded - h - ph) * strideBytes);
    for (let y = 0; y < h; y++) {
      const s = src + <usize>y * w;
      const rowStart = plane + <usize>(y + ph) * strideBytes;
      zero16(rowStart, strideBytes);
      const d = rowStart + (<usize>pw << 1);
      let x = 0;
      for (; x + 8 <= w; x += 8) {
        v128.store(d + (<usize>x << 1), i16x8.sub(i16x8.extend_low_i8x16_u(v128.load64_zero(s + x)), zpv));
      }
      for (; x < w; x++) store<i16>(d + (<usize>x << 1), <i16>(<i32>load<u8>(s + x) - inZp));
    }
    const wt = weights + (<usize>(c * taps) << 4);
    const pairCount = (taps + 1) >> 1;
    const wpairs = weights + <usize>channels * taps * 16 + <usize>c * pairCount * 16;
    const cOff = <usize>c << 2;
    const bint = load<i32>(bintP + cOff);
    const ea = load<f32>(aP + cOff);
    const ebf = load<f32>(bfP + cOff);
    const ecc = load<f32>(ccP + cOff);
    const dst = output + <usize>p * oh * ow;
    if (kh == 3 && kw == 3 && dh == 1 && dw == 1 && (sw == 1 || sw == 2)) {
      const bintV = i32x4.splat(bint);
      const aV = f32x4.splat(ea);
      const bfV = f32x4.splat(ebf);
      const ccV = f32x4.splat(ecc);
      if (sw == 1) {
        dw3x3Plane(plane, strideBytes, wpairs, dst, oh, ow, sh, false, bintV, aV, bfV, ccV, outZpV, loZ, hiZ, rowTmp, accRow);
      } else {
        dw3x3Plane(plane, strideBytes, wpairs, dst, oh, ow, sh, true, bintV, aV, bfV, ccV, outZpV, loZ, hiZ, rowTmp, accRow);
      }
    } else if (sw == 1 || sw == 2) {
      const bintV = i32x4.splat(bint);
      const aV = f32x4.splat(ea);
      const bfV = f32x4.splat(ebf);
      const ccV = f32x4.splat(ecc);
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          store<i32>(tapOffsets + (<usize>(i * kw + j) << 2), <i32>(<usize>(i * dh) * strideBytes + (<usize>(j * dw) << 1)));
        }
      }
      store<i32>(tapOffsets + (<usize>taps << 2), 0);
      for (let y = 0; y < oh; y++) {
        const rowBase = plane + <usize>(y * sh) * strideBytes;
        if (sw == 1) dwPairsRow(rowBase, tapOffsets, wpairs, pairCount, ow, accRow, false);
        else dwPairsRow(rowBase, tapOffsets, wpairs, pairCount, ow, accRow, true);
        const drow = dst + <usize>y * ow;
        for (let x = 0; x < ow; x += 8) {
          const acc = accRow + (<usize>x << 2);
          const bytes = narrow8(
            requant4Splat(v128.load(acc), bintV, aV, bfV, ccV, outZpV, loZ, hiZ),
            requant4Splat(v128.load(acc, 16), bintV, aV, bfV, ccV, outZpV, loZ, hiZ),
          );
          if (x + 8 <= ow) {
            v128.store64_lane(drow + x, bytes, 0);
          } else {
            v128.store64_lane(rowTmp, bytes, 0);
            for (let q = x; q < ow; q++) store<u8>(drow + q, load<u8>(rowTmp + (q - x)));
          }
        }
      }
    } else {
      for (let y = 0; y < oh; y++) {
        for (let x = 0; x < ow; x++) {
          let acc = 0;
          for (let i = 0; i < kh; i++) {
            const r = plane + <usize>(y * sh + i * dh) * strideBytes;
            for (let j = 0; j < kw; j++) {
              acc += <i32>load<i16>(r + (<usize>(x * sw + j * dw) << 1)) * <i32>load<i16>(wt + (<usize>(i * kw + j) << 4));
            }
          }
          store<u8>(dst + <usize>y * ow + x, <u8>requantScalar(acc, bint, ea, ebf, ecc, outZp, lo, hi));
        }
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function loadTap(at: usize, stride2: bool): v128 {
  if (stride2) return i8x16.shuffle(v128.load(at), v128.load(at, 16), 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29);
  return v128.load(at);
}


/** 3x3 depthwise over one widened plane; stride 1 or 2 across. */
// @ts-ignore: decorator
@inline
function dw3x3Plane(
  plane: usize,
  strideBytes: usize,
  wt: usize,
  dst: usize,
  oh: i32,
  ow: i32,
  sh: i32,
  stride2: bool,
  bintV: v128,
  aV: v128,
  bfV: v128,
  ccV: v128,
  outZpV: v128,
  loZ: v128,
  hiZ: v128,
  rowTmp: usize,
  accRow: usize,
): void {
  for (let y = 0; y < oh; y++) {
    const r0 = plane + <usize>(y * sh) * strideBytes;
    if (stride2) dw3x3RowS2(r0, strideBytes, wt, ow, accRow);
    else dw3x3RowS1(r0, strideBytes, wt, ow, accRow);
    // The epilogue runs in its own loop so the 9 tap weights and the requantization constants never
    // compete for registers.
    const drow = dst + <usize>y * ow;
    for (let x = 0; x < ow; x += 8) {
      const a = accRow + (<usize>x << 2);
      const bytes = narrow8(
        requant4Splat(v128.load(a), bintV, aV, bfV, ccV, outZpV, loZ, hiZ),
        requant4Splat(v128.load(a, 16), bintV, aV, bfV, ccV, outZpV, loZ, hiZ),
      );
      if (x + 8 <= ow) {
        v128.store64_lane(drow + x, bytes, 0);
      } else {
        v128.store64_lane(rowTmp, bytes, 0);
        for (let q = x; q < ow; q++) store<u8>(drow + q, load<u8>(rowTmp + (q - x)));
      }
    }
  }
}

function dw3x3RowS1(r0: usize, strideBytes: usize, wt: usize, ow: i32, accRow: usize): void {
  dw3x3Row(r0, strideBytes, wt, ow, accRow, false);
}

function dw3x3RowS2(r0: usize, strideBytes: usize, wt: usize, ow: i32, accRow: usize): void {
  dw3x3Row(r0, strideBytes, wt, ow, accRow, true);
}

// @ts-ignore: decorator
@inline
function pairStep(acc: v128, a: v128, b: v128, w: v128, high: bool): v128 {
  const x = high ? i16x8.shuffle(a, b, 4, 12, 5, 13, 6, 14, 7, 15) : i16x8.shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11);
  return i32x4.add(acc, i32x4.dot_i16x8_s(x, w));
}

/**
 * Raw i32 accumulators of one output row, 8 outputs per step. Taps go in pairs: interleaving the two
 * taps' input vectors gives (x_a, x_b) per output, and one i32x4.dot_i16x8_s with (w_a, w_b) adds both
 * products for 4 outputs; 5 pairs (the last with a zero weight) cover the 9 taps.
 */
// @ts-ignore: decorator
@inline
function dw3x3Row(r0: usize, strideBytes: usize, wp: usize, ow: i32, accRow: usize, stride2: bool): void {
  const p0 = v128.load(wp);
  const p1 = v128.load(wp, 16);
  const p2 = v128.load(wp, 32);
  const p3 = v128.load(wp, 48);
  const p4 = v128.load(wp, 64);
  const zero = i32x4.splat(0);
  const xStep: usize = stride2 ? 32 : 16;
  let a0 = r0;
  let a1 = r0 + strideBytes;
  let a2 = a1 + strideBytes;
  let acc = accRow;
  const end = accRow + (<usize>((ow + 7) & ~7) << 2);
  while (acc < end) {
    let va = loadTap(a0, stride2);
    let vb = loadTap(a0 + 2, stride2);
    let lo = i32x4.dot_i16x8_s(i16x8.shuffle(va, vb, 0, 8, 1, 9, 2, 10, 3, 11), p0);
    let hi = i32x4.dot_i16x8_s(i16x8.shuffle(va, vb, 4, 12, 5, 13, 6, 14, 7, 15), p0);
    va = loadTap(a0 + 4, stride2);
    vb = loadTap(a1, stride2);
    lo = pairStep(lo, va, vb, p1, false);
    hi = pairStep(hi, va, vb, p1, true);
    va = loadTap(a1 + 2, stride2);
    vb = loadTap(a1 + 4, stride2);
    lo = pairStep(lo, va, vb, p2, false);
    hi = pairStep(hi, va, vb, p2, true);
    va = loadTap(a2, stride2);
    vb = loadTap(a2 + 2, stride2);
    lo = pairStep(lo, va, vb, p3, false);
    hi = pairStep(hi, va, vb, p3, true);
    va = loadTap(a2 + 4, stride2);
    lo = pairStep(lo, va, zero, p4, false);
    hi = pairStep(hi, va, zero, p4, true);
    v128.store(acc, lo);
    v128.store(acc, hi, 16);
    acc += 32;
    a0 += xStep;
    a1 += xStep;
    a2 += xStep;
  }
}

/** Any kernel size and dilation, stride 1 or 2: taps in pairs through the offset table, raw accumulators. */
// @ts-ignore: decorator
@inline
function dwPairsRow(rowBase: usize, tapOffsets: usize, wpairs: usize, pairCount: i32, ow: i32, accRow: usize, stride2: bool): void {
  const xStep: usize = stride2 ? 32 : 16;
  let base = rowBase;
  let acc = accRow;
  const end = accRow + (<usize>((ow + 7) & ~7) << 2);
  while (acc < end) {
    let lo = i32x4.splat(0);
    let hi = i32x4.splat(0);
    let off = tapOffsets;
    let wp = wpairs;
    for (let q = 0; q < pairCount; q++) {
      const va = loadTap(base + <usize>load<i32>(off), stride2);
      const vb = loadTap(base + <usize>load<i32>(off, 4), stride2);
      const w = v128.load(wp);
      lo = pairStep(lo, va, vb, w, false);
      hi = pairStep(hi, va, vb, w, true);
      off += 8;
      wp += 16;
    }
    v128.store(acc, lo);
    v128.store(acc, hi, 16);
    acc += 32;
    base += xStep;
  }
}
