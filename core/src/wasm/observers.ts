// Typed host API over the WASM observers (any process): PyTorch's MinMax, MovingAverageMinMax,
// PerChannelMinMax, MovingAveragePerChannelMinMax and HistogramObserver with their state in linear
// memory, plus the mapping between an ObserverSpec and PyTorch's observer class + kwargs.
import type { WasmCore } from "./core";
import {
  QUANT_DTYPES,
  elementCountOf,
  isQuantDtype,
  splitAtAxis,
  type QuantDtype,
} from "./quantize";

export const OBSERVER_KINDS = [
  "minmax",
  "moving_average_minmax",
  "per_channel_minmax",
  "moving_average_per_channel_minmax",
  "histogram",
] as const;
export type ObserverKind = (typeof OBSERVER_KINDS)[number];

export const QSCHEMES = [
  "per_tensor_affine",
  "per_tensor_symmetric",
  "per_channel_affine",
  "per_channel_symmetric",
] as const;
export type QScheme = (typeof QSCHEMES)[number];

export interface ObserverSpec {
  kind: ObserverKind;
  dtype: QuantDtype;
  qscheme: QScheme;
  reduceRange?: boolean;
  /** Both or neither: PyTorch only honours a custom range when both ends are given. */
  quantMin?: number;
  quantMax?: number;
  /** Per-channel observers: the channel axis (default 0). */
  chAxis?: number;
  /** Moving-average observers (default 0.01). */
  averagingConstant?: number;
  /** HistogramObserver (default 2048). */
  bins?: number;
  /** Smallest scale (default torch.finfo(torch.float32).eps). */
  eps?: number;
}

export interface QParams {
  scales: Float32Array;
  zeroPoints: Int32Array;
}

export interface HistogramState {
  bins: Float32Array;
  min: number;
  max: number;
}

export interface Observer {
  readonly spec: Readonly<ObserverSpec>;
  /** The integer range the qparams target (after reduce_range / custom range), as PyTorch's quant_min/max. */
  readonly quantMin: number;
  readonly quantMax: number;
  /** Folds one tensor (row-major `shape`) into the statistics; copies it into linear memory once. */
  observe(x: Float32Array, shape: readonly number[]): void;
  /** Same, for a float32 tensor that already lives in linear memory at `ptr` (no copy). */
  observePtr(ptr: number, length: number, shape: readonly number[]): void;
  calculateQParams(): QParams;
  /** Running min/max: numbers per tensor (+/-inf before any data), one float per channel otherwise. */
  readonly minVal: number | Float32Array;
  readonly maxVal: number | Float32Array;
  /** HistogramObserver only: the accumulated histogram over [min, max]. */
  histogram?(): HistogramState;
  /**
   * What the observer accumulated, detached from it: enough to compute qparams for any other spec
   * that accumulates the same way (see qparamsFromStatistics).
   */
  statistics(): ObserverStatistics;
  /** Forgets everything observed (PyTorch's reset_min_max_vals; the histogram is cleared too). */
  reset(): void;
  dispose(): void;
}

/**
 * An observer's accumulated state. The accumulation depends only on the kind, the averaging constant,
 * the channel axis and the bin count, never on dtype, qscheme or range: one calibration pass can give
 * the qparams of several configurations (x86's reduced range and qnnpack's full range, say).
 */
export interface ObserverStatistics {
  kind: ObserverKind;
  /** Per tensor: numbers (+/-inf before any data); per channel: one float per channel. */
  minVal: number | Float32Array;
  maxVal: number | Float32Array;
  averagingConstant?: number;
  chAxis?: number;
  /** HistogramObserver: the histogram over [minVal, maxVal]. */
  histogram?: Float32Array;
}

/** torch.finfo(torch.float32).eps */
export const FLOAT32_EPS = 1.1920928955078125e-7;

const CLASS_OF_KIND: Record<ObserverKind, string> = {
  minmax: "MinMaxObserver",
  moving_average_minmax: "MovingAverageMinMaxObserver",
  per_channel_minmax: "PerChannelMinMaxObserver",
  moving_average_per_channel_minmax: "MovingAveragePerChannelMinMaxObserver",
  histogram: "HistogramObserver",
};

