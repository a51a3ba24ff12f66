// The ONNX nodes a qconfig file can name: each top-level node's name (or its first output when unnamed, as the
// pipeline identifies nodes) and op type, decoded from the model bytes without reading any tensor data
// (any process). The checker, completion and hover use it when a model sits beside the qconfig file.
import { onnx } from "onnx-proto";
import { InputError } from "../errors";

export interface ModelNodeInfo {
  /** What `nodes` keys match: the node's name, or its first output name when the node has no name. */
  name: string;
  opType: string;
}

export interface ModelInfo {
  /** The model's file name, for messages. */
  file: string;
  nodes: ModelNodeInfo[];
}

/** Lists the graph's nodes. Throws InputError when the bytes are not an ONNX model. */
export function listModelNodes(bytes: Uint8Array, file: string): ModelInfo {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new InputError(`not an ONNX model (${e instanceof Error ? e.message : String(e)})`, file);
  }
  if (!model.graph) throw new InputError("the ONNX model has no graph", file);
  const nodes: ModelNodeInfo[] = [];
  for (const n of model.graph.node ?? []) {
    const name = n.name || n.output?.[0] || "";
    if (name && n.opType) nodes.push({ name, opType: n.opType });
  }
  return { file, nodes };
}
