// What PyTorch's eager and FX quantization do with each module type and op: default convert mappings,
// fusion patterns, ops with and without quantized kernels (any process). Names are the short class names
// of torch.nn / torch.ao.nn modules after alias resolution (see names.ts).

/**
 * Float module types that `convert` swaps for a quantized module when they carry a qconfig (PyTorch's
 * DEFAULT_STATIC_QUANT_MODULE_MAPPINGS), with the class they become. A swapped module needs a quantized
 * input and produces a quantized output.
 */
export const STATIC_QUANT_MAPPINGS: Record<string, string> = {
  Linear: "torch.ao.nn.quantized.Linear",
  NonDynamicallyQuantizableLinear: "torch.ao.nn.quantized.Linear",
  Conv1d: "torch.ao.nn.quantized.Conv1d",
  Conv2d: "torch.ao.nn.quantized.Conv2d",
  Conv3d: "torch.ao.nn.quantized.Conv3d",
  ConvTranspose1d: "torch.ao.nn.quantized.ConvTranspose1d",
  ConvTranspose2d: "torch.ao.nn.quantized.ConvTranspose2d",
  ConvTranspose3d: "torch.ao.nn.quantized.ConvTranspose3d",
  BatchNorm2d: "torch.ao.nn.quantized.BatchNorm2d",
  BatchNorm3d: "torch.ao.nn.quantized.BatchNorm3d",
  LayerNorm: "torch.ao.nn.quantized.LayerNorm",
  GroupNorm: "torch.ao.nn.quantized.GroupNorm",
  InstanceNorm1d: "torch.ao.nn.quantized.InstanceNorm1d",
  InstanceNorm2d: "torch.ao.nn.quantized.InstanceNorm2d",
  InstanceNorm3d: "torch.ao.nn.quantized.InstanceNorm3d",
  Embedding: "torch.ao.nn.quantized.Embedding",
  EmbeddingBag: "torch.ao.nn.quantized.EmbeddingBag",
  // Fused (intrinsic) modules made by fuse_modules and their QAT versions.
  ConvReLU1d: "torch.ao.nn.intrinsic.quantized.ConvReLU1d",
  ConvReLU2d: "torch.ao.nn.intrinsic.quantized.ConvReLU2d",
  ConvReLU3d: "torch.ao.nn.intrinsic.quantized.ConvReLU3d",
  LinearReLU: "torch.ao.nn.intrinsic.quantized.LinearReLU",
  BNReLU2d: "torch.ao.nn.intrinsic.quantized.BNReLU2d",
  BNReLU3d: "torch.ao.nn.intrinsic.quantized.BNReLU3d",
  ConvBn1d: "torch.ao.nn.quantized.Conv1d",
  ConvBn2d: "torch.ao.nn.quantized.Conv2d",
  ConvBn3d: "torch.ao.nn.quantized.Conv3d",
  ConvBnReLU1d: "torch.ao.nn.intrinsic.quantized.ConvReLU1d",
  ConvBnReLU2d: "torch.ao.nn.intrinsic.quantized.ConvReLU2d",
  ConvBnReLU3d: "torch.ao.nn.intrinsic.quantized.ConvReLU3d",
  LinearBn1d: "torch.ao.nn.quantized.Linear",
};

/**
 * Activation modules that are also in the static mapping but whose float versions run on quantized
 * tensors too (their aten ops have QuantizedCPU kernels): they work either way.
 */
export const QUANT_TRANSPARENT_MAPPED = new Set(["ReLU6", "Hardswish", "ELU", "LeakyReLU", "Dropout", "PReLU"]);

