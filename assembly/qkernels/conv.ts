// Quantized 2-D convolution (NCHW uint8 in and out) on the SIMD GEMM core (WASM). Two phases, each
// split across threads by the host: (1) the input is widened once into an i16 NHWC copy with the zero
// point removed and the spatial padding materialised as zeros; (2) blocks of output pixels are
// multiplied with the packed weights (reduction index k ordered (kh, kw, channel), so each tap is one
// contiguous run of channels) and the epilogue output is written back to NCHW. Phase 2 reads the NHWC
// copy directly (implicit GEMM) when a group has an even channel count, and otherwise gathers im2col
// rows. 3x3 stride-1 convs with 8k channels take winograd.ts instead of phase 2, 1x1 stride-1 unpadded
// convs take pointwise.ts (no NHWC copy at all) and depthwise convs take depthwise.ts.
import {
  dget,
  threadRangeStart,
  D_M,
  D_K,
  D_N,
  D_KP,
  D_NP,
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
  D_GROUPS,
  D_BATCH,
  D_NHWC,
  D_NHWC_HP,
  D_NHWC_WP,
} from "../util/qgemm-desc";
import { gemmBlock, packTiles, qgemm_packed_bytes, storeTileRow } from "./gemm";

/** Phase 1: thread `t` widens its share of padded rows (batch * (H + 2PH)) into the NHWC i16 copy. */
export function qconv_nhwc_thread(desc: usize, t: i32, threads: i32): void {
  const c = dget(desc, D_C);
  const h = dget(desc, D_H);
  const w = dget(desc, D_W);
  const ph = dget(desc, D_PH);
  const pw = dget(desc, D_PW);
  const hp = dget(desc, D_NHWC_HP);
  const wp = dget(desc, D_NHWC_WP);
  const zp = dget(desc, D_IN_ZP);
  const input = <usize>dget(desc, D_INPUT);
  const nhwc = <usize>dget(desc, D_NHWC);
  const total = dget(desc, D_BATCH) * hp;
  const r0 = threadRangeStart(total, t, threads, 1);
  const r1 = threadRangeStart(total, t + 1, threads, 1);
  const pixBytes = <usize>c << 1;
  const rowBytes = <usize>wp * pixBytes;
  const zpv = i16x8.splat(<i16>zp);
  for (let r = r0; r < r1; r++) {
    const n = r / hp;
    const y = r - n * hp - ph;
    const drow = nhwc + <usize>r * rowBytes;
    if (y < 0 || y >= h) {
      memory.fill(drow, 0, rowBytes);
      continue;
    }
    if (pw > 0) memory.fill(drow, 0, <usize>pw * pixBytes);
    if (wp > pw + w) memory.fill(drow + <usize>(pw + w) * pixBytes, 0, <usize>(wp - pw - w) * pixBytes);
    const dbase = drow + <usize>pw * pixBytes;
    const splane = input + <usize>n * c * h * w + <usize>y * w;
    const planeBytes = <usize>h * w;
    let ch = 0;
    // 8 channels x 8 pixels at a time: widen, then an 8x8 i16 transpose.
    for (; ch + 8 <= c; ch += 8) {
      const s = splane + <usize>ch * planeBytes;
      const d = dbase + (<usize>ch << 1);
      let x = 0;
      for (; x + 8 <= w; x += 8) {
        const r0 = i16x8.sub(i16x8.extend_low_i8x16_u(v128.load64_zero(s + x)), zpv);
        const r1 = i16x8.sub(i16x8.extend_low_i8x16_u(v128.load64_zero(s + planeBytes + x)), zpv);
        const r2 = i16x8.sub(i16x8.extend_low_i8x16_u(v128.load64_zero(s + 2 * planeBytes + x)), zpv);
        const r3 = i16x8.sub(i16x8.extend_low_i8x16_u(v128.load64_zero(s + 3 * planeBytes + x)), zpv);
        const r4 = i16x8.sub(i16x8.extend_low_i8x16_u(v128.load64_zero(s + 4 * planeBytes + x)), zpv);
        const r5 = i16x8.sub(i16x8.extend_low_i8x16_u(v128.load64_zero(s + 5 * planeBytes + x)), zpv);
        const r6 = i16x8.sub(i16x8.extend_low_i8x16_u(v128.load64_zero(s + 6 * planeBytes + x)), zpv);
        const r7 = i16x8.sub(i16x8.extend_low_i8x16_u(v128.load64_zero(s + 7 * planeBytes + x)), zpv);
        const a0 = i16x8.shuffle(r0, r1, 0, 8, 1, 9, 2, 10, 3, 11);
        const a1 = i16x8.shuffle(r0, r1, 4, 12, 5, 13, 6, 14, 7, 15);
        const a2 = i16x8.shuffle(r2, r3, 0, 8, 1, 9, 2, 10, 3, 11);
        const a3 = i16x8.shuffle(r2, r3, 4, 12, 5, 13, 6, 14, 7, 15);
        const a4 = i16x8.shuffle(r4, r5, 0, 8, 1, 9, 2, 10, 3, 11);
        const a5 = i16x8.shuffle(r4, r5, 4, 12, 5, 13, 6, 14, 7, 15);
        const a6 = i16x8.shuffle(r6, r7, 0, 8, 1, 9, 2, 10, 3, 11);
        const a7 = i16x8.shuffle(r6, r7, 4, 12, 5, 13, 6, 14, 7, 15);
        const b0 = i32x4.shuffle(a0, a2, 0, 4, 1, 5);
        const b1 = i32x4.shuffle(a0, a2, 2, 6, 3, 7);
        const b2 = i32x4.shuffle(a1, a3, 0, 4, 1, 5);
        const b3 = i32x4.shuffle(a1, a3, 2, 6, 3, 7);
        const b4 = i32x4.shuffle(a4, a6, 0, 4, 1, 5);
        const b5 = i32x4.shuffle(a4, a6, 2, 6, 3, 7);
        const b6 = i32x4.shuffle(a5, a7, 0, 4, 1, 5);
        const b7 = i32x4.shuffle(a5, a7, 2, 6, 3, 7);
        const dx = d + <usize>x * pixBytes;
        v128.store(dx, i64x2.shuffle(b0, b4, 0, 2));
        v128.store(dx + pixBytes, i64x2.shuffle(b0, b4, 1, 3));
        v128.store(dx + 2 * pixBytes, i64x2.shuffle(b1, b5, 0, 2));
        v128.store(dx + 3 * pixBytes, i64x2.shuffle(b1, b5, 1, 3));
        v128.store(dx + 4 * pixBytes, i64x2.shuffle(b2, b6, 0, 2));
        v128.store(dx + 5 * pixBytes, i64x2.shuffle(b2, b6, 1, 3));
        v128.store(dx + 6 * pixBytes, i64x2.shuffle(b3, b7, 0, 2));
        v128.store(dx + 7 * pixBytes, i64x2.shuffle(b3, b7, 1, 3));
      }
      for (; x < w; x++) {
        for (let q = 0; q < 8; q++) {
          store<i16>(d + <usize>x * pixBytes + (<usize>q << 1), <i16>(<i32>load<u8>(s + <usize>q * planeBytes + x) - zp));
        }
      }
    }
    for (; ch < c; ch++) {
      const s = splane + <usize>ch * planeBytes;
      const d = dbase + (<usize>ch << 1);
      for (let x = 0; x < w; x++) store<i16>(d + <usize>x * pixBytes, <i16>(<i32>load<u8>(s + x) - zp));
    }
  }
}

