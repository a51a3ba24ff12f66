// Exact integer Winograd F(2x2, 3x3) for quantized 3x3 stride-1 convolutions (WASM, SIMD128).
// With B^T = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]], G' = 2G = [[2,0,0],[1,1,1],[1,-1,1],[0,0,2]]
// and A^T = [[1,1,1,0],[0,1,-1,-1]], A^T [(G' g G'^T) . (B^T d B)] A = 4 * (the direct 2x2 output), with
// every step in integers: |B^T d B| <= 4 * 255 fits i16, |G' g G'^T| <= 9 * 255 fits i16, products
// and sums are exact i32 (wrapping, but the final 4 * acc fits i32 whenever 9 * C * 255 * 255 * 4 < 2^31,
// i.e. C <= 910, which the host checks). So the accumulator is bit-identical to the direct
// convolution's and the same requantization epilogue applies; 2.25x fewer multiplies.
// Data flow per block of T output tiles (2x2 pixels each): input transform of 4x4 NHWC patches, 8
// channels at a time, into 16 tile-interleaved matrices V[xi] (T x C); 16 GEMMs with the transformed
// weights U[xi] (C x OC) giving raw i32 M[xi] (T x NP); output transform, /4, requantize, NCHW store.
import {
  dget,
  D_KP,
  D_NP,
  D_WEIGHTS,
  D_EPI_BINT,
  D_EPI_A,
  D_EPI_BF,
  D_EPI_C,
  D_OUTPUT,
  D_OUT_ZP,
  D_OUT_LO,
  D_OUT_HI,
  D_SCRATCH,
  D_SCRATCH_STRIDE,
  D_BLOCK_ROWS,
  D_C,
  D_OC,
  D_OH,
  D_OW,
  D_BATCH,
  D_NHWC,
  D_NHWC_HP,
  D_NHWC_WP,
} from "../util/qgemm-desc";
import { gemmBlock, qgemm_packed_bytes } from "./gemm";
import { requant4Splat } from "../util/requant-epilogue";

/**
 * Transforms int8 weights [OC][C][3][3] (minus per-channel zero points) to G' g G'^T and packs them as
 * 16 GEMM weight sets (one per transform position xi), each laid out like qgemm_pack_weights(OC, C).
 */
export function qwinograd_pack_weights(src: usize, zps: usize, oc: i32, c: i32, dst: usize): void {
  const kp = (c + 1) >> 1;
  const setBytes = <usize>qgemm_packed_bytes(oc, c);
  memory.fill(dst, 0, setBytes * 16);
  for (let o = 0; o < oc; o++) {
    const zp = load<i32>(zps + (<usize>o << 2));
    const panel = o >> 3;
    const half = (o >> 2) & 1;
    const col = o & 3;
    for (let ci = 0; ci < c; ci++) {
      const g = src + (<usize>(o * c + ci) * 9);
      // t = G' g (4x3), then U = t G'^T (4x4).
      for (let i = 0; i < 4; i++) {
        let t0 = 0;
        let t1 = 0;
        let t2 = 0;
        for (let j = 0; j < 3; j++) {
          const g0 = <i32>load<i8>(g + j) - zp;
          const g1 = <i32>load<i8>(g + 3 + j) - zp;
          const g2 = <i32>load<i8>(g + 6 + j) - zp;
          let v: i32;
          if (i == 0) v = 2 * g0;
          else if (i == 1) v = g0 + g1 + g2;
          else if (i == 2) v = g0 - g1 + g2;
          else v = 2 * g2;
          if (j == 0) t0 = v;
          else if (j == 1) t1 = v;
          else t2 = v;
        }
        const u0 = 2 * t0;
        const u1 = t0 + t1 + t2;
        const u2 = t0 - t1 + t2;
        const u3 = 2 * t2;
        for (let j = 0; j < 4; j++) {
          const u = j == 0 ? u0 : j == 1 ? u1 : j == 2 ? u2 : u3;
          const xi = i * 4 + j;
          const at = dst + <usize>xi * setBytes + <usize>panel * kp * 32 + <usize>(ci >> 1) * 32 + half * 16 + col * 4 + ((ci & 1) << 1);
          store<i16>(at, <i16>u);
        }
      }
    }
  }
}

