// Quantization-parameter arithmetic shared by quantize, observers and fake-quant (WASM). Two PyTorch
// formulas live here, each reproduced operation by operation in the precision PyTorch uses:
// - observer `_calculate_qparams` (torch/ao/quantization/observer.py): float32 tensor arithmetic;
// - `ChooseQuantizationParams` (ATen quant_utils, used by dynamic quantization and the fused QAT
//   fake-quant op): double intermediates, float inputs.

/** Dtype codes shared by every export taking a quantized dtype. */
export const DTYPE_QUINT8: i32 = 0;
export const DTYPE_QINT8: i32 = 1;
export const DTYPE_QINT32: i32 = 2;

/** Flags for observerQParams. */
export const QP_SYMMETRIC: i32 = 1;
/** The observer's dtype is unsigned (quint8/uint8): symmetric schemes then centre the zero point. */
export const QP_UNSIGNED: i32 = 2;
/** quant_min/quant_max were given by the user (symmetric unsigned uses their midpoint, not 128). */
export const QP_CUSTOM_RANGE: i32 = 4;

export function dtypeMin(dtype: i32): i64 {
  if (dtype == DTYPE_QUINT8) return 0;
  if (dtype == DTYPE_QINT8) return -128;
  return -2147483648;
}

export function dtypeMax(dtype: i32): i64 {
  if (dtype == DTYPE_QUINT8) return 255;
  if (dtype == DTYPE_QINT8) return 127;
  return 2147483647;
}

/**
 * Observer qparams for one channel (or the tensor), exactly as `_calculate_qparams`: every step is a
 * float32 tensor op, Python scalars are cast to float32 first, `torch.round` rounds half to even.
 * Writes scale (f32) to scaleOut and zero point (i32) to zpOut. An unobserved channel (min=+inf,
 * max=-inf) gives PyTorch's default 1.0 / 0.
 */
export function observerQParamsOne(
  minVal: f32,
  maxVal: f32,
  quantMin: f64,
  quantMax: f64,
  flags: i32,
  eps: f32,
  scaleOut: usize,
  zpOut: usize,
): void {
  if (minVal == Infinity && maxVal == -Infinity) {
    store<f32>(scaleOut, 1.0);
    store<i32>(zpOut, 0);
    return;
  }
  const minNeg: f32 = minVal < 0 ? minVal : <f32>0;
  let maxPos: f32 = maxVal > 0 ? maxVal : <f32>0;
  let scale: f32;
  let zp: i64 = 0;
  if (flags & QP_SYMMETRIC) {
    const negMin: f32 = -minNeg;
    if (negMin > maxPos) maxPos = negMin;
    scale = maxPos / <f32>((quantMax - quantMin) / 2);
    if (!(scale >= eps)) scale = isNaN(scale) ? scale : eps;
    if (flags & QP_UNSIGNED) {
      zp = flags & QP_CUSTOM_RANGE ? <i64>Math.floor((quantMin + quantMax) / 2) : 128;
    }
  } else {
    scale = (maxPos - minNeg) / <f32>(quantMax - quantMin);
    if (!(scale >= eps)) scale = isNaN(scale) ? scale : eps;
    const q: f32 = nearest<f32>(minNeg / scale);
    zp = <i64>quantMin - <i64>q;
    if (zp < <i64>quantMin) zp = <i64>quantMin;
    if (zp > <i64>quantMax) zp = <i64>quantMax;
  }
  store<f32>(scaleOut, scale);
  store<i32>(zpOut, <i32>zp);
}

/**
 * Observer qparams for `count` channels: minPtr/maxPtr hold f32 per channel, scales (f32) and zero
 * points (i32) are written per channel.
 */
export function observerQParams(
  minPtr: usize,
  maxPtr: usize,
  count: i32,
  quantMin: f64,
  quantMax: f64,
  flags: i32,
  eps: f32,
  scalesOut: usize,
  zpsOut: usize,
): void {
  for (let c = 0; c < count; c++) {
    const off = <usize>c << 2;
    observerQParamsOne(
      load<f32>(minPtr + off),
      load<f32>(maxPtr + off),
      quantMin,
      quantMax,
      flags,
      eps,
      scalesOut + off,
      zpsOut + off,
    );
  }
}

