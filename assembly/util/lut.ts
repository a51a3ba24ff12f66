// 256-entry lookup tables for quint8 kernels whose result is a pure function of the input byte
// (WASM). Tables are built once per call (per (scale, zero point) pair) and applied with a tight
// byte-gather loop. PyTorch's x86 kernels compute a vectorized body and a scalar tail with slightly
// different float arithmetic, so those kernels use one table for each.

/**
 * Elements per iteration of ATen's vectorized_loop (aten/src/ATen/native/cpu/Loops.h) for quint8: it
 * runs the vectorized lambda on two Vectorized<quint8> at a time from the start of a contiguous range
 * and the scalar lambda on the remaining elements: 64 a step on AVX2 (confirmed with PyTorch's
 * hardswish, whose two lambdas quantize with differently rounded reciprocals), 128 on AVX512 (which
 * PyTorch 2.x picks on CPUs with AVX512 VL/BW/DQ). The split only matters for the few inputs where
 * the two lambdas round differently. Kernels take the step from the host.
 */
/** How many leading elements of an n-element contiguous loop PyTorch's vectorized lambda covers. */
// @ts-ignore: decorator
@inline
export function vectorSpan(n: i32, loopStep: i32): i32 {
  return loopStep > 0 ? n - (n % loopStep) : 0;
}

/** dst[i] = lut[src[i]] for i in [0, n). */
export function applyLutU8(src: usize, dst: usize, n: i32, lut: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const w = load<u32>(src + <usize>i);
    const r =
      <u32>load<u8>(lut + <usize>(w & 0xff)) |
      (<u32>load<u8>(lut + <usize>((w >> 8) & 0xff)) << 8) |
      (<u32>load<u8>(lut + <usize>((w >> 16) & 0xff)) << 16) |
      (<u32>load<u8>(lut + <usize>(w >> 24)) << 24);
    store<u32>(dst + <usize>i, r);
  }
  for (; i < n; i++) store<u8>(dst + <usize>i, load<u8>(lut + <usize>load<u8>(src + <usize>i)));
}

/**
 * Applies `vecLut` to the vectorized span of ATen's loop and `tailLut` to its scalar remainder. With
 * several PyTorch threads, ATen runs the loop separately on chunks of `chunk` elements (0: one loop).
 */
export function applySplitLutU8(src: usize, dst: usize, n: i32, vecLut: usize, tailLut: usize, loopStep: i32, chunk: i32): void {
  const step = chunk > 0 ? chunk : n;
  for (let start = 0; start < n; start += step) {
    const len = min<i32>(step, n - start);
    const span = vectorSpan(len, loopStep);
    const s = src + <usize>start;
    const d = dst + <usize>start;
    applyLutU8(s, d, span, vecLut);
    applyLutU8(s + <usize>span, d + <usize>span, len - span, tailLut);
  }
}
