// The graph IR's mutation API as the quantization passes use it (test process): producers/consumers,
// inserting a node on an edge, bypassing and removing nodes, renaming, unique names, dead-code removal,
// topological sorting, cloning, attribute accessors; a mutated graph writes and reads back.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { readModelFile } from "../../core/src/node/read-model";
import { readModel } from "../../core/src/onnx/read";
import { writeModel } from "../../core/src/onnx/write";
import {
  attrFloat,
  attrInt,
  attrInts,
  float32Tensor,
  makeNode,
  tensorToNumbers,
  int64Tensor,
  validateGraph,
  type Graph,
} from "../../core/src/onnx/ir";
import { InputError } from "../../core/src/errors";
import { sharedPath } from "../helpers/shared";

function cnn(): Graph {
  return readModelFile(sharedPath("golden", "models", "cnn.onnx")).graph;
}

/** The graph as "op(inputs)->outputs" lines, to compare structure. */
function check(g: Graph, expected: string[]): void {
  assert.deepEqual(
    g.nodes.map((n) => `${n.opType}(${n.inputs.join(",")})->${n.outputs.join(",")}`),
    expected,
  );
}

test("producers and consumers, including a value read by two nodes", () => {
  const g = cnn();
  const index = g.buildIndex();
  assert.equal(index.producer.get("/conv1/Conv_output_0")?.opType, "Conv");
  const readers = index.consumers.get("/relu2/Relu_output_0")!.map((n) => n.name);
  assert.deepEqual(readers, ["/conv3/Conv", "/Add"]);
  assert.equal(g.producerOf("logits")?.opType, "Gemm");
  assert.deepEqual(g.consumersOf("input").map((n) => n.opType), ["Conv"]);
  assert.equal(g.producerOf("input"), undefined);
  assert.deepEqual(g.typeOf("fc.weight"), { dtype: "float32", shape: [10, 32] });
});

test("inserting a node on an edge (observer-style) and bypassing it again", () => {
  const g = cnn();
  const relu = g.nodes.find((n) => n.name === "/relu1/Relu")!;
  const value = relu.outputs[0];
  const observed = g.uniqueValueName(`${value}_observed`);
  const obs = makeNode("Identity", [value], [observed], { name: g.uniqueNodeName("observer") });
  g.replaceAllUses(value, observed);
  g.insertAfter(relu, obs);
  assert.deepEqual(g.consumersOf(value), [obs]);
  assert.equal(g.consumersOf(observed)[0].name, "/conv2/Conv");
  validateGraph(g);
  g.removeNode(obs, { bypass: true });
  assert.deepEqual(g.consumersOf(value).map((n) => n.name), ["/conv2/Conv"]);
  validateGraph(g);
});

test("bypassing a node that produces a graph output keeps the output's name", () => {
  const g = cnn();
  const gemm = g.producerOf("logits")!;
  const id = makeNode("Identity", ["logits"], ["logits_copy"]);
  g.insertAfter(gemm, id);
  g.outputs[0].name = "logits_copy";
  g.removeNode(id, { bypass: true });
  assert.equal(g.outputs[0].name, "logits_copy");
  assert.equal(g.producerOf("logits_copy"), gemm);
  validateGraph(g);
});

test("renameValue updates producer, consumers, outputs, initializers and value_info", () => {
  const g = cnn();
  g.renameValue("fc.weight", "fc.w");
  assert.ok(g.initializers.has("fc.w") && !g.initializers.has("fc.weight"));
  assert.equal(g.initializers.get("fc.w")!.name, "fc.w");
  assert.ok(g.producerOf("logits")!.inputs.includes("fc.w"));
  g.renameValue("logits", "scores");
  assert.equal(g.outputs[0].name, "scores");
  assert.throws(() => g.renameValue("scores", "input"), InputError);
  validateGraph(g);
});

