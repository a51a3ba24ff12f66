// What-if runs of the numeric report (test process): changing one layer's observer, weight scheme or
// precision re-calibrates from the cached float activations and gives exactly what the full pipeline gives
// with the same qconfig (re-running the float model), and bad layer names are one clear error.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { compareModels } from "../../core/src/numeric/compare-models";
import { applyChanges, whatIf, type WhatIfChange } from "../../core/src/numeric/what-if";
import { quantizeModel } from "../../core/src/pipeline";
import { digitsSplit, modelBytes, testCore } from "../golden/pipeline-golden";

async function check(change: WhatIfChange): Promise<void> {
  const core = await testCore();
  const { calib, test: x, testLabels } = digitsSplit();
  const { session } = await compareModels(core, { model: modelBytes("cnn"), backend: "x86", calib, batchSize: 256, x, labels: testLabels, shadow: false, keepSession: true });
  const { context, layers } = session!;
  const result = await whatIf(context, layers, [change]);
  const full = await quantizeModel(core, {
    model: modelBytes("cnn"),
    backend: "x86",
    calib,
    batchSize: 256,
    qconfig: applyChanges(undefined, [change], layers, "x86"),
    evalData: { x, labels: testLabels },
  });
  assert.equal(result.accuracy, full.report.accuracy!.int8_acc, `${JSON.stringify(change)}: accuracy`);
  const outputLayer = full.report.layers[full.report.layers.length - 1];
  if (!change.float) assert.ok(Math.abs(result.output_sqnr_db - outputLayer.sqnr_db!) < 1e-6, `${result.output_sqnr_db} vs ${outputLayer.sqnr_db}`);
  assert.ok(result.agreement > 0.9 && result.agreement <= 1);
}

test("what-if: another activation observer on one layer equals the full pipeline", () => check({ node: "/conv2/Conv", observer: "minmax" }));
test("what-if: per-tensor weights on one layer equals the full pipeline", () => check({ node: "/conv3/Conv", perChannel: false }));
test("what-if: one layer kept in float equals the full pipeline", () => check({ node: "/conv4/Conv", float: true }));

test("what-if: an unknown layer is a clear error", async () => {
  assert.throws(() => applyChanges(undefined, [{ node: "/nope", float: true }], new Map([["/conv1/Conv", ["/conv1/Conv", "/relu1/Relu"]]]), "x86"), /'\/nope' is not an int8 layer of the model \(layers: \/conv1\/Conv\)/);
});
