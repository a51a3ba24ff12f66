// QOperator export: every int8 op becomes an operator on uint8 tensors (any process, fs-free): Conv ->
// QLinearConv, Gemm -> QLinearConv 1x1 between Reshapes (Linear with an int32 bias in standard ONNX), MatMul
// -> QLinearMatMul, Add/Mul -> com.microsoft QLinearAdd/QLinearMul, GlobalAveragePool/AveragePool -> com.microsoft
// QLinearGlobalAveragePool/QLinearAveragePool, MaxPool/Flatten/Reshape/Identity on uint8 directly, ReLU as
// Max(x, zero_point). Ops without a QLinear form run as DequantizeLinear -> float op -> QuantizeLinear.
import { Graph, cloneNode, makeModel, makeNode, type Attribute, type Model, type Node } from "../onnx/ir";
import { writeModel } from "../onnx/write";
import type { ConvertedGroup, QParams, QuantizedModel } from "./convert";
import { addConst, materializedValues, quantizeBias, weightInModelLayout } from "./export-common";

const MS = "com.microsoft";

class Builder {
  readonly nodes: Node[] = [];
  private readonly qnames = new Map<string, string>();
  private readonly consts = new Map<string, string>();

  constructor(
    readonly graph: Graph,
    readonly q: QuantizedModel,
  ) {}

  name(base: string): string {
    const used = new Set([...this.graph.allValueNames(), ...this.nodes.flatMap((n) => n.outputs)]);
    let candidate = base;
    for (let k = 1; used.has(candidate); k++) candidate = `${base}_${k}`;
    return candidate;
  }

  /** The uint8 value name standing for int8 value `v`. */
  quantized(v: string): string {
    let n = this.qnames.get(v);
    if (!n) this.qnames.set(v, (n = this.name(`${v}_quantized`)));
    return n;
  }

  scale(q: QParams, base: string): string {
    const key = `s:${q.scale}`;
    let n = this.consts.get(key);
    if (!n) this.consts.set(key, (n = addConst(this.graph, `${base}_scale`, "float32", [q.scale], true)));
    return n;
  }

  zeroPoint(q: QParams, base: string): string {
    const key = `z:${q.zeroPoint}`;
    let n = this.consts.get(key);
    if (!n) this.consts.set(key, (n = addConst(this.graph, `${base}_zero_point`, "uint8", [q.zeroPoint], true)));
    return n;
  }

  qp(v: string): QParams {
    return this.q.qparams.get(v)!;
  }

  add(op: string, inputs: string[], outputs: string[], attributes: Record<string, Attribute> | Map<string, Attribute> = {}, domain = ""): void {
    this.nodes.push(makeNode(op, inputs, outputs, { name: this.graph.uniqueNodeName(`${outputs[0]}_${op}`), attributes, domain }));
  }

  quantize(floatValue: string, v: string, out: string): void {
    const q = this.qp(v);
    this.add("QuantizeLinear", [floatValue, this.scale(q, v), this.zeroPoint(q, v)], [out]);
  }

  dequantize(v: string, floatOut: string): void {
    const q = this.qp(v);
    this.add("DequantizeLinear", [this.quantized(v), this.scale(q, v), this.zeroPoint(q, v)], [floatOut]);
  }
}

function attrsOf(node: Node, keep: readonly string[]): Map<string, Attribute> {
  return new Map([...node.attributes].filter(([k]) => keep.includes(k)));
}

/** ReLU on a uint8 tensor: max(x, zero_point). */
function reluInt8(b: Builder, input: string, output: string, q: QParams, base: string): void {
  b.add("Max", [input, b.zeroPoint(q, base)], [output]);
}