test("unique names never collide", () => {
  const g = cnn();
  assert.equal(g.uniqueValueName("fresh"), "fresh");
  assert.equal(g.uniqueValueName("input"), "input_1");
  g.addInitializer(float32Tensor("input_1", [1], [0]));
  assert.equal(g.uniqueValueName("input"), "input_2");
  assert.equal(g.uniqueNodeName("/conv1/Conv"), "/conv1/Conv_1");
});

test("removeUnused drops dead nodes and initializers to a fixed point", () => {
  const g = cnn();
  const dead1 = makeNode("Relu", ["/conv1/Conv_output_0"], ["dead1"]);
  const dead2 = makeNode("Mul", ["dead1", "k"], ["dead2"]);
  g.addInitializer(float32Tensor("k", [], [2]));
  g.addNode(dead1);
  g.addNode(dead2);
  const removed = g.removeUnused();
  assert.deepEqual(removed, { nodes: 2, initializers: 1 });
  assert.equal(g.nodes.length, 12);
  assert.ok(!g.initializers.has("k"));
});

test("sortTopologically orders appended nodes and reports cycles", () => {
  const g = cnn();
  const last = g.nodes.pop()!;
  g.nodes.unshift(last);
  g.sortTopologically();
  assert.equal(g.nodes[g.nodes.length - 1].opType, "Gemm");
  validateGraph(g);
  g.nodes[0].inputs[0] = "logits";
  assert.throws(() => g.topologicalOrder(), /the graph has a cycle/);
});

test("replaceNode and clone: a clone is independent of the original", () => {
  const g = cnn();
  const copy = g.clone();
  const relu = copy.nodes.find((n) => n.opType === "Relu")!;
  copy.replaceNode(relu, [makeNode("Clip", [relu.inputs[0], "", ""], relu.outputs, { name: "clip" })]);
  assert.equal(g.nodes.filter((n) => n.opType === "Relu").length, 4);
  assert.equal(copy.nodes.filter((n) => n.opType === "Relu").length, 3);
  copy.nodes[0].attributes.set("group", { type: "int", value: 2 });
  assert.equal(attrInt(g.nodes[0], "group", 1), 1);
});

test("attribute accessors: defaults, types and wrong-type errors", () => {
  const conv = cnn().nodes[0];
  assert.deepEqual(attrInts(conv, "strides", [9]), [1, 1]);
  assert.deepEqual(attrInts(conv, "missing", [9]), [9]);
  assert.equal(attrFloat(conv, "alpha", 0.25), 0.25);
  assert.throws(() => attrInts(conv, "group"), /attribute 'group' should be a list of ints, got int/);
  assert.deepEqual(tensorToNumbers(int64Tensor("s", [2], [0, -1])), [0, -1]);
});

test("a mutated graph writes and reads back", () => {
  const model = readModelFile(sharedPath("golden", "models", "mlp.onnx"));
  const g = model.graph;
  const relu = g.nodes.find((n) => n.opType === "Relu")!;
  const scaled = g.uniqueValueName("scaled");
  g.addInitializer(float32Tensor("half", [], [0.5]));
  g.replaceAllUses(relu.outputs[0], scaled);
  g.insertAfter(relu, makeNode("Mul", [relu.outputs[0], "half"], [scaled], { name: "scale" }));
  const back = readModel(writeModel(model), { file: path.basename("mlp-mutated.onnx") });
  check(back.graph, [
    "Flatten(input)->/Flatten_output_0",
    "Gemm(/Flatten_output_0,fc1.weight,fc1.bias)->/fc1/Gemm_output_0",
    "Relu(/fc1/Gemm_output_0)->/relu1/Relu_output_0",
    "Mul(/relu1/Relu_output_0,half)->scaled",
    "Gemm(scaled,fc2.weight,fc2.bias)->/fc2/Gemm_output_0",
    "Relu(/fc2/Gemm_output_0)->/relu2/Relu_output_0",
    "Gemm(/relu2/Relu_output_0,fc3.weight,fc3.bias)->logits",
  ]);
  assert.deepEqual([...back.graph.initializers.get("half")!.data], [0.5]);
});
