// Int8 GEMM core for quantized linear and conv (WASM, SIMD128): weight packing, the 4x8 register-tile
// micro-kernel on i32x4.dot_i16x8_s, and the L2-blocked driver with the fused requantization epilogue.
//
// Packed weight layout (built once per layer by qgemm_pack_weights): for each group, panels of 8 output
// columns; inside a panel, for each pair p of reduction indices (k = 2p, 2p + 1), 32 bytes =
// two blocks of 4 columns x 2 i16 values (w[n][2p] - wzp[n], w[n][2p+1] - wzp[n]). A row of widened
// activations is i16 (x - x_zp), KP pairs long. `v128.load32_splat` of one activation pair dotted with a
// 16-byte weight block gives partial sums for 4 columns, so no horizontal reductions are needed.
// Every product and pair sum is exact in i32 (|x - zp|, |w - zp| <= 255).
import { requant4, narrow8 } from "../util/requant-epilogue";

/** Bytes of one group's packed weights. */
export function qgemm_packed_bytes(n: i32, k: i32): i32 {
  const np = (n + 7) & ~7;
  const kp = (k + 1) >> 1;
  return np * kp * 4;
}

/**
 * Packs `groups` int8 matrices [n][k] stored one after another at `src` (row r of group g at
 * src + (g * n + r) * k) into `dst`. `zps` holds one i32 zero point per row of all groups.
 */
export function qgemm_pack_weights(src: usize, zps: usize, groups: i32, n: i32, k: i32, dst: usize): void {
  const np = (n + 7) & ~7;
  const kp = (k + 1) >> 1;
  const groupBytes = <usize>np * kp * 4;
  memory.fill(dst, 0, groupBytes * groups);
  for (let g = 0; g < groups; g++) {
    const gdst = dst + <usize>g * groupBytes;
    for (let r = 0; r < n; r++) {
      const row = g * n + r;
      const zp = load<i32>(zps + (<usize>row << 2));
      const srow = src + <usize>row * k;
      const panel = r >> 3;
      const half = (r >> 2) & 1;
      const col = r & 3;
      const base = gdst + <usize>panel * kp * 32 + half * 16 + col * 4;
      for (let kk = 0; kk < k; kk++) {
        const v = <i32>load<i8>(srow + kk) - zp;
        store<i16>(base + <usize>(kk >> 1) * 32 + ((kk & 1) << 1), <i16>v);
      }
    }
  }
}

// @ts-ignore: decorator
@inline
export function storeTileRow(
  c0: v128,
  c1: v128,
  mode: i32,
  bint: usize,
  a: usize,
  bf: usize,
  cc: usize,
  off: usize,
  zp: v128,
  lo: v128,
  hi: v128,
  dst: usize,
): void {
  if (mode == 0) {
    const q0 = requant4(c0, bint, a, bf, cc, off, zp, lo, hi);
    const q1 = requant4(c1, bint, a, bf, cc, off + 16, zp, lo, hi);
    v128.store64_lane(dst, narrow8(q0, q1), 0);
  } else if (mode == 2) {
    // Raw i32 accumulators (Winograd's transform-domain products).
    v128.store(dst, c0);
    v128.store(dst, c1, 16);
  } else {
    // Float output (dynamic linear): acc * a + bf, no rounding.
    let f0 = f32x4.convert_i32x4_s(i32x4.add(c0, v128.load(bint + off)));
    let f1 = f32x4.convert_i32x4_s(i32x4.add(c1, v128.load(bint + off + 16)));
    f0 = f32x4.add(f32x4.mul(f0, v128.load(a + off)), v128.load(bf + off));
    f1 = f32x4.add(f32x4.mul(f1, v128.load(a + off + 16)), v128.load(bf + off + 16));
    v128.store(dst, f0);
    v128.store(dst, f1, 16);
  }
}

/**
 * Widens `rows` rows of uint8 activations (row stride `lda` bytes) straight into 4-row tiles (the
 * layout packTiles produces): (x - zp) as i16, K padded to KP pairs, rows past `rows` zero.
 */
