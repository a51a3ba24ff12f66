// Quantized 1x1 stride-1 unpadded convolution (pointwise), NCHW uint8 in and out (WASM, SIMD128).
// The GEMM runs transposed: output channels are the 4-row tiles (weights packed once, like the
// activations of gemm.ts) and pixels are the 8-wide panels, built per call straight from the NCHW
// input (two channel rows interleaved into i16 pairs). Each 4x8 tile is 4 output channels x 8
// consecutive pixels, so results are stored directly into the NCHW output: no layout conversion on
// either side. Same i32x4.dot_i16x8_s micro-kernel and exact arithmetic as gemm.ts; the epilogue
// constants are per row (output channel).
import {
  dget,
  D_KP,
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
  D_BLOCK_ROWS,
  D_C,
  D_H,
  D_W,
  D_OC,
  D_BATCH,
} from "../util/qgemm-desc";
import { requant4Splat, narrow8 } from "../util/requant-epilogue";

/** Bytes of packed pointwise weights: ceil(OC / 4) tiles of KP pairs x 4 rows. */
export function qpointwise_packed_bytes(oc: i32, c: i32): i32 {
  return ((oc + 3) >> 2) * ((c + 1) >> 1) * 16;
}

/** Packs int8 weights [OC][C] (minus per-channel zero points) into 4-output-channel tiles of i16 pairs. */
export function qpointwise_pack_weights(src: usize, zps: usize, oc: i32, c: i32, dst: usize): void {
  const kp = (c + 1) >> 1;
  memory.fill(dst, 0, <usize>qpointwise_packed_bytes(oc, c));
  for (let o = 0; o < oc; o++) {
    const zp = load<i32>(zps + (<usize>o << 2));
    const base = dst + <usize>(o >> 2) * kp * 16 + (<usize>(o & 3) << 2);
    for (let k = 0; k < c; k++) {
      store<i16>(base + (<usize>(k >> 1) << 4) + (<usize>(k & 1) << 1), <i16>(<i32>load<i8>(src + <usize>o * c + k) - zp));
    }
  }
}

/** Scratch bytes one thread needs for blocks of `panels` 8-pixel panels. */
export function qpointwise_scratch_bytes(panels: i32, c: i32): i32 {
  return panels * ((c + 1) >> 1) * 32 + 16;
}

// @ts-ignore: decorator
@inline
function widen8(p: usize, zpv: v128): v128 {
  return i16x8.sub(i16x8.extend_low_i8x16_u(v128.load64_zero(p)), zpv);
}

// @ts-ignore: decorator
@inline
function storeRow(
  c0: v128,
  c1: v128,
  o: i32,
  oc: i32,
  bint: usize,
  ea: usize,
  ebf: usize,
  ecc: usize,
  zpv: v128,
  loZ: v128,
  hiZ: v128,
  dst: usize,
  count: i32,
  tmp: usize,
): void {
  if (o >= oc) return;
  const off = <usize>o << 2;
  const bintV = v128.load32_splat(bint + off);
  const aV = v128.load32_splat(ea + off);
  const bfV = v128.load32_splat(ebf + off);
  const ccV = v128.load32_splat(ecc + off);
  const bytes = narrow8(requant4Splat(c0, bintV, aV, bfV, ccV, zpv, loZ, hiZ), requant4Splat(c1, bintV, aV, bfV, ccV, zpv, loZ, hiZ));
  if (count == 8) {
    v128.store64_lane(dst, bytes, 0);
  } else {
    v128.store64_lane(tmp, bytes, 0);
    for (let q = 0; q < count; q++) store<u8>(dst + q, load<u8>(tmp + q));
  }
}

