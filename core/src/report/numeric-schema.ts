// The numeric report (`quantscope compare --json`, the HTML report's data, the side panel's Compare view)
// as TypeScript types (any process, fs-free). Documented in docs/numeric-report.md; JSON Schema in
// docs/numeric-report.schema.json. SQNR values are dB; null stands for +infinity (no error at all) or a
// value that could not be computed. Bump NUMERIC_REPORT_VERSION on any incompatible change.
import type { Engine } from "../backends/engine";

export const NUMERIC_REPORT_VERSION = 1;

/** Error of a quantized tensor against its float reference. */
export interface NumericMetrics {
  /** 20 log10(||float|| / ||float - int8||), dB (PyTorch's compute_sqnr). */
  sqnr_db: number | null;
  mse: number;
  max_abs_error: number;
  cosine: number;
}

export interface NumericWeight {
  /** The float initializer. */
  tensor: string;
  qscheme: string;
  /** PyTorch layout: [OC, C/groups, KH, KW] or [out, in]. */
  shape: number[];
  metrics: NumericMetrics;
  /** One entry per output channel. */
  per_channel: NumericMetrics[];
}

/** A model variant's score on the comparison data (graph output 0 against the float model's). */
export interface NumericVariant {
  output_sqnr_db: number | null;
  /** Top-1 accuracy in [0, 1] (with labels). */
  accuracy?: number;
  /** Share of samples with the float model's top-1 class. */
  agreement: number;
  /** Points lost against float: accuracy points with labels, else (1 - agreement) * 100. */
  drop_points: number;
}

export interface NumericLayerSensitivity {
  /** 1 = keeping it in float regains the most. */
  rank: number;
  gain_points: number;
  gain_sqnr_db: number | null;
  only_this_int8: NumericVariant;
  all_but_this: NumericVariant;
}

/** One int8 layer (a fused group of ONNX nodes). */
export interface NumericLayer {
  /** Root ONNX node. */
  node: string;
  /** ONNX op types, root first (["Conv", "Relu"]). */
  ops: string[];
  /** PyTorch counterpart (nni.ConvReLU2d, nnq.Linear, ...). */
  torch: string;
  /** The layer's output value. */
  output: string;
  scale: number;
  zero_point: number;
  /** Weight SQNR (null without a weight or when exact). */
  weight_sqnr_db: number | null;
  /** Propagated: the int8 model end to end, at this layer's output. */
  activation_sqnr_db: number | null;
  /** Shadow: this layer alone in int8, fed the float model's input. */
  shadow_sqnr_db: number | null;
  weight?: NumericWeight;
  activation: { propagated: NumericMetrics; shadow?: NumericMetrics };
  /** The value the layer's observer sits on when it is not the output (an Add fused with a following ReLU). */
  observed?: { tensor: string; activation_sqnr_db: number | null; shadow_sqnr_db: number | null };
  sensitivity?: NumericLayerSensitivity;
}

/** A float value quantized on entry to int8 (PyTorch's QuantStub). */
export interface NumericQuantStub {
  tensor: string;
  /** The float node producing it ("" for a graph input). */
  node: string;
  activation_sqnr_db: number | null;
  metrics: NumericMetrics;
}

/**
 * One observed tensor's range and the qparams its observer chose: an entry of `quantscope calibrate --stats`
 * and the first fields of a numeric report's calibration statistics.
 */
export interface CalibratedTensor {
  tensor: string;
  /** The node producing it ("" for a graph input). */
  producer_node: string;
  role: "input" | "output";
  /** The observer kind (histogram, minmax, ...). */
  observer: string;
  /** Smallest and largest value seen. */
  min: number;
  max: number;
  scale: number;
  zero_point: number;
}

/** What calibration saw of one observed tensor and the qparams chosen. */
export interface NumericCalibrationStat extends CalibratedTensor {
  /** The integer range the qparams target (0..127 with x86's reduce_range). */
  quant_min: number;
  quant_max: number;
  /** The float range the int8 grid covers: (quant_min - zero_point) * scale .. (quant_max - zero_point) * scale. */
  clip_min: number;
  clip_max: number;
  /** Share of calibration values outside the clipping range (estimated from a 2048-bin histogram). */
  clipped_fraction: number;
  /** Share of the quant_min..quant_max levels that [min, max] maps to (1: the whole grid is used). */
  range_used: number;
  /** Share of all 256 levels of the 8-bit type that [min, max] maps to (below range_used when reduce_range halves the grid). */
  int8_levels_used: number;
  /** The histogram (HistogramObserver's algorithm) over [lo, hi] = [min, max], in equal bins. */
  histogram: { lo: number; hi: number; counts: number[] };
}

export interface NumericReport {
  version: typeof NUMERIC_REPORT_VERSION;
  kind: "quantscope.numeric-report";
  model?: string;
  backend: Engine;
  calibration: { samples: number; batch_size: number; batches: number };
  /** The comparison data. */
  data: { samples: number; labeled: boolean };
  /** The fully quantized model against the float model on the comparison data. */
  result: NumericVariant & { float_accuracy?: number };
  layers: NumericLayer[];
  quant_stubs: NumericQuantStub[];
  calibration_stats: NumericCalibrationStat[];
  /** Nodes kept in float and why. */
  float_nodes: { node: string; op: string; reason: string }[];
  sensitivity?: {
    metric: "accuracy" | "agreement";
    /** Ranked root nodes, most sensitive first (details in each layer's `sensitivity`). */
    ranking: string[];
    suggestion?: {
      target_drop_points: number;
      keep_in_float: string[];
      result: NumericVariant;
      met: boolean;
    };
  };
  /** What-if scenarios: one layer changed each, re-calibrated from the cached float activations. */
  what_if?: {
    node: string;
    change: { observer?: string; per_channel?: boolean; float?: boolean };
    result: NumericVariant;
  }[];
  timing_ms?: Record<string, number>;
}
