// PyTorch 2.11's default qconfigs per backend (get_default_qconfig, get_default_qat_qconfig and the op-type
// entries of get_default_qconfig_mapping) expressed in the qconfig format's types (any process). Tested
// against shared/golden/qconfig_defaults.json.
import type { Backend, FixedQParams, ObserverConfig, QuantMode, ReuseInput } from "./types";

export interface BackendDefault {
  activation: Required<Pick<ObserverConfig, "observer" | "dtype" | "qscheme" | "reduceRange">> & ObserverConfig;
  weight: Required<Pick<ObserverConfig, "observer" | "dtype" | "qscheme" | "reduceRange">> & ObserverConfig;
}

/** HistogramObserver's default bin count and the moving-average observers' default averaging constant. */
export const DEFAULT_BINS = 2048;
export const DEFAULT_AVERAGING_CONSTANT = 0.01;
/** ONNX Runtime's Percentile calibration default. */
export const DEFAULT_PERCENTILE = 99.999;

/** x86 and fbgemm keep activations to 7 bits (reduce_range) so vpmaddubsw cannot saturate without VNNI; qnnpack
 * (ARM) and onednn (VNNI) use all 8. */
export function backendReducesActivationRange(backend: Backend): boolean {
  return backend === "x86" || backend === "fbgemm";
}

/** get_default_qconfig(backend) / get_default_qat_qconfig(backend) as this format's types. */
export function defaultQConfig(backend: Backend, mode: QuantMode = "ptq"): BackendDefault {
  const reduceRange = backendReducesActivationRange(backend);
  const perChannelWeights = backend !== "qnnpack";
  if (mode === "ptq") {
    return {
      activation: { observer: "histogram", dtype: "quint8", qscheme: "per_tensor_affine", reduceRange, bins: DEFAULT_BINS },
      weight: perChannelWeights
        ? { observer: "per_channel_minmax", dtype: "qint8", qscheme: "per_channel_symmetric", reduceRange: false, chAxis: 0 }
        : { observer: "minmax", dtype: "qint8", qscheme: "per_tensor_symmetric", reduceRange: false },
    };
  }
  // QAT: FusedMovingAvgObsFakeQuantize around moving-average observers, with explicit 0..255 / -128..127 ranges
  // (halved for activations by reduce_range on x86/fbgemm, as PyTorch does).
  return {
    activation: {
      observer: "moving_average_minmax",
      dtype: "quint8",
      qscheme: "per_tensor_affine",
      reduceRange,
      quantMin: 0,
      quantMax: 255,
      averagingConstant: DEFAULT_AVERAGING_CONSTANT,
    },
    weight: perChannelWeights
      ? {
          observer: "moving_average_per_channel_minmax",
          dtype: "qint8",
          qscheme: "per_channel_symmetric",
          reduceRange: false,
          quantMin: -128,
          quantMax: 127,
          chAxis: 0,
          averagingConstant: DEFAULT_AVERAGING_CONSTANT,
        }
      : {
          observer: "moving_average_minmax",
          dtype: "qint8",
          qscheme: "per_tensor_symmetric",
          reduceRange: false,
          quantMin: -128,
          quantMax: 127,
          averagingConstant: DEFAULT_AVERAGING_CONSTANT,
        },
  };
}

/** What get_default_qconfig_mapping(backend) does differently for some ONNX op types. */
export interface OpTypeDefault {
  /** Replaces the activation observer (fixed qparams, reuse input, or overrides of the default observer). */
  activation?: FixedQParams | ReuseInput | Partial<ObserverConfig>;
  /** Replaces the weight observer; null: the op's weight is not quantized. */
  weight?: Partial<ObserverConfig> | null;
  /** The PyTorch mapping keys this entry corresponds to (for the tests and for hover). */
  torchKeys: readonly string[];
}

const SIGMOID_QPARAMS: FixedQParams = { observer: "fixed_qparams", dtype: "quint8", scale: 1 / 256, zeroPoint: 0, quantMin: 0, quantMax: 255 };
const TANH_QPARAMS: FixedQParams = { observer: "fixed_qparams", dtype: "quint8", scale: 2 / 256, zeroPoint: 128, quantMin: 0, quantMax: 255 };
const PER_TENSOR_SYMMETRIC_WEIGHT: Partial<ObserverConfig> = {
  observer: "minmax",
  dtype: "qint8",
  qscheme: "per_tensor_symmetric",
  reduceRange: false,
};

/** Op-type entries of PyTorch's default qconfig mapping, keyed by ONNX op type (PTQ). */
export function defaultOpTypeConfigs(backend: Backend): Record<string, OpTypeDefault> {
  const table: Record<string, OpTypeDefault> = {
    // Output in [0, 1) or (-1, 1): the range is known, calibration would only add error. (These ops have no
    // weights; the weight entry mirrors PyTorch's mapping.)
    Sigmoid: { activation: SIGMOID_QPARAMS, weight: PER_TENSOR_SYMMETRIC_WEIGHT, torchKeys: ["torch.nn.Sigmoid", "torch.sigmoid", "'sigmoid'", "'sigmoid_'"] },
    HardSigmoid: { activation: SIGMOID_QPARAMS, weight: PER_TENSOR_SYMMETRIC_WEIGHT, torchKeys: ["torch.nn.Hardsigmoid", "F.hardsigmoid", "'hardsigmoid'", "'hardsigmoid_'"] },
    Softmax: { activation: SIGMOID_QPARAMS, weight: PER_TENSOR_SYMMETRIC_WEIGHT, torchKeys: ["torch.nn.Softmax"] },
    Tanh: { activation: TANH_QPARAMS, weight: PER_TENSOR_SYMMETRIC_WEIGHT, torchKeys: ["torch.nn.Tanh", "torch.tanh", "'tanh'", "'tanh_'"] },
    Reshape: { activation: { observer: "reuse_input" }, weight: null, torchKeys: ["'reshape'"] },
    // LayerNorm's weight stays float (PlaceholderObserver).
    LayerNormalization: { weight: null, torchKeys: ["torch.nn.LayerNorm", "F.layer_norm"] },
    // PReLU: the plain observer classes, no backend kwargs (so quint8 affine weights, full-range activations).
    PRelu: {
      activation: { observer: "histogram", dtype: "quint8", qscheme: "per_tensor_affine", reduceRange: false },
      weight: { observer: "minmax", dtype: "quint8", qscheme: "per_tensor_affine", reduceRange: false },
      torchKeys: ["torch.nn.PReLU"],
    },
  };
  // fbgemm and qnnpack cannot pack per-channel transposed-conv weights ("Per Channel Quantization is currently
  // disabled for transposed conv"); onednn can.
  if (backend !== "onednn") {
    table.ConvTranspose = {
      weight: PER_TENSOR_SYMMETRIC_WEIGHT,
      torchKeys: ["torch.nn.ConvTranspose1d/2d/3d", "torch.conv_transpose1d/2d/3d"],
    };
  }
  return table;
}
