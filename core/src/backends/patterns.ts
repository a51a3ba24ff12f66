// Fusion patterns shared by the four backends, written against ONNX op types (any process, fs-free).
// They follow PyTorch's eager fuser mappings (torch/ao/quantization/fuser_method_mappings.py) and the
// backend configs of torch/ao/quantization/backend_config: what PyTorch fuses into one quantized module
// before observers are inserted, so that observer placement and integer execution match PyTorch's.

/** How a fused group is observed, in PyTorch's terms. */
export type OutputObservation =
  /** The group ends in its own observer (ConvReLU2d, LinearReLU, Conv2d, Linear, Hardswish, add, cat). */
  | "own"
  /** The output reuses the input's qparams (pooling, flatten, reshape, standalone ReLU). */
  | "inherit"
  /** The output's qparams are fixed by the math (sigmoid, tanh, softmax). */
  | "fixed";

export interface FusionPattern {
  /** Stable name used in reports and docs, e.g. "conv_relu". */
  name: string;
  /** The op chain, root first; each later op consumes the previous op's only output. */
  ops: readonly string[];
  /**
   * Where PyTorch's observer sits for the fused group: at the end of the chain ("last") for fused
   * modules such as ConvReLU2d, or after the root ("root") when the trailing op is a separate
   * quantized op that keeps its input's qparams (eager-mode add followed by nn.ReLU).
   */
  observeAt: "last" | "root";
  /** The PyTorch module or function this group becomes after convert (for reports and docs). */
  torchEquivalent: string;
}

/** Conv/Linear + ReLU: PyTorch fuses these into ConvReLU2d / LinearReLU with one output observer. */
export const CONV_RELU: FusionPattern = { name: "conv_relu", ops: ["Conv", "Relu"], observeAt: "last", torchEquivalent: "nni.ConvReLU2d" };
export const GEMM_RELU: FusionPattern = { name: "linear_relu", ops: ["Gemm", "Relu"], observeAt: "last", torchEquivalent: "nni.LinearReLU" };
export const MATMUL_RELU: FusionPattern = {
  name: "linear_relu",
  ops: ["MatMul", "Relu"],
  observeAt: "last",
  torchEquivalent: "nni.LinearReLU",
};
/**
 * Add + ReLU. In eager mode the add is a FloatFunctional with its own observer and the ReLU is a separate
 * quantized ReLU that keeps the add's qparams: observing the add's output and clamping at the zero point
 * gives the same integers as quantized::add_relu with those qparams, so the pair runs as one add_relu
 * kernel while the observer stays where PyTorch puts it.
 */
export const ADD_RELU: FusionPattern = { name: "add_relu", ops: ["Add", "Relu"], observeAt: "root", torchEquivalent: "quantized::add_relu" };
export const MUL_RELU: FusionPattern = { name: "mul_relu", ops: ["Mul", "Relu"], observeAt: "root", torchEquivalent: "quantized::mul_relu" };

/** BatchNormalization is folded into the preceding Conv or Gemm before fusion (fuse_conv_bn_eval). */
export const BN_FOLD_ROOTS: readonly string[] = ["Conv", "Gemm"];

/** Fusion patterns every backend supports, longest first (the matcher takes the first that fits). */
export const COMMON_PATTERNS: readonly FusionPattern[] = [CONV_RELU, GEMM_RELU, MATMUL_RELU, ADD_RELU, MUL_RELU];

/** How each quantizable ONNX op type is observed when it is not part of a fused group. */
export const OP_OBSERVATION: Readonly<Record<string, { observation: OutputObservation; torchEquivalent: string }>> = {
  Conv: { observation: "own", torchEquivalent: "nnq.Conv2d" },
  Gemm: { observation: "own", torchEquivalent: "nnq.Linear" },
  MatMul: { observation: "own", torchEquivalent: "nnq.Linear" },
  Add: { observation: "own", torchEquivalent: "FloatFunctional.add" },
  Mul: { observation: "own", torchEquivalent: "FloatFunctional.mul" },
  Concat: { observation: "own", torchEquivalent: "FloatFunctional.cat" },
  HardSwish: { observation: "own", torchEquivalent: "nnq.Hardswish" },
  Relu: { observation: "inherit", torchEquivalent: "nn.ReLU (quantized relu)" },
  Clip: { observation: "inherit", torchEquivalent: "nn.ReLU6 / nn.Hardtanh (quantized clamp)" },
  MaxPool: { observation: "inherit", torchEquivalent: "nn.MaxPool2d" },
  AveragePool: { observation: "inherit", torchEquivalent: "nn.AvgPool2d" },
  GlobalAveragePool: { observation: "inherit", torchEquivalent: "nn.AdaptiveAvgPool2d(1)" },
  Flatten: { observation: "inherit", torchEquivalent: "torch.flatten" },
  Reshape: { observation: "inherit", torchEquivalent: "Tensor.reshape" },
  Identity: { observation: "inherit", torchEquivalent: "nn.Identity" },
  Sigmoid: { observation: "fixed", torchEquivalent: "nnq.Sigmoid (scale 1/256, zero point 0)" },
  Tanh: { observation: "fixed", torchEquivalent: "nnq.Tanh (scale 2/256, zero point 128)" },
};
