// MovingAverageMinMaxObserver and MovingAveragePerChannelMinMaxObserver forwards (WASM): the first
// batch sets min/max, later ones move them by `averaging_constant` in float32:
//   min = min + c * (batch_min - min)     (c rounded to float32, three f32 ops, no FMA)
import { minMaxF32, minMaxPerChannelF32, reducedMax, reducedMin } from "../util/reduce";

// @ts-ignore: decorator
@inline
function moveTowards(running: f32, current: f32, c: f32): f32 {
  return running + c * (current - running);
}

/** Per tensor. State: [min, max] f32 at statePtr, [+inf, -inf] until the first non-empty batch. */
export function observeMovingAverageMinMax(statePtr: usize, src: usize, n: i32, averagingConstant: f64): void {
  if (n <= 0) return;
  minMaxF32(src, n);
  const runMin = load<f32>(statePtr);
  const runMax = load<f32>(statePtr, 4);
  if (runMin == Infinity && runMax == -Infinity) {
    store<f32>(statePtr, reducedMin);
    store<f32>(statePtr, reducedMax, 4);
    return;
  }
  const c = <f32>averagingConstant;
  store<f32>(statePtr, moveTowards(runMin, reducedMin, c));
  store<f32>(statePtr, moveTowards(runMax, reducedMax, c), 4);
}

/**
 * Per channel over [outer, channels, inner]. minPtr/maxPtr hold `channels` f32 each; `initialized`
 * is false before the first batch (PyTorch's empty min_val buffer). scratch holds 2*channels f32.
 */
export function observeMovingAveragePerChannelMinMax(
  minPtr: usize,
  maxPtr: usize,
  initialized: bool,
  src: usize,
  outer: i32,
  channels: i32,
  inner: i32,
  averagingConstant: f64,
  scratch: usize,
): void {
  if (outer <= 0 || channels <= 0 || inner <= 0) return;
  const curMin = scratch;
  const curMax = scratch + (<usize>channels << 2);
  minMaxPerChannelF32(src, outer, channels, inner, curMin, curMax);
  const c = <f32>averagingConstant;
  for (let ch = 0; ch < channels; ch++) {
    const off = <usize>ch << 2;
    if (!initialized) {
      store<f32>(minPtr + off, load<f32>(curMin + off));
      store<f32>(maxPtr + off, load<f32>(curMax + off));
    } else {
      store<f32>(minPtr + off, moveTowards(load<f32>(minPtr + off), load<f32>(curMin + off), c));
      store<f32>(maxPtr + off, moveTowards(load<f32>(maxPtr + off), load<f32>(curMax + off), c));
    }
  }
}
