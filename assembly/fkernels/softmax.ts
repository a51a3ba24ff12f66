// Float32 softmax along one axis (WASM): the tensor is viewed as [outer, axis, inner].

/** out = softmax(x) along the middle dim of [outer, len, inner], max-subtracted for stability. */
export function fsoftmax(x: usize, out: usize, outer: i32, len: i32, inner: i32): void {
  const step = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = (<usize>o * <usize>len * <usize>inner + <usize>j) << 2;
      let mx: f32 = -Infinity;
      for (let k = 0; k < len; k++) mx = max(mx, load<f32>(x + base + <usize>k * step));
      let sum: f32 = 0;
      for (let k = 0; k < len; k++) {
        const e = Mathf.exp(load<f32>(x + base + <usize>k * step) - mx);
        store<f32>(out + base + <usize>k * step, e);
        sum += e;
      }
      const inv: f32 = 1 / sum;
      for (let k = 0; k < len; k++) {
        const p = out + base + <usize>k * step;
        store<f32>(p, load<f32>(p) * inv);
      }
    }
  }
}
