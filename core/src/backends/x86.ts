// The x86 backend (PyTorch's default since 2.0: fbgemm or onednn kernels chosen per op) (any process).
import type { BackendSpec } from "./backend";
import { COMMON_PATTERNS } from "./patterns";

export const X86_BACKEND: BackendSpec = {
  engine: "x86",
  description: "x86 servers (PyTorch's default 'x86' engine): 7-bit activations, per-channel int8 weights",
  fusionPatterns: COMMON_PATTERNS,
  perChannelWeights: true,
  reduceRange: true,
};
