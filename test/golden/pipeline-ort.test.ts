// The exported int8 models in ONNX Runtime (onnxruntime-node; never onnxruntime-web in this process): the
// QDQ file loads, its argmax agrees with our int8 executor on >= 99.5% of the test split, and its accuracy is
// within 0.5 points of ORT's own quantize_static MinMax result; the QOperator file loads and agrees too
// (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import type { Engine } from "../../core/src/backends/engine";
import { exportQdq } from "../../core/src/passes/export-qdq";
import { exportQOperator } from "../../core/src/passes/export-qoperator";
import type { QuantizedModel } from "../../core/src/passes/convert";
import { evaluate, top1Accuracy } from "../../core/src/pipeline";
import { Int8Executor } from "../../core/src/runtime/int8-executor";
import { loadSharedJson } from "../helpers/shared";
import { MODELS, argmaxRows, digitsSplit, modelBytes, quantizedFor, testCore } from "./pipeline-golden";

const BACKENDS: readonly Engine[] = ["x86", "qnnpack"];

async function ourLogits(q: QuantizedModel): Promise<Float32Array> {
  const exec = new Int8Executor(await testCore(), q);
  try {
    return (await exec.run(new Map([["input", digitsSplit().test]]), { batchSize: 256 })).get("logits")!.data;
  } finally {
    exec.dispose();
  }
}

async function ortLogits(bytes: Uint8Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const x = digitsSplit().test;
    const out = await session.run({ input: new ort.Tensor("float32", x.data, x.shape) });
    return out.logits.data as Float32Array;
  } finally {
    await session.release();
  }
}

function agreement(a: Float32Array, b: Float32Array, rows: number): number {
  const x = argmaxRows(a, rows, 10);
  const y = argmaxRows(b, rows, 10);
  return x.filter((v, i) => v === y[i]).length / rows;
}

for (const model of MODELS) {
  for (const backend of BACKENDS) {
    test(`${model}/${backend}: the QDQ export runs in onnxruntime-node like our int8 executor`, async () => {
      const { quantized } = await quantizedFor(model, backend);
      const rows = digitsSplit().testLabels.length;
      const ours = await ourLogits(quantized);
      const theirs = await ortLogits(exportQdq(quantized));
      const agree = agreement(ours, theirs, rows);
      assert.ok(agree >= 0.995, `argmax agreement ${(agree * 100).toFixed(2)}% < 99.5%`);
      // ORT's own quantize_static (MinMax, uint8 activations, int8 weights) on the same data.
      const scheme = backend === "qnnpack" ? "pt" : "pc";
      const ortQuant = loadSharedJson<Record<string, { acc: number }>>("golden", "models", "ort_quant.json")[`${model}/MinMax/${scheme}`];
      const acc = top1Accuracy(theirs, 10, digitsSplit().testLabels);
      assert.ok(Math.abs(acc - ortQuant.acc) <= 0.005, `QDQ accuracy ${acc} vs ORT quantize_static ${ortQuant.acc}`);
    });

    test(`${model}/${backend}: the QOperator export runs in onnxruntime-node like our int8 executor`, async () => {
      const { quantized } = await quantizedFor(model, backend);
      const rows = digitsSplit().testLabels.length;
      const agree = agreement(await ourLogits(quantized), await ortLogits(exportQOperator(quantized)), rows);
      assert.ok(agree >= 0.995, `argmax agreement ${(agree * 100).toFixed(2)}% < 99.5%`);
    });
  }
}

for (const model of MODELS) {
  test(`${model}: ORT's Percentile and Entropy calibration methods (qnnpack: full-range activations, per-tensor weights like ORT's pt) reach ORT's accuracy`, async () => {
    const results = loadSharedJson<Record<string, { acc: number }>>("golden", "models", "ort_quant.json");
    const { calib, test: x, testLabels } = digitsSplit();
    for (const [observer, method] of [
      ["percentile", "Percentile"],
      ["entropy", "Entropy"],
    ] as const) {
      const r = await evaluate(await testCore(), { model: modelBytes(model), x, labels: testLabels, backend: "qnnpack", calib, qconfig: { global: { activation: { observer } } } });
      const expected = results[`${model}/${method}/pt`].acc;
      assert.ok(Math.abs(r.int8_acc! - expected) <= 0.005, `${observer}: int8 accuracy ${r.int8_acc} vs ORT ${method} ${expected}`);
      const activations = r.quantized!.activations;
      assert.ok(activations.every((a) => a.observer.observer === observer), `every activation uses ${observer}`);
    }
  });
}