// Results of chooseQParams (scale is a double, as in ATen's TensorQuantizationParams).
export let chosenScale: f64 = 1.0;
export let chosenZeroPoint: i32 = 0;

const SMALL_SCALE_THRESHOLD: f32 = 6.1e-5;

/**
 * `ChooseQuantizationParams(min, max, qmin, qmax, preserve_sparsity, false)` as ATen's quant_utils
 * (fbgemm = false; used by quantize_per_tensor_dynamic, reduce_range halving qmin/qmax) or as fbgemm's
 * (fbgemm = true; used by the fused QAT fake-quant op on x86 builds). They differ in two places:
 * fbgemm rounds the scale to float32 before the zero point is derived from it, and it weighs the
 * zero-point error terms as |q| + |x / scale| where ATen uses |q| - |x / scale|.
 * Sets chosenScale / chosenZeroPoint.
 */
export function chooseQParams(
  minIn: f32,
  maxIn: f32,
  qminIn: i32,
  qmaxIn: i32,
  preserveSparsity: bool,
  reduceRange: bool,
  fbgemm: bool = false,
): void {
  let min = minIn;
  let max = maxIn;
  let qmin = qminIn;
  let qmax = qmaxIn;
  if (reduceRange) {
    qmin = qmin / 2;
    qmax = qmax / 2;
  }
  if (min < 0 && max > 0 && preserveSparsity) {
    const symQmin: i32 = -((qmax - qmin) / 2 + 1);
    const symQmax: i32 = (qmax - qmin) / 2;
    // fabs(float / int) is float arithmetic; the larger one is kept as a double.
    const a: f32 = Mathf.abs(min / <f32>symQmin);
    const b: f32 = Mathf.abs(max / <f32>symQmax);
    const maxScale: f64 = <f64>(a > b ? a : b);
    min = <f32>(maxScale * <f64>symQmin);
    max = <f32>(maxScale * <f64>symQmax);
  }
  if (min > 0) min = 0;
  if (max < 0) max = 0;
  let scale: f64 = (<f64>max - <f64>min) / <f64>(qmax - qmin);
  if (fbgemm) scale = <f64>(<f32>scale);
  const scaleF: f32 = <f32>scale;
  if (scaleF == 0 || !isFinite(<f32>1.0 / scaleF)) scale = fbgemm ? <f64>(<f32>0.1) : 0.1;
  if (scale < <f64>SMALL_SCALE_THRESHOLD) {
    const orgScale: f32 = <f32>scale;
    scale = <f64>SMALL_SCALE_THRESHOLD;
    if (min == 0) {
      max = SMALL_SCALE_THRESHOLD * <f32>(qmax - qmin);
    } else if (max == 0) {
      min = -SMALL_SCALE_THRESHOLD * <f32>(qmax - qmin);
    } else {
      const amplifier: f32 = SMALL_SCALE_THRESHOLD / orgScale;
      min *= amplifier;
      max *= amplifier;
    }
  }
  const minOverScale: f64 = <f64>min / scale;
  const maxOverScale: f64 = <f64>max / scale;
  const zpFromMin: f64 = <f64>qmin - minOverScale;
  const zpFromMax: f64 = <f64>qmax - maxOverScale;
  const zpFromMinError: f64 = fbgemm
    ? <f64>abs<i32>(qmin) + Math.abs(minOverScale)
    : <f64>abs<i32>(qmin) - Math.abs(minOverScale);
  const zpFromMaxError: f64 = fbgemm
    ? <f64>abs<i32>(qmax) + Math.abs(maxOverScale)
    : <f64>abs<i32>(qmax) - Math.abs(maxOverScale);
  let initialZp: f64 = zpFromMinError < zpFromMaxError ? zpFromMin : zpFromMax;
  if (min < 0 && max > 0 && preserveSparsity) initialZp = <f64>(qmin + qmax) / 2;
  let zp: i32;
  if (initialZp < <f64>qmin) zp = qmin;
  else if (initialZp > <f64>qmax) zp = qmax;
  else zp = <i32>nearest<f64>(initialZp);
  chosenScale = scale;
  chosenZeroPoint = zp;
}
