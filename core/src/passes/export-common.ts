// Pieces shared by the QDQ and QOperator exporters (any process, fs-free): which values are int8 in the
// converted model, and weights/biases in the float model's layout with ONNX-style quantized biases.
import { attrInt, makeTensor, type Graph, type Node, type Tensor } from "../onnx/ir";
import type { ConvertedGroup, QuantizedModel } from "./convert";

/** Int8 values the executor materializes, in graph order: quantized inputs and every group output. */
export function materializedValues(q: QuantizedModel): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (v: string) => {
    if (!seen.has(v)) {
      seen.add(v);
      out.push(v);
    }
  };
  for (const g of q.groups) {
    for (const i of g.inputs) add(i);
    add(g.output);
  }
  return out;
}

/** True when the weight is stored [K, N] in the float model (MatMul, Gemm without transB). */
export function weightIsTransposed(node: Node): boolean {
  return node.opType === "MatMul" || (node.opType === "Gemm" && attrInt(node, "transB", 0) === 0);
}

/** The int8 weight in the float model's layout, and the axis its per-channel scales run along. */
export function weightInModelLayout(group: ConvertedGroup, name: string): { tensor: Tensor; axis: number } {
  const w = group.weight!;
  const root = group.nodes[0];
  if (!weightIsTransposed(root)) return { tensor: makeTensor(name, "int8", [...w.dims], Int8Array.from(w.data)), axis: 0 };
  const [n, k] = w.dims;
  const t = new Int8Array(n * k);
  for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) t[c * n + r] = w.data[r * k + c];
  return { tensor: makeTensor(name, "int8", [k, n], t), axis: 1 };
}

/** numpy's round (half to even). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The bias quantized as ONNX Runtime does for QLinearConv/QDQ: int32 with scale inputScale * weightScale[c]
 * (float32 products) and zero point 0.
 */
export function quantizeBias(group: ConvertedGroup): { values: Int32Array; scales: Float32Array } {
  const w = group.weight!;
  const bias = group.bias!;
  const inScale = group.inputQParams[0].scale;
  const scales = new Float32Array(bias.length);
  const values = new Int32Array(bias.length);
  for (let c = 0; c < bias.length; c++) {
    scales[c] = Math.fround(inScale * w.scales[w.scales.length === 1 ? 0 : c]);
    values[c] = Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, roundHalfEven(bias[c] / scales[c])));
  }
  return { values, scales };
}

/** Adds a scalar or 1-D initializer and returns its name. */
export function addConst(graph: Graph, base: string, dtype: "float32" | "uint8" | "int8" | "int32", values: ArrayLike<number>, scalar: boolean): string {
  const name = graph.uniqueValueName(base);
  const data =
    dtype === "float32" ? Float32Array.from(values) : dtype === "uint8" ? Uint8Array.from(values) : dtype === "int8" ? Int8Array.from(values) : Int32Array.from(values);
  graph.addInitializer(makeTensor(name, dtype, scalar ? [] : [values.length], data));
  return name;
}
