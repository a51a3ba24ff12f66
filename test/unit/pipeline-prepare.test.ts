// Unit tests of the pipeline's passes: BatchNorm folding, fusion, observer placement per backend, qconfig
// overrides (keep a node in float, change its observer) and float islands in the int8 executor (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { getBackend } from "../../core/src/backends";
import { Graph, float32Tensor, makeNode, type Model } from "../../core/src/onnx/ir";
import { readModel } from "../../core/src/onnx/read";
import { foldBatchNorms } from "../../core/src/passes/fold-bn";
import { prepare } from "../../core/src/passes/prepare";
import { calibrateModel, evaluate } from "../../core/src/pipeline";
import type { QConfigFile } from "../../core/src/qconfig/types";
import { FloatExecutor } from "../../core/src/runtime/float-executor";
import { int8Support } from "../../core/src/runtime/int8-ops";
import { createCore } from "../../core/src/node/load-core";
import { repoRoot } from "../helpers/shared";

const example = path.join(repoRoot, "examples/digits");
const digits = (): Model => readModel(fs.readFileSync(path.join(example, "model.onnx")));

function npyFloat(file: string): { data: Float32Array; shape: number[] } {
  const bytes = fs.readFileSync(file);
  const headerLen = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLen).toString("latin1");
  const shape = /'shape': \(([^)]*)\)/.exec(header)![1].split(",").filter((s) => s.trim()).map(Number);
  const body = bytes.subarray(10 + headerLen);
  return { data: new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)), shape };
}

/** Placement summary: observed tensors, and who shares whose qparams. */
function check(model: Model, backend: string, qconfig: QConfigFile | undefined, expected: { observed: string[]; shared: Record<string, string>; float?: string[] }): void {
  const plan = prepare(model.graph, { backend: getBackend(backend), qconfig, int8Support });
  assert.deepEqual(plan.observers.map((o) => o.tensor), expected.observed);
  const shared: Record<string, string> = {};
  for (const [v, src] of plan.qparamsOf) if (v !== src) shared[v] = src;
  assert.deepEqual(shared, expected.shared);
  assert.deepEqual(plan.floatNodes.map((f) => f.node.name), expected.float ?? []);
}

test("digits CNN: observers where PyTorch's eager mode puts them; pooling, flatten and ReLU after add share qparams", () => {
  for (const backend of ["x86", "fbgemm", "qnnpack", "onednn"]) {
    check(digits(), backend, undefined, {
      observed: ["input", "/relu1/Relu_output_0", "/relu2/Relu_output_0", "/relu3/Relu_output_0", "/conv4/Conv_output_0", "/Add_output_0", "logits"],
      shared: {
        "/relu4/Relu_output_0": "/Add_output_0",
        "/pool/GlobalAveragePool_output_0": "/Add_output_0",
        "/Flatten_output_0": "/Add_output_0",
      },
    });
  }
});

test("a node kept in float by the qconfig is dequantized before and re-observed after", () => {
  check(digits(), "x86", { nodes: { "/conv4/Conv": null } }, {
    observed: ["input", "/relu1/Relu_output_0", "/relu2/Relu_output_0", "/relu3/Relu_output_0", "/conv4/Conv_output_0", "/Add_output_0", "logits"],
    shared: {
      "/relu4/Relu_output_0": "/Add_output_0",
      "/pool/GlobalAveragePool_output_0": "/Add_output_0",
      "/Flatten_output_0": "/Add_output_0",
    },
    float: ["/conv4/Conv"],
  });
  const plan = prepare(digits().graph, { backend: getBackend("x86"), qconfig: { nodes: { "/conv4/Conv": null } }, int8Support });
  assert.equal(plan.observers.find((o) => o.tensor === "/conv4/Conv_output_0")!.role, "input", "conv4's float output enters int8 through a QuantStub");
  assert.deepEqual(plan.dequantized, ["/relu3/Relu_output_0", "logits"]);
});

test("keeping every Relu in float breaks the Conv+ReLU fusion: each conv observes its own output", () => {
  const plan = prepare(digits().graph, { backend: getBackend("qnnpack"), qconfig: { opTypes: { Relu: null } }, int8Support });
  assert.equal(plan.groups.find((g) => g.id === "/conv1/Conv")!.nodes.length, 1);
  assert.ok(plan.observers.some((o) => o.tensor === "/conv1/Conv_output_0"));
  assert.equal(plan.floatNodes.filter((f) => f.node.opType === "Relu").length, 4);
});