function emitGroup(b: Builder, g: ConvertedGroup): void {
  const root = g.nodes[0];
  const outQ = g.outputQParams;
  const out = b.quantized(g.output);
  const ins = g.inputs.map((v) => b.quantized(v));
  const inQ = g.inputQParams;
  const sc = (q: QParams, base: string) => b.scale(q, base);
  const zp = (q: QParams, base: string) => b.zeroPoint(q, base);
  // A fused ReLU is free when the output zero point is 0 (uint8 saturates at 0); otherwise clamp at zp.
  const tail = (produced: string) => {
    if (g.relu && outQ.zeroPoint !== 0) reluInt8(b, produced, out, outQ, g.output);
  };
  const target = g.relu && outQ.zeroPoint !== 0 ? b.name(`${g.output}_pre_relu`) : out;

  switch (root.opType) {
    case "MatMul": {
      // QLinearMatMul keeps any leading dims of A; B is the int8 weight in the model's [K, N] layout.
      const w = g.weight!;
      const perChannel = w.scales.length > 1;
      const { tensor } = weightInModelLayout(g, b.graph.uniqueValueName(`${w.tensor}_quantized`));
      b.graph.addInitializer(tensor);
      const wScale = addConst(b.graph, `${w.tensor}_scale`, "float32", w.scales, !perChannel);
      const wZp = addConst(b.graph, `${w.tensor}_zero_point`, "int8", w.zeroPoints, !perChannel);
      b.add("QLinearMatMul", [ins[0], sc(inQ[0], g.inputs[0]), zp(inQ[0], g.inputs[0]), tensor.name, wScale, wZp, sc(outQ, g.output), zp(outQ, g.output)], [target]);
      tail(target);
      return;
    }
    case "Conv":
    case "Gemm": {
      const w = g.weight!;
      const perChannel = w.scales.length > 1;
      const linear = root.opType === "Gemm";
      const wName = b.graph.uniqueValueName(`${w.tensor}_quantized`);
      b.graph.addInitializer({ name: wName, dtype: "int8", dims: linear ? [...w.dims, 1, 1] : [...w.dims], data: Int8Array.from(w.data) });
      const wScale = addConst(b.graph, `${w.tensor}_scale`, "float32", w.scales, !perChannel);
      const wZp = addConst(b.graph, `${w.tensor}_zero_point`, "int8", w.zeroPoints, !perChannel);
      const inputs = [linear ? b.name(`${g.inputs[0]}_as_nchw`) : ins[0], sc(inQ[0], g.inputs[0]), zp(inQ[0], g.inputs[0]), wName, wScale, wZp, sc(outQ, g.output), zp(outQ, g.output)];
      if (g.bias) inputs.push(addConst(b.graph, `${g.id}_bias_quantized`, "int32", quantizeBias(g).values, false));
      if (!linear) {
        b.add("QLinearConv", inputs, [target], attrsOf(root, ["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"]));
      } else {
        // Linear as a 1x1 convolution: [M, K] -> [M, K, 1, 1] -> QLinearConv -> [M, N].
        const [n, k] = w.dims;
        const shapeIn = b.graph.uniqueValueName(`${g.id}_nchw_shape`);
        b.graph.addInitializer({ name: shapeIn, dtype: "int64", dims: [4], data: BigInt64Array.from([-1n, BigInt(k), 1n, 1n]) });
        const shapeOut = b.graph.uniqueValueName(`${g.id}_rows_shape`);
        b.graph.addInitializer({ name: shapeOut, dtype: "int64", dims: [2], data: BigInt64Array.from([-1n, BigInt(n)]) });
        b.add("Reshape", [ins[0], shapeIn], [inputs[0]]);
        const convOut = b.name(`${g.output}_nchw`);
        b.add("QLinearConv", inputs, [convOut], { kernel_shape: { type: "ints", value: [1, 1] } });
        b.add("Reshape", [convOut, shapeOut], [target]);
      }
      tail(target);
      return;
    }
    case "Add":
    case "Mul":
      b.add(
        root.opType === "Add" ? "QLinearAdd" : "QLinearMul",
        [ins[0], sc(inQ[0], g.inputs[0]), zp(inQ[0], g.inputs[0]), ins[1], sc(inQ[1], g.inputs[1]), zp(inQ[1], g.inputs[1]), sc(outQ, g.output), zp(outQ, g.output)],
        [target],
        {},
        MS,
      );
      tail(target);
      return;
    case "Relu":
      reluInt8(b, ins[0], out, outQ, g.output);
      return;
    case "GlobalAveragePool":
      b.add("QLinearGlobalAveragePool", [ins[0], sc(inQ[0], g.inputs[0]), zp(inQ[0], g.inputs[0]), sc(outQ, g.output), zp(outQ, g.output)], [out], { channels_last: { type: "int", value: 0 } }, MS);
      return;
    case "AveragePool":
      b.add(
        "QLinearAveragePool",
        [ins[0], sc(inQ[0], g.inputs[0]), zp(inQ[0], g.inputs[0]), sc(outQ, g.output), zp(outQ, g.output)],
        [out],
        attrsOf(root, ["auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"]),
        MS,
      );
      return;
    case "MaxPool":
    case "Flatten":
    case "Identity":
      b.add(root.opType, [ins[0]], [out], root.attributes);
      return;
    case "Reshape":
      b.add("Reshape", [ins[0], root.inputs[1]], [out], root.attributes);
      return;
    default: {
      // DequantizeLinear -> the float nodes -> QuantizeLinear.
      const floatIns = g.inputs.map((v) => {
        const f = b.name(`${v}_dequantized`);
        const q = b.qp(v);
        b.add("DequantizeLinear", [b.quantized(v), b.scale(q, v), b.zeroPoint(q, v)], [f]);
        return f;
      });
      const rename = new Map(g.inputs.map((v, i) => [v, floatIns[i]]));
      for (const n of g.nodes) {
        const c = cloneNode(n);
        c.inputs = c.inputs.map((i) => rename.get(i) ?? i);
        c.outputs = c.outputs.map((o) => {
          const fresh = b.name(`${o}_float`);
          rename.set(o, fresh);
          return fresh;
        });
        b.nodes.push(c);
      }
      b.quantize(rename.get(g.output)!, g.output, out);
    }
  }
}

