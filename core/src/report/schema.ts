// The quantization report (REPORT.json) as TypeScript types, written by `quantscope quantize --report`
// and returned by the pipeline API (any process, fs-free). Documented in docs/report.md; JSON Schema in
// docs/report.schema.json. Bump REPORT_VERSION on any incompatible change.
import type { Engine } from "../backends/engine";

export const REPORT_VERSION = 1;

/** How an activation's observer was configured (PyTorch names; percentile/entropy are ORT's methods). */
export interface ReportObserver {
  /** minmax | moving_average_minmax | histogram | percentile | entropy | fixed_qparams */
  kind: string;
  dtype: "quint8" | "qint8" | "qint32";
  qscheme: string;
  reduceRange: boolean;
  quantMin: number;
  quantMax: number;
}

/** One quantized activation: where its observer sat and the qparams it produced. */
export interface ReportActivation {
  /** The ONNX value observed. */
  tensor: string;
  /** The node producing it ("" for a graph input). */
  producer_node: string;
  /** "input" (PyTorch's QuantStub) or "output" (a module's activation_post_process). */
  role: "input" | "output" | "fixed";
  observer: ReportObserver;
  /** The observed range (running min/max; the chosen range for percentile/entropy). */
  min: number;
  max: number;
  scale: number;
  zero_point: number;
  /** Values that reuse these qparams without an observer of their own (pooling, flatten, ReLU). */
  shared_with: string[];
}

/** One quantized weight. */
export interface ReportWeight {
  /** The initializer name in the float model. */
  tensor: string;
  /** The node using it. */
  node: string;
  qscheme: "per_tensor_affine" | "per_tensor_symmetric" | "per_channel_affine" | "per_channel_symmetric";
  dtype: "qint8" | "quint8";
  /** Channel axis of per-channel schemes (0: output channels). */
  axis?: number;
  scales: number[];
  zero_points: number[];
}

/** One int8 op of the converted model, in execution order. */
export interface ReportLayer {
  /** The root node's name. */
  node: string;
  /** ONNX op types of the fused nodes, root first (e.g. ["Conv", "Relu"]). */
  ops: string[];
  /** The fusion pattern applied, if any (conv_relu, linear_relu, add_relu, ...). */
  fusion?: string;
  /** PyTorch's counterpart (nni.ConvReLU2d, nnq.Linear, ...). */
  torch: string;
  output: string;
  scale: number;
  zero_point: number;
  /** Signal-to-quantization-noise ratio of the int8 output against the float model's, in dB (with eval data). */
  sqnr_db?: number;
}

export interface ReportFloatNode {
  node: string;
  op: string;
  reason: string;
}

export interface QuantizationReport {
  version: typeof REPORT_VERSION;
  backend: Engine;
  /** Model file name or label as the caller gave it. */
  model?: string;
  calibration: { samples: number; batch_size: number; batches: number };
  activations: ReportActivation[];
  weights: ReportWeight[];
  layers: ReportLayer[];
  float_nodes: ReportFloatNode[];
  /** BatchNormalization nodes folded into the preceding Conv/Gemm. */
  folded_batch_norms: { batch_norm: string; into: string }[];
  /** Top-1 accuracy in [0, 1], present when labels were given. */
  accuracy?: { float_acc: number; int8_acc: number; samples: number };
}