// Flags of the WASM observerQParams (assembly/util/qparams.ts).
const QP_SYMMETRIC = 1;
const QP_UNSIGNED = 2;
const QP_CUSTOM_RANGE = 4;

/** The WASM observerQParams flags for a spec (symmetric, unsigned dtype, custom quant range). */
export function observerQParamFlags(spec: ObserverSpec): number {
  return (
    (isSymmetric(spec.qscheme) ? QP_SYMMETRIC : 0) |
    (spec.dtype === "quint8" ? QP_UNSIGNED : 0) |
    (resolveQuantRange(spec).customized ? QP_CUSTOM_RANGE : 0)
  );
}

export function isPerChannelKind(kind: ObserverKind): boolean {
  return kind === "per_channel_minmax" || kind === "moving_average_per_channel_minmax";
}

export function isSymmetric(qscheme: QScheme): boolean {
  return qscheme === "per_tensor_symmetric" || qscheme === "per_channel_symmetric";
}

export function observerClassName(kind: ObserverKind): string {
  return CLASS_OF_KIND[kind];
}

/** Invalid observer configurations, with PyTorch's reason. */
export class ObserverConfigError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = "ObserverConfigError";
  }
}

/** PyTorch's calculate_qmin_qmax: the integer range an observer with this spec targets. */
export function resolveQuantRange(spec: ObserverSpec): {
  quantMin: number;
  quantMax: number;
  customized: boolean;
} {
  const reduce = spec.reduceRange === true;
  const customized = spec.quantMin !== undefined && spec.quantMax !== undefined;
  if (customized) {
    const qmin = spec.quantMin as number;
    const qmax = spec.quantMax as number;
    if (!Number.isInteger(qmin) || !Number.isInteger(qmax))
      throw new ObserverConfigError("quant_min and quant_max must be integers");
    if (!(qmin <= 0 && 0 <= qmax))
      throw new ObserverConfigError("the quantization range [quant_min, quant_max] must include 0");
    if (!(qmin < qmax)) throw new ObserverConfigError("quant_min must be strictly less than quant_max");
    const len = qmax - qmin + 1;
    if (spec.dtype === "qint8" && len > 256) {
      throw new ObserverConfigError(
        "quantization range should be positive and not exceed the maximum bit range (=256)",
      );
    }
    if (spec.dtype === "qint32" && len > 2 ** 32) {
      throw new ObserverConfigError(
        "quantization range should be positive and not exceed the maximum bit range (=4294967296)",
      );
    }
    return reduce
      ? { quantMin: Math.floor(qmin / 2), quantMax: Math.floor(qmax / 2), customized }
      : { quantMin: qmin, quantMax: qmax, customized };
  }
  switch (spec.dtype) {
    case "qint8":
      return reduce
        ? { quantMin: -64, quantMax: 63, customized }
        : { quantMin: -128, quantMax: 127, customized };
    case "quint8":
      return reduce ? { quantMin: 0, quantMax: 127, customized } : { quantMin: 0, quantMax: 255, customized };
    case "qint32":
      return { quantMin: -(2 ** 31), quantMax: 2 ** 31 - 1, customized };
  }
}

/** Checks a spec the way PyTorch's observer constructors do; throws ObserverConfigError. */
export function validateObserverSpec(spec: ObserverSpec): void {
  if (!(OBSERVER_KINDS as readonly string[]).includes(spec.kind))
    throw new ObserverConfigError(`unknown observer kind '${spec.kind}'`);
  if (!isQuantDtype(spec.dtype))
    throw new ObserverConfigError(`unsupported observer dtype '${String(spec.dtype)}'`);
  if (!(QSCHEMES as readonly string[]).includes(spec.qscheme))
    throw new ObserverConfigError(`unsupported qscheme '${spec.qscheme}'`);
  const cls = CLASS_OF_KIND[spec.kind];
  const perChannelScheme = spec.qscheme.startsWith("per_channel");
  if (isPerChannelKind(spec.kind) !== perChannelScheme) {
    throw new ObserverConfigError(
      `${cls} only supports ${isPerChannelKind(spec.kind) ? "per_channel" : "per_tensor"} qschemes, not ${spec.qscheme}`,
    );
  }
  if (spec.kind !== "histogram" && isSymmetric(spec.qscheme) && spec.reduceRange && spec.dtype === "quint8") {
    throw new ObserverConfigError(`${cls}: cannot reduce range for symmetric quantization for quint8`);
  }
  if (spec.chAxis !== undefined && !Number.isInteger(spec.chAxis))
    throw new ObserverConfigError("ch_axis must be an integer");
  if (spec.averagingConstant !== undefined && !Number.isFinite(spec.averagingConstant)) {
    throw new ObserverConfigError("averaging_constant must be a finite number");
  }
  if (spec.bins !== undefined && !(Number.isInteger(spec.bins) && spec.bins > 0 && spec.bins <= 1 << 20)) {
    throw new ObserverConfigError(`bins must be a positive integer (at most 2^20), got ${spec.bins}`);
  }
  if (spec.eps !== undefined && !(spec.eps >= 0))
    throw new ObserverConfigError("eps must be a non-negative number");
  resolveQuantRange(spec);
}

