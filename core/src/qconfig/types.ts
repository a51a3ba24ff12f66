// The qconfig file format (`*.qconfig.json`) as TypeScript types, and the resolved form the model
// pipeline consumes (any process). The format is documented in docs/qconfig.md.
import type { Engine } from "../backends/engine";

export type Backend = Engine;

export const OBSERVER_KINDS = [
  "minmax",
  "moving_average_minmax",
  "histogram",
  "per_channel_minmax",
  "moving_average_per_channel_minmax",
  "percentile",
  "entropy",
] as const;
export type ObserverKind = (typeof OBSERVER_KINDS)[number];

export const QDTYPES = ["quint8", "qint8", "qint32"] as const;
export type QDtype = (typeof QDTYPES)[number];

export const QSCHEMES = ["per_tensor_affine", "per_tensor_symmetric", "per_channel_affine", "per_channel_symmetric"] as const;
export type QScheme = (typeof QSCHEMES)[number];

/** How one tensor (the activations or the weights of an op) is observed and quantized. Every field is optional: a
 * level of the file overrides only the fields it names (see resolve.ts). */
export interface ObserverConfig {
  observer?: ObserverKind;
  dtype?: QDtype;
  qscheme?: QScheme;
  /** Halve the quantized range (PyTorch's reduce_range): 0..127 for quint8, -64..63 for qint8. */
  reduceRange?: boolean;
  quantMin?: number;
  quantMax?: number;
  /** Channel axis of per-channel observers (0 = output channels of Conv/Gemm weights). */
  chAxis?: number;
  /** Moving-average observers: weight of each new batch's min/max, in (0, 1]. */
  averagingConstant?: number;
  /** Histogram, percentile and entropy observers: number of histogram bins. */
  bins?: number;
  /** Percentile observer: the percentile of |x| that maps to the range end, in (0, 100]. */
  percentile?: number;
}

/** The configuration of one op: its activations (outputs) and its weights. */
export interface QConfigEntry {
  activation?: ObserverConfig;
  weight?: ObserverConfig;
}

export interface CalibrationConfig {
  /** Samples per calibration batch. */
  batchSize?: number;
  /** Stop after this many batches (default: the whole calibration set). */
  numBatches?: number;
  /** Seed for shuffling the calibration set; omit to keep the file order. */
  seed?: number;
}

/** A parsed `*.qconfig.json` file. `null` in opTypes/nodes means "keep in float". */
export interface QConfigFile {
  $schema?: string;
  backend?: Backend;
  global?: QConfigEntry;
  opTypes?: Record<string, QConfigEntry | null>;
  nodes?: Record<string, QConfigEntry | null>;
  calibration?: CalibrationConfig;
}

/** A fully specified observer: every option the observer kind uses has a value, and quantMin/quantMax are the
 * effective integer range (after reduceRange, as PyTorch's observers compute it). */
export interface ResolvedObserver {
  observer: ObserverKind;
  dtype: QDtype;
  qscheme: QScheme;
  reduceRange: boolean;
  quantMin: number;
  quantMax: number;
  /** True when the range came from explicit quantMin/quantMax (PyTorch's has_customized_qrange). */
  customRange: boolean;
  chAxis?: number;
  averagingConstant?: number;
  bins?: number;
  percentile?: number;
}

/** Ops whose output range is fixed by the math (sigmoid, tanh, softmax): PyTorch's FixedQParamsObserver. */
export interface FixedQParams {
  observer: "fixed_qparams";
  dtype: QDtype;
  scale: number;
  zeroPoint: number;
  quantMin: number;
  quantMax: number;
}

/** The output reuses its input's qparams (reshape-like ops): PyTorch's ReuseInputObserver. */
export interface ReuseInput {
  observer: "reuse_input";
}

export type ResolvedActivation = ResolvedObserver | FixedQParams | ReuseInput;
/** `undefined` weight: the op has no quantized weight (PyTorch's NoopObserver/PlaceholderObserver). */
export type ResolvedWeight = ResolvedObserver | undefined;

export type ConfigSource = "node" | "opType" | "global" | "backend default";

export interface ResolvedQConfig {
  activation: ResolvedActivation;
  weight: ResolvedWeight;
  /** Which level of the file decided each part (the most specific level that named a field of it). */
  source: { activation: ConfigSource; weight: ConfigSource };
}

export type QuantMode = "ptq" | "qat";

export function isPerChannelScheme(q: QScheme): boolean {
  return q === "per_channel_affine" || q === "per_channel_symmetric";
}

export function isSymmetricScheme(q: QScheme): boolean {
  return q === "per_tensor_symmetric" || q === "per_channel_symmetric";
}

export function isPerChannelObserver(o: ObserverKind): boolean {
  return o === "per_channel_minmax" || o === "moving_average_per_channel_minmax";
}

export function isMovingAverageObserver(o: ObserverKind): boolean {
  return o === "moving_average_minmax" || o === "moving_average_per_channel_minmax";
}

export function usesBins(o: ObserverKind): boolean {
  return o === "histogram" || o === "percentile" || o === "entropy";
}

/** The full integer range of a dtype. */
export function dtypeRange(dtype: QDtype): [number, number] {
  switch (dtype) {
    case "quint8":
      return [0, 255];
    case "qint8":
      return [-128, 127];
    case "qint32":
      return [-(2 ** 31), 2 ** 31 - 1];
  }
}

/** The range PyTorch's observers use (`calculate_qmin_qmax`): the dtype's range, halved by reduceRange; explicit
 * bounds are floor-halved too when reduceRange is set. */
export function effectiveRange(
  dtype: QDtype,
  reduceRange: boolean,
  quantMin: number | undefined,
  quantMax: number | undefined,
): { quantMin: number; quantMax: number; customRange: boolean } {
  if (quantMin !== undefined && quantMax !== undefined) {
    return reduceRange
      ? { quantMin: Math.floor(quantMin / 2), quantMax: Math.floor(quantMax / 2), customRange: true }
      : { quantMin, quantMax, customRange: true };
  }
  if (dtype === "qint32") return { quantMin: -(2 ** 31), quantMax: 2 ** 31 - 1, customRange: false };
  if (dtype === "qint8") return reduceRange ? { quantMin: -64, quantMax: 63, customRange: false } : { quantMin: -128, quantMax: 127, customRange: false };
  return reduceRange ? { quantMin: 0, quantMax: 127, customRange: false } : { quantMin: 0, quantMax: 255, customRange: false };
}