// @ts-ignore: decorator
@inline
function copyI16(dst: usize, src: usize, count: i32): void {
  const bytes = <usize>count << 1;
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, v128.load(src + i));
  for (; i < bytes; i += 2) store<i16>(dst + i, load<i16>(src + i));
}

/** Phase 2: thread `t` computes its share of output pixels (batch * OH * OW) for every group. */
export function qconv_gemm_thread(desc: usize, t: i32, threads: i32): void {
  const m = dget(desc, D_M);
  const k = dget(desc, D_K);
  const og = dget(desc, D_N);
  const kp = dget(desc, D_KP);
  const np = dget(desc, D_NP);
  const c = dget(desc, D_C);
  const oc = dget(desc, D_OC);
  const oh = dget(desc, D_OH);
  const ow = dget(desc, D_OW);
  const kh = dget(desc, D_KH);
  const kw = dget(desc, D_KW);
  const sh = dget(desc, D_SH);
  const sw = dget(desc, D_SW);
  const dh = dget(desc, D_DH);
  const dw = dget(desc, D_DW);
  const groups = dget(desc, D_GROUPS);
  const hp = dget(desc, D_NHWC_HP);
  const wp = dget(desc, D_NHWC_WP);
  const cg = c / groups;
  const blockRows = dget(desc, D_BLOCK_ROWS);
  const nhwc = <usize>dget(desc, D_NHWC);
  const output = <usize>dget(desc, D_OUTPUT);
  const weights = <usize>dget(desc, D_WEIGHTS);
  const groupWeightBytes = <usize>qgemm_packed_bytes(og, k);
  const scratch = <usize>dget(desc, D_SCRATCH) + <usize>t * <usize>dget(desc, D_SCRATCH_STRIDE);
  const a16Block = scratch;
  const tiles = a16Block + <usize>blockRows * kp * 4;
  const tmp = tiles + <usize>blockRows * kp * 4;
  const ohw = oh * ow;
  const pixBytes = <usize>c << 1;
  const rowBytes = <usize>kp << 2;
  const r0 = threadRangeStart(m, t, threads, 4);
  const r1 = threadRangeStart(m, t + 1, threads, 4);
  // Even channels per group: every tap is a whole number of i16 pairs, so the micro-kernel can read
  // the NHWC copy directly (implicit GEMM) instead of gathering im2col rows.
  const implicit = (cg & 1) == 0;
  for (let rb = r0; rb < r1; rb += blockRows) {
    const rows = min(blockRows, r1 - rb);
    for (let g = 0; g < groups; g++) {
      if (implicit) {
        implicitGemmBlock(desc, g, rb, rows, weights + <usize>g * groupWeightBytes, tmp);
      } else {
        for (let r = 0; r < rows; r++) {
          const mm = rb + r;
          const n = mm / ohw;
          const pix = mm - n * ohw;
          const y = pix / ow;
          const x = pix - y * ow;
          const d = a16Block + <usize>r * rowBytes;
          let tap = 0;
          for (let i = 0; i < kh; i++) {
            const srow = nhwc + (<usize>(n * hp + y * sh + i * dh) * wp) * pixBytes + (<usize>(g * cg) << 1);
            for (let j = 0; j < kw; j++) {
              copyI16(d + (<usize>(tap * cg) << 1), srow + <usize>(x * sw + j * dw) * pixBytes, cg);
              tap++;
            }
          }
          if (k & 1) store<i16>(d + (<usize>k << 1), 0);
        }
        packTiles(a16Block, rowBytes, rows, kp, tiles);
      }
      const epiOff = <usize>g * np * 4;
      if (!implicit) gemmBlock(
        tiles,
        rows,
        kp,
        weights + <usize>g * groupWeightBytes,
        np,
        0,
        <usize>dget(desc, D_EPI_BINT) + epiOff,
        <usize>dget(desc, D_EPI_A) + epiOff,
        <usize>dget(desc, D_EPI_BF) + epiOff,
        <usize>dget(desc, D_EPI_C) + epiOff,
        dget(desc, D_OUT_ZP),
        dget(desc, D_OUT_LO),
        dget(desc, D_OUT_HI),
        tmp,
      );
      scatterNCHW(tmp, np, rb, rows, og, g * og, oc, ohw, output);
    }
  }
}

