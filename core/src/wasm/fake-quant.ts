// Typed host API over the WASM fake-quant kernels (any process): fake_quantize_per_tensor_affine,
// fake_quantize_per_channel_affine, and FusedMovingAvgObsFakeQuantize, the default QAT fake-quant
// module of every backend's qconfig, step by step, with the backends' default configurations.
import type { WasmCore } from "./core";
import { elementCountOf, splitAtAxis, type QuantDtype } from "./quantize";
import {
  FLOAT32_EPS,
  observerQParamFlags,
  resolveQuantRange,
  type ObserverSpec,
  type QScheme,
} from "./observers";

function checkRange(quantMin: number, quantMax: number): void {
  if (!Number.isInteger(quantMin) || !Number.isInteger(quantMax) || !(quantMin <= quantMax)) {
    throw new RangeError(`bad quantization range [${quantMin}, ${quantMax}]`);
  }
  if (quantMin < -(2 ** 31) || quantMax > 2 ** 31 - 1)
    throw new RangeError(`quantization range [${quantMin}, ${quantMax}] exceeds int32`);
}

function checkScale(scale: number, what = "scale"): void {
  if (!(Number.isFinite(scale) && scale > 0))
    throw new RangeError(`${what} must be a positive finite number, got ${scale}`);
}

function checkZeroPoint(zeroPoint: number, quantMin: number, quantMax: number, what = "zero point"): void {
  if (!Number.isInteger(zeroPoint) || zeroPoint < quantMin || zeroPoint > quantMax) {
    throw new RangeError(`${what} ${zeroPoint} is outside [${quantMin}, ${quantMax}]`);
  }
}

/** torch.fake_quantize_per_tensor_affine(x, scale, zero_point, quant_min, quant_max). */
export function fakeQuantizePerTensor(
  core: WasmCore,
  x: Float32Array,
  scale: number,
  zeroPoint: number,
  quantMin: number,
  quantMax: number,
): Float32Array {
  checkRange(quantMin, quantMax);
  checkScale(scale);
  checkZeroPoint(zeroPoint, quantMin, quantMax);
  return core.scoped((alloc) => {
    const buf = alloc(x.byteLength);
    core.f32(buf, x.length).set(x);
    core.exports.fakeQuantizePerTensor(buf, buf, x.length, scale, zeroPoint, quantMin, quantMax);
    return core.copyOut(Float32Array, buf, x.length);
  });
}

/** fake_quantize_per_tensor_affine in place on a float32 buffer in linear memory. */
export function fakeQuantizePerTensorPtr(
  core: WasmCore,
  ptr: number,
  length: number,
  scale: number,
  zeroPoint: number,
  quantMin: number,
  quantMax: number,
): void {
  checkRange(quantMin, quantMax);
  checkScale(scale);
  checkZeroPoint(zeroPoint, quantMin, quantMax);
  core.exports.fakeQuantizePerTensor(ptr, ptr, length, scale, zeroPoint, quantMin, quantMax);
}

/** torch.fake_quantize_per_channel_affine(x, scales, zero_points, axis, quant_min, quant_max). */
export function fakeQuantizePerChannel(
  core: WasmCore,
  x: Float32Array,
  shape: readonly number[],
  scales: ArrayLike<number>,
  zeroPoints: ArrayLike<number>,
  axis: number,
  quantMin: number,
  quantMax: number,
): Float32Array {
  checkRange(quantMin, quantMax);
  if (elementCountOf(shape) !== x.length)
    throw new RangeError(`${x.length} values do not fill shape [${shape.join(", ")}]`);
  const split = splitAtAxis(shape, axis);
  if (scales.length !== split.channels || zeroPoints.length !== split.channels) {
    throw new RangeError(
      `axis ${split.axis} has ${split.channels} channels but ${scales.length} scales and ${zeroPoints.length} zero points`,
    );
  }
  for (let c = 0; c < split.channels; c++) {
    checkScale(scales[c], `scale of channel ${c}`);
    checkZeroPoint(zeroPoints[c], quantMin, quantMax, `zero point of channel ${c}`);
  }
  return core.scoped((alloc) => {
    const buf = alloc(x.byteLength);
    core.f32(buf, x.length).set(x);
    const s = alloc(split.channels * 4);
    core.f32(s, split.channels).set(Array.from(scales));
    const z = alloc(split.channels * 4);
    core.i32(z, split.channels).set(Array.from(zeroPoints));
    core.exports.fakeQuantizePerChannel(
      buf,
      buf,
      split.outer,
      split.channels,
      split.inner,
      s,
      z,
      quantMin,
      quantMax,
    );
    return core.copyOut(Float32Array, buf, x.length);
  });
}