/** The QOperator model as IR. */
export function buildQOperatorModel(q: QuantizedModel, source?: Pick<Model, "opsetImports" | "irVersion">): Model {
  const src = q.plan.graph;
  const graph = new Graph({ name: src.name, inputs: src.inputs.map((i) => ({ ...i })), outputs: src.outputs.map((o) => ({ ...o })), docString: src.docString });
  for (const [k, t] of src.initializers) graph.initializers.set(k, t);
  const b = new Builder(graph, q);
  const groupOf = new Map(q.groups.map((g) => [g.nodes[0], g]));
  const fusedTail = new Set(q.groups.flatMap((g) => g.nodes.slice(1)));
  const int8 = new Set(materializedValues(q));
  const quantizedFloat = new Set<string>();
  const dequantizedInt8 = new Set<string>();
  const producedInInt8 = (v: string) => q.groups.some((g) => g.output === v);

  for (const node of src.nodes) {
    if (fusedTail.has(node)) continue;
    const g = groupOf.get(node);
    if (g) {
      for (const v of g.inputs) {
        if (!producedInInt8(v) && !quantizedFloat.has(v)) {
          b.quantize(v, v, b.quantized(v));
          quantizedFloat.add(v);
        }
      }
      emitGroup(b, g);
      continue;
    }
    for (const v of node.inputs) {
      if (v && producedInInt8(v) && !dequantizedInt8.has(v)) {
        b.dequantize(v, v);
        dequantizedInt8.add(v);
      }
    }
    b.nodes.push(cloneNode(node));
  }
  for (const o of src.outputs) {
    if (int8.has(o.name) && producedInInt8(o.name) && !dequantizedInt8.has(o.name)) b.dequantize(o.name, o.name);
  }
  graph.nodes = b.nodes;
  // Float weights the int8 ops replaced are now unused.
  graph.removeUnused();
  graph.sortTopologically();
  const opset = Math.max(13, source?.opsetImports.find((o) => o.domain === "" || o.domain === "ai.onnx")?.version ?? 17);
  const usesMs = graph.nodes.some((n) => n.domain === MS);
  return makeModel(graph, {
    irVersion: Math.max(source?.irVersion ?? 8, 7),
    opsetImports: usesMs ? [{ domain: "", version: opset }, { domain: MS, version: 1 }] : [{ domain: "", version: opset }],
    producerName: "quantscope",
    docString: `QOperator int8 model quantized by quantscope for backend ${q.plan.backend.engine}`,
  });
}

export function exportQOperator(q: QuantizedModel, source?: Pick<Model, "opsetImports" | "irVersion">): Uint8Array {
  return writeModel(buildQOperatorModel(q, source));
}
