// SIMD min/max reductions over float32 tensors for the observers (WASM). NaN propagates like
// torch.aminmax: any NaN in the input makes both results NaN.

// Results of the last reduction (read by the caller right after the call).
export let reducedMin: f32 = Infinity;
export let reducedMax: f32 = -Infinity;

/** Min and max of `n` floats at `src` into reducedMin / reducedMax (+inf / -inf when n == 0). */
export function minMaxF32(src: usize, n: i32): void {
  let i = 0;
  let vmin0 = f32x4.splat(Infinity);
  let vmax0 = f32x4.splat(-Infinity);
  let vmin1 = vmin0;
  let vmax1 = vmax0;
  // Two independent accumulators hide the latency of min/max chains.
  for (; i + 8 <= n; i += 8) {
    const a = v128.load(src + (<usize>i << 2));
    const b = v128.load(src + (<usize>i << 2), 16);
    vmin0 = f32x4.min(vmin0, a);
    vmax0 = f32x4.max(vmax0, a);
    vmin1 = f32x4.min(vmin1, b);
    vmax1 = f32x4.max(vmax1, b);
  }
  if (i + 4 <= n) {
    const a = v128.load(src + (<usize>i << 2));
    vmin0 = f32x4.min(vmin0, a);
    vmax0 = f32x4.max(vmax0, a);
    i += 4;
  }
  vmin0 = f32x4.min(vmin0, vmin1);
  vmax0 = f32x4.max(vmax0, vmax1);
  let mn = min<f32>(
    min<f32>(f32x4.extract_lane(vmin0, 0), f32x4.extract_lane(vmin0, 1)),
    min<f32>(f32x4.extract_lane(vmin0, 2), f32x4.extract_lane(vmin0, 3)),
  );
  let mx = max<f32>(
    max<f32>(f32x4.extract_lane(vmax0, 0), f32x4.extract_lane(vmax0, 1)),
    max<f32>(f32x4.extract_lane(vmax0, 2), f32x4.extract_lane(vmax0, 3)),
  );
  for (; i < n; i++) {
    const v = load<f32>(src + (<usize>i << 2));
    mn = min<f32>(mn, v);
    mx = max<f32>(mx, v);
  }
  reducedMin = mn;
  reducedMax = mx;
}

/**
 * Per-channel min/max of a contiguous tensor viewed as [outer, channels, inner] (the channel axis in
 * the middle): writes `channels` floats to minOut / maxOut.
 */
export function minMaxPerChannelF32(
  src: usize,
  outer: i32,
  channels: i32,
  inner: i32,
  minOut: usize,
  maxOut: usize,
): void {
  for (let c = 0; c < channels; c++) {
    store<f32>(minOut + (<usize>c << 2), Infinity);
    store<f32>(maxOut + (<usize>c << 2), -Infinity);
  }
  if (inner < 16) {
    // Short rows (channel axis last or nearly): a plain scan beats a SIMD call per row.
    let p = src;
    for (let o = 0; o < outer; o++) {
      for (let c = 0; c < channels; c++) {
        const mp = minOut + (<usize>c << 2);
        const xp = maxOut + (<usize>c << 2);
        let mn = load<f32>(mp);
        let mx = load<f32>(xp);
        for (let e = 0; e < inner; e++) {
          const v = load<f32>(p);
          mn = min<f32>(mn, v);
          mx = max<f32>(mx, v);
          p += 4;
        }
        store<f32>(mp, mn);
        store<f32>(xp, mx);
      }
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const row = src + ((<usize>o * <usize>channels + <usize>c) * <usize>inner << 2);
      minMaxF32(row, inner);
      const mp = minOut + (<usize>c << 2);
      const xp = maxOut + (<usize>c << 2);
      store<f32>(mp, min<f32>(load<f32>(mp), reducedMin));
      store<f32>(xp, max<f32>(load<f32>(xp), reducedMax));
    }
  }
}
