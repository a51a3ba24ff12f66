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

/** Packs int8 weights [C][taps] into splatted i16 vectors (w - zp), 16 bytes per tap. */
export function qdepthwise_pack_weights(src: usize, zps: usize, channels: i32, taps: i32, dst: usize): void {
  for (let c = 0; c < channels; c++) {
    const zp = load<i32>(zps + (<usize>c << 2));
    for (let t = 0; t < taps; t++) {
      const v = <i32>load<i8>(src + <usize>c * taps + t) - zp;
      v128.store(dst + (<usize>(c * taps + t) << 4), i16x8.splat(<i16>v));
    }
  }
}

/** Row stride (in i16 elements) of the padded scratch plane; also used by the host to size scratch. */
export function qdepthwise_plane_stride(w: i32, pw: i32, ow: i32, sw: i32, kw: i32, dw: i32): i32 {
  const owr = (ow + 7) & ~7;
  const need = (owr - 1) * sw + (kw - 1) * dw + 16;
  const wp = w + 2 * pw;
  return ((need > wp ? need : wp) + 7) & ~7;
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
    // Widen the plane: zero rows/columns for padding, (x - zp) inside.
    // Zero only what the interior copy does not overwrite: top/bottom padding rows, side columns.
    memory.fill(plane, 0, <usize>ph * strideBytes);
    memory.fill(plane + <usize>(h + ph) * strideBytes, 0, <usize>(rowsNeeded - h - ph) * strideBytes);
    for (let y = 0; y < h; y++) {
      const s = src + <usize>y * w;
      const rowStart = plane + <usize>(y + ph) * strideBytes;
      if (pw > 0) memory.fill(rowStart, 0, <usize>pw << 1);
      memory.fill(rowStart + (<usize>(pw + w) << 1), 0, strideBytes - (<usize>(pw + w) << 1));
      const d = rowStart + (<usize>pw << 1);
      let x = 0;
      for (; x + 8 <= w; x += 8) {
        v128.store(d + (<usize>x << 1), i16x8.sub(i16x8.extend_low_i8x16_u(v128.load64_zero(s + x)), zpv));
      }
      for (; x < w; x++) store<i16>(d + (<usize>x << 1), <i16>(<i32>load<u8>(s + x) - inZp));
    }
    const wt = weights + (<usize>(c * taps) << 4);
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
        dw3x3Plane(plane, strideBytes, wt, dst, oh, ow, sh, false, bintV, aV, bfV, ccV, outZpV, loZ, hiZ, rowTmp);
      } else {
        dw3x3Plane(plane, strideBytes, wt, dst, oh, ow, sh, true, bintV, aV, bfV, ccV, outZpV, loZ, hiZ, rowTmp);
      }
    } else if (sw == 1 || sw == 2) {
      const bintV = i32x4.splat(bint);
      const aV = f32x4.splat(ea);
      const bfV = f32x4.splat(ebf);
      const ccV = f32x4.splat(ecc);
      for (let y = 0; y < oh; y++) {
        const rowBase = plane + <usize>(y * sh) * strideBytes;
        const drow = dst + <usize>y * ow;
        for (let x = 0; x < ow; x += 8) {
          let acc0 = i32x4.splat(0);
          let acc1 = i32x4.splat(0);
          let wtap = wt;
          for (let i = 0; i < kh; i++) {
            const r = rowBase + <usize>(i * dh) * strideBytes + (<usize>(x * sw) << 1);
            for (let j = 0; j < kw; j++) {
              const at = r + (<usize>(j * dw) << 1);
              let v: v128;
              if (sw == 1) {
                v = v128.load(at);
              } else {
                v = i8x16.shuffle(v128.load(at), v128.load(at, 16), 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29);
              }
              const wv = v128.load(wtap);
              acc0 = i32x4.add(acc0, i32x4.extmul_low_i16x8_s(v, wv));
              acc1 = i32x4.add(acc1, i32x4.extmul_high_i16x8_s(v, wv));
              wtap += 16;
            }
          }
          const q0 = requant4Splat(acc0, bintV, aV, bfV, ccV, outZpV, loZ, hiZ);
          const q1 = requant4Splat(acc1, bintV, aV, bfV, ccV, outZpV, loZ, hiZ);
          const bytes = narrow8(q0, q1);
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

// @ts-ignore: decorator
@inline
function tapStep(acc: v128, v: v128, w: v128, high: bool): v128 {
  return i32x4.add(acc, high ? i32x4.extmul_high_i16x8_s(v, w) : i32x4.extmul_low_i16x8_s(v, w));
}

/** 3x3 depthwise over one widened plane, the 9 tap weights held in registers; stride 1 or 2 across. */
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
): void {
  const w00 = v128.load(wt);
  const w01 = v128.load(wt, 16);
  const w02 = v128.load(wt, 32);
  const w10 = v128.load(wt, 48);
  const w11 = v128.load(wt, 64);
  const w12 = v128.load(wt, 80);
  const w20 = v128.load(wt, 96);
  const w21 = v128.load(wt, 112);
  const w22 = v128.load(wt, 128);
  const xStep: usize = stride2 ? 32 : 16;
  for (let y = 0; y < oh; y++) {
    let r0 = plane + <usize>(y * sh) * strideBytes;
    let r1 = r0 + strideBytes;
    let r2 = r1 + strideBytes;
    const drow = dst + <usize>y * ow;
    for (let x = 0; x < ow; x += 8) {
      let v = loadTap(r0, stride2);
      let lo = i32x4.extmul_low_i16x8_s(v, w00);
      let hi = i32x4.extmul_high_i16x8_s(v, w00);
      v = loadTap(r0 + 2, stride2);
      lo = tapStep(lo, v, w01, false);
      hi = tapStep(hi, v, w01, true);
      v = loadTap(r0 + 4, stride2);
      lo = tapStep(lo, v, w02, false);
      hi = tapStep(hi, v, w02, true);
      v = loadTap(r1, stride2);
      lo = tapStep(lo, v, w10, false);
      hi = tapStep(hi, v, w10, true);
      v = loadTap(r1 + 2, stride2);
      lo = tapStep(lo, v, w11, false);
      hi = tapStep(hi, v, w11, true);
      v = loadTap(r1 + 4, stride2);
      lo = tapStep(lo, v, w12, false);
      hi = tapStep(hi, v, w12, true);
      v = loadTap(r2, stride2);
      lo = tapStep(lo, v, w20, false);
      hi = tapStep(hi, v, w20, true);
      v = loadTap(r2 + 2, stride2);
      lo = tapStep(lo, v, w21, false);
      hi = tapStep(hi, v, w21, true);
      v = loadTap(r2 + 4, stride2);
      lo = tapStep(lo, v, w22, false);
      hi = tapStep(hi, v, w22, true);
      const bytes = narrow8(requant4Splat(lo, bintV, aV, bfV, ccV, outZpV, loZ, hiZ), requant4Splat(hi, bintV, aV, bfV, ccV, outZpV, loZ, hiZ));
      if (x + 8 <= ow) {
        v128.store64_lane(drow + x, bytes, 0);
      } else {
        v128.store64_lane(rowTmp, bytes, 0);
        for (let q = x; q < ow; q++) store<u8>(drow + q, load<u8>(rowTmp + (q - x)));
      }
      r0 += xStep;
      r1 += xStep;
      r2 += xStep;
    }
  }
}
