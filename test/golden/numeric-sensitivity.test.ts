// Layer sensitivity on the golden dwcnn (test process): with an aggressive qconfig (4-bit activations,
// quant range 0..15, on x86) the int8 model loses accuracy on the test split; the sensitivity analysis ranks
// the layers, its suggestion of layers to keep in float meets a 0.5-point target, and the real pipeline
// (quantizeModel, re-calibrating from scratch with the suggested layers in float) measures the smaller drop.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { compareModels } from "../../core/src/numeric/compare-models";
import { quantizeModel } from "../../core/src/pipeline";
import type { QConfigFile } from "../../core/src/qconfig/types";
import { digitsSplit, modelBytes, testCore } from "./pipeline-golden";

const FOUR_BIT: QConfigFile = { global: { activation: { quantMin: 0, quantMax: 15 } } };

async function measuredDrop(keepInFloat: readonly string[], nodesOf: ReadonlyMap<string, readonly string[]>): Promise<number> {
  const core = await testCore();
  const { calib, test: x, testLabels } = digitsSplit();
  const nodes: Record<string, null> = {};
  for (const layer of keepInFloat) for (const n of nodesOf.get(layer)!) nodes[n] = null;
  const r = await quantizeModel(core, {
    model: modelBytes("dwcnn"),
    backend: "x86",
    calib,
    batchSize: 256,
    qconfig: { ...FOUR_BIT, nodes },
    evalData: { x, labels: testLabels },
  });
  return (r.report.accuracy!.float_acc - r.report.accuracy!.int8_acc) * 100;
}

test("sensitivity on dwcnn (4-bit activations, x86) ranks the layers and its suggestion reduces the measured drop", async () => {
  const core = await testCore();
  const { calib, test: x, testLabels } = digitsSplit();
  const { report, session } = await compareModels(core, {
    model: modelBytes("dwcnn"),
    modelName: "dwcnn",
    backend: "x86",
    calib,
    batchSize: 256,
    qconfig: FOUR_BIT,
    x,
    labels: testLabels,
    shadow: false,
    sensitivity: true,
    targetDropPoints: 0.5,
  });
  const s = report.sensitivity!;
  assert.equal(s.metric, "accuracy");
  // Every layer that requantizes is ranked once (MaxPool and Flatten share their input's qparams).
  assert.deepEqual([...s.ranking].sort(), ["/conv1/Conv", "/dw/Conv", "/fc/Gemm", "/hs/HardSwish", "/pw/Conv"]);
  const ranks = report.layers.filter((l) => l.sensitivity).map((l) => l.sensitivity!.rank);
  assert.deepEqual([...ranks].sort(), [1, 2, 3, 4, 5]);
  const first = report.layers.find((l) => l.node === s.ranking[0])!.sensitivity!;
  const last = report.layers.find((l) => l.node === s.ranking[s.ranking.length - 1])!.sensitivity!;
  assert.ok(first.gain_points >= last.gain_points, "ranked by the points regained in float");
  assert.ok(first.gain_points > 0, `keeping the most sensitive layer in float regains accuracy (${first.gain_points})`);

  const baselineDrop = report.result.drop_points;
  assert.ok(baselineDrop > 2, `4-bit activations lose accuracy (${baselineDrop.toFixed(2)} points)`);
  const suggestion = s.suggestion!;
  assert.ok(suggestion.met, `the suggestion meets the 0.5-point target: ${JSON.stringify(suggestion)}`);
  assert.ok(suggestion.keep_in_float.length >= 1 && suggestion.keep_in_float.length < 5);

  // Measured independently: the pipeline re-calibrates from the float model with those layers in float.
  const drop = await measuredDrop(suggestion.keep_in_float, session!.layers);
  assert.ok(Math.abs(drop - suggestion.result.drop_points) < 1e-9, `the cached-activation what-if (${suggestion.result.drop_points}) equals the full pipeline (${drop})`);
  assert.ok(drop <= 0.5 && drop < baselineDrop, `drop ${drop.toFixed(2)} points with ${suggestion.keep_in_float.join(", ")} in float, ${baselineDrop.toFixed(2)} without`);
  // And the full-pipeline baseline agrees with the comparison's.
  assert.ok(Math.abs((await measuredDrop([], session!.layers)) - baselineDrop) < 1e-9);
});
