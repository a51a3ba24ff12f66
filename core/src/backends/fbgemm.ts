// The fbgemm backend (x86 servers without VNNI; PyTorch's default before 2.0) (any process).
import type { BackendSpec } from "./backend";
import { COMMON_PATTERNS } from "./patterns";

export const FBGEMM_BACKEND: BackendSpec = {
  engine: "fbgemm",
  description: "x86 servers with fbgemm kernels: 7-bit activations, per-channel int8 weights",
  fusionPatterns: COMMON_PATTERNS,
  perChannelWeights: true,
  reduceRange: true,
};
