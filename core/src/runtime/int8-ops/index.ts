// Registry of int8 op implementations by ONNX op type (any process holding a WasmCore). prepare() asks
// `int8Support` which nodes can run in int8; the others stay float (dequantize -> float op -> quantize).
import { isDefaultDomain, type Graph, type Node } from "../../onnx/ir";
import { elementwiseInt8Ops } from "./elementwise";
import { conv2dOp, linearOp } from "./gemm";
import { flattenOp, identityOp, reshapeOp } from "./shape-ops";
import type { Int8Op } from "./types";

export const INT8_OPS: Readonly<Record<string, Int8Op>> = {
  Conv: conv2dOp,
  Gemm: linearOp,
  MatMul: linearOp,
  Flatten: flattenOp,
  Reshape: reshapeOp,
  Identity: identityOp,
  ...elementwiseInt8Ops,
};

/** Why `node` cannot run in int8, or undefined when an int8 kernel exists for it. */
export function int8Support(node: Node, graph: Graph): string | undefined {
  if (!isDefaultDomain(node.domain)) return `op ${node.domain}.${node.opType} has no int8 kernel`;
  const op = INT8_OPS[node.opType];
  if (!op) return `op ${node.opType} has no int8 kernel`;
  const floatOutputs = node.outputs.filter((o) => o);
  if (floatOutputs.length !== 1) return `${node.opType} with ${floatOutputs.length} outputs has no int8 kernel`;
  for (const i of node.inputs) {
    if (!i) continue;
    const t = graph.typeOf(i);
    if (t && t.dtype !== "float32" && !graph.isInitializer(i)) return `input '${i}' is ${t.dtype}, not float32`;
  }
  return op.support(node, graph);
}

export type { Int8Op, Int8CompileContext, CompiledInt8Op, Int8Step } from "./types";