/** torch.nn modules that run unchanged on float and on quantized tensors, and are never swapped. */
export const QUANT_TRANSPARENT_MODULES = new Set([
  "ReLU",
  "Identity",
  "Flatten",
  "Unflatten",
  "MaxPool1d",
  "MaxPool2d",
  "MaxPool3d",
  "AvgPool1d",
  "AvgPool2d",
  "AvgPool3d",
  "AdaptiveAvgPool1d",
  "AdaptiveAvgPool2d",
  "AdaptiveAvgPool3d",
  "AdaptiveMaxPool1d",
  "AdaptiveMaxPool2d",
  "Hardtanh",
  "Sigmoid",
  "Tanh",
  "Hardsigmoid",
  "Upsample",
  "UpsamplingNearest2d",
  "UpsamplingBilinear2d",
  "PixelShuffle",
  "Dropout1d",
  "Dropout2d",
  "Dropout3d",
  "AlphaDropout",
  "GELU",
  "ChannelShuffle",
]);

/**
 * torch.nn modules with no quantized kernel for their op: a quantized input fails with "Could not run
 * 'aten::...' with arguments from the 'QuantizedCPU' backend" (or a dtype mismatch for matmul-based ones).
 * The mapped types (Linear, Conv, norms...) join this list when their qconfig is None.
 */
export const FLOAT_ONLY_MODULES = new Set([
  "BatchNorm1d",
  "LSTM",
  "GRU",
  "RNN",
  "LSTMCell",
  "GRUCell",
  "RNNCell",
  "MultiheadAttention",
  "Bilinear",
]);

/** Loss modules: they need float inputs. */
export const LOSS_MODULES = new Set([
  "CrossEntropyLoss",
  "MSELoss",
  "L1Loss",
  "NLLLoss",
  "BCELoss",
  "BCEWithLogitsLoss",
  "SmoothL1Loss",
  "HuberLoss",
  "KLDivLoss",
  "CosineEmbeddingLoss",
  "MarginRankingLoss",
  "TripletMarginLoss",
]);

/** torch / torch.nn.functional / Tensor ops that run on quantized tensors and return quantized tensors. */
export const QUANT_OK_OPS = new Set([
  "relu",
  "relu_",
  "relu6",
  "hardtanh",
  "hardswish",
  "hardsigmoid",
  "leaky_relu",
  "elu",
  "sigmoid",
  "tanh",
  "gelu",
  "clamp",
  "clip",
  "max_pool1d",
  "max_pool2d",
  "max_pool3d",
  "avg_pool1d",
  "avg_pool2d",
  "avg_pool3d",
  "adaptive_avg_pool1d",
  "adaptive_avg_pool2d",
  "adaptive_avg_pool3d",
  "adaptive_max_pool2d",
  "interpolate",
  "upsample",
  "upsample_nearest",
  "upsample_bilinear",
  "pixel_shuffle",
  "flatten",
  "view",
  "reshape",
  "view_as",
  "reshape_as",
  "mean",
  "transpose",
  "permute",
  "contiguous",
  "squeeze",
  "unsqueeze",
  "chunk",
  "split",
  "narrow",
  "select",
  "expand",
  "expand_as",
  "repeat",
  "flip",
  "detach",
  "clone",
  "topk",
  "sort",
  "dropout",
  "max",
  "min",
  "t",
]);

/** Ops that have no quantized kernel: on a quantized tensor they raise NotImplementedError. */
export const QUANT_FAILING_OPS = new Set([
  "add",
  "add_",
  "sub",
  "sub_",
  "mul",
  "mul_",
  "div",
  "div_",
  "matmul",
  "mm",
  "bmm",
  "einsum",
  "exp",
  "log",
  "sqrt",
  "rsqrt",
  "pow",
  "linear",
  "conv1d",
  "conv2d",
  "conv3d",
  "layer_norm",
  "batch_norm",
  "group_norm",
  "sum",
  "softmax",
  "log_softmax",
]);

/**
 * Ops that are very likely to fail on quantized tensors too, reported as warnings because their quantized
 * support has varied between releases.
 */
export const QUANT_LIKELY_FAILING_OPS = new Set(["silu", "softplus", "cumsum", "prod", "var", "std", "norm"]);

/** Loss functions of torch.nn.functional. */
export const FUNCTIONAL_LOSSES = new Set([
  "cross_entropy",
  "mse_loss",
  "l1_loss",
  "nll_loss",
  "binary_cross_entropy",
  "binary_cross_entropy_with_logits",
  "smooth_l1_loss",
  "huber_loss",
  "kl_div",
]);

