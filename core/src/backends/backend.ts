// What distinguishes one quantized backend from another for the model pipeline (any process, fs-free):
// its engine id for the int8 kernels, its fusion patterns, and the shape of its default qconfig.
import type { Engine } from "./engine";
import type { FusionPattern } from "./patterns";

export interface BackendSpec {
  engine: Engine;
  /** One line for help texts and reports. */
  description: string;
  /** Fusion patterns tried in order at every candidate root node. */
  fusionPatterns: readonly FusionPattern[];
  /** Default weight quantization: per-channel symmetric (x86, fbgemm, onednn) or per-tensor (qnnpack). */
  perChannelWeights: boolean;
  /** Default activation observers use 7 bits (0..127) so int16 accumulation in vpmaddubsw cannot saturate. */
  reduceRange: boolean;
}