/** Configuration of a FusedMovingAvgObsFakeQuantize module (its observer's kwargs). */
export interface FusedFakeQuantSpec {
  observer: "moving_average_minmax" | "moving_average_per_channel_minmax";
  dtype: QuantDtype;
  qscheme: QScheme;
  /** The module's quant_min/quant_max (default 0/255), halved by reduceRange as the observer does. */
  quantMin?: number;
  quantMax?: number;
  reduceRange?: boolean;
  averagingConstant?: number;
  /** Per channel only; PyTorch's fused op supports axis 0 only. */
  chAxis?: number;
  /**
   * Whose ChooseQuantizationParams the fused op uses for the qparams it fake-quantizes with: "fbgemm"
   * (default; x86 builds of PyTorch, where training usually runs) or "aten" (builds without fbgemm, such
   * as ARM). They differ in the last bits of the scale and in rare zero-point ties.
   */
  qparamsImpl?: "fbgemm" | "aten";
}

export interface FakeQuantStep {
  /** The fake-quantized tensor. */
  out: Float32Array;
  /**
   * The qparams the step fake-quantized with (the module's scale/zero_point buffers): fbgemm's
   * ChooseQuantizationParams on the running min/max, symmetric schemes preserving sparsity.
   */
  scales: Float32Array;
  zeroPoints: Int32Array;
}

export const QAT_BACKENDS = ["x86", "fbgemm", "qnnpack", "onednn"] as const;
export type QatBackend = (typeof QAT_BACKENDS)[number];

/**
 * get_default_qat_qconfig(backend)'s fake-quant modules (PyTorch 2.11): activations are
 * MovingAverageMinMax quint8 0..255 (reduce_range on x86/fbgemm), weights qint8 -128..127 symmetric,
 * per channel except on qnnpack.
 */
export function defaultQatFakeQuantSpec(
  backend: QatBackend,
  role: "activation" | "weight",
): FusedFakeQuantSpec {
  if (role === "activation") {
    return {
      observer: "moving_average_minmax",
      dtype: "quint8",
      qscheme: "per_tensor_affine",
      quantMin: 0,
      quantMax: 255,
      reduceRange: backend === "x86" || backend === "fbgemm",
    };
  }
  if (backend === "qnnpack") {
    return {
      observer: "moving_average_minmax",
      dtype: "qint8",
      qscheme: "per_tensor_symmetric",
      quantMin: -128,
      quantMax: 127,
    };
  }
  return {
    observer: "moving_average_per_channel_minmax",
    dtype: "qint8",
    qscheme: "per_channel_symmetric",
    quantMin: -128,
    quantMax: 127,
    chAxis: 0,
  };
}

export interface FusedMovingAvgObsFakeQuantize {
  readonly spec: Readonly<FusedFakeQuantSpec>;
  readonly quantMin: number;
  readonly quantMax: number;
  /** One training forward (observer and fake-quant enabled): update min/max, qparams, fake-quantize. */
  step(x: Float32Array, shape: readonly number[]): FakeQuantStep;
  /**
   * The module's calculate_qparams(): its observer's formula on the running min/max (what convert
   * uses). For symmetric schemes this differs from the step's qparams (max|x|/127.5 vs max|x|/128).
   */
  calculateQParams(): { scales: Float32Array; zeroPoints: Int32Array };
  readonly minVal: Float32Array;
  readonly maxVal: Float32Array;
  dispose(): void;
}

class WasmFusedFakeQuant implements FusedMovingAvgObsFakeQuantize {
  readonly quantMin: number;
  readonly quantMax: number;
  private readonly perChannel: boolean;
  private readonly flags: number;
  private channels = -1;
  private minPtr = 0;
  private maxPtr = 0;
  private disposed = false;

