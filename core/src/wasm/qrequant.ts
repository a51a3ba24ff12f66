// Per-engine requantization constants for the quantized linear/conv kernels, and the dynamic
// quantization parameters of dynamic linear (any process). This is where PyTorch's engine semantics
// live; the WASM epilogue (assembly/util/requant-epilogue.ts) evaluates
//   v = f32(acc + bint[c]) * a[c] + bf[c];  q = nearest_even(v * cc[c]);  out = clamp(q + zp, lo, hi)
// with IEEE single-precision steps, and each engine's constants make it replay that engine's own
// float sequence (checked against PyTorch 2.11 in ../shared/golden/kernels/ops.json):
// - fbgemm, and x86 linear (fbgemm's ReQuantizeOutput with a float bias): act_times_w_scale = s_in * s_w,
//   v = (acc + bias / act_times_w_scale) * (act_times_w_scale / s_out), lrintf, + zp.
// - onednn, and x86 conv on AVX512-VNNI CPUs (see PackedConv2d.requantEngine): oneDNN's int8
//   post-scales with a float bias: v = (acc * (s_in * s_w) + bias) * (1 / s_out).
// - qnnpack: the float bias is quantized to int32 with scale s_w * s_in (quantize_val: value *
//   (1.0f / scale), nearbyint), added to the accumulator, then multiplied by the requantization scale
//   (s_w * s_in) * (1.0f / s_out) and rounded half to even (pytorch_qnnp fp32 requantization).
// The fbgemm and oneDNN sequences agree on every golden case; they can differ by one code on exact
// near-ties, which is why each engine keeps its own.
import type { Engine } from "../backends/engine";

const f = Math.fround;

export interface RequantConstants {
  bint: Int32Array;
  a: Float32Array;
  bf: Float32Array;
  cc: Float32Array;
}

/** Round half to even of a double, as nearbyint in the default rounding mode. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function saturateI32(v: number): number {
  if (Number.isNaN(v)) return 0;
  return Math.max(-2147483648, Math.min(2147483647, v));
}

/**
 * Constants for output channels 0..n-1. `weightScales` has one entry (per-tensor) or n (per-channel);
 * `bias` may be absent.
 */
export function requantConstants(
  engine: Engine,
  n: number,
  inScale: number,
  weightScales: ArrayLike<number>,
  bias: Float32Array | undefined,
  outScale: number,
): RequantConstants {
  const bint = new Int32Array(n);
  const a = new Float32Array(n);
  const bf = new Float32Array(n);
  const cc = new Float32Array(n);
  const sIn = f(inScale);
  const sOut = f(outScale);
  for (let c = 0; c < n; c++) {
    const sw = weightScales.length === 1 ? weightScales[0] : weightScales[c];
    const b = bias ? bias[c] : 0;
    switch (engine) {
      case "x86":
      case "fbgemm": {
        const actTimesW = f(sIn * f(sw));
        a[c] = 1;
        bf[c] = bias ? f(b / actTimesW) : 0;
        cc[c] = f(actTimesW / sOut);
        break;
      }
      case "onednn": {
        a[c] = f(sIn * f(sw));
        bf[c] = b;
        cc[c] = f(1 / outScale);
        break;
      }
      case "qnnpack": {
        // QuantizeBias: scale = q_scale (double) * input scale (double); quantize_val uses 1.0f / float(scale).
        const invBiasScale = f(1 / f(sw * inScale));
        bint[c] = bias ? saturateI32(roundHalfEven(f(b * invBiasScale))) : 0;
        a[c] = f(f(f(sw) * sIn) * f(1 / sOut));
        bf[c] = 0;
        cc[c] = 1;
        break;
      }
    }
  }
  return { bint, a, bf, cc };
}

/** Float-output constants of dynamic linear: out = acc * (s_in * s_w) + bias (every engine). */
export function dynamicConstants(
  n: number,
  inScale: number,
  weightScales: ArrayLike<number>,
  bias: Float32Array | undefined,
): RequantConstants {
  const a = new Float32Array(n);
  const bf = new Float32Array(n);
  for (let c = 0; c < n; c++) {
    const sw = weightScales.length === 1 ? weightScales[0] : weightScales[c];
    a[c] = f(f(inScale) * f(sw));
    bf[c] = bias ? bias[c] : 0;
  }
  return { bint: new Int32Array(n), a, bf, cc: new Float32Array(n).fill(1) };
}

export interface QParams {
  scale: number;
  zeroPoint: number;
}

const SMALL_SCALE_THRESHOLD = 6.1e-5;

/**
 * PyTorch's quant_utils::ChooseQuantizationParams for uint8 [0, 255] (halved with reduce_range), as
 * used to quantize the input of dynamic linear: range extended to contain 0, scale in double then
 * stored as float, zero point from the smaller-error end, nudged to an integer.
 */
export function chooseDynamicQParams(min: number, max: number, reduceRange: boolean): QParams {
  let qmin = 0;
  let qmax = 255;
  if (reduceRange) {
    qmin = Math.trunc(qmin / 2);
    qmax = Math.trunc(qmax / 2);
  }
  let lo = Math.min(f(min), 0);
  let hi = Math.max(f(max), 0);
  let scale = (hi - lo) / (qmax - qmin);
  if (f(scale) === 0 || !Number.isFinite(f(1 / f(scale)))) scale = 0.1;
  if (scale < SMALL_SCALE_THRESHOLD) {
    const orig = scale;
    scale = SMALL_SCALE_THRESHOLD;
    if (lo === 0) hi = SMALL_SCALE_THRESHOLD * (qmax - qmin);
    else if (hi === 0) lo = -SMALL_SCALE_THRESHOLD * (qmax - qmin);
    else {
      const amplifier = f(SMALL_SCALE_THRESHOLD / orig);
      lo = f(lo * amplifier);
      hi = f(hi * amplifier);
    }
  }
  const zpFromMin = qmin - lo / scale;
  const zpFromMax = qmax - hi / scale;
  const errMin = Math.abs(qmin) - Math.abs(lo / scale);
  const errMax = Math.abs(qmax) - Math.abs(hi / scale);
  const initial = errMin < errMax ? zpFromMin : zpFromMax;
  let zeroPoint: number;
  if (initial < qmin) zeroPoint = qmin;
  else if (initial > qmax) zeroPoint = qmax;
  else zeroPoint = roundHalfEven(initial);
  return { scale: f(scale), zeroPoint };
}

/** Quantizes floats to uint8 as fbgemm's Quantize does for dynamic inputs: nearbyint(x * (1 / s)) + zp. */
export function quantizeDynamicInput(x: Float32Array, q: QParams, out: Uint8Array): void {
  const inv = f(1 / q.scale);
  for (let i = 0; i < x.length; i++) {
    const v = roundHalfEven(f(x[i] * inv)) + q.zeroPoint;
    out[i] = v < 0 ? 0 : v > 255 ? 255 : Number.isNaN(v) ? q.zeroPoint : v;
  }
}
