// QOperator export (placeholder replaced below).
import type { Model } from "../onnx/ir";
import type { QuantizedModel } from "./convert";
import { exportQdq } from "./export-qdq";
export function exportQOperator(q: QuantizedModel, source?: Pick<Model, "opsetImports" | "irVersion">): Uint8Array {
  return exportQdq(q, source);
}