/** FloatFunctional methods and the functional op each stands for. */
export const FLOAT_FUNCTIONAL_METHODS = new Set(["add", "add_scalar", "mul", "mul_scalar", "cat", "add_relu", "matmul"]);

/**
 * Patterns `fuse_modules` accepts (PyTorch's _DEFAULT_OP_LIST_TO_FUSER_METHOD), with what the first
 * module becomes: in eval (PTQ) fusion and in training (QAT) fusion.
 */
export interface FusionPattern {
  types: string[];
  eval: string;
  qat: string;
  /** conv+bn / linear+bn fold the batch norm: fuse_modules (not _qat) asserts eval mode. */
  foldsBatchNorm: boolean;
}

export const FUSION_PATTERNS: FusionPattern[] = [
  { types: ["Conv1d", "BatchNorm1d"], eval: "Conv1d", qat: "ConvBn1d", foldsBatchNorm: true },
  { types: ["Conv1d", "BatchNorm1d", "ReLU"], eval: "ConvReLU1d", qat: "ConvBnReLU1d", foldsBatchNorm: true },
  { types: ["Conv2d", "BatchNorm2d"], eval: "Conv2d", qat: "ConvBn2d", foldsBatchNorm: true },
  { types: ["Conv2d", "BatchNorm2d", "ReLU"], eval: "ConvReLU2d", qat: "ConvBnReLU2d", foldsBatchNorm: true },
  { types: ["Conv3d", "BatchNorm3d"], eval: "Conv3d", qat: "ConvBn3d", foldsBatchNorm: true },
  { types: ["Conv3d", "BatchNorm3d", "ReLU"], eval: "ConvReLU3d", qat: "ConvBnReLU3d", foldsBatchNorm: true },
  { types: ["Conv1d", "ReLU"], eval: "ConvReLU1d", qat: "ConvReLU1d", foldsBatchNorm: false },
  { types: ["Conv2d", "ReLU"], eval: "ConvReLU2d", qat: "ConvReLU2d", foldsBatchNorm: false },
  { types: ["Conv3d", "ReLU"], eval: "ConvReLU3d", qat: "ConvReLU3d", foldsBatchNorm: false },
  { types: ["Linear", "BatchNorm1d"], eval: "Linear", qat: "LinearBn1d", foldsBatchNorm: true },
  { types: ["Linear", "ReLU"], eval: "LinearReLU", qat: "LinearReLU", foldsBatchNorm: false },
  { types: ["BatchNorm2d", "ReLU"], eval: "BNReLU2d", qat: "BNReLU2d", foldsBatchNorm: false },
  { types: ["BatchNorm3d", "ReLU"], eval: "BNReLU3d", qat: "BNReLU3d", foldsBatchNorm: false },
  { types: ["ConvTranspose1d", "BatchNorm1d"], eval: "ConvTranspose1d", qat: "ConvTranspose1d", foldsBatchNorm: true },
  { types: ["ConvTranspose2d", "BatchNorm2d"], eval: "ConvTranspose2d", qat: "ConvTranspose2d", foldsBatchNorm: true },
  { types: ["ConvTranspose3d", "BatchNorm3d"], eval: "ConvTranspose3d", qat: "ConvTranspose3d", foldsBatchNorm: true },
];

export function findFusionPattern(types: string[]): FusionPattern | undefined {
  return FUSION_PATTERNS.find((p) => p.types.length === types.length && p.types.every((t, i) => t === types[i]));
}

/** Modules dynamic quantization swaps by default (quantize_dynamic with no qconfig_spec). */
export const DYNAMIC_DEFAULT_TYPES = new Set(["Linear", "LSTM", "GRU", "LSTMCell", "RNNCell", "GRUCell"]);

/** Backends whose int8 kernels overflow with a full 8-bit activation range on CPUs without VNNI. */
export const X86_LIKE_BACKENDS = new Set(["x86", "fbgemm"]);