  constructor(
    private readonly core: WasmCore,
    readonly spec: Readonly<FusedFakeQuantSpec>,
  ) {
    this.perChannel = spec.observer === "moving_average_per_channel_minmax";
    if (this.perChannel !== spec.qscheme.startsWith("per_channel")) {
      throw new RangeError(`${spec.observer} does not take qscheme ${spec.qscheme}`);
    }
    if (this.perChannel && (spec.chAxis ?? 0) !== 0) {
      throw new RangeError(
        "per-channel FakeQuant in fused_moving_avg_obs_fake_quant is only supported on axis 0",
      );
    }
    // FakeQuantize passes quant_min/quant_max (default 0/255) and reduce_range to its observer, and
    // then uses the observer's resolved range.
    const observerSpec: ObserverSpec = {
      kind: spec.observer,
      dtype: spec.dtype,
      qscheme: spec.qscheme,
      reduceRange: spec.reduceRange,
      quantMin: spec.quantMin ?? 0,
      quantMax: spec.quantMax ?? 255,
    };
    const range = resolveQuantRange(observerSpec);
    this.quantMin = range.quantMin;
    this.quantMax = range.quantMax;
    this.flags = observerQParamFlags(observerSpec);
  }

  private ensureChannels(channels: number): void {
    if (this.channels === channels) return;
    if (this.channels >= 0)
      throw new RangeError(`fake-quant saw ${this.channels} channels before and ${channels} now`);
    this.minPtr = this.core.alloc(channels * 4);
    this.maxPtr = this.core.alloc(channels * 4);
    this.core.f32(this.minPtr, channels).fill(Infinity);
    this.core.f32(this.maxPtr, channels).fill(-Infinity);
    this.channels = channels;
  }

  step(x: Float32Array, shape: readonly number[]): FakeQuantStep {
    if (this.disposed) throw new Error("FusedMovingAvgObsFakeQuantize was disposed");
    if (elementCountOf(shape) !== x.length)
      throw new RangeError(`${x.length} values do not fill shape [${shape.join(", ")}]`);
    if (x.length === 0) throw new RangeError("fused fake-quant of an empty tensor has no min/max");
    const split = this.perChannel ? splitAtAxis(shape, 0) : { outer: 1, channels: 1, inner: x.length };
    this.ensureChannels(split.channels);
    const count = split.channels;
    return this.core.scoped((alloc) => {
      const src = alloc(x.byteLength);
      this.core.f32(src, x.length).set(x);
      const dst = alloc(x.byteLength);
      const scales = alloc(count * 4);
      const zps = alloc(count * 4);
      const scratch = alloc(count * 8);
      this.core.exports.fusedMovingAvgObsFakeQuant(
        src,
        dst,
        split.outer,
        split.channels,
        split.inner,
        this.perChannel,
        this.minPtr,
        this.maxPtr,
        scales,
        zps,
        this.spec.averagingConstant ?? 0.01,
        this.quantMin,
        this.quantMax,
        this.spec.qscheme.endsWith("symmetric"),
        (this.spec.qparamsImpl ?? "fbgemm") === "fbgemm",
        scratch,
      );
      return {
        out: this.core.copyOut(Float32Array, dst, x.length),
        scales: this.core.copyOut(Float32Array, scales, count),
        zeroPoints: this.core.copyOut(Int32Array, zps, count),
      };
    });
  }

  calculateQParams(): { scales: Float32Array; zeroPoints: Int32Array } {
    if (this.disposed) throw new Error("FusedMovingAvgObsFakeQuantize was disposed");
    if (this.channels < 0) return { scales: Float32Array.of(1), zeroPoints: Int32Array.of(0) };
    const count = this.channels;
    return this.core.scoped((alloc) => {
      const scales = alloc(count * 4);
      const zps = alloc(count * 4);
      this.core.exports.observerQParams(
        this.minPtr,
        this.maxPtr,
        count,
        this.quantMin,
        this.quantMax,
        this.flags,
        FLOAT32_EPS,
        scales,
        zps,
      );
      return {
        scales: this.core.copyOut(Float32Array, scales, count),
        zeroPoints: this.core.copyOut(Int32Array, zps, count),
      };
    });
  }

  get minVal(): Float32Array {
    return this.channels < 0
      ? new Float32Array(0)
      : this.core.copyOut(Float32Array, this.minPtr, this.channels);
  }

  get maxVal(): Float32Array {
    return this.channels < 0
      ? new Float32Array(0)
      : this.core.copyOut(Float32Array, this.maxPtr, this.channels);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.core.free(this.minPtr);
    this.core.free(this.maxPtr);
    this.minPtr = this.maxPtr = 0;
  }
}

/** A FusedMovingAvgObsFakeQuantize with its running min/max in linear memory. */
export function createFusedMovingAvgObsFakeQuantize(
  core: WasmCore,
  spec: FusedFakeQuantSpec,
): FusedMovingAvgObsFakeQuantize {
  return new WasmFusedFakeQuant(core, { ...spec });
}
