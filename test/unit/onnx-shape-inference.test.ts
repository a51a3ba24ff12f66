// Static shape inference and constant folding (test process): window arithmetic for Conv and the pools
// (pads, auto_pad, ceil mode, dilation), Reshape/Flatten/Gemm/MatMul rules, torch's shape patterns folded
// to constants, every MobileNetV2 shape, and one-line errors for shape mismatches.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { inferShapes } from "../../core/src/onnx/shape-inference";
import { readModelFile } from "../../core/src/node/read-model";
import { int64Tensor, tensorToNumbers, type Tensor } from "../../core/src/onnx/ir";
import { InputError } from "../../core/src/errors";
import { attr, dynamicFlattenModel, singleOp } from "../helpers/onnx-models";
import { sharedPath } from "../helpers/shared";

type Attrs = Parameters<typeof singleOp>[3];

/** Infers Y's shape for a one-node model over X. */
function check(op: string, x: number[], params: Record<string, number[] | Tensor>, attributes: Attrs, expected: number[]): void {
  const m = singleOp(op, x, params, attributes);
  const { types } = inferShapes(m.graph, { X: x });
  assert.deepEqual(types.get("Y")?.shape, expected, `${op} ${JSON.stringify(attributes)}`);
}

function checkError(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${e}`);
    assert.equal(e.message.split("\n").length, 1);
    assert.match(e.message, pattern);
    return true;
  });
}

test("Conv output sizes: pads, strides, dilation, groups, auto_pad", () => {
  check("Conv", [1, 3, 224, 224], { W: [32, 3, 3, 3] }, { strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]) }, [1, 32, 112, 112]);
  check("Conv", [2, 8, 10, 9], { W: [8, 1, 3, 3] }, { group: attr.int(8), dilations: attr.ints([2, 2]) }, [2, 8, 6, 5]);
  check("Conv", [1, 3, 11, 10], { W: [4, 3, 3, 3] }, { auto_pad: attr.string("SAME_UPPER"), strides: attr.ints([2, 2]) }, [1, 4, 6, 5]);
  check("Conv", [1, 3, 11, 10], { W: [4, 3, 3, 3] }, { auto_pad: attr.string("SAME_LOWER") }, [1, 4, 11, 10]);
  check("Conv", [1, 3, 11, 10], { W: [4, 3, 3, 3] }, { auto_pad: attr.string("VALID") }, [1, 4, 9, 8]);
  check("Conv", [4, 3, 17], { W: [5, 3, 4] }, { strides: attr.ints([3]) }, [4, 5, 5]);
});

test("pool output sizes: floor and ceil mode, the ceil-mode start rule", () => {
  check("MaxPool", [1, 2, 8, 9], {}, { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) }, [1, 2, 4, 4]);
  check("MaxPool", [1, 2, 8, 9], {}, { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]), ceil_mode: attr.int(1) }, [1, 2, 4, 5]);
  // With pad 1 and ceil mode, a last window starting in the right padding is dropped (PyTorch rule).
  check("AveragePool", [1, 1, 5, 5], {}, { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]), ceil_mode: attr.int(1) }, [1, 1, 3, 3]);
  check("GlobalAveragePool", [3, 7, 5, 5], {}, {}, [3, 7, 1, 1]);
});

test("Gemm, MatMul, Flatten, Reshape, Transpose, Concat and broadcasting", () => {
  check("Gemm", [8, 64], { W: [10, 64], B: [10] }, { transB: attr.int(1) }, [8, 10]);
  check("MatMul", [2, 1, 3, 4], { W: [5, 4, 6] }, {}, [2, 5, 3, 6]);
  check("MatMul", [4], { W: [4, 6] }, {}, [6]);
  check("Flatten", [2, 3, 4, 5], {}, { axis: attr.int(-1) }, [24, 5]);
  check("Reshape", [2, 3, 4], { S: int64Tensor("S", [3], [0, -1, 2]) }, {}, [2, 6, 2]);
  check("Transpose", [2, 3, 4], {}, { perm: attr.ints([2, 0, 1]) }, [4, 2, 3]);
  check("Concat", [2, 3], { A: [2, 5] }, { axis: attr.int(-1) }, [2, 8]);
  check("Add", [2, 1, 4], { B: [3, 1] }, {}, [2, 3, 4]);
});

test("torch's Shape -> Gather -> Unsqueeze -> Concat chain folds to a constant", () => {
  const m = dynamicFlattenModel(["N", 4, 2, 2]);
  const r = inferShapes(m.graph, { X: [7, 4, 2, 2] });
  assert.deepEqual(tensorToNumbers(r.constants.get("target")!), [7, -1]);
  assert.deepEqual(r.types.get("Y")?.shape, [7, 16]);
  assert.deepEqual([...r.folded].map((n) => n.opType), ["Shape", "Gather", "Unsqueeze", "Concat"]);
});

test("MobileNetV2: every value gets a shape, Identity weights fold", () => {
  const g = readModelFile(sharedPath("golden", "models", "mobilenet_v2.onnx")).graph;
  const r = inferShapes(g, { input: [1, 3, 224, 224] });
  for (const n of g.nodes) for (const o of n.outputs) assert.ok(r.types.has(o), o);
  assert.deepEqual(r.types.get("logits")?.shape, [1, 1000]);
  assert.equal([...r.folded].filter((n) => n.opType === "Identity").length, 39);
});

test("shape mismatches and missing inputs are one-line errors naming the node", () => {
  const add = singleOp("Add", [2, 3], { B: [4] });
  checkError(() => inferShapes(add.graph, { X: [2, 3] }), /node 'add_0' \(Add\): shapes \[2, 3\] and \[4\] cannot be broadcast together/);
  const conv = singleOp("Conv", [1, 3, 8, 8], { W: [4, 2, 3, 3] });
  checkError(() => inferShapes(conv.graph, { X: [1, 3, 8, 8] }), /node 'conv_0' \(Conv\): input has 3 channels but the weight expects 2 per group x 1 group/);
  const gemm = singleOp("Gemm", [2, 5], { W: [6, 3] });
  checkError(() => inferShapes(gemm.graph, { X: [2, 5] }), /node 'gemm_0' \(Gemm\): inner dimensions differ: A gives 5, B gives 6/);
  const reshape = singleOp("Reshape", [2, 3], { S: int64Tensor("S", [2], [4, -1]) });
  checkError(() => inferShapes(reshape.graph, { X: [2, 3] }), /node 'reshape_0' \(Reshape\): cannot reshape \[2, 3\] to \[4, -1\]/);
  const pool = singleOp("MaxPool", [1, 1, 2, 2], {}, { kernel_shape: attr.ints([3, 3]) });
  checkError(() => inferShapes(pool.graph, { X: [1, 1, 2, 2] }), /the window \(3\) is larger than the padded input \(2\)/);
  checkError(() => inferShapes(add.graph, {}), /no shape given for graph input 'X'/);
  checkError(() => inferShapes(add.graph, { X: [2, 4] }), /graph input 'X' expects shape \[2, 3\] but the data has shape \[2, 4\]/);
  const unknown = singleOp("Erf", [2], {});
  checkError(() => inferShapes(unknown.graph, { X: [2] }), /node 'erf_0' \(Erf\): op Erf is not supported/);
});
