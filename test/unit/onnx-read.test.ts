// ONNX reading and writing (test process): every golden model reads and round-trips read -> write -> read
// unchanged, external data is written and read back, and malformed files, unsupported opsets, dangling
// inputs, cycles and unsupported ops give one clear InputError line.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { onnx } from "onnx-proto";
import { readModel } from "../../core/src/onnx/read";
import { writeModel, writeModelWithExternalData } from "../../core/src/onnx/write";
import { readModelFile } from "../../core/src/node/read-model";
import { float32Tensor, type Model } from "../../core/src/onnx/ir";
import { InputError } from "../../core/src/errors";
import { loadCore } from "../../core/src/node/load-core";
import { FloatExecutor } from "../../core/src/runtime/float-executor";
import { sharedPath } from "../helpers/shared";
import { buildModel, rng } from "../helpers/onnx-models";

const modelsDir = sharedPath("golden", "models");
const goldenModels = fs.readdirSync(modelsDir).filter((f) => f.endsWith(".onnx")).sort();

/** A comparable summary of a model: structure, attributes and tensor bytes. */
function summary(m: Model): unknown {
  const g = m.graph;
  const bytes = (d: ArrayBufferView) => Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString("base64");
  return {
    opsets: m.opsetImports,
    ir: m.irVersion,
    producer: m.producerName,
    inputs: g.inputs,
    outputs: g.outputs,
    nodes: g.nodes.map((n) => ({ ...n, attributes: [...n.attributes].map(([k, a]) => [k, a.type === "tensor" ? bytes(a.value.data) : a]) })),
    initializers: [...g.initializers.values()].map((t) => [t.name, t.dtype, t.dims, bytes(t.data)]),
  };
}

