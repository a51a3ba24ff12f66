// 32-bit element transpose over up to 6 dims (WASM); works for float32 and int32 alike.

/**
 * Writes out in row-major order of the output dims; `dims` points at 6 i32 output dims (leading 1s) and
 * `strides` at 6 i32 input element strides, already permuted to output order.
 */
export function ftranspose(x: usize, out: usize, dims: usize, strides: usize): void {
  const d0 = load<i32>(dims), d1 = load<i32>(dims, 4), d2 = load<i32>(dims, 8);
  const d3 = load<i32>(dims, 12), d4 = load<i32>(dims, 16), d5 = load<i32>(dims, 20);
  const s0 = load<i32>(strides), s1 = load<i32>(strides, 4), s2 = load<i32>(strides, 8);
  const s3 = load<i32>(strides, 12), s4 = load<i32>(strides, 16), s5 = load<i32>(strides, 20);
  let o = out;
  for (let i0 = 0; i0 < d0; i0++)
    for (let i1 = 0; i1 < d1; i1++)
      for (let i2 = 0; i2 < d2; i2++)
        for (let i3 = 0; i3 < d3; i3++)
          for (let i4 = 0; i4 < d4; i4++) {
            const base = x + (<usize>(i0 * s0 + i1 * s1 + i2 * s2 + i3 * s3 + i4 * s4) << 2);
            if (s5 == 1) {
              memory.copy(o, base, <usize>d5 << 2);
            } else {
              for (let i5 = 0; i5 < d5; i5++) store<u32>(o + (<usize>i5 << 2), load<u32>(base + (<usize>(i5 * s5) << 2)));
            }
            o += <usize>d5 << 2;
          }
}
