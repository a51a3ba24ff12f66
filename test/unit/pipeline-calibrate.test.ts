// Unit tests of calibration and the report: batching (HistogramObserver depends on it, MinMax does not),
// progress callbacks, cancellation through AbortSignal, ORT-style percentile/entropy calibrators, and the
// report against docs/report.schema.json (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { CancelledError } from "../../core/src/errors";
import { createCore } from "../../core/src/node/load-core";
import { readNpyFile } from "../../core/src/node/read-data";
import { EntropyCalibrator, PercentileCalibrator } from "../../core/src/passes/histogram-calibrators";
import { calibrateModel, quantizeModel, type PipelineProgress } from "../../core/src/pipeline";
import { repoRoot } from "../helpers/shared";

const example = path.join(repoRoot, "examples/digits");
const model = () => fs.readFileSync(path.join(example, "model.onnx"));
function tensor(file: string) {
  const a = readNpyFile(path.join(example, file));
  return { data: a.data as Float32Array, shape: [...a.shape] };
}

test("batch size: one batch of 256 and four of 64 agree for MinMax but not for HistogramObserver", async () => {
  const core = await createCore();
  const calib = tensor("calib.npy");
  const run = (batchSize: number, observer?: "minmax") =>
    calibrateModel(core, { model: model(), backend: "x86", calib, batchSize, qconfig: observer ? { global: { activation: { observer } } } : undefined });
  const [mm256, mm64, h256, h64] = await Promise.all([run(256, "minmax"), run(64, "minmax"), run(256), run(64)]);
  assert.equal(mm64.calibration.batches, 4);
  for (const [tensorName, a] of mm256.calibration.activations) {
    assert.equal(mm64.calibration.activations.get(tensorName)!.scale, a.scale, `${tensorName}: MinMax is batching-independent`);
  }
  const differing = [...h256.calibration.activations].filter(([n, a]) => h64.calibration.activations.get(n)!.scale !== a.scale);
  assert.ok(differing.length > 0, "HistogramObserver's result depends on the batching");
});

test("the qconfig's calibration options: numBatches limits the samples, seed shuffles them", async () => {
  const core = await createCore();
  const calib = tensor("calib.npy");
  const limited = await calibrateModel(core, { model: model(), backend: "x86", calib, qconfig: { calibration: { batchSize: 64, numBatches: 2 } } });
  assert.equal(limited.batchSize, 64);
  assert.deepEqual([limited.calibration.samples, limited.calibration.batches], [128, 2]);
  const global = { activation: { observer: "minmax" as const } };
  const plain = await calibrateModel(core, { model: model(), backend: "x86", calib, qconfig: { global, calibration: { batchSize: 64 } } });
  const shuffled = await calibrateModel(core, { model: model(), backend: "x86", calib, qconfig: { global, calibration: { batchSize: 64, seed: 7 } } });
  for (const [name, a] of plain.calibration.activations) {
    assert.equal(shuffled.calibration.activations.get(name)!.scale, a.scale, `${name}: MinMax does not depend on the order`);
  }
  const hPlain = await calibrateModel(core, { model: model(), backend: "x86", calib, qconfig: { calibration: { batchSize: 64 } } });
  const hShuffled = await calibrateModel(core, { model: model(), backend: "x86", calib, qconfig: { calibration: { batchSize: 64, seed: 7 } } });
  assert.ok([...hPlain.calibration.activations].some(([n, a]) => hShuffled.calibration.activations.get(n)!.scale !== a.scale), "the shuffle changes the batches");
});

test("progress reports every batch and the phases; an aborted signal cancels between batches", async () => {
  const core = await createCore();
  const events: PipelineProgress[] = [];
  await quantizeModel(core, { model: model(), backend: "qnnpack", calib: tensor("calib.npy"), batchSize: 100, onProgress: (p) => events.push(p) });
  const calibrate = events.filter((e) => e.phase === "calibrate");
  assert.deepEqual(
    calibrate.map((e) => [e.done, e.total]),
    [
      [100, 256],
      [200, 256],
      [256, 256],
    ],
  );
  assert.deepEqual([...new Set(events.map((e) => e.phase))], ["prepare", "calibrate", "convert", "export"]);

  const controller = new AbortController();
  const seen: number[] = [];
  await assert.rejects(
    calibrateModel(core, {
      model: model(),
      backend: "x86",
      calib: tensor("calib.npy"),
      batchSize: 32,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase !== "calibrate") return;
        seen.push(p.done);
        if (p.done >= 64) controller.abort();
      },
    }),
    CancelledError,
  );
  assert.deepEqual(seen, [32, 64], "no batch runs after the abort");
});

