// Weight comparison per int8 layer (any process, fs-free): each quantized weight, dequantized as PyTorch's
// Tensor.dequantize does ((q - zero_point) * scale in float32), against the float weight it came from:
// SQNR (torch.ao.ns compare_weights), MSE, max abs error and cosine similarity, overall and per output
// channel.
import type { ConvertedGroup, QuantizedModel, QuantizedWeight } from "../passes/convert";
import { errorMetrics, perChannelMetrics, type ErrorMetrics } from "./metrics";

export interface WeightComparison {
  /** The int8 layer (its root node). */
  node: string;
  /** The float initializer. */
  tensor: string;
  qscheme: QuantizedWeight["qscheme"];
  /** PyTorch layout: Conv [OC, C/g, KH, KW], Linear [N, K]. */
  shape: number[];
  metrics: ErrorMetrics;
  /** One entry per output channel (axis 0). */
  per_channel: ErrorMetrics[];
}

/** The dequantized weight in the same layout as `w.float`. */
export function dequantizeWeight(w: QuantizedWeight): Float32Array {
  const out = new Float32Array(w.data.length);
  const perChannel = w.scales.length > 1 || w.axis !== undefined;
  const inner = perChannel ? w.data.length / w.dims[0] : w.data.length;
  for (let i = 0; i < w.data.length; i++) {
    const c = perChannel ? Math.floor(i / inner) : 0;
    out[i] = Math.fround(w.data[i] - w.zeroPoints[c]) * w.scales[c];
  }
  return out;
}

export function compareWeight(group: ConvertedGroup): WeightComparison | undefined {
  const w = group.weight;
  if (!w) return undefined;
  const deq = dequantizeWeight(w);
  return {
    node: group.id,
    tensor: w.tensor,
    qscheme: w.qscheme,
    shape: [...w.dims],
    metrics: errorMetrics(w.float, deq),
    per_channel: perChannelMetrics(w.float, deq, w.dims, 0),
  };
}

/** Every quantized weight of the model, in layer order. */
export function compareWeights(model: QuantizedModel): WeightComparison[] {
  return model.groups.map(compareWeight).filter((c): c is WeightComparison => c !== undefined);
}