/** Thread `t` of `threads` computes its share of the batch * ceil(H * W / 8) pixel panels. */
export function qpointwise_thread(desc: usize, t: i32, threads: i32): void {
  const c = dget(desc, D_C);
  const oc = dget(desc, D_OC);
  const hw = dget(desc, D_H) * dget(desc, D_W);
  const kp = dget(desc, D_KP);
  const panelsPerImage = (hw + 7) >> 3;
  const total = dget(desc, D_BATCH) * panelsPerImage;
  const block = dget(desc, D_BLOCK_ROWS);
  const input = <usize>dget(desc, D_INPUT);
  const output = <usize>dget(desc, D_OUTPUT);
  const weights = <usize>dget(desc, D_WEIGHTS);
  const inZp = dget(desc, D_IN_ZP);
  const zpIn = i16x8.splat(<i16>inZp);
  const bint = <usize>dget(desc, D_EPI_BINT);
  const ea = <usize>dget(desc, D_EPI_A);
  const ebf = <usize>dget(desc, D_EPI_BF);
  const ecc = <usize>dget(desc, D_EPI_C);
  const outZp = dget(desc, D_OUT_ZP);
  const zpv = i32x4.splat(outZp);
  const loZ = i32x4.splat(dget(desc, D_OUT_LO) - outZp);
  const hiZ = i32x4.splat(dget(desc, D_OUT_HI) - outZp);
  const scratch = <usize>dget(desc, D_SCRATCH) + <usize>t * <usize>dget(desc, D_SCRATCH_STRIDE);
  const panelBytes = <usize>kp << 5;
  const tileBytes = <usize>kp << 4;
  const tmp = scratch + <usize>block * panelBytes;
  const hwu = <usize>hw;
  const p0 = <i32>((<i64>total * t) / threads);
  const p1 = <i32>((<i64>total * (t + 1)) / threads);
  let p = p0;
  while (p < p1) {
    const n = p / panelsPerImage;
    const first = p - n * panelsPerImage;
    const count = min(block, min(p1 - p, panelsPerImage - first));
    const image = input + <usize>n * c * hwu;
    // Pack `count` panels: pair q of panel j = channels (2q, 2q + 1) at pixels 8j .. 8j + 7, interleaved.
    for (let j = 0; j < count; j++) {
      const px = (first + j) << 3;
      const panel = scratch + <usize>j * panelBytes;
      const full = px + 8 <= hw;
      for (let q = 0; q < kp; q++) {
        const ch = 2 * q;
        let a: v128;
        let b: v128;
        if (full) {
          a = widen8(image + <usize>ch * hwu + px, zpIn);
          b = ch + 1 < c ? widen8(image + <usize>(ch + 1) * hwu + px, zpIn) : i32x4.splat(0);
        } else {
          // Ragged last panel: pixels past the image are zero.
          v128.store(tmp, i32x4.splat(0));
          for (let x = px; x < hw; x++) store<u8>(tmp + (x - px), load<u8>(image + <usize>ch * hwu + x));
          a = i16x8.sub(i16x8.extend_low_i8x16_u(v128.load(tmp)), zpIn);
          if (ch + 1 < c) {
            for (let x = px; x < hw; x++) store<u8>(tmp + (x - px), load<u8>(image + <usize>(ch + 1) * hwu + x));
            b = i16x8.sub(i16x8.extend_low_i8x16_u(v128.load(tmp)), zpIn);
          } else {
            b = i32x4.splat(0);
          }
          // Zero the padded pixels' contributions: (0 - zp) there must not count.
          const valid = hw - px;
          const mask = i16x8.lt_s(i16x8(0, 1, 2, 3, 4, 5, 6, 7), i16x8.splat(<i16>valid));
          a = v128.and(a, mask);
          b = v128.and(b, mask);
        }
        const d = panel + (<usize>q << 5);
        v128.store(d, i16x8.shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11));
        v128.store(d, i16x8.shuffle(a, b, 4, 12, 5, 13, 6, 14, 7, 15), 16);
      }
    }
    // 4 output channels x 8 pixels per tile, straight into NCHW.
    const outImage = output + <usize>n * oc * hwu;
    for (let j = 0; j < count; j++) {
      const px = (first + j) << 3;
      const live = min(8, hw - px);
      const panel = scratch + <usize>j * panelBytes;
      const panelEnd = panel + panelBytes;
      for (let o = 0; o < oc; o += 4) {
        let pa = weights + <usize>(o >> 2) * tileBytes;
        let c00 = i32x4.splat(0);
        let c01 = i32x4.splat(0);
        let c10 = i32x4.splat(0);
        let c11 = i32x4.splat(0);
        let c20 = i32x4.splat(0);
        let c21 = i32x4.splat(0);
        let c30 = i32x4.splat(0);
        let c31 = i32x4.splat(0);
        let pw = panel;
        while (pw < panelEnd) {
          const w0 = v128.load(pw);
          const w1 = v128.load(pw, 16);
          let x = v128.load32_splat(pa);
          c00 = i32x4.add(c00, i32x4.dot_i16x8_s(x, w0));
          c01 = i32x4.add(c01, i32x4.dot_i16x8_s(x, w1));
          x = v128.load32_splat(pa, 4);
          c10 = i32x4.add(c10, i32x4.dot_i16x8_s(x, w0));
          c11 = i32x4.add(c11, i32x4.dot_i16x8_s(x, w1));
          x = v128.load32_splat(pa, 8);
          c20 = i32x4.add(c20, i32x4.dot_i16x8_s(x, w0));
          c21 = i32x4.add(c21, i32x4.dot_i16x8_s(x, w1));
          x = v128.load32_splat(pa, 12);
          c30 = i32x4.add(c30, i32x4.dot_i16x8_s(x, w0));
          c31 = i32x4.add(c31, i32x4.dot_i16x8_s(x, w1));
          pa += 16;
          pw += 32;
        }
        const d = outImage + <usize>o * hwu + px;
        storeRow(c00, c01, o, oc, bint, ea, ebf, ecc, zpv, loZ, hiZ, d, live, tmp);
        storeRow(c10, c11, o + 1, oc, bint, ea, ebf, ecc, zpv, loZ, hiZ, d + hwu, live, tmp);
        storeRow(c20, c21, o + 2, oc, bint, ea, ebf, ecc, zpv, loZ, hiZ, d + 2 * hwu, live, tmp);
        storeRow(c30, c31, o + 3, oc, bint, ea, ebf, ecc, zpv, loZ, hiZ, d + 3 * hwu, live, tmp);
      }
    }
    p += count;
  }
}
