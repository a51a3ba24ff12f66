// The float executor on the golden models (test process): mlp/cnn/dwcnn reproduce PyTorch's first 64 test
// logits, and MobileNetV2 matches ONNX Runtime (onnxruntime-node, in-process) on every conv/add activation
// for random inputs. Max relative errors are reported as test diagnostics.
import { test, after } from "node:test";
import * as assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { loadCore } from "../../core/src/node/load-core";
import { readModelFile } from "../../core/src/node/read-model";
import { FloatExecutor } from "../../core/src/runtime/float-executor";
import { writeModel } from "../../core/src/onnx/write";
import { goldenTensor, loadSharedJson, sharedPath } from "../helpers/shared";
import { digits } from "../helpers/digits";
import { rng } from "../helpers/onnx-models";

const executors: FloatExecutor[] = [];
after(() => executors.forEach((e) => e.dispose()));

/** max|got - want| / max|want|: the error relative to the tensor's scale. */
function relError(got: Float32Array, want: Float32Array): number {
  let maxDiff = 0;
  let maxWant = 0;
  for (let i = 0; i < want.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
    maxWant = Math.max(maxWant, Math.abs(want[i]));
  }
  return maxDiff / maxWant;
}

async function check(name: string, t: { diagnostic(msg: string): void }): Promise<void> {
  const model = readModelFile(sharedPath("golden", "models", `${name}.onnx`));
  const golden = loadSharedJson<{ float_logits_first64: unknown }>("golden", "models", `${name}.json`);
  const want = goldenTensor(golden.float_logits_first64).data as Float32Array;
  const ex = FloatExecutor.create(await loadCore(), model);
  executors.push(ex);
  // Batches of 24 exercise a short last batch (a second plan) too.
  const out = await ex.run({ input: digits().test(64) }, { batchSize: 24 });
  const logits = out.get("logits")!;
  assert.deepEqual(logits.dims, [64, 10]);
  const got = logits.data as Float32Array;
  const rel = relError(got, want);
  t.diagnostic(`${name}: max |error| / max |logit| = ${rel.toExponential(2)}`);
  assert.ok(rel <= 1e-4, `${name}: relative error ${rel} exceeds 1e-4`);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= 1e-4 * Math.max(1, Math.abs(want[i])), `${name}: logit ${i} is ${got[i]}, PyTorch gives ${want[i]}`);
  }
  // The predicted classes are PyTorch's.
  for (let s = 0; s < 64; s++) {
    const argmax = (v: Float32Array) => v.indexOf(Math.max(...v));
    assert.equal(argmax(got.subarray(s * 10, s * 10 + 10)), argmax(want.subarray(s * 10, s * 10 + 10)), `${name}: sample ${s}`);
  }
}

test("mlp reproduces PyTorch's float logits on the first 64 test images", (t) => check("mlp", t));
test("cnn reproduces PyTorch's float logits on the first 64 test images", (t) => check("cnn", t));
test("dwcnn reproduces PyTorch's float logits on the first 64 test images", (t) => check("dwcnn", t));

test("float accuracy on the whole test split is PyTorch's float_acc", async (t) => {
  const d = digits();
  const n = d.count - d.trainCount;
  for (const name of ["mlp", "cnn", "dwcnn"]) {
    const golden = loadSharedJson<{ float_acc: number }>("golden", "models", `${name}.json`);
    const ex = FloatExecutor.create(await loadCore(), readModelFile(sharedPath("golden", "models", `${name}.onnx`)));
    executors.push(ex);
    const logits = (await ex.run({ input: d.test(n) }, { batchSize: 128 })).get("logits")!.data as Float32Array;
    let correct = 0;
    for (let s = 0; s < n; s++) {
      const row = logits.subarray(s * 10, s * 10 + 10);
      if (row.indexOf(Math.max(...row)) === d.y[d.trainCount + s]) correct++;
    }
    t.diagnostic(`${name}: ${correct}/${n} correct`);
    // PyTorch reports the accuracy as a float32 fraction.
    assert.equal(Math.fround(correct / n), golden.float_acc, `${name}: accuracy`);
  }
});

