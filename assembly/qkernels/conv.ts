// Quantized 2-D convolution (NCHW uint8 in and out) on the SIMD GEMM core (WASM). Two phases, each
// split across threads by the host: (1) the input is widened once into an i16 NHWC copy with the zero
// point removed and the spatial padding materialised as zeros; (2) for blocks of output pixels, rows
// of the im2col matrix are gathered from that copy (k ordered as (kh, kw, channel), so each tap is one
// contiguous run of channels) and multiplied with the packed weights; the epilogue output is written
// back to NCHW. 1x1 stride-1 unpadded convolutions use the NHWC rows directly, without im2col.
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
} from "../util/qgemm-desc";
import { gemmBlock, packTiles, qgemm_packed_bytes } from "./gemm";

/** Phase 1: thread `t` widens its share of padded rows (batch * (H + 2PH)) into the NHWC i16 copy. */
export function qconv_nhwc_thread(desc: usize, t: i32, threads: i32): void {
  const c = dget(desc, D_C);
  const h = dget(desc, D_H);
  const w = dget(desc, D_W);
  const ph = dget(desc, D_PH);
  const pw = dget(desc, D_PW);
  const hp = h + 2 * ph;
  const wp = w + 2 * pw;
  const zp = dget(desc, D_IN_ZP);
  const input = <usize>dget(desc, D_INPUT);
  const nhwc = <usize>dget(desc, D_NHWC);
  const total = dget(desc, D_BATCH) * hp;
  const r0 = threadRangeStart(total, t, threads, 1);
  const r1 = threadRangeStart(total, t + 1, threads, 1);
  const pixBytes = <usize>c << 1;
  const rowBytes = <usize>wp * pixBytes;
  for (let r = r0; r < r1; r++) {
    const n = r / hp;
    const y = r - n * hp - ph;
    const drow = nhwc + <usize>r * rowBytes;
    if (y < 0 || y >= h) {
      memory.fill(drow, 0, rowBytes);
      continue;
    }
    if (pw > 0) {
      memory.fill(drow, 0, <usize>pw * pixBytes);
      memory.fill(drow + <usize>(pw + w) * pixBytes, 0, <usize>pw * pixBytes);
    }
    const dbase = drow + <usize>pw * pixBytes;
    const splane = input + <usize>n * c * h * w + <usize>y * w;
    for (let ch = 0; ch < c; ch++) {
      const s = splane + <usize>ch * h * w;
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
  const hp = dget(desc, D_H) + 2 * dget(desc, D_PH);
  const wp = dget(desc, D_W) + 2 * dget(desc, D_PW);
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
  // 1x1, stride 1, no padding, one group, even channel count: NHWC rows are the im2col rows.
  const pointwise = kh == 1 && kw == 1 && sh == 1 && sw == 1 && groups == 1 && (c & 1) == 0 && hp * wp == ohw;
  const r0 = threadRangeStart(m, t, threads, 4);
  const r1 = threadRangeStart(m, t + 1, threads, 4);
  for (let rb = r0; rb < r1; rb += blockRows) {
    const rows = min(blockRows, r1 - rb);
    for (let g = 0; g < groups; g++) {
      if (pointwise) {
        packTiles(nhwc + <usize>rb * pixBytes, pixBytes, rows, kp, tiles);
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
      gemmBlock(
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
      // Scatter the [rows][og] tile into NCHW, one output channel at a time (contiguous pixels).
      for (let o = 0; o < og; o++) {
        const ch = g * og + o;
        let mm = rb;
        const end = rb + rows;
        while (mm < end) {
          const n = mm / ohw;
          const pix = mm - n * ohw;
          const run = min(end - mm, ohw - pix);
          const dst = output + (<usize>(n * oc + ch) * ohw) + pix;
          const src = tmp + <usize>(mm - rb) * np + o;
          for (let q = 0; q < run; q++) store<u8>(dst + q, load<u8>(src + <usize>q * np));
          mm += run;
        }
      }
    }
  }
}