// ---- PyTorch class + kwargs <-> spec ----

function torchEnumName(v: unknown, what: string): string {
  if (typeof v !== "string")
    throw new ObserverConfigError(
      `${what} must be a string such as 'torch.quint8', got ${JSON.stringify(v)}`,
    );
  return v.startsWith("torch.") ? v.slice("torch.".length) : v;
}

function torchBool(v: unknown, what: string): boolean {
  if (typeof v === "boolean") return v;
  if (v === "True" || v === "true") return true;
  if (v === "False" || v === "false") return false;
  throw new ObserverConfigError(`${what} must be a boolean, got ${JSON.stringify(v)}`);
}

function torchNumber(v: unknown, what: string): number {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  if (typeof n !== "number" || Number.isNaN(n))
    throw new ObserverConfigError(`${what} must be a number, got ${JSON.stringify(v)}`);
  return n;
}

const TORCH_DEFAULTS: Record<ObserverKind, { qscheme: QScheme }> = {
  minmax: { qscheme: "per_tensor_affine" },
  moving_average_minmax: { qscheme: "per_tensor_affine" },
  per_channel_minmax: { qscheme: "per_channel_affine" },
  moving_average_per_channel_minmax: { qscheme: "per_channel_affine" },
  histogram: { qscheme: "per_tensor_affine" },
};

/**
 * The spec of `ClassName(**kwargs)` for PyTorch's observer classes. Accepts the class name with or
 * without its module path, and kwargs as Python values or their reprs ('torch.qint8', 'True').
 * Missing kwargs take PyTorch's defaults.
 */
export function observerSpecFromTorch(className: string, kwargs: Record<string, unknown> = {}): ObserverSpec {
  const short = className.slice(className.lastIndexOf(".") + 1);
  const kind = (Object.keys(CLASS_OF_KIND) as ObserverKind[]).find((k) => CLASS_OF_KIND[k] === short);
  if (!kind) throw new ObserverConfigError(`unsupported observer class '${className}'`);
  const spec: ObserverSpec = { kind, dtype: "quint8", qscheme: TORCH_DEFAULTS[kind].qscheme };
  for (const [key, value] of Object.entries(kwargs)) {
    if (value === null || value === undefined || value === "None") continue;
    switch (key) {
      case "dtype": {
        const d = torchEnumName(value, "dtype");
        const mapped = d === "uint8" ? "quint8" : d === "int8" ? "qint8" : d === "int32" ? "qint32" : d;
        if (!isQuantDtype(mapped))
          throw new ObserverConfigError(
            `unsupported observer dtype '${d}' (supported: ${QUANT_DTYPES.join(", ")})`,
          );
        spec.dtype = mapped;
        break;
      }
      case "qscheme": {
        const q = torchEnumName(value, "qscheme");
        if (!(QSCHEMES as readonly string[]).includes(q))
          throw new ObserverConfigError(`unsupported qscheme '${q}'`);
        spec.qscheme = q as QScheme;
        break;
      }
      case "reduce_range":
        spec.reduceRange = torchBool(value, "reduce_range");
        break;
      case "quant_min":
        spec.quantMin = torchNumber(value, "quant_min");
        break;
      case "quant_max":
        spec.quantMax = torchNumber(value, "quant_max");
        break;
      case "ch_axis":
        if (!isPerChannelKind(kind)) throw new ObserverConfigError(`${short} takes no ch_axis`);
        spec.chAxis = torchNumber(value, "ch_axis");
        break;
      case "averaging_constant":
        if (kind !== "moving_average_minmax" && kind !== "moving_average_per_channel_minmax") {
          throw new ObserverConfigError(`${short} takes no averaging_constant`);
        }
        spec.averagingConstant = torchNumber(value, "averaging_constant");
        break;
      case "bins":
        if (kind !== "histogram") throw new ObserverConfigError(`${short} takes no bins`);
        spec.bins = torchNumber(value, "bins");
        break;
      case "eps":
        spec.eps = torchNumber(value, "eps");
        break;
      case "is_dynamic":
        if (torchBool(value, "is_dynamic"))
          throw new ObserverConfigError(`${short} with is_dynamic=True is not supported`);
        break;
      case "factory_kwargs":
        break;
      default:
        throw new ObserverConfigError(`${short} got an unexpected keyword argument '${key}'`);
    }
  }
  validateObserverSpec(spec);
  return spec;
}

