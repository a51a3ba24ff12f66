// The onednn backend (x86 with VNNI / AMX through oneDNN) (any process).
import type { BackendSpec } from "./backend";
import { COMMON_PATTERNS } from "./patterns";

export const ONEDNN_BACKEND: BackendSpec = {
  engine: "onednn",
  description: "x86 servers with VNNI (oneDNN): full 8-bit activations, per-channel int8 weights",
  fusionPatterns: COMMON_PATTERNS,
  perChannelWeights: true,
  reduceRange: false,
};
