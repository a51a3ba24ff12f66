// The float executor's API contract for calibration and passes (test process): the onTensor observer hook
// (every value, once per batch, as a view it may edit in place), overrides, extra outputs, initializer
// replacement, batching, cancellation, memory reuse across runs, and one-line errors for bad inputs.
import { test, after } from "node:test";
import * as assert from "node:assert/strict";
import { loadCore } from "../../core/src/node/load-core";
import { readModelFile } from "../../core/src/node/read-model";
import { FloatExecutor, type TensorEvent } from "../../core/src/runtime/float-executor";
import { CancelledError, InputError } from "../../core/src/errors";
import { float32Tensor, int64Tensor, type Model } from "../../core/src/onnx/ir";
import { buildModel } from "../helpers/onnx-models";
import { sharedPath } from "../helpers/shared";
import { digits } from "../helpers/digits";

const executors: FloatExecutor[] = [];
after(() => executors.forEach((e) => e.dispose()));

function model(name: string): Model {
  return readModelFile(sharedPath("golden", "models", `${name}.onnx`));
}

async function executor(m: Model, options = {}): Promise<FloatExecutor> {
  const ex = FloatExecutor.create(await loadCore(), m, options);
  executors.push(ex);
  return ex;
}

const input = (n: number) => ({ input: digits().test(n) });

async function logits(ex: FloatExecutor, n: number, options = {}): Promise<Float32Array> {
  return (await ex.run(input(n), options)).get("logits")!.data as Float32Array;
}