/** The PyTorch class name and the kwargs that differ from its defaults. */
export function observerSpecToTorch(spec: ObserverSpec): {
  className: string;
  kwargs: Record<string, string | number | boolean>;
} {
  const kwargs: Record<string, string | number | boolean> = {};
  if (spec.dtype !== "quint8") kwargs.dtype = `torch.${spec.dtype}`;
  if (spec.qscheme !== TORCH_DEFAULTS[spec.kind].qscheme) kwargs.qscheme = `torch.${spec.qscheme}`;
  if (spec.reduceRange) kwargs.reduce_range = true;
  if (spec.quantMin !== undefined && spec.quantMax !== undefined) {
    kwargs.quant_min = spec.quantMin;
    kwargs.quant_max = spec.quantMax;
  }
  if (spec.chAxis !== undefined && spec.chAxis !== 0) kwargs.ch_axis = spec.chAxis;
  if (spec.averagingConstant !== undefined && spec.averagingConstant !== 0.01)
    kwargs.averaging_constant = spec.averagingConstant;
  if (spec.bins !== undefined && spec.bins !== 2048) kwargs.bins = spec.bins;
  if (spec.eps !== undefined && spec.eps !== FLOAT32_EPS) kwargs.eps = spec.eps;
  return { className: CLASS_OF_KIND[spec.kind], kwargs };
}

/**
 * A resolved observer as the qconfig layer describes it (structurally: core/src/qconfig's
 * ResolvedObserver): quantMin/quantMax are the effective range after reduce_range, customRange says
 * whether they were given explicitly (PyTorch's has_customized_qrange).
 */
export interface ResolvedObserverLike {
  observer: string;
  dtype: QuantDtype;
  qscheme: QScheme;
  reduceRange?: boolean;
  quantMin?: number;
  quantMax?: number;
  customRange?: boolean;
  chAxis?: number;
  averagingConstant?: number;
  bins?: number;
}

/**
 * The ObserverSpec of a resolved qconfig observer. An explicit range is passed on as already reduced
 * (the effective range and "customized" are all the qparams depend on); observers that are not
 * PyTorch's uniform observers (percentile, entropy) are refused.
 */
export function observerSpecFromResolved(r: ResolvedObserverLike): ObserverSpec {
  if (!(OBSERVER_KINDS as readonly string[]).includes(r.observer)) {
    throw new ObserverConfigError(
      `'${r.observer}' is not one of PyTorch's uniform observers (${OBSERVER_KINDS.join(", ")})`,
    );
  }
  const spec: ObserverSpec = { kind: r.observer as ObserverKind, dtype: r.dtype, qscheme: r.qscheme };
  if (r.customRange && r.quantMin !== undefined && r.quantMax !== undefined) {
    spec.quantMin = r.quantMin;
    spec.quantMax = r.quantMax;
  } else if (r.reduceRange) {
    spec.reduceRange = true;
  }
  if (r.chAxis !== undefined && isPerChannelKind(spec.kind)) spec.chAxis = r.chAxis;
  if (r.averagingConstant !== undefined) spec.averagingConstant = r.averagingConstant;
  if (r.bins !== undefined && spec.kind === "histogram") spec.bins = r.bins;
  validateObserverSpec(spec);
  if (r.quantMin !== undefined && r.quantMax !== undefined) {
    const range = resolveQuantRange(spec);
    if (range.quantMin !== r.quantMin || range.quantMax !== r.quantMax) {
      throw new ObserverConfigError(
        `resolved range [${r.quantMin}, ${r.quantMax}] disagrees with PyTorch's [${range.quantMin}, ${range.quantMax}] for this observer`,
      );
    }
  }
  return spec;
}