function checkError(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${e instanceof Error ? e.stack : e}`);
    assert.equal(e.message.split("\n").length, 1, "one line");
    assert.match(e.message, pattern);
    return true;
  });
}

test("every golden model reads, with opset 17 and typed initializers", () => {
  assert.ok(goldenModels.length >= 10);
  for (const f of goldenModels) {
    const m = readModelFile(path.join(modelsDir, f));
    assert.deepEqual(m.opsetImports.find((o) => o.domain === ""), { domain: "", version: 17 }, f);
    assert.ok(m.graph.nodes.length > 0, f);
    for (const t of m.graph.initializers.values()) assert.equal(t.data.length, t.dims.reduce((a, b) => a * b, 1), `${f}: ${t.name}`);
  }
  const cnn = readModelFile(path.join(modelsDir, "cnn.onnx"));
  assert.deepEqual(cnn.graph.runtimeInputs, [{ name: "input", type: { dtype: "float32", shape: ["batch", 1, 8, 8] } }]);
  const conv = cnn.graph.nodes[0];
  assert.equal(conv.opType, "Conv");
  assert.deepEqual(conv.attributes.get("pads"), { type: "ints", value: [1, 1, 1, 1] });
  assert.deepEqual(conv.attributes.get("group"), { type: "int", value: 1 });
  const qdq = readModelFile(path.join(modelsDir, "cnn.ort_minmax_pc.qdq.onnx"));
  const dtypes = new Set([...qdq.graph.initializers.values()].map((t) => t.dtype));
  assert.deepEqual([...dtypes].sort(), ["float32", "int32", "int8", "uint8"]);
});

test("read -> write -> read preserves every golden model, and writing is idempotent", () => {
  for (const f of goldenModels) {
    const first = readModelFile(path.join(modelsDir, f));
    const bytes = writeModel(first);
    const second = readModel(bytes, { file: f });
    assert.deepEqual(summary(second), summary(first), f);
    assert.deepEqual(Buffer.from(writeModel(second)), Buffer.from(bytes), `${f}: second write differs`);
  }
});

test("external data: large tensors go to a side file and read back identically", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qs-onnx-"));
  try {
    const model = readModelFile(path.join(modelsDir, "cnn.onnx"));
    const written = writeModelWithExternalData(model, { location: "cnn.weights", sizeThreshold: 1024 });
    assert.ok(written.externalData && written.externalData.length > 10000);
    assert.ok(written.model.length < 10000, "weights left the model file");
    fs.writeFileSync(path.join(dir, "cnn.onnx"), written.model);
    fs.writeFileSync(path.join(dir, "cnn.weights"), written.externalData);
    const back = readModelFile(path.join(dir, "cnn.onnx"));
    assert.deepEqual(summary(back), summary(model));
    // A truncated side file: one line with the sizes.
    fs.writeFileSync(path.join(dir, "cnn.weights"), written.externalData.subarray(0, 5000));
    checkError(() => readModelFile(path.join(dir, "cnn.onnx")), /cnn\.onnx: external data file 'cnn\.weights' is 5000 bytes, too short for \d+ bytes at offset \d+/);
    // Without the side file: one line naming the model and the missing file.
    fs.rmSync(path.join(dir, "cnn.weights"));
    checkError(() => readModelFile(path.join(dir, "cnn.onnx")), /cnn\.onnx: cannot read external data file 'cnn\.weights': no such file/);
    // External data must stay inside the model's folder.
    const escaping = writeModelWithExternalData(model, { location: "../elsewhere.bin" });
    fs.writeFileSync(path.join(dir, "bad.onnx"), escaping.model);
    checkError(() => readModelFile(path.join(dir, "bad.onnx")), /bad\.onnx: .*outside the model's folder/);
    checkError(() => readModel(written.model, { file: "mem.onnx" }), /mem\.onnx: .*no external data reader/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("malformed files: truncated, random bytes, empty, not ONNX, missing", () => {
  const good = fs.readFileSync(path.join(modelsDir, "mlp.onnx"));
  checkError(() => readModel(good.subarray(0, Math.floor(good.length / 2)), { file: "half.onnx" }), /half\.onnx: not a valid ONNX model: .*truncated or corrupt/);
  const r = rng(5);
  for (let k = 0; k < 20; k++) {
    const noise = Uint8Array.from({ length: 64 + k * 37 }, () => Math.floor(r.next() * 256));
    checkError(() => readModel(noise, { file: "noise.onnx" }), /noise\.onnx: (not a valid ONNX model|.*opset)/);
  }
  checkError(() => readModel(new Uint8Array(0), { file: "empty.onnx" }), /empty\.onnx: the file is empty/);
  checkError(() => readModel(new TextEncoder().encode('{"not": "onnx"}'), { file: "x.onnx" }), /x\.onnx: not a valid ONNX model/);
  checkError(() => readModelFile("/nonexistent/model.onnx"), /\/nonexistent\/model\.onnx: cannot read the model: no such file/);
});

test("opsets outside 13-21 are refused with advice", () => {
  const m = buildModel({ inputs: { X: [1, 2] }, nodes: [{ op: "Relu", inputs: ["X"], outputs: ["Y"] }], outputs: ["Y"], opset: 11 });
  checkError(() => readModel(writeModel(m), { file: "old.onnx" }), /old\.onnx: opset 11 is not supported \(QuantScope reads opsets 13-21\)/);
  for (const v of [13, 21]) readModel(writeModel({ ...m, opsetImports: [{ domain: "", version: v }] }));
});

test("dangling inputs, duplicate producers and cycles are refused naming the node", () => {
  const dangling = buildModel({ inputs: { X: [1, 2] }, nodes: [{ op: "Add", inputs: ["X", "ghost"], outputs: ["Y"] }], outputs: ["Y"] });
  checkError(() => readModel(writeModel(dangling), { file: "d.onnx" }), /d\.onnx: node 'add_0' \(Add\) reads 'ghost', which no node, graph input or initializer defines/);
  const twice = buildModel({
    inputs: { X: [1, 2] },
    nodes: [
      { op: "Relu", inputs: ["X"], outputs: ["Y"] },
      { op: "Sigmoid", inputs: ["X"], outputs: ["Y"] },
    ],
    outputs: ["Y"],
  });
  checkError(() => readModel(writeModel(twice)), /value 'Y' is produced twice: by node 'relu_0' \(Relu\) and by node 'sigmoid_1' \(Sigmoid\)/);
  const cycle = buildModel({
    inputs: { X: [1, 2] },
    nodes: [
      { op: "Add", inputs: ["X", "B"], outputs: ["A"] },
      { op: "Relu", inputs: ["A"], outputs: ["B"] },
    ],
    outputs: ["B"],
  });
  checkError(() => readModel(writeModel(cycle), { file: "c.onnx" }), /c\.onnx: the graph has a cycle: .*add_0.*relu_1/);
  const noOutput = buildModel({ inputs: { X: [1, 2] }, nodes: [{ op: "Relu", inputs: ["X"], outputs: ["Y"] }], outputs: ["Z"] });
  checkError(() => readModel(writeModel(noOutput)), /graph output 'Z' is not produced by any node/);
});

test("nodes written out of order are read back in topological order", () => {
  const m = buildModel({
    inputs: { X: [1, 2] },
    nodes: [
      { op: "Sigmoid", inputs: ["A"], outputs: ["Y"] },
      { op: "Relu", inputs: ["X"], outputs: ["A"] },
    ],
    outputs: ["Y"],
  });
  assert.deepEqual(readModel(writeModel(m)).graph.nodes.map((n) => n.opType), ["Relu", "Sigmoid"]);
});

test("non-tensor graph values (sequences, maps) are refused", () => {
  const bytes = onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 17 }],
    graph: { name: "g", input: [{ name: "s", type: { sequenceType: { elemType: { tensorType: { elemType: 1 } } } } }], output: [{ name: "s" }] },
  }).finish();
  checkError(() => readModel(bytes, { file: "seq.onnx" }), /seq\.onnx: value 's' has a sequence type; only tensors are supported/);
});

test("tensors whose data does not match their shape are refused", () => {
  const m = buildModel({ inputs: { X: [2] }, initializers: [float32Tensor("W", [2], [1, 2])], nodes: [{ op: "Add", inputs: ["X", "W"], outputs: ["Y"] }], outputs: ["Y"] });
  m.graph.initializers.get("W")!.dims = [3];
  checkError(() => readModel(writeModel(m), { file: "w.onnx" }), /w\.onnx: tensor 'W' holds 8 bytes of data but shape \[3\] of float32 needs 12/);
});

test("unsupported ops are named with their node when an executor is created", async () => {
  const m = buildModel({
    inputs: { X: [1, 4] },
    nodes: [
      { op: "Relu", inputs: ["X"], outputs: ["A"] },
      { op: "Erf", inputs: ["A"], outputs: ["Y"] },
    ],
    outputs: ["Y"],
  });
  const model = readModel(writeModel(m), { file: "erf.onnx" });
  const core = await loadCore();
  checkError(() => FloatExecutor.create(core, model, { file: "erf.onnx" }), /erf\.onnx: the float executor cannot run node 'erf_1' \(Erf\): op not supported/);
});

test("corrupted models (random byte changes) either read and run or fail with an InputError", async () => {
  const base = fs.readFileSync(path.join(modelsDir, "dwcnn.onnx"));
  const core = await loadCore();
  const r = rng(7);
  const x = { input: { data: new Float32Array(2 * 64), shape: [2, 1, 8, 8] } };
  const outcomes = { ok: 0, refused: 0 };
  for (let trial = 0; trial < 200; trial++) {
    const bytes = Uint8Array.from(base);
    // The graph structure sits in the first few KB; the rest is raw weight data.
    for (let f = 0; f < 1 + (trial % 3); f++) bytes[Math.floor(r.next() * 3000)] = Math.floor(r.next() * 256);
    try {
      const ex = FloatExecutor.create(core, readModel(bytes, { file: "fuzz.onnx" }));
      try {
        await ex.run(x);
      } finally {
        ex.dispose();
      }
      outcomes.ok++;
    } catch (e) {
      if (!(e instanceof InputError)) assert.fail(`trial ${trial}: ${e instanceof Error ? e.stack : e}`);
      assert.equal(e.message.split("\n").length, 1);
      outcomes.refused++;
    }
  }
  assert.ok(outcomes.ok > 20 && outcomes.refused > 20, JSON.stringify(outcomes));
});
