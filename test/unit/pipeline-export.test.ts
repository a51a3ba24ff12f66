// The QDQ and QOperator exporters on small synthetic graphs that the golden models do not cover (MatMul on
// 3-D activations, Gemm without transB, Concat, Sigmoid, Mul): both files load in onnxruntime-node and agree
// with our int8 executor to within a quantization step or two (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { Graph, float32Tensor, makeModel, makeNode, type Model } from "../../core/src/onnx/ir";
import { createCore } from "../../core/src/node/load-core";
import { quantizeModel } from "../../core/src/pipeline";
import { Int8Executor } from "../../core/src/runtime/int8-executor";

function values(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

/** x [batch, 3, 8] -> MatMul W[8, 6] -> Relu -> (Sigmoid, Mul by itself) -> Concat(axis 2) -> y [batch, 3, 12] */
function matmulModel(): Model {
  const g = new Graph({ name: "m", inputs: [{ name: "x", type: { dtype: "float32", shape: ["batch", 3, 8] } }], outputs: [{ name: "y" }] });
  g.addInitializer(float32Tensor("w", [8, 6], values(48, 3, 0.5)));
  g.addNode(makeNode("MatMul", ["x", "w"], ["h"], { name: "mm" }));
  g.addNode(makeNode("Relu", ["h"], ["r"], { name: "relu" }));
  g.addNode(makeNode("Sigmoid", ["r"], ["s"], { name: "sig" }));
  g.addNode(makeNode("Mul", ["r", "r"], ["sq"], { name: "square" }));
  g.addNode(makeNode("Concat", ["s", "sq"], ["y"], { name: "cat", attributes: { axis: { type: "int", value: 2 } } }));
  return makeModel(g);
}

/** x [batch, 10] -> Gemm(W [10, 4], transB = 0, bias) -> y */
function gemmModel(): Model {
  const g = new Graph({ name: "g", inputs: [{ name: "x", type: { dtype: "float32", shape: ["batch", 10] } }], outputs: [{ name: "y" }] });
  g.addInitializer(float32Tensor("w", [10, 4], values(40, 5, 0.3)));
  g.addInitializer(float32Tensor("b", [4], [0.1, -0.2, 0.3, 0]));
  g.addNode(makeNode("Gemm", ["x", "w", "b"], ["y"], { name: "fc" }));
  return makeModel(g);
}

async function check(model: Model, shape: number[], backend: "x86" | "qnnpack", maxSteps: number): Promise<void> {
  const core = await createCore();
  const n = shape.reduce((a, b) => a * b, 1);
  const calib = { data: values(n, 11), shape };
  const input = { data: values(n, 99), shape };
  const name = model.graph.inputs[0].name;
  for (const format of ["qdq", "qoperator"] as const) {
    const r = await quantizeModel(core, { model, backend, calib, format });
    assert.deepEqual(r.report.float_nodes, [], "every node runs in int8");
    const exec = new Int8Executor(core, r.quantized);
    const ours = (await exec.run(new Map([[name, input]]))).get("y")!;
    exec.dispose();
    const session = await ort.InferenceSession.create(r.onnx);
    const theirs = (await session.run({ [name]: new ort.Tensor("float32", input.data, shape) })).y;
    await session.release();
    assert.deepEqual([...theirs.dims], ours.shape, `${format}: output shape`);
    const step = ours.int8!.scale;
    const data = theirs.data as Float32Array;
    for (let i = 0; i < data.length; i++) {
      assert.ok(Math.abs(data[i] - ours.data[i]) <= maxSteps * step + 1e-6, `${format} element ${i}: ORT ${data[i]} vs ours ${ours.data[i]} (step ${step})`);
    }
  }
}

test("MatMul on 3-D activations, ReLU, Sigmoid (fixed qparams), Mul and Concat export and run in ORT", async () => {
  await check(matmulModel(), [16, 3, 8], "x86", 2);
  await check(matmulModel(), [16, 3, 8], "qnnpack", 2);
});

test("Gemm with a [K, N] weight (transB = 0) exports with the weight in the model's layout", async () => {
  await check(gemmModel(), [32, 10], "x86", 1);
  await check(gemmModel(), [32, 10], "qnnpack", 1);
});
