// Packed SIMD float32 GEMM, the workhorse of Conv (via im2col or directly for 1x1), Gemm and MatMul (WASM).
// C[M,N] = A[M,K] * B[K,N] (+ bias per row or per column). A is packed once by the caller (weights are
// packed when a model is prepared); B is packed here, one column block at a time, into caller scratch.
// Micro-kernel: 4 rows x 8 columns held in eight f32x4 accumulators.

const MR: i32 = 4;
const NR: i32 = 8;

/** Floats needed for A packed by fgemm_pack_a: rows rounded up to a multiple of 4, times K. */
export function fgemm_packed_a_floats(M: i32, K: i32): i32 {
  return ((M + MR - 1) / MR) * MR * K;
}

/**
 * Packs A (element (i,k) at a[i*rowStride + k*colStride]) into 4-row panels: panel p holds, for each k,
 * rows 4p..4p+3 side by side (zeros past M). Strides are in elements, so transposed A needs no copy.
 */
export function fgemm_pack_a(a: usize, M: i32, K: i32, rowStride: i32, colStride: i32, dst: usize): void {
  const panels = (M + MR - 1) / MR;
  for (let p = 0; p < panels; p++) {
    const out = dst + (<usize>p * <usize>K * MR << 2);
    for (let r = 0; r < MR; r++) {
      const i = p * MR + r;
      if (i < M) {
        const row = a + (<usize>i * <usize>rowStride << 2);
        for (let k = 0; k < K; k++) {
          store<f32>(out + ((<usize>k * MR + r) << 2), load<f32>(row + (<usize>k * <usize>colStride << 2)));
        }
      } else {
        for (let k = 0; k < K; k++) store<f32>(out + ((<usize>k * MR + r) << 2), 0);
      }
    }
  }
}

/** Columns of B packed per block: about 128 KiB of panel, at least one 8-column strip. */
function blockColumns(K: i32, N: i32): i32 {
  let nc = (32768 / max(K, 1)) & ~(NR - 1);
  if (nc < NR) nc = NR;
  const nRounded = (N + NR - 1) & ~(NR - 1);
  return min(nc, nRounded);
}

/** Scratch floats fgemm needs for a K x N product (the B panel plus a 32-float tail buffer). */
export function fgemm_scratch_floats(K: i32, N: i32): i32 {
  return K * blockColumns(K, N) + MR * NR;
}

/** Packs columns [j0, j0+nb) of B into 8-column strips: strip s holds, for each k, 8 consecutive columns. */
function packB(b: usize, rowStride: i32, colStride: i32, K: i32, N: i32, j0: i32, nb: i32, dst: usize): void {
  const strips = (nb + NR - 1) / NR;
  for (let s = 0; s < strips; s++) {
    const jStart = j0 + s * NR;
    const width = min(NR, N - jStart);
    let out = dst + (<usize>s * <usize>K * NR << 2);
    if (width == NR && colStride == 1) {
      let src = b + (<usize>jStart << 2);
      const step = <usize>rowStride << 2;
      for (let k = 0; k < K; k++) {
        v128.store(out, v128.load(src));
        v128.store(out, v128.load(src, 16), 16);
        src += step;
        out += NR << 2;
      }
    } else {
      for (let k = 0; k < K; k++) {
        const row = b + (<usize>k * <usize>rowStride << 2);
        for (let c = 0; c < NR; c++) {
          const v: f32 = c < width ? load<f32>(row + (<usize>(jStart + c) * <usize>colStride << 2)) : 0;
          store<f32>(out + (<usize>c << 2), v);
        }
        out += NR << 2;
      }
    }
  }
}

/**
 * C = A*B (+ bias). `ap` is A packed by fgemm_pack_a; B element (k,j) is b[k*bRowStride + j*bColStride];
 * C element (i,j) is written at c[i*ldc + j]. biasMode: 0 none, 1 bias[i] per row, 2 bias[j] per column.
 * `scratch` holds fgemm_scratch_floats(K, N) floats (one per concurrent caller).
 */
export function fgemm(
  ap: usize,
  M: i32,
  K: i32,
  b: usize,
  bRowStride: i32,
  bColStride: i32,
  N: i32,
  c: usize,
  ldc: i32,
  bias: usize,
  biasMode: i32,
  scratch: usize,
): void {
  const nc = blockColumns(K, N);
  const tail = scratch + (<usize>K * <usize>nc << 2);
  const panels = (M + MR - 1) / MR;
  for (let j0 = 0; j0 < N; j0 += nc) {
    const nb = min(nc, N - j0);
    packB(b, bRowStride, bColStride, K, N, j0, nb, scratch);
    const strips = (nb + NR - 1) / NR;
    for (let p = 0; p < panels; p++) {
      const aPanel = ap + (<usize>p * <usize>K * MR << 2);
      for (let s = 0; s < strips; s++) {
        tile(aPanel, scratch + (<usize>s * <usize>K * NR << 2), K, M, N, p * MR, j0 + s * NR, c, ldc, bias, biasMode, tail);
      }
    }
  }
}

/** Floats for B packed whole by fgemm_pack_b: ceil(N/8) strips of K x 8. */
export function fgemm_packed_b_floats(K: i32, N: i32): i32 {
  return ((N + NR - 1) / NR) * NR * K;
}

/** Packs all of B (element (k,j) at b[k*rowStride + j*colStride]) once, for constant weights. */
export function fgemm_pack_b(b: usize, K: i32, N: i32, rowStride: i32, colStride: i32, dst: usize): void {
  packB(b, rowStride, colStride, K, N, 0, N, dst);
}

