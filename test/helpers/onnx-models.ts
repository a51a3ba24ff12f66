// Test helper: builds small ONNX models through the IR (single ops or short chains) with deterministic
// random data, for comparing the float executor with ONNX Runtime and for reader/writer tests (test process).
import { Graph, makeModel, makeNode, float32Tensor, int64Tensor, type Attribute, type Model, type Tensor } from "../../core/src/onnx/ir";

/** Deterministic xorshift32 generator. */
export function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  return {
    next,
    /** Uniform in [lo, hi). */
    uniform: (lo: number, hi: number) => lo + (hi - lo) * next(),
    floats: (n: number, lo = -2, hi = 2) => Float32Array.from({ length: n }, () => lo + (hi - lo) * next()),
    /** Uniform integer in [lo, hi]. */
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
  };
}

export function count(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export const attr = {
  int: (value: number): Attribute => ({ type: "int", value }),
  float: (value: number): Attribute => ({ type: "float", value }),
  ints: (value: number[]): Attribute => ({ type: "ints", value }),
  string: (value: string): Attribute => ({ type: "string", value }),
  tensor: (value: Tensor): Attribute => ({ type: "tensor", value }),
};

export interface ChainNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, Attribute>;
}

/** A model with float32 runtime inputs, initializers and nodes; outputs are typed float32 unless given. */
export function buildModel(spec: {
  inputs: Record<string, (number | string)[]>;
  initializers?: Tensor[];
  nodes: ChainNode[];
  outputs: string[];
  opset?: number;
}): Model {
  const g = new Graph({ name: "test" });
  for (const [name, shape] of Object.entries(spec.inputs)) g.inputs.push({ name, type: { dtype: "float32", shape } });
  for (const t of spec.initializers ?? []) g.addInitializer(t);
  spec.nodes.forEach((n, i) =>
    g.addNode(makeNode(n.op, n.inputs, n.outputs, { name: `${n.op.toLowerCase()}_${i}`, attributes: n.attributes })),
  );
  for (const o of spec.outputs) g.outputs.push({ name: o, type: { dtype: "float32" } });
  return makeModel(g, { opsetImports: [{ domain: "", version: spec.opset ?? 17 }] });
}

/** One node `op` reading runtime input X (shape) and random float initializers. */
export function singleOp(
  op: string,
  x: number[],
  params: Record<string, number[] | Tensor>,
  attributes: Record<string, Attribute> = {},
  seed = 7,
): Model {
  const r = rng(seed);
  const inits: Tensor[] = [];
  const names = ["X"];
  for (const [name, p] of Object.entries(params)) {
    if (Array.isArray(p)) inits.push(float32Tensor(name, p, r.floats(count(p), -1, 1)));
    else inits.push({ ...p, name });
    names.push(name);
  }
  return buildModel({ inputs: { X: x }, initializers: inits, nodes: [{ op, inputs: names, outputs: ["Y"], attributes }], outputs: ["Y"] });
}

/** torch.onnx.export's dynamic flatten of X to [N, -1]: Shape -> Gather(0) -> Unsqueeze -> Concat(-1) -> Reshape. */
export function dynamicFlattenModel(inputShape: (number | string)[]): Model {
  return buildModel({
    inputs: { X: inputShape },
    initializers: [int64Tensor("zero", [], [0]), int64Tensor("axes0", [1], [0]), int64Tensor("minus1", [1], [-1])],
    nodes: [
      { op: "Shape", inputs: ["X"], outputs: ["shape"] },
      { op: "Gather", inputs: ["shape", "zero"], outputs: ["n"], attributes: { axis: attr.int(0) } },
      { op: "Unsqueeze", inputs: ["n", "axes0"], outputs: ["n1"] },
      { op: "Concat", inputs: ["n1", "minus1"], outputs: ["target"], attributes: { axis: attr.int(0) } },
      { op: "Reshape", inputs: ["X", "target"], outputs: ["Y"] },
    ],
    outputs: ["Y"],
  });
}
