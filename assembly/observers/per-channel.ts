// PerChannelMinMaxObserver's forward (WASM): running per-channel min/max of a contiguous tensor viewed
// as [outer, channels, inner] (the channel axis in the middle), as PyTorch's permute + flatten +
// aminmax(dim=1) followed by torch.min/torch.max with the state (NaN propagates).
import { minMaxPerChannelF32 } from "../util/reduce";

/**
 * minPtr/maxPtr hold `channels` f32 each; `initialized` is false before the first batch.
 * scratch holds 2*channels f32.
 */
export function observePerChannelMinMax(
  minPtr: usize,
  maxPtr: usize,
  initialized: bool,
  src: usize,
  outer: i32,
  channels: i32,
  inner: i32,
  scratch: usize,
): void {
  if (outer <= 0 || channels <= 0 || inner <= 0) return;
  const curMin = scratch;
  const curMax = scratch + (<usize>channels << 2);
  minMaxPerChannelF32(src, outer, channels, inner, curMin, curMax);
  for (let ch = 0; ch < channels; ch++) {
    const off = <usize>ch << 2;
    const mn = load<f32>(curMin + off);
    const mx = load<f32>(curMax + off);
    store<f32>(minPtr + off, initialized ? min<f32>(mn, load<f32>(minPtr + off)) : mn);
    store<f32>(maxPtr + off, initialized ? max<f32>(mx, load<f32>(maxPtr + off)) : mx);
  }
}