/**
 * fgemm with B already packed by fgemm_pack_b (constant weights packed when a model is prepared).
 * `tail` holds 32 floats of scratch.
 */
export function fgemm_prepacked(
  ap: usize,
  M: i32,
  K: i32,
  bp: usize,
  N: i32,
  c: usize,
  ldc: i32,
  bias: usize,
  biasMode: i32,
  tail: usize,
): void {
  const nc = blockColumns(K, N);
  const panels = (M + MR - 1) / MR;
  for (let j0 = 0; j0 < N; j0 += nc) {
    const strips = (min(nc, N - j0) + NR - 1) / NR;
    const block = bp + (<usize>(j0 / NR) * <usize>K * NR << 2);
    for (let p = 0; p < panels; p++) {
      const aPanel = ap + (<usize>p * <usize>K * MR << 2);
      for (let s = 0; s < strips; s++) {
        tile(aPanel, block + (<usize>s * <usize>K * NR << 2), K, M, N, p * MR, j0 + s * NR, c, ldc, bias, biasMode, tail);
      }
    }
  }
}

/** One 4x8 tile of C: rows i0.., columns j.. from a packed A panel and a packed B strip. */
@inline
function tile(
  aPanel: usize,
  bStrip: usize,
  K: i32,
  M: i32,
  N: i32,
  i0: i32,
  j: i32,
  c: usize,
  ldc: i32,
  bias: usize,
  biasMode: i32,
  tail: usize,
): void {
  let pa = aPanel;
  let pb = bStrip;
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    const a0 = v128.load32_splat(pa);
    const a1 = v128.load32_splat(pa, 4);
    const a2 = v128.load32_splat(pa, 8);
    const a3 = v128.load32_splat(pa, 12);
    c00 = f32x4.add(c00, f32x4.mul(a0, b0));
    c01 = f32x4.add(c01, f32x4.mul(a0, b1));
    c10 = f32x4.add(c10, f32x4.mul(a1, b0));
    c11 = f32x4.add(c11, f32x4.mul(a1, b1));
    c20 = f32x4.add(c20, f32x4.mul(a2, b0));
    c21 = f32x4.add(c21, f32x4.mul(a2, b1));
    c30 = f32x4.add(c30, f32x4.mul(a3, b0));
    c31 = f32x4.add(c31, f32x4.mul(a3, b1));
    pa += MR << 2;
    pb += NR << 2;
  }
  const width = min(NR, N - j);
  const rows = min(MR, M - i0);
  if (width == NR && rows == MR) {
    if (biasMode == 2) {
      const b0 = v128.load(bias + (<usize>j << 2));
      const b1 = v128.load(bias + (<usize>j << 2), 16);
      c00 = f32x4.add(c00, b0);
      c01 = f32x4.add(c01, b1);
      c10 = f32x4.add(c10, b0);
      c11 = f32x4.add(c11, b1);
      c20 = f32x4.add(c20, b0);
      c21 = f32x4.add(c21, b1);
      c30 = f32x4.add(c30, b0);
      c31 = f32x4.add(c31, b1);
    } else if (biasMode == 1) {
      const r0 = v128.load32_splat(bias + (<usize>i0 << 2));
      const r1 = v128.load32_splat(bias + (<usize>i0 << 2), 4);
      const r2 = v128.load32_splat(bias + (<usize>i0 << 2), 8);
      const r3 = v128.load32_splat(bias + (<usize>i0 << 2), 12);
      c00 = f32x4.add(c00, r0);
      c01 = f32x4.add(c01, r0);
      c10 = f32x4.add(c10, r1);
      c11 = f32x4.add(c11, r1);
      c20 = f32x4.add(c20, r2);
      c21 = f32x4.add(c21, r2);
      c30 = f32x4.add(c30, r3);
      c31 = f32x4.add(c31, r3);
    }
    const row0 = c + ((<usize>i0 * <usize>ldc + <usize>j) << 2);
    const step = <usize>ldc << 2;
    v128.store(row0, c00);
    v128.store(row0, c01, 16);
    v128.store(row0 + step, c10);
    v128.store(row0 + step, c11, 16);
    v128.store(row0 + 2 * step, c20);
    v128.store(row0 + 2 * step, c21, 16);
    v128.store(row0 + 3 * step, c30);
    v128.store(row0 + 3 * step, c31, 16);
  } else {
    // Partial tile: spill to the tail buffer, then copy the valid part.
    v128.store(tail, c00);
    v128.store(tail, c01, 16);
    v128.store(tail, c10, 32);
    v128.store(tail, c11, 48);
    v128.store(tail, c20, 64);
    v128.store(tail, c21, 80);
    v128.store(tail, c30, 96);
    v128.store(tail, c31, 112);
    for (let r = 0; r < rows; r++) {
      const i = i0 + r;
      const rowBias: f32 = biasMode == 1 ? load<f32>(bias + (<usize>i << 2)) : 0;
      const dst = c + ((<usize>i * <usize>ldc + <usize>j) << 2);
      for (let q = 0; q < width; q++) {
        let v = load<f32>(tail + (<usize>(r * NR + q) << 2)) + rowBias;
        if (biasMode == 2) v += load<f32>(bias + (<usize>(j + q) << 2));
        store<f32>(dst + (<usize>q << 2), v);
      }
    }
  }
}