test("fusion patterns: Conv+Relu and Add+Relu fuse, Gemm alone; ops PyTorch has no int8 kernel for stay float", () => {
  const plan = prepare(digits().graph, { backend: getBackend("x86"), int8Support });
  assert.deepEqual(
    plan.groups.map((g) => `${g.nodes.map((n) => n.opType).join("+")}${g.pattern ? `:${g.pattern.name}` : ""}`),
    ["Conv+Relu:conv_relu", "Conv+Relu:conv_relu", "Conv+Relu:conv_relu", "Conv", "Add+Relu:add_relu", "GlobalAveragePool", "Flatten", "Gemm"],
  );
  const g = new Graph({ name: "g", inputs: [{ name: "x", type: { dtype: "float32", shape: ["batch", 4] } }], outputs: [{ name: "y" }] });
  g.addNode(makeNode("Erf", ["x"], ["y"], { name: "erf" }));
  const p2 = prepare(g, { backend: getBackend("x86"), int8Support });
  assert.deepEqual(p2.floatNodes.map((f) => [f.node.name, f.reason]), [["erf", "op Erf has no int8 kernel"]]);
  assert.deepEqual(p2.observers, []);
});

test("per-node observer override: MinMax on conv1 gives max/127 with x86's reduce_range", async () => {
  const core = await createCore();
  const calib = npyFloat(path.join(example, "calib.npy"));
  const r = await calibrateModel(core, {
    model: digits(),
    backend: "x86",
    calib,
    qconfig: { nodes: { "/conv1/Conv": { activation: { observer: "minmax" } } } },
  });
  const a = r.calibration.activations.get("/relu1/Relu_output_0")!;
  assert.equal(a.observer.observer, "minmax");
  assert.equal(a.zeroPoint, 0);
  assert.equal(a.scale, Math.fround(Math.fround(a.max) / 127));
  assert.equal(r.calibration.activations.get("/relu2/Relu_output_0")!.observer.observer, "histogram");
});

test("a float island runs on the float executor between int8 ops, with accuracy close to all-int8", async () => {
  const core = await createCore();
  const calib = npyFloat(path.join(example, "calib.npy"));
  const x = npyFloat(path.join(example, "test_x.npy"));
  const yBytes = fs.readFileSync(path.join(example, "test_y.npy"));
  const headerLen = yBytes.readUInt16LE(8);
  const body = yBytes.subarray(10 + headerLen);
  const labels = new BigInt64Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  const r = await evaluate(core, { model: digits(), x, labels, backend: "x86", calib, qconfig: { nodes: { "/conv4/Conv": null, "/pool/GlobalAveragePool": null } } });
  assert.equal(r.quantized!.plan.floatNodes.length, 2);
  assert.ok(r.int8_acc! > 0.96 && r.int8_acc! <= 1, `int8 accuracy with float islands: ${r.int8_acc}`);
});

test("BatchNorm folding follows fuse_conv_bn_eval and keeps the float outputs", async () => {
  const core = await createCore();
  const g = new Graph({ name: "bn", inputs: [{ name: "x", type: { dtype: "float32", shape: ["batch", 2, 3, 3] } }], outputs: [{ name: "y" }] });
  g.addInitializer(float32Tensor("w", [2, 2, 1, 1], [0.5, -1, 2, 0.25]));
  g.addInitializer(float32Tensor("b", [2], [0.1, -0.2]));
  for (const [n, v] of Object.entries({ gamma: [1.5, 0.5], beta: [0.3, -0.1], mean: [0.2, -0.4], var: [0.9, 2.5] })) g.addInitializer(float32Tensor(n, [2], v));
  g.addNode(makeNode("Conv", ["x", "w", "b"], ["c"], { name: "conv", attributes: { kernel_shape: { type: "ints", value: [1, 1] } } }));
  g.addNode(makeNode("BatchNormalization", ["c", "gamma", "beta", "mean", "var"], ["y"], { name: "bn", attributes: { epsilon: { type: "float", value: 1e-5 } } }));
  const x = { data: Float32Array.from({ length: 18 }, (_, i) => (i - 9) / 4), shape: [1, 2, 3, 3] };
  const before = FloatExecutor.create(core, g.clone());
  const expected = (await before.run(new Map([["x", x]]))).get("y")!.data as Float32Array;
  const folded = g.clone();
  assert.deepEqual(foldBatchNorms(folded), [{ batchNorm: "bn", into: "conv" }]);
  assert.deepEqual(folded.nodes.map((n) => n.opType), ["Conv"]);
  assert.equal(folded.nodes[0].outputs[0], "y");
  const after = FloatExecutor.create(core, folded);
  const got = (await after.run(new Map([["x", x]]))).get("y")!.data as Float32Array;
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(got[i] - expected[i]) < 1e-5, `element ${i}: ${got[i]} vs ${expected[i]}`);
  // The weight of channel 0: w * gamma / sqrt(var + eps), in float32.
  const w0 = Math.fround(0.5 * Math.fround(1.5 * Math.fround(1 / Math.sqrt(Math.fround(0.9 + Math.fround(1e-5))))));
  assert.equal((folded.getInitializer(folded.nodes[0].inputs[1])!.data as Float32Array)[0], w0);
});
