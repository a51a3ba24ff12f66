// Float32 per-channel affine (WASM): inference BatchNormalization, with scale = gamma/sqrt(var+eps) and
// shift = beta - mean*scale computed once on the host per node.

/** out[n, c, :] = x[n, c, :] * scale[c] + shift[c] over N x C planes of `size` floats. */
export function fchannel_affine(x: usize, out: usize, N: i32, C: i32, size: i32, scale: usize, shift: usize): void {
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const s = load<f32>(scale + (<usize>c << 2));
      const t = load<f32>(shift + (<usize>c << 2));
      const vs = f32x4.splat(s);
      const vt = f32x4.splat(t);
      const base = <usize>(n * C + c) * <usize>size << 2;
      let i = 0;
      for (; i + 4 <= size; i += 4) {
        const o = base + (<usize>i << 2);
        v128.store(out + o, f32x4.add(f32x4.mul(v128.load(x + o), vs), vt));
      }
      for (; i < size; i++) {
        const o = base + (<usize>i << 2);
        store<f32>(out + o, load<f32>(x + o) * s + t);
      }
    }
  }
}