test("MobileNetV2 matches ONNX Runtime on every Conv/Add activation and the logits", async (t) => {
  const file = sharedPath("golden", "models", "mobilenet_v2.onnx");
  const model = readModelFile(file);
  // Expose the intermediate activations as outputs so ONNX Runtime reports them too.
  const probes = model.graph.nodes.filter((n) => n.opType === "Conv" || n.opType === "Add").map((n) => n.outputs[0]);
  const probed = readModelFile(file);
  for (const p of probes) probed.graph.outputs.push({ name: p, type: { dtype: "float32" } });
  const session = await ort.InferenceSession.create(writeModel(probed), { graphOptimizationLevel: "disabled" });
  const ex = FloatExecutor.create(await loadCore(), model);
  executors.push(ex);
  const r = rng(2024);
  const n = 2;
  const per = 3 * 224 * 224;
  const x = r.floats(n * per, -2.5, 2.5);
  const seen = new Map<string, number>();
  const ours = await ex.run({ input: { data: x, shape: [n, 3, 224, 224] } }, { extraOutputs: probes, onTensor: (e) => seen.set(e.name, (seen.get(e.name) ?? 0) + 1) });
  // One batch per image (the model's batch dim is fixed at 1), each value observed once per batch.
  assert.equal(seen.get("input"), n);
  for (const p of probes) assert.equal(seen.get(p), n, p);
  let worst = 0;
  let worstName = "";
  for (let i = 0; i < n; i++) {
    const want = await session.run({ input: new ort.Tensor("float32", x.subarray(i * per, (i + 1) * per), [1, 3, 224, 224]) });
    for (const name of [...probes, "logits"]) {
      const w = want[name].data as Float32Array;
      const g = (ours.get(name)!.data as Float32Array).subarray(i * w.length, (i + 1) * w.length);
      const rel = relError(g, w);
      if (rel > worst) [worst, worstName] = [rel, name];
      assert.ok(rel <= 1e-4, `image ${i}, ${name}: relative error ${rel} exceeds 1e-4`);
    }
  }
  t.diagnostic(`mobilenet_v2: worst max |error| / max |value| = ${worst.toExponential(2)} (${worstName}) over ${probes.length + 1} tensors x ${n} images`);
});

test("ONNX Runtime's QDQ models run in float simulation and match ONNX Runtime", async (t) => {
  const x = digits().test(64);
  for (const name of ["mlp", "cnn", "dwcnn"]) {
    for (const variant of ["pt", "pc"]) {
      const file = sharedPath("golden", "models", `${name}.ort_minmax_${variant}.qdq.onnx`);
      const ex = FloatExecutor.create(await loadCore(), readModelFile(file));
      executors.push(ex);
      const got = (await ex.run({ input: x })).get("logits")!.data as Float32Array;
      const session = await ort.InferenceSession.create(file, { graphOptimizationLevel: "disabled" });
      const want = (await session.run({ input: new ort.Tensor("float32", x.data, x.shape) })).logits.data as Float32Array;
      // QuantizeLinear rounds: a float accumulation-order difference can move a value across a rounding
      // boundary, shifting one integer by 1. Nearly all logits must agree exactly; none may drift far.
      let close = 0;
      for (let i = 0; i < want.length; i++) if (Math.abs(got[i] - want[i]) <= 1e-4 * Math.max(1, Math.abs(want[i]))) close++;
      const rel = relError(got, want);
      t.diagnostic(`${name} ${variant}: ${close}/${want.length} logits within 1e-4, max |error| / max |logit| = ${rel.toExponential(2)}`);
      assert.ok(close >= want.length * 0.99, `${name} ${variant}: only ${close}/${want.length} logits agree`);
      assert.ok(rel <= 0.02, `${name} ${variant}: relative error ${rel}`);
    }
  }
});