test("percentile and entropy calibrators pick ranges inside the data and ignore rare outliers", () => {
  const data = new Float32Array(10000);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 7919) % 1000) / 1000; // uniform-ish in [0, 1)
  data[17] = 50; // one outlier
  const p = new PercentileCalibrator(2048, 99.9);
  p.observe(data);
  const pr = p.range();
  assert.equal(pr.min, 0, "non-negative data keeps 0 as the lower end");
  assert.ok(pr.max > 0.9 && pr.max < 1.2, `percentile max ${pr.max}`);
  const e = new EntropyCalibrator(2048, 128);
  e.observe(data);
  e.observe(data.map((v) => -v / 2));
  const er = e.range();
  assert.ok(er.min < 0 && er.min === -er.max, "entropy is symmetric once negatives are seen");
  assert.ok(er.max > 0.5 && er.max < 50, `entropy threshold ${er.max}`);
});

/** A validator for the JSON Schema subset docs/report.schema.json uses. */
type Schema = Record<string, unknown>;
function validate(value: unknown, schema: Schema, root: Schema, at: string): string[] {
  if (typeof schema.$ref === "string") return validate(value, (root.$defs as Record<string, Schema>)[schema.$ref.replace("#/$defs/", "")], root, at);
  const errors: string[] = [];
  if ("const" in schema && value !== schema.const) errors.push(`${at}: expected ${String(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) errors.push(`${at}: ${JSON.stringify(value)} not in enum`);
  const type = schema.type;
  if (type === "object") {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return [`${at}: not an object`];
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const r of (schema.required ?? []) as string[]) if (!(r in obj)) errors.push(`${at}: missing ${r}`);
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) errors.push(...validate(v, props[k], root, `${at}.${k}`));
      else if (schema.additionalProperties === false) errors.push(`${at}: unexpected ${k}`);
    }
  } else if (type === "array") {
    if (!Array.isArray(value)) return [`${at}: not an array`];
    value.forEach((v, i) => errors.push(...validate(v, schema.items as Schema, root, `${at}[${i}]`)));
  } else if (type === "integer" && !Number.isInteger(value)) errors.push(`${at}: not an integer`);
  else if (type === "number" && typeof value !== "number") errors.push(`${at}: not a number`);
  else if (type === "string" && typeof value !== "string") errors.push(`${at}: not a string`);
  else if (type === "boolean" && typeof value !== "boolean") errors.push(`${at}: not a boolean`);
  if (typeof schema.exclusiveMinimum === "number" && !((value as number) > schema.exclusiveMinimum)) errors.push(`${at}: must be > ${schema.exclusiveMinimum}`);
  return errors;
}

test("the report matches docs/report.schema.json and holds every activation and weight", async () => {
  const core = await createCore();
  const y = readNpyFile(path.join(example, "test_y.npy"));
  const r = await quantizeModel(core, {
    model: model(),
    modelName: "model.onnx",
    backend: "x86",
    calib: tensor("calib.npy"),
    evalData: { x: tensor("test_x.npy"), labels: y.data as BigInt64Array },
  });
  const schema = JSON.parse(fs.readFileSync(path.join(repoRoot, "docs/report.schema.json"), "utf8")) as Schema;
  const report = JSON.parse(JSON.stringify(r.report));
  assert.deepEqual(validate(report, schema, schema, "report"), []);
  assert.equal(report.activations.length, 7);
  assert.equal(report.weights.length, 5);
  assert.deepEqual(report.weights[0].zero_points, new Array(16).fill(0));
  assert.equal(report.weights[0].scales.length, 16, "x86 weights are per channel");
  assert.ok(report.accuracy.int8_acc > 0.97);
  assert.deepEqual(validate({ ...report, version: 2 }, schema, schema, "report"), ["report.version: expected 1"]);
});