/**
 * Implicit-GEMM block for one group: output pixels rb .. rb + rows, 4 at a time, read straight from
 * the NHWC copy. For each tap the 4 pixels' activations are one contiguous run of cg channels at a
 * common offset from each pixel's base, matching the (kh, kw, channel) order of the packed weights.
 * Writes the [rows][NP] uint8 tile to `out` like gemmBlock.
 */
function implicitGemmBlock(desc: usize, g: i32, rb: i32, rows: i32, w: usize, out: usize): void {
  const c = dget(desc, D_C);
  const groups = dget(desc, D_GROUPS);
  const cg = c / groups;
  const kp = dget(desc, D_KP);
  const np = dget(desc, D_NP);
  const ow = dget(desc, D_OW);
  const ohw = dget(desc, D_OH) * ow;
  const kh = dget(desc, D_KH);
  const kw = dget(desc, D_KW);
  const sh = dget(desc, D_SH);
  const sw = dget(desc, D_SW);
  const dh = dget(desc, D_DH);
  const dw = dget(desc, D_DW);
  const hp = dget(desc, D_NHWC_HP);
  const wp = dget(desc, D_NHWC_WP);
  const nhwc = <usize>dget(desc, D_NHWC) + (<usize>(g * cg) << 1);
  const pixBytes = <usize>c << 1;
  const runBytes = <usize>cg << 1;
  const epiOff = <usize>g * np * 4;
  const bint = <usize>dget(desc, D_EPI_BINT) + epiOff;
  const ea = <usize>dget(desc, D_EPI_A) + epiOff;
  const ebf = <usize>dget(desc, D_EPI_BF) + epiOff;
  const ecc = <usize>dget(desc, D_EPI_C) + epiOff;
  const outZp = dget(desc, D_OUT_ZP);
  const zp = i32x4.splat(outZp);
  const loZ = i32x4.splat(dget(desc, D_OUT_LO) - outZp);
  const hiZ = i32x4.splat(dget(desc, D_OUT_HI) - outZp);
  const panelBytes = <usize>kp << 5;
  const rowStrideBytes = <usize>wp * pixBytes;
  for (let j = 0; j < np; j += 8) {
    const wpanel = w + <usize>(j >> 3) * panelBytes;
    const off = <usize>j << 2;
    for (let r = 0; r < rows; r += 4) {
      // Base address of each of the 4 pixels (the last valid one repeated past the end).
      let p0: usize = 0;
      let p1: usize = 0;
      let p2: usize = 0;
      let p3: usize = 0;
      for (let q = 0; q < 4; q++) {
        const mm = rb + min(r + q, rows - 1);
        const n = mm / ohw;
        const pix = mm - n * ohw;
        const y = pix / ow;
        const x = pix - y * ow;
        const base = nhwc + <usize>(n * hp + y * sh) * rowStrideBytes + <usize>(x * sw) * pixBytes;
        if (q == 0) p0 = base;
        else if (q == 1) p1 = base;
        else if (q == 2) p2 = base;
        else p3 = base;
      }
      let c00 = i32x4.splat(0);
      let c01 = i32x4.splat(0);
      let c10 = i32x4.splat(0);
      let c11 = i32x4.splat(0);
      let c20 = i32x4.splat(0);
      let c21 = i32x4.splat(0);
      let c30 = i32x4.splat(0);
      let c31 = i32x4.splat(0);
      let pw = wpanel;
      for (let i = 0; i < kh; i++) {
        for (let jj = 0; jj < kw; jj++) {
          const tapOff = <usize>(i * dh) * rowStrideBytes + <usize>(jj * dw) * pixBytes;
          let a0 = p0 + tapOff;
          let a1 = p1 + tapOff;
          let a2 = p2 + tapOff;
          let a3 = p3 + tapOff;
          const end = a0 + runBytes;
          while (a0 < end) {
            const w0 = v128.load(pw);
            const w1 = v128.load(pw, 16);
            let x = v128.load32_splat(a0);
            c00 = i32x4.add(c00, i32x4.dot_i16x8_s(x, w0));
            c01 = i32x4.add(c01, i32x4.dot_i16x8_s(x, w1));
            x = v128.load32_splat(a1);
            c10 = i32x4.add(c10, i32x4.dot_i16x8_s(x, w0));
            c11 = i32x4.add(c11, i32x4.dot_i16x8_s(x, w1));
            x = v128.load32_splat(a2);
            c20 = i32x4.add(c20, i32x4.dot_i16x8_s(x, w0));
            c21 = i32x4.add(c21, i32x4.dot_i16x8_s(x, w1));
            x = v128.load32_splat(a3);
            c30 = i32x4.add(c30, i32x4.dot_i16x8_s(x, w0));
            c31 = i32x4.add(c31, i32x4.dot_i16x8_s(x, w1));
            a0 += 4;
            a1 += 4;
            a2 += 4;
            a3 += 4;
            pw += 32;
          }
        }
      }
      const d = out + <usize>r * np + j;
      const live = rows - r;
      storeTileRow(c00, c01, 0, bint, ea, ebf, ecc, off, zp, loZ, hiZ, d);
      if (live > 1) storeTileRow(c10, c11, 0, bint, ea, ebf, ecc, off, zp, loZ, hiZ, d + np);
      if (live > 2) storeTileRow(c20, c21, 0, bint, ea, ebf, ecc, off, zp, loZ, hiZ, d + 2 * np);
      if (live > 3) storeTileRow(c30, c31, 0, bint, ea, ebf, ecc, off, zp, loZ, hiZ, d + 3 * np);
    }
  }
}