export function widenTiles(src: usize, lda: i32, rows: i32, k: i32, kp: i32, zp: i32, dst: usize): void {
  const zpv = i16x8.splat(<i16>zp);
  const tileBytes = <usize>kp << 4;
  for (let r = 0; r < rows; r += 4) {
    const d = dst + <usize>(r >> 2) * tileBytes;
    const live = min(4, rows - r);
    const s0 = src + <usize>r * lda;
    let kk = 0;
    if (live == 4) {
      const s1 = s0 + lda;
      const s2 = s1 + lda;
      const s3 = s2 + lda;
      for (; kk + 8 <= k; kk += 8) {
        const r0 = i16x8.sub(i16x8.extend_low_i8x16_u(v128.load64_zero(s0 + kk)), zpv);
        const r1 = i16x8.sub(i16x8.extend_low_i8x16_u(v128.load64_zero(s1 + kk)), zpv);
        const r2 = i16x8.sub(i16x8.extend_low_i8x16_u(v128.load64_zero(s2 + kk)), zpv);
        const r3 = i16x8.sub(i16x8.extend_low_i8x16_u(v128.load64_zero(s3 + kk)), zpv);
        const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
        const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
        const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
        const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
        const dd = d + (<usize>kk << 3);
        v128.store(dd, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
        v128.store(dd, i32x4.shuffle(t0, t1, 2, 3, 6, 7), 16);
        v128.store(dd, i32x4.shuffle(t2, t3, 0, 1, 4, 5), 32);
        v128.store(dd, i32x4.shuffle(t2, t3, 2, 3, 6, 7), 48);
      }
    }
    // Remaining columns (and partial tiles): element by element, zeros for padding.
    for (let i = 0; i < 4; i++) {
      const s = s0 + <usize>i * lda;
      for (let c = kk; c < (kp << 1); c++) {
        const v = i < live && c < k ? <i32>load<u8>(s + c) - zp : 0;
        store<i16>(d + (<usize>(c >> 1) << 4) + (<usize>i << 2) + (<usize>(c & 1) << 1), <i16>v);
      }
    }
  }
}

/**
 * Interleaves `rows` rows of widened activations (row-major i16, `srcStride` bytes apart, KP pairs
 * each) into 4-row tiles: tile t holds, for each pair p, the 4 rows' pairs side by side (16 bytes), so
 * the micro-kernel reads one pointer with constant offsets. Rows past `rows` in the last tile are zero.
 */
export function packTiles(src: usize, srcStride: usize, rows: i32, kp: i32, dst: usize): void {
  const tileBytes = <usize>kp << 4;
  for (let r = 0; r < rows; r += 4) {
    const d = dst + <usize>(r >> 2) * tileBytes;
    const live = min(4, rows - r);
    const s0 = src + <usize>r * srcStride;
    if (live == 4) {
      const s1 = s0 + srcStride;
      const s2 = s1 + srcStride;
      const s3 = s2 + srcStride;
      let p = 0;
      for (; p + 4 <= kp; p += 4) {
        const o = <usize>p << 2;
        const r0 = v128.load(s0 + o);
        const r1 = v128.load(s1 + o);
        const r2 = v128.load(s2 + o);
        const r3 = v128.load(s3 + o);
        const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
        const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
        const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
        const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
        const dd = d + (<usize>p << 4);
        v128.store(dd, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
        v128.store(dd, i32x4.shuffle(t0, t1, 2, 3, 6, 7), 16);
        v128.store(dd, i32x4.shuffle(t2, t3, 0, 1, 4, 5), 32);
        v128.store(dd, i32x4.shuffle(t2, t3, 2, 3, 6, 7), 48);
      }
      for (; p < kp; p++) {
        const o = <usize>p << 2;
        const dd = d + (<usize>p << 4);
        store<u32>(dd, load<u32>(s0 + o));
        store<u32>(dd, load<u32>(s1 + o), 4);
        store<u32>(dd, load<u32>(s2 + o), 8);
        store<u32>(dd, load<u32>(s3 + o), 12);
      }
    } else {
      memory.fill(d, 0, tileBytes);
      for (let i = 0; i < live; i++) {
        const s = s0 + <usize>i * srcStride;
        for (let p = 0; p < kp; p++) store<u32>(d + (<usize>p << 4) + (<usize>i << 2), load<u32>(s + (<usize>p << 2)));
      }
    }
  }
}

/**
 * Computes `rows` x NP outputs of one group: 4-row tiles of widened activations at `tiles` (see
 * packTiles) times the packed panels at `w`. Writes row-major into `out` with a row stride of NP
 * elements (bytes in uint8 mode 0, f32 in float mode 1, raw i32 accumulators in mode 2). Epilogue constants are NP-long arrays for this group.
 */
export function gemmBlock(
  tiles: usize,
  rows: i32,
  kp: i32,
  w: usize,
  np: i32,
  mode: i32,
  bint: usize,
  ea: usize,
  ebf: usize,
  ecc: usize,
  outZp: i32,
  lo: i32,
  hi: i32,
  out: usize,
): void {
  const zp = i32x4.splat(outZp);
  const loZ = i32x4.splat(lo - outZp);
  const hiZ = i32x4.splat(hi - outZp);
  const tileBytes = <usize>kp << 4;
  const panelBytes = <usize>kp << 5;
  const elem: usize = mode == 0 ? 1 : 4; // mode 1: f32, mode 2: i32
  const outRow = <usize>np * elem;
  for (let j = 0; j < np; j += 8) {
    const wp = w + <usize>(j >> 3) * panelBytes;
    const wEnd = wp + panelBytes;
    const off = <usize>j << 2;
    const outCol = out + <usize>j * elem;
    for (let r = 0; r < rows; r += 4) {
      let pa = tiles + <usize>(r >> 2) * tileBytes;
      if (rows - r <= 2) {
        // One or two live rows (e.g. batch-1 linear): a 1x8 kernel per row instead of a mostly
        // empty 4x8 tile.
        for (let i = 0; i < rows - r; i++) {
          let pr = pa + (<usize>i << 2);
          let a0 = i32x4.splat(0);
          let a1 = i32x4.splat(0);
          let pw = wp;
          while (pw < wEnd) {
            const x = v128.load32_splat(pr);
            a0 = i32x4.add(a0, i32x4.dot_i16x8_s(x, v128.load(pw)));
            a1 = i32x4.add(a1, i32x4.dot_i16x8_s(x, v128.load(pw, 16)));
            pr += 16;
            pw += 32;
          }
          storeTileRow(a0, a1, mode, bint, ea, ebf, ecc, off, zp, loZ, hiZ, outCol + <usize>(r + i) * outRow);
        }
        continue;
      }
      let c00 = i32x4.splat(0);
      let c01 = i32x4.splat(0);
      let c10 = i32x4.splat(0);
      let c11 = i32x4.splat(0);
      let c20 = i32x4.splat(0);
      let c21 = i32x4.splat(0);
      let c30 = i32x4.splat(0);
      let c31 = i32x4.splat(0);
      let pw = wp;
      while (pw < wEnd) {
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
      const d = outCol + <usize>r * outRow;
      const live = rows - r;
      storeTileRow(c00, c01, mode, bint, ea, ebf, ecc, off, zp, loZ, hiZ, d);
      if (live > 1) storeTileRow(c10, c11, mode, bint, ea, ebf, ecc, off, zp, loZ, hiZ, d + outRow);
      if (live > 2) storeTileRow(c20, c21, mode, bint, ea, ebf, ecc, off, zp, loZ, hiZ, d + 2 * outRow);
      if (live > 3) storeTileRow(c30, c31, mode, bint, ea, ebf, ecc, off, zp, loZ, hiZ, d + 3 * outRow);
    }
  }
}
