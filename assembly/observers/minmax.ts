// MinMaxObserver's forward (WASM): running min/max over everything observed, as
// torch.ao.quantization.MinMaxObserver (torch.min/torch.max of the batch's aminmax and the state;
// NaN propagates). State: two f32 at statePtr, [min, max], initialised by the host to [+inf, -inf].
import { minMaxF32, reducedMax, reducedMin } from "../util/reduce";

/** Folds `n` floats at src into the running [min, max] at statePtr. An empty batch changes nothing. */
export function observeMinMax(statePtr: usize, src: usize, n: i32): void {
  if (n <= 0) return;
  minMaxF32(src, n);
  store<f32>(statePtr, min<f32>(reducedMin, load<f32>(statePtr)));
  store<f32>(statePtr, max<f32>(reducedMax, load<f32>(statePtr, 4)), 4);
}