/**
 * Writes the [rows][og] uint8 tile at `tmp` (row stride np) to NCHW output channels ch0.. ch0+og-1 for
 * GEMM rows rb.. rb+rows-1 (row = image * ohw + pixel). Blocks of 16 pixels x 16 channels inside one
 * image go through a 16x16 byte transpose (4 rounds of interleaving rows i and i+8) and 16-byte
 * stores; ragged edges are copied byte by byte.
 */
function scatterNCHW(tmp: usize, np: i32, rb: i32, rows: i32, og: i32, ch0: i32, oc: i32, ohw: i32, output: usize): void {
  const npu = <usize>np;
  let r = 0;
  while (r < rows) {
    const mm = rb + r;
    const n = mm / ohw;
    const pix = mm - n * ohw;
    const run = min(rows - r, ohw - pix);
    const full = run & ~15;
    const outImage = output + <usize>(n * oc + ch0) * ohw + pix;
    const src = tmp + <usize>r * npu;
    let o = 0;
    for (; o + 16 <= og; o += 16) {
      for (let q = 0; q < full; q += 16) {
        const s0 = src + <usize>q * npu + o;
        let v0 = v128.load(s0);
        let v1 = v128.load(s0 + 1 * npu);
        let v2 = v128.load(s0 + 2 * npu);
        let v3 = v128.load(s0 + 3 * npu);
        let v4 = v128.load(s0 + 4 * npu);
        let v5 = v128.load(s0 + 5 * npu);
        let v6 = v128.load(s0 + 6 * npu);
        let v7 = v128.load(s0 + 7 * npu);
        let v8 = v128.load(s0 + 8 * npu);
        let v9 = v128.load(s0 + 9 * npu);
        let v10 = v128.load(s0 + 10 * npu);
        let v11 = v128.load(s0 + 11 * npu);
        let v12 = v128.load(s0 + 12 * npu);
        let v13 = v128.load(s0 + 13 * npu);
        let v14 = v128.load(s0 + 14 * npu);
        let v15 = v128.load(s0 + 15 * npu);
        const t0_0 = i8x16.shuffle(v0, v8, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t0_1 = i8x16.shuffle(v0, v8, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t0_2 = i8x16.shuffle(v1, v9, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t0_3 = i8x16.shuffle(v1, v9, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t0_4 = i8x16.shuffle(v2, v10, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t0_5 = i8x16.shuffle(v2, v10, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t0_6 = i8x16.shuffle(v3, v11, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t0_7 = i8x16.shuffle(v3, v11, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t0_8 = i8x16.shuffle(v4, v12, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t0_9 = i8x16.shuffle(v4, v12, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t0_10 = i8x16.shuffle(v5, v13, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t0_11 = i8x16.shuffle(v5, v13, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t0_12 = i8x16.shuffle(v6, v14, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t0_13 = i8x16.shuffle(v6, v14, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t0_14 = i8x16.shuffle(v7, v15, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t0_15 = i8x16.shuffle(v7, v15, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        v0 = t0_0;
        v1 = t0_1;
        v2 = t0_2;
        v3 = t0_3;
        v4 = t0_4;
        v5 = t0_5;
        v6 = t0_6;
        v7 = t0_7;
        v8 = t0_8;
        v9 = t0_9;
        v10 = t0_10;
        v11 = t0_11;
        v12 = t0_12;
        v13 = t0_13;
        v14 = t0_14;
        v15 = t0_15;
        const t1_0 = i8x16.shuffle(v0, v8, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t1_1 = i8x16.shuffle(v0, v8, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t1_2 = i8x16.shuffle(v1, v9, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t1_3 = i8x16.shuffle(v1, v9, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t1_4 = i8x16.shuffle(v2, v10, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t1_5 = i8x16.shuffle(v2, v10, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t1_6 = i8x16.shuffle(v3, v11, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t1_7 = i8x16.shuffle(v3, v11, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t1_8 = i8x16.shuffle(v4, v12, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t1_9 = i8x16.shuffle(v4, v12, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t1_10 = i8x16.shuffle(v5, v13, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t1_11 = i8x16.shuffle(v5, v13, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t1_12 = i8x16.shuffle(v6, v14, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t1_13 = i8x16.shuffle(v6, v14, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t1_14 = i8x16.shuffle(v7, v15, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t1_15 = i8x16.shuffle(v7, v15, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        v0 = t1_0;
        v1 = t1_1;
        v2 = t1_2;
        v3 = t1_3;
        v4 = t1_4;
        v5 = t1_5;
        v6 = t1_6;
        v7 = t1_7;
        v8 = t1_8;
        v9 = t1_9;
        v10 = t1_10;
        v11 = t1_11;
        v12 = t1_12;
        v13 = t1_13;
        v14 = t1_14;
        v15 = t1_15;
        const t2_0 = i8x16.shuffle(v0, v8, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t2_1 = i8x16.shuffle(v0, v8, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t2_2 = i8x16.shuffle(v1, v9, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t2_3 = i8x16.shuffle(v1, v9, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t2_4 = i8x16.shuffle(v2, v10, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t2_5 = i8x16.shuffle(v2, v10, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t2_6 = i8x16.shuffle(v3, v11, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t2_7 = i8x16.shuffle(v3, v11, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t2_8 = i8x16.shuffle(v4, v12, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t2_9 = i8x16.shuffle(v4, v12, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t2_10 = i8x16.shuffle(v5, v13, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t2_11 = i8x16.shuffle(v5, v13, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t2_12 = i8x16.shuffle(v6, v14, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t2_13 = i8x16.shuffle(v6, v14, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t2_14 = i8x16.shuffle(v7, v15, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t2_15 = i8x16.shuffle(v7, v15, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        v0 = t2_0;
        v1 = t2_1;
        v2 = t2_2;
        v3 = t2_3;
        v4 = t2_4;
        v5 = t2_5;
        v6 = t2_6;
        v7 = t2_7;
        v8 = t2_8;
        v9 = t2_9;
        v10 = t2_10;
        v11 = t2_11;
        v12 = t2_12;
        v13 = t2_13;
        v14 = t2_14;
        v15 = t2_15;
        const t3_0 = i8x16.shuffle(v0, v8, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t3_1 = i8x16.shuffle(v0, v8, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t3_2 = i8x16.shuffle(v1, v9, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t3_3 = i8x16.shuffle(v1, v9, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t3_4 = i8x16.shuffle(v2, v10, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t3_5 = i8x16.shuffle(v2, v10, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t3_6 = i8x16.shuffle(v3, v11, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t3_7 = i8x16.shuffle(v3, v11, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t3_8 = i8x16.shuffle(v4, v12, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t3_9 = i8x16.shuffle(v4, v12, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t3_10 = i8x16.shuffle(v5, v13, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t3_11 = i8x16.shuffle(v5, v13, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t3_12 = i8x16.shuffle(v6, v14, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t3_13 = i8x16.shuffle(v6, v14, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const t3_14 = i8x16.shuffle(v7, v15, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const t3_15 = i8x16.shuffle(v7, v15, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        v0 = t3_0;
        v1 = t3_1;
        v2 = t3_2;
        v3 = t3_3;
        v4 = t3_4;
        v5 = t3_5;
        v6 = t3_6;
        v7 = t3_7;
        v8 = t3_8;
        v9 = t3_9;
        v10 = t3_10;
        v11 = t3_11;
        v12 = t3_12;
        v13 = t3_13;
        v14 = t3_14;
        v15 = t3_15;
        const d = outImage + <usize>o * ohw + q;
        v128.store(d, v0);
        v128.store(d + 1 * <usize>ohw, v1);
        v128.store(d + 2 * <usize>ohw, v2);
        v128.store(d + 3 * <usize>ohw, v3);
        v128.store(d + 4 * <usize>ohw, v4);
        v128.store(d + 5 * <usize>ohw, v5);
        v128.store(d + 6 * <usize>ohw, v6);
        v128.store(d + 7 * <usize>ohw, v7);
        v128.store(d + 8 * <usize>ohw, v8);
        v128.store(d + 9 * <usize>ohw, v9);
        v128.store(d + 10 * <usize>ohw, v10);
        v128.store(d + 11 * <usize>ohw, v11);
        v128.store(d + 12 * <usize>ohw, v12);
        v128.store(d + 13 * <usize>ohw, v13);
        v128.store(d + 14 * <usize>ohw, v14);
        v128.store(d + 15 * <usize>ohw, v15);
      }
    }
    // Ragged pixels of the full channel blocks, then the remaining channels.
    for (let oo = 0; oo < og; oo++) {
      const q0 = oo < o ? full : 0;
      const d = outImage + <usize>oo * ohw;
      for (let q = q0; q < run; q++) store<u8>(d + q, load<u8>(src + <usize>q * npu + oo));
    }
    r += run;
  }
}