// ---- observers over the WASM core ----

/** Observer dtypes' bit widths, for the histogram's destination bin count 2^bits. */
const DTYPE_BITS: Record<QuantDtype, number> = { quint8: 8, qint8: 8, qint32: 32 };

class WasmObserver implements Observer {
  readonly quantMin: number;
  readonly quantMax: number;
  private readonly flags: number;
  private readonly eps: number;
  private readonly perChannel: boolean;
  private readonly bins: number;
  /** Running [min, max], 2 f32 (per-tensor kinds). */
  private state = 0;
  /** HistogramObserver: the [min, max] its last calculate_qparams search chose, 2 f32. */
  private range = 0;
  /** Per channel: min/max arrays, allocated on the first batch. */
  private channels = -1;
  private minPtr = 0;
  private maxPtr = 0;
  private hist = 0;
  private scratch = 0;
  private scratchBytes = 0;
  private staging = 0;
  private stagingBytes = 0;
  private disposed = false;
  histogram?: () => HistogramState;

  constructor(
    private readonly core: WasmCore,
    readonly spec: Readonly<ObserverSpec>,
  ) {
    validateObserverSpec(spec);
    const range = resolveQuantRange(spec);
    this.quantMin = range.quantMin;
    this.quantMax = range.quantMax;
    this.flags = observerQParamFlags(spec);
    this.eps = spec.eps ?? FLOAT32_EPS;
    this.perChannel = isPerChannelKind(spec.kind);
    this.bins = spec.bins ?? 2048;
    try {
      this.state = core.alloc(16);
      this.range = core.alloc(16);
      core.f32(this.state, 2).set([Infinity, -Infinity]);
      if (spec.kind === "histogram") {
        this.hist = core.alloc(this.bins * 4);
        core.f32(this.hist, this.bins).fill(0);
        this.histogram = () => this.histogramState();
      }
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  private live(): void {
    if (this.disposed) throw new Error(`${observerClassName(this.spec.kind)} was disposed`);
  }

  private ensureScratch(bytes: number): number {
    if (this.scratchBytes < bytes) {
      this.core.free(this.scratch);
      this.scratch = 0;
      this.scratchBytes = 0;
      this.scratch = this.core.alloc(bytes);
      this.scratchBytes = bytes;
    }
    return this.scratch;
  }

  observe(x: Float32Array, shape: readonly number[]): void {
    this.live();
    this.checkShape(x.length, shape);
    if (x.length === 0) return;
    if (this.stagingBytes < x.byteLength) {
      this.core.free(this.staging);
      this.staging = 0;
      this.stagingBytes = 0;
      this.staging = this.core.alloc(x.byteLength);
      this.stagingBytes = x.byteLength;
    }
    this.core.f32(this.staging, x.length).set(x);
    this.observePtr(this.staging, x.length, shape);
  }

  private checkShape(length: number, shape: readonly number[]): void {
    const n = elementCountOf(shape);
    if (n !== length)
      throw new RangeError(`${length} values do not fill shape [${shape.join(", ")}] (${n} elements)`);
  }

  observePtr(ptr: number, length: number, shape: readonly number[]): void {
    this.live();
    this.checkShape(length, shape);
    if (length === 0) return;
    const ex = this.core.exports;
    switch (this.spec.kind) {
      case "minmax":
        ex.observeMinMax(this.state, ptr, length);
        return;
      case "moving_average_minmax":
        ex.observeMovingAverageMinMax(this.state, ptr, length, this.spec.averagingConstant ?? 0.01);
        return;
      case "histogram": {
        const scratch = this.ensureScratch((7 * this.bins + 8) * 4);
        this.core.guard(() => ex.observeHistogram(this.hist, this.bins, this.state, ptr, length, scratch));
        return;
      }
      case "per_channel_minmax":
      case "moving_average_per_channel_minmax": {
        const split = splitAtAxis(shape, this.spec.chAxis ?? 0);
        const initialized = this.channels >= 0;
        if (initialized && split.channels !== this.channels) {
          throw new RangeError(
            `${observerClassName(this.spec.kind)} saw ${this.channels} channels before and ${split.channels} now (axis ${split.axis})`,
          );
        }
        if (!initialized) {
          this.minPtr = this.core.alloc(split.channels * 4);
          this.maxPtr = this.core.alloc(split.channels * 4);
          this.channels = split.channels;
        }
        const scratch = this.ensureScratch(split.channels * 8);
        if (this.spec.kind === "per_channel_minmax") {
          ex.observePerChannelMinMax(
            this.minPtr,
            this.maxPtr,
            initialized,
            ptr,
            split.outer,
            split.channels,
            split.inner,
            scratch,
          );
        } else {
          ex.observeMovingAveragePerChannelMinMax(
            this.minPtr,
            this.maxPtr,
            initialized,
            ptr,
            split.outer,
            split.channels,
            split.inner,
            this.spec.averagingConstant ?? 0.01,
            scratch,
          );
        }
        return;
      }
    }
  }

  get minVal(): number | Float32Array {
    this.live();
    if (this.perChannel)
      return this.channels < 0
        ? new Float32Array(0)
        : this.core.copyOut(Float32Array, this.minPtr, this.channels);
    return this.core.f32(this.state, 1)[0];
  }

  get maxVal(): number | Float32Array {
    this.live();
    if (this.perChannel)
      return this.channels < 0
        ? new Float32Array(0)
        : this.core.copyOut(Float32Array, this.maxPtr, this.channels);
    return this.core.f32(this.state + 4, 1)[0];
  }

  calculateQParams(): QParams {
    this.live();
    const ex = this.core.exports;
    return this.core.scoped((alloc) => {
      if (this.spec.kind === "histogram") {
        const out = alloc(16);
        const scratch = this.ensureScratch((7 * this.bins + 8) * 4);
        this.checkMinMax(this.core.f32(this.state, 2));
        ex.histogramQParams(
          this.hist,
          this.bins,
          this.state,
          2 ** DTYPE_BITS[this.spec.dtype],
          this.quantMin,
          this.quantMax,
          this.flags,
          this.eps,
          scratch,
          this.range,
          out,
          out + 4,
        );
        return {
          scales: this.core.copyOut(Float32Array, out, 1),
          zeroPoints: this.core.copyOut(Int32Array, out + 4, 1),
        };
      }
      if (this.perChannel && this.channels < 0) {
        // PyTorch's check_min_max_valid on an empty buffer: default qparams.
        return { scales: Float32Array.of(1), zeroPoints: Int32Array.of(0) };
      }
      const count = this.perChannel ? this.channels : 1;
      const minPtr = this.perChannel ? this.minPtr : this.state;
      const maxPtr = this.perChannel ? this.maxPtr : this.state + 4;
      const mins = this.core.f32(minPtr, count);
      const maxs = this.core.f32(maxPtr, count);
      for (let c = 0; c < count; c++) this.checkMinMax([mins[c], maxs[c]]);
      const scales = alloc(count * 4);
      const zps = alloc(count * 4);
      ex.observerQParams(
        minPtr,
        maxPtr,
        count,
        this.quantMin,
        this.quantMax,
        this.flags,
        this.eps,
        scales,
        zps,
      );
      return {
        scales: this.core.copyOut(Float32Array, scales, count),
        zeroPoints: this.core.copyOut(Int32Array, zps, count),
      };
    });
  }

  /** PyTorch asserts min <= max before computing qparams; NaN statistics fail it. */
  private checkMinMax(minMax: ArrayLike<number>): void {
    const mn = minMax[0];
    const mx = minMax[1];
    if (mn === Infinity && mx === -Infinity) return;
    if (!(mn <= mx)) {
      throw new RangeError(
        `${observerClassName(this.spec.kind)}: min ${mn} is not <= max ${mx} (NaN in the observed data?)`,
      );
    }
  }

  /** Sets the accumulated state directly (qparamsFromStatistics). */
  load(mins: Float32Array, maxs: Float32Array, histogram?: Float32Array): void {
    this.live();
    this.reset();
    if (this.perChannel) {
      if (mins.length === 0) return;
      this.minPtr = this.core.alloc(mins.length * 4);
      this.maxPtr = this.core.alloc(mins.length * 4);
      this.channels = mins.length;
      this.core.f32(this.minPtr, mins.length).set(mins);
      this.core.f32(this.maxPtr, maxs.length).set(maxs);
      return;
    }
    if (mins.length !== 1)
      throw new RangeError(`a per-tensor observer takes one min/max, not ${mins.length}`);
    this.core.f32(this.state, 2).set([mins[0], maxs[0]]);
    if (this.hist && histogram) this.core.f32(this.hist, this.bins).set(histogram);
  }

  statistics(): ObserverStatistics {
    this.live();
    const stats: ObserverStatistics = { kind: this.spec.kind, minVal: this.minVal, maxVal: this.maxVal };
    if (this.spec.kind.startsWith("moving_average"))
      stats.averagingConstant = this.spec.averagingConstant ?? 0.01;
    if (this.perChannel) stats.chAxis = this.spec.chAxis ?? 0;
    if (this.hist) stats.histogram = this.core.copyOut(Float32Array, this.hist, this.bins);
    return stats;
  }

  private histogramState(): HistogramState {
    this.live();
    const [min, max] = this.core.f32(this.state, 2);
    return { bins: this.core.copyOut(Float32Array, this.hist, this.bins), min, max };
  }

  reset(): void {
    this.live();
    this.core.f32(this.state, 2).set([Infinity, -Infinity]);
    if (this.hist) this.core.f32(this.hist, this.bins).fill(0);
    this.core.free(this.minPtr);
    this.core.free(this.maxPtr);
    this.minPtr = this.maxPtr = 0;
    this.channels = -1;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const p of [this.state, this.range, this.minPtr, this.maxPtr, this.hist, this.scratch, this.staging])
      this.core.free(p);
    this.state = this.range = this.minPtr = this.maxPtr = this.hist = this.scratch = this.staging = 0;
  }
}

/**
 * calculate_qparams of an observer with `spec` that had accumulated `stats`, without observing again.
 * The spec must accumulate the same way as the observer the statistics came from (same kind, averaging
 * constant, channel axis and bin count); its dtype, qscheme and range are free.
 */
export function qparamsFromStatistics(
  core: WasmCore,
  spec: ObserverSpec,
  stats: ObserverStatistics,
): QParams {
  validateObserverSpec(spec);
  const mismatch = (what: string, a: unknown, b: unknown) =>
    new ObserverConfigError(
      `the statistics come from an observer with ${what} ${String(a)}, not ${String(b)}`,
    );
  if (stats.kind !== spec.kind) throw mismatch("kind", stats.kind, spec.kind);
  if (
    spec.kind.startsWith("moving_average") &&
    (stats.averagingConstant ?? 0.01) !== (spec.averagingConstant ?? 0.01)
  ) {
    throw mismatch("averaging_constant", stats.averagingConstant ?? 0.01, spec.averagingConstant ?? 0.01);
  }
  if (isPerChannelKind(spec.kind) && (stats.chAxis ?? 0) !== (spec.chAxis ?? 0)) {
    throw mismatch("ch_axis", stats.chAxis ?? 0, spec.chAxis ?? 0);
  }
  if (spec.kind === "histogram" && stats.histogram?.length !== (spec.bins ?? 2048)) {
    throw mismatch("bins", stats.histogram?.length, spec.bins ?? 2048);
  }
  const mins = typeof stats.minVal === "number" ? Float32Array.of(stats.minVal) : stats.minVal;
  const maxs = typeof stats.maxVal === "number" ? Float32Array.of(stats.maxVal) : stats.maxVal;
  if (mins.length !== maxs.length)
    throw new RangeError("statistics have different numbers of minima and maxima");
  const observer = new WasmObserver(core, { ...spec });
  try {
    observer.load(mins, maxs, stats.histogram);
    return observer.calculateQParams();
  } finally {
    observer.dispose();
  }
}

/** A new observer with its state in the core's linear memory; call dispose() to release it. */
export function createObserver(core: WasmCore, spec: ObserverSpec): Observer {
  return new WasmObserver(core, { ...spec });
}