/** Scratch bytes one thread needs for blocks of `tiles` tiles (a multiple of 4). */
export function qwinograd_scratch_bytes(tiles: i32, c: i32, oc: i32): i32 {
  const kp = (c + 1) >> 1;
  const np = (oc + 7) & ~7;
  return 16 * tiles * kp * 4 + 16 * tiles * np * 4 + 16 + 1024 + 64;
}

/** Thread `t` of `threads` computes its share of the batch * ceil(OH/2) * ceil(OW/2) output tiles. */
export function qwinograd_thread(desc: usize, t: i32, threads: i32): void {
  const c = dget(desc, D_C);
  const oc = dget(desc, D_OC);
  const oh = dget(desc, D_OH);
  const ow = dget(desc, D_OW);
  const kp = dget(desc, D_KP);
  const np = dget(desc, D_NP);
  const wp = dget(desc, D_NHWC_WP);
  const hp = dget(desc, D_NHWC_HP);
  const th = (oh + 1) >> 1;
  const tw = (ow + 1) >> 1;
  const perImage = th * tw;
  const total = dget(desc, D_BATCH) * perImage;
  const blockTiles = dget(desc, D_BLOCK_ROWS);
  const nhwc = <usize>dget(desc, D_NHWC);
  const weights = <usize>dget(desc, D_WEIGHTS);
  const output = <usize>dget(desc, D_OUTPUT);
  const bint = <usize>dget(desc, D_EPI_BINT);
  const ea = <usize>dget(desc, D_EPI_A);
  const ebf = <usize>dget(desc, D_EPI_BF);
  const ecc = <usize>dget(desc, D_EPI_C);
  const outZp = dget(desc, D_OUT_ZP);
  const zpv = i32x4.splat(outZp);
  const loZ = i32x4.splat(dget(desc, D_OUT_LO) - outZp);
  const hiZ = i32x4.splat(dget(desc, D_OUT_HI) - outZp);
  const scratch = <usize>dget(desc, D_SCRATCH) + <usize>t * <usize>dget(desc, D_SCRATCH_STRIDE);
  const vBytes = <usize>blockTiles * kp * 4; // one V[xi]
  const mBytes = <usize>blockTiles * np * 4; // one M[xi]
  const vBase = scratch;
  const mBase = scratch + 16 * vBytes;
  const rowTmp = mBase + 16 * mBytes; // 16 bytes for ragged-edge stores
  const stage = rowTmp + 16; // 4 tiles x 16 transformed vectors
  const setBytes = <usize>qgemm_packed_bytes(oc, c);
  const pixBytes = <usize>c << 1;
  const rowBytes = <usize>wp * pixBytes;
  const ohw = <usize>oh * ow;
  // Tiles split across threads in multiples of 4.
  const units = (total + 3) >> 2;
  const t0 = min(<i32>((<i64>units * t) / threads) * 4, total);
  const t1 = min(<i32>((<i64>units * (t + 1)) / threads) * 4, total);
  for (let tb = t0; tb < t1; tb += blockTiles) {
    const count = min(blockTiles, t1 - tb);
    const padded = (count + 3) & ~3;
    // Input transform: V[xi][tile][c] in 4-tile interleaved pair layout. Each tile's 16 transformed
    // vectors (8 channels) go to a staging area; every 4 tiles a 4x4 transpose per xi interleaves them.
    for (let r = 0; r < padded; r += 4) {
      const group = vBase + <usize>(r >> 2) * (<usize>kp << 4);
      for (let ch = 0; ch < c; ch += 8) {
        for (let q = 0; q < 4; q++) {
          const st = stage + (<usize>q << 8);
          if (r + q >= count) {
            for (let xi = 0; xi < 16; xi++) v128.store(st + (<usize>xi << 4), i32x4.splat(0));
            continue;
          }
          const tile = tb + r + q;
          const n = tile / perImage;
          const rest = tile - n * perImage;
          const ty = rest / tw;
          const tx = rest - ty * tw;
          const p0 = nhwc + (<usize>(n * hp + 2 * ty) * wp + <usize>(2 * tx)) * pixBytes + (<usize>ch << 1);
          const p1 = p0 + rowBytes;
          const p2 = p1 + rowBytes;
          const p3 = p2 + rowBytes;
          // Row transform (B^T d) down each column j, then column transform (. B) of each row.
          const d00 = v128.load(p0);
          const d10 = v128.load(p1);
          const d20 = v128.load(p2);
          const d30 = v128.load(p3);
          const t00 = i16x8.sub(d00, d20);
          const t10 = i16x8.add(d10, d20);
          const t20 = i16x8.sub(d20, d10);
          const t30 = i16x8.sub(d10, d30);
          const d01 = v128.load(p0 + pixBytes);
          const d11 = v128.load(p1 + pixBytes);
          const d21 = v128.load(p2 + pixBytes);
          const d31 = v128.load(p3 + pixBytes);
          const t01 = i16x8.sub(d01, d21);
          const t11 = i16x8.add(d11, d21);
          const t21 = i16x8.sub(d21, d11);
          const t31 = i16x8.sub(d11, d31);
          const d02 = v128.load(p0 + 2 * pixBytes);
          const d12 = v128.load(p1 + 2 * pixBytes);
          const d22 = v128.load(p2 + 2 * pixBytes);
          const d32 = v128.load(p3 + 2 * pixBytes);
          const t02 = i16x8.sub(d02, d22);
          const t12 = i16x8.add(d12, d22);
          const t22 = i16x8.sub(d22, d12);
          const t32 = i16x8.sub(d12, d32);
          const d03 = v128.load(p0 + 3 * pixBytes);
          const d13 = v128.load(p1 + 3 * pixBytes);
          const d23 = v128.load(p2 + 3 * pixBytes);
          const d33 = v128.load(p3 + 3 * pixBytes);
          const t03 = i16x8.sub(d03, d23);
          const t13 = i16x8.add(d13, d23);
          const t23 = i16x8.sub(d23, d13);
          const t33 = i16x8.sub(d13, d33);
          stageRow(st, 0, t00, t01, t02, t03);
          stageRow(st, 4, t10, t11, t12, t13);
          stageRow(st, 8, t20, t21, t22, t23);
          stageRow(st, 12, t30, t31, t32, t33);
        }
        const d = group + (<usize>(ch >> 1) << 4);
        for (let xi = 0; xi < 16; xi++) {
          const sx = stage + (<usize>xi << 4);
          const r0 = v128.load(sx);
          const r1 = v128.load(sx, 256);
          const r2 = v128.load(sx, 512);
          const r3 = v128.load(sx, 768);
          const u0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
          const u1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
          const u2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
          const u3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
          const dx = d + <usize>xi * vBytes;
          v128.store(dx, i32x4.shuffle(u0, u1, 0, 1, 4, 5));
          v128.store(dx, i32x4.shuffle(u0, u1, 2, 3, 6, 7), 16);
          v128.store(dx, i32x4.shuffle(u2, u3, 0, 1, 4, 5), 32);
          v128.store(dx, i32x4.shuffle(u2, u3, 2, 3, 6, 7), 48);
        }
      }
    }
    // 16 GEMMs in the transform domain, raw i32 results.
    for (let xi = 0; xi < 16; xi++) {
      gemmBlock(vBase + <usize>xi * vBytes, count, kp, weights + <usize>xi * setBytes, np, 2, 0, 0, 0, 0, 0, 0, 0, mBase + <usize>xi * mBytes);
    }
    // Output transform, exact /4, requantize, store the 2x2 pixels of 4 channels at a time. Channels
    // outside, tiles inside, so the per-channel requantization constants stay in registers.
    for (let o = 0; o < oc; o += 4) {
      const off = <usize>o << 2;
      const bintV = v128.load(bint + off);
      const aV = v128.load(ea + off);
      const bfV = v128.load(ebf + off);
      const ccV = v128.load(ecc + off);
      const live = min(4, oc - o);
      for (let r = 0; r < count; r++) {
        const tile = tb + r;
        const n = tile / perImage;
        const rest = tile - n * perImage;
        const ty = rest / tw;
        const tx = rest - ty * tw;
        const y0 = 2 * ty;
        const x0 = 2 * tx;
        const mo = mBase + <usize>r * np * 4 + off;
        // s_0j = m0j + m1j + m2j ; s_1j = m1j - m2j - m3j
        const m00 = v128.load(mo);
        const m01 = v128.load(mo + mBytes);
        const m02 = v128.load(mo + 2 * mBytes);
        const m03 = v128.load(mo + 3 * mBytes);
        const m10 = v128.load(mo + 4 * mBytes);
        const m11 = v128.load(mo + 5 * mBytes);
        const m12 = v128.load(mo + 6 * mBytes);
        const m13 = v128.load(mo + 7 * mBytes);
        const m20 = v128.load(mo + 8 * mBytes);
        const m21 = v128.load(mo + 9 * mBytes);
        const m22 = v128.load(mo + 10 * mBytes);
        const m23 = v128.load(mo + 11 * mBytes);
        const m30 = v128.load(mo + 12 * mBytes);
        const m31 = v128.load(mo + 13 * mBytes);
        const m32 = v128.load(mo + 14 * mBytes);
        const m33 = v128.load(mo + 15 * mBytes);
        const s00 = i32x4.add(i32x4.add(m00, m10), m20);
        const s01 = i32x4.add(i32x4.add(m01, m11), m21);
        const s02 = i32x4.add(i32x4.add(m02, m12), m22);
        const s03 = i32x4.add(i32x4.add(m03, m13), m23);
        const s10 = i32x4.sub(i32x4.sub(m10, m20), m30);
        const s11 = i32x4.sub(i32x4.sub(m11, m21), m31);
        const s12 = i32x4.sub(i32x4.sub(m12, m22), m32);
        const s13 = i32x4.sub(i32x4.sub(m13, m23), m33);
        const y00 = requant4Splat(i32x4.shr_s(i32x4.add(i32x4.add(s00, s01), s02), 2), bintV, aV, bfV, ccV, zpv, loZ, hiZ);
        const y01 = requant4Splat(i32x4.shr_s(i32x4.sub(i32x4.sub(s01, s02), s03), 2), bintV, aV, bfV, ccV, zpv, loZ, hiZ);
        const y10 = requant4Splat(i32x4.shr_s(i32x4.add(i32x4.add(s10, s11), s12), 2), bintV, aV, bfV, ccV, zpv, loZ, hiZ);
        const y11 = requant4Splat(i32x4.shr_s(i32x4.sub(i32x4.sub(s11, s12), s13), 2), bintV, aV, bfV, ccV, zpv, loZ, hiZ);
        // Bytes [y00 c0..3, y01 c0..3, y10 c0..3, y11 c0..3] -> per channel (y00, y01) and (y10, y11) pairs.
        const packed = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(y00, y01), i16x8.narrow_i32x4_s(y10, y11));
        const pairs = i8x16.shuffle(packed, packed, 0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15);
        const dst = output + (<usize>(n * oc + o)) * ohw + <usize>y0 * ow + x0;
        if (live == 4 && x0 + 1 < ow && y0 + 1 < oh) {
          v128.store16_lane(dst, pairs, 0);
          v128.store16_lane(dst + ohw, pairs, 1);
          v128.store16_lane(dst + 2 * ohw, pairs, 2);
          v128.store16_lane(dst + 3 * ohw, pairs, 3);
          v128.store16_lane(dst + ow, pairs, 4);
          v128.store16_lane(dst + ohw + ow, pairs, 5);
          v128.store16_lane(dst + 2 * ohw + ow, pairs, 6);
          v128.store16_lane(dst + 3 * ohw + ow, pairs, 7);
        } else {
          // Ragged edge (odd OH/OW) or fewer than 4 channels left: byte by byte.
          v128.store(rowTmp, pairs);
          for (let q = 0; q < live; q++) {
            const d = dst + <usize>q * ohw;
            store<u8>(d, load<u8>(rowTmp + 2 * q));
            if (x0 + 1 < ow) store<u8>(d + 1, load<u8>(rowTmp + 2 * q + 1));
            if (y0 + 1 < oh) {
              store<u8>(d + ow, load<u8>(rowTmp + 8 + 2 * q));
              if (x0 + 1 < ow) store<u8>(d + ow + 1, load<u8>(rowTmp + 8 + 2 * q + 1));
            }
          }
        }
      }
    }
  }
}

/** Column transform (. B) of transformed row i (t_i0..t_i3, 8 channels each) into stage[xi = i*4 + j]. */
// @ts-ignore: decorator
@inline
function stageRow(st: usize, xiBase: i32, t0: v128, t1: v128, t2: v128, t3: v128): void {
  const at = st + (<usize>xiBase << 4);
  v128.store(at, i16x8.sub(t0, t2));
  v128.store(at, i16x8.add(t1, t2), 16);
  v128.store(at, i16x8.sub(t2, t1), 32);
  v128.store(at, i16x8.sub(t1, t3), 48);
}
