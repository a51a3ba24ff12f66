// The qnnpack backend (ARM phones, XNNPACK-style kernels) (any process).
import type { BackendSpec } from "./backend";
import { COMMON_PATTERNS } from "./patterns";

export const QNNPACK_BACKEND: BackendSpec = {
  engine: "qnnpack",
  description: "ARM phones (qnnpack): full 8-bit activations, per-tensor int8 weights",
  fusionPatterns: COMMON_PATTERNS,
  perChannelWeights: false,
  reduceRange: false,
};