async function checkRejects(run: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(run, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${e}`);
    assert.equal(e.message.split("\n").length, 1);
    assert.match(e.message, pattern);
    return true;
  });
}

test("onTensor sees the input and every computed value once per batch, in execution order", async () => {
  const m = model("cnn");
  const ex = await executor(m);
  const events: { name: string; shape: string; batch: number; start: number; ptr: number }[] = [];
  await ex.run(input(10), {
    batchSize: 4,
    onTensor: (e) => events.push({ name: e.name, shape: e.shape.join("x"), batch: e.batchIndex, start: e.batchStart, ptr: e.ptr }),
  });
  const perBatch = ["input", ...m.graph.nodes.map((n) => n.outputs[0])];
  assert.equal(events.length, perBatch.length * 3);
  assert.deepEqual(events.slice(0, perBatch.length).map((e) => e.name), perBatch);
  assert.deepEqual([...new Set(events.map((e) => `${e.batch}@${e.start}`))], ["0@0", "1@4", "2@8"]);
  assert.equal(events.find((e) => e.name === "/relu4/Relu_output_0" && e.batch === 2)!.shape, "2x32x4x4");
  assert.ok(events.every((e) => e.ptr > 0));
});

test("onTensor data is the value itself: it equals extraOutputs, and edits flow downstream", async () => {
  const ex = await executor(model("cnn"));
  const name = "/relu2/Relu_output_0";
  let observed: Float32Array | undefined;
  const out = await ex.run(input(6), { extraOutputs: [name], onTensor: (e) => e.name === name && (observed = (e.data as Float32Array).slice()) });
  assert.deepEqual(observed, out.get(name)!.data);
  const plain = await logits(ex, 6);
  // Zeroing relu2 in place must give the same logits as overriding it with zeros.
  const edited = await logits(ex, 6, { onTensor: (e: TensorEvent) => e.name === name && (e.data as Float32Array).fill(0) });
  const zeros = new Float32Array(out.get(name)!.data.length);
  const overridden = await logits(ex, 6, { overrides: new Map([[name, zeros]]) });
  assert.deepEqual(edited, overridden);
  assert.notDeepEqual(edited, plain);
});

test("overriding a value with its own data changes nothing; batches slice the override", async () => {
  const ex = await executor(model("dwcnn"));
  const name = "/relud/Relu_output_0";
  const ref = await ex.run(input(9), { extraOutputs: [name] });
  const again = await logits(ex, 9, { batchSize: 4, overrides: new Map([[name, ref.get(name)!.data as Float32Array]]) });
  assert.deepEqual(again, ref.get("logits")!.data);
});

test("batch size does not change results; progress is reported per batch", async () => {
  const ex = await executor(model("mlp"));
  const whole = await logits(ex, 13, { batchSize: 13 });
  const split = await logits(ex, 13, { batchSize: 5 });
  assert.deepEqual(split, whole);
  const calls: number[] = [];
  await ex.run(input(13), { batchSize: 5, onProgress: (done) => calls.push(done) });
  assert.deepEqual(calls, [5, 10, 13]);
});

test("initializer overrides (e.g. fake-quantized weights) replace the weights for the whole executor", async () => {
  const m = model("mlp");
  const bias = m.graph.initializers.get("fc3.bias")!;
  const ex = await executor(m, { initializerOverrides: new Map([["fc3.weight", float32Tensor("fc3.weight", [10, 64], new Float32Array(640))]]) });
  const got = await logits(ex, 2);
  assert.deepEqual([...got], [...(bias.data as Float32Array), ...(bias.data as Float32Array)]);
  await assert.rejects(async () => {
    const bad = await executor(m, { initializerOverrides: new Map([["fc3.weight", float32Tensor("fc3.weight", [640], new Float32Array(640))]]) });
    await bad.run(input(1));
  }, /replacement for initializer 'fc3.weight' is float32\[640\], expected float32\[10, 64\]/);
});

test("cancellation between batches raises CancelledError", async () => {
  const ex = await executor(model("cnn"));
  const controller = new AbortController();
  await assert.rejects(
    ex.run(input(20), { batchSize: 5, signal: controller.signal, onProgress: () => controller.abort() }),
    CancelledError,
  );
});

test("repeated runs reuse their buffers, and dispose returns the memory", async () => {
  const core = await loadCore();
  const m = model("cnn");
  const warm = FloatExecutor.create(core, m);
  await warm.run(input(32), { batchSize: 16 });
  warm.dispose();
  const before = core.memory.buffer.byteLength;
  for (let i = 0; i < 30; i++) {
    const ex = FloatExecutor.create(core, m);
    await ex.run(input(32), { batchSize: 16 });
    await ex.run(input(32), { batchSize: 16 });
    ex.dispose();
  }
  assert.equal(core.memory.buffer.byteLength, before, "linear memory grew across create/run/dispose cycles");
  // Many distinct batch sizes keep only a few plans alive: a second sweep needs no new memory.
  const ex = FloatExecutor.create(core, m);
  const sweep = async () => {
    for (let n = 1; n <= 24; n++) await ex.run(input(n), { batchSize: n });
  };
  await sweep();
  const afterFirst = core.memory.buffer.byteLength;
  await sweep();
  assert.equal(core.memory.buffer.byteLength, afterFirst, "plans for many shapes keep growing memory");
  assert.equal(ex.planCount, 4);
  const refs = await logits(ex, 5);
  ex.releaseActivations();
  assert.equal(ex.planCount, 0);
  assert.deepEqual(await logits(ex, 5), refs);
  ex.dispose();
  assert.throws(() => warm.typesFor(new Map([["input", [1, 1, 8, 8]]])), /used after dispose/);
});

test("bad inputs give one clear line", async () => {
  const ex = await executor(model("cnn"), { file: "cnn.onnx" });
  await checkRejects(() => ex.run({ input: { data: new Float32Array(4 * 56), shape: [4, 1, 8, 7] } }), /cnn\.onnx: graph input 'input' expects shape \[batch, 1, 8, 8\] but the data has shape \[4, 1, 8, 7\]/);
  await checkRejects(() => ex.run({ input: { data: new Float32Array(10), shape: [4, 1, 8, 8] } }), /input 'input' has 10 values but shape \[4, 1, 8, 8\]/);
  await checkRejects(() => ex.run({}), /no data given for graph input 'input'/);
  await checkRejects(() => ex.run({ input: { data: new Float32Array(0), shape: [0, 1, 8, 8] } }), /input 'input' holds no samples/);
  await checkRejects(() => ex.run({ ...input(1), extra: input(1).input }), /'extra' is not an input of the graph/);
  await checkRejects(() => ex.run(input(2), { extraOutputs: ["nope"] }), /'nope' is not a value of the graph/);
  await checkRejects(() => ex.run(input(2), { overrides: new Map([["/relu1/Relu_output_0", new Float32Array(3)]]) }), /override for '\/relu1\/Relu_output_0' does not fit/);
});

test("batchDim 'any' runs a fixed-batch model several samples at a time with the same results", async () => {
  const m = model("cnn");
  m.graph.inputs[0].type!.shape![0] = 1;
  const fixed = await executor(m);
  const free = await executor(m, { batchDim: "any" });
  const batches: number[] = [];
  const a = await logits(fixed, 6, { batchSize: 3, onTensor: (e: TensorEvent) => e.name === "input" && batches.push(e.shape[0]) });
  const b = await logits(free, 6, { batchSize: 3, onTensor: (e: TensorEvent) => e.name === "input" && batches.push(e.shape[0]) });
  assert.deepEqual(batches, [1, 1, 1, 1, 1, 1, 3, 3]);
  assert.deepEqual(b, a);
  // A graph that bakes batch 1 into a Reshape cannot be batched: refused, not silently mixed.
  const baked = buildModel({
    inputs: { X: [1, 4] },
    initializers: [int64Tensor("S", [2], [1, -1])],
    nodes: [{ op: "Reshape", inputs: ["X", "S"], outputs: ["Y"] }],
    outputs: ["Y"],
  });
  const ex = await executor(baked, { batchDim: "any", file: "baked.onnx" });
  await checkRejects(() => ex.run({ X: { data: new Float32Array(12), shape: [3, 4] } }, { batchSize: 3 }), /baked\.onnx: graph output 'Y' does not keep the batch size in dim 0 \(shape \[1, 12\] for a batch of 3\)/);
});

test("graphs the float executor cannot feed are refused at creation", async () => {
  const core = await loadCore();
  const ids = buildModel({ inputs: { X: [2] }, nodes: [{ op: "Relu", inputs: ["X"], outputs: ["Y"] }], outputs: ["Y"] });
  ids.graph.inputs[0].type!.dtype = "int64";
  assert.throws(() => FloatExecutor.create(core, ids, { file: "ids.onnx" }), /ids\.onnx: graph input 'X' is int64; the float executor takes float32 inputs/);
});

test("a graph of constants only runs once and returns its value", async () => {
  const m = buildModel({
    inputs: {},
    initializers: [float32Tensor("a", [3], [1, -2, 3])],
    nodes: [{ op: "Relu", inputs: ["a"], outputs: ["Y"] }],
    outputs: ["Y"],
  });
  const out = await (await executor(m)).run({});
  assert.deepEqual([...out.get("Y")!.data], [1, 0, 3]);
});

test("constants computed from the input shape are per plan: the last, smaller batch sees its own batch size", async () => {
  // Y = X * N, N being the batch size read through Shape -> Gather -> Cast.
  const m = buildModel({
    inputs: { X: ["N", 2] },
    initializers: [int64Tensor("zero", [], [0])],
    nodes: [
      { op: "Shape", inputs: ["X"], outputs: ["shape"] },
      { op: "Gather", inputs: ["shape", "zero"], outputs: ["n"] },
      { op: "Cast", inputs: ["n"], outputs: ["nf"], attributes: { to: { type: "int", value: 1 } } },
      { op: "Mul", inputs: ["X", "nf"], outputs: ["Y"] },
    ],
    outputs: ["Y"],
  });
  const ex = await executor(m);
  for (let pass = 0; pass < 2; pass++) {
    const out = await ex.run({ X: { data: new Float32Array(14).fill(1), shape: [7, 2] } }, { batchSize: 3 });
    assert.deepEqual([...out.get("Y")!.data], [3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1, 1]);
  }
});

test("QDQ models keep their int8/uint8 activations in WASM and show them to the observer", async () => {
  const m = readModelFile(sharedPath("golden", "models", "cnn.ort_minmax_pc.qdq.onnx"));
  const ex = await executor(m);
  const quantized: { dtype: string; ptr: number; isBytes: boolean }[] = [];
  await ex.run(input(3), {
    onTensor: (e) => {
      if (e.node?.opType === "QuantizeLinear") quantized.push({ dtype: e.dtype, ptr: e.ptr, isBytes: e.data instanceof Uint8Array });
    },
  });
  assert.ok(quantized.length >= 5);
  assert.ok(quantized.every((q) => q.dtype === "uint8" && q.ptr > 0 && q.isBytes), JSON.stringify(quantized));
});

test("concurrent runs on one executor each get their own results", async () => {
  const ex = await executor(model("cnn"));
  // Enough batches that each run spans several event-loop yields.
  const a = digits().slice(0, 600);
  const b = digits().slice(700, 600);
  const ref1 = (await ex.run({ input: a }, { batchSize: 2 })).get("logits")!.data;
  const ref2 = (await ex.run({ input: b }, { batchSize: 3 })).get("logits")!.data;
  const [got1, got2] = await Promise.all([ex.run({ input: a }, { batchSize: 2 }), ex.run({ input: b }, { batchSize: 3 })]);
  assert.deepEqual(got1.get("logits")!.data, ref1);
  assert.deepEqual(got2.get("logits")!.data, ref2);
});
