// Fake quantization (quantize then dequantize in float32) as PyTorch's CPU kernels, and the fused
// moving-average observer + fake-quant step of FusedMovingAvgObsFakeQuantize (the default QAT module
// of the x86/fbgemm/qnnpack/onednn qconfigs) (WASM).
//   out = (clamp(zero_point + nearbyint(x * (1.0f / scale)), qmin, qmax) - zero_point) * scale
// with the product rounded once to float32.
import { minMaxF32, minMaxPerChannelF32, reducedMax, reducedMin } from "./util/reduce";
import { chooseQParams, chosenScale, chosenZeroPoint } from "./util/qparams";

// @ts-ignore: decorator
@inline
function fakeQuantizeOne(x: f32, scale: f32, invScale: f32, zeroPoint: i32, qmin: f64, qmax: f64): f32 {
  const r = nearest<f32>(x * invScale);
  // NaN stays NaN (PyTorch's result for NaN is unspecified; NaN is the honest answer).
  if (isNaN(r)) return r;
  let q: f64 = <f64>r + <f64>zeroPoint;
  if (q < qmin) q = qmin;
  if (q > qmax) q = qmax;
  return <f32>((q - <f64>zeroPoint) * <f64>scale);
}

/** fake_quantize_per_tensor_affine over `n` floats (src may equal dst). */
export function fakeQuantizePerTensor(src: usize, dst: usize, n: i32, scale: f32, zeroPoint: i32, quantMin: i32, quantMax: i32): void {
  const inv: f32 = <f32>1.0 / scale;
  const qmin = <f64>quantMin;
  const qmax = <f64>quantMax;
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(dst + off, fakeQuantizeOne(load<f32>(src + off), scale, inv, zeroPoint, qmin, qmax));
  }
}

/**
 * fake_quantize_per_channel_affine over [outer, channels, inner]: f32 scales and i32 zero points per
 * channel (src may equal dst).
 */
export function fakeQuantizePerChannel(
  src: usize,
  dst: usize,
  outer: i32,
  channels: i32,
  inner: i32,
  scalesPtr: usize,
  zeroPointsPtr: usize,
  quantMin: i32,
  quantMax: i32,
): void {
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const base = (<usize>o * <usize>channels + <usize>c) * <usize>inner;
      fakeQuantizePerTensor(
        src + (base << 2),
        dst + (base << 2),
        inner,
        load<f32>(scalesPtr + (<usize>c << 2)),
        load<i32>(zeroPointsPtr + (<usize>c << 2)),
        quantMin,
        quantMax,
      );
    }
  }
}

/**
 * One training step of torch.fused_moving_avg_obs_fake_quant (observer and fake-quant enabled):
 * 1. running min/max (f32, `channels` each; +/-inf until the first step) move by the averaging
 *    constant: r = isinf(r) ? cur : r + c * (cur - r);
 * 2. scale/zero point per channel (or per tensor) from ChooseQuantizationParams(min, max, qmin, qmax,
 *    preserve_sparsity = symmetric): fbgemm's (fbgemmQParams; x86 builds of PyTorch) or ATen's (builds
 *    without fbgemm, e.g. ARM):
 *    these are the module's scale/zero_point buffers. Note they differ from the observer's
 *    calculate_qparams (symmetric: max|x|/128 or max/127 here, max|x|/127.5 there);
 * 3. fake-quantize src into dst with them.
 * The tensor is [outer, channels, inner]; per channel needs ch_axis 0 (outer == 1), as PyTorch.
 * scratch holds 2*channels f32.
 */
export function fusedMovingAvgObsFakeQuant(
  src: usize,
  dst: usize,
  outer: i32,
  channels: i32,
  inner: i32,
  perChannel: bool,
  runningMin: usize,
  runningMax: usize,
  scalesOut: usize,
  zeroPointsOut: usize,
  averagingConstant: f64,
  quantMin: i32,
  quantMax: i32,
  symmetric: bool,
  fbgemmQParams: bool,
  scratch: usize,
): void {
  const c = <f32>averagingConstant;
  const count = perChannel ? channels : 1;
  const curMin = scratch;
  const curMax = scratch + (<usize>count << 2);
  const n = outer * channels * inner;
  if (perChannel) {
    minMaxPerChannelF32(src, outer, channels, inner, curMin, curMax);
  } else {
    minMaxF32(src, n);
    store<f32>(curMin, reducedMin);
    store<f32>(curMax, reducedMax);
  }
  for (let i = 0; i < count; i++) {
    const off = <usize>i << 2;
    const rMin = load<f32>(runningMin + off);
    const rMax = load<f32>(runningMax + off);
    const xMin = load<f32>(curMin + off);
    const xMax = load<f32>(curMax + off);
    store<f32>(runningMin + off, isFinite(rMin) || isNaN(rMin) ? rMin + c * (xMin - rMin) : xMin);
    store<f32>(runningMax + off, isFinite(rMax) || isNaN(rMax) ? rMax + c * (xMax - rMax) : xMax);
    chooseQParams(load<f32>(runningMin + off), load<f32>(runningMax + off), quantMin, quantMax, symmetric, false, fbgemmQParams);
    store<f32>(scalesOut + off, <f32>chosenScale);
    store<i32>(zeroPointsOut + off, chosenZeroPoint);
  }
  if (perChannel) {
    fakeQuantizePerChannel(src, dst, outer, channels, inner, scalesOut, zeroPointsOut, quantMin, quantMax);
  } else {
    fakeQuantizePerTensor(src, dst, n, load<f32>(scalesOut), load<i32>(zeroPointsOut), quantMin, quantMax);
  }
}
