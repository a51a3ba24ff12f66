// The pipeline subcommands end to end through bin/quantscope.js: results on good inputs, and on bad inputs
// (truncated or random ONNX, an unsupported op, data of the wrong shape or dtype, missing files) exit 2 with
// one clear line and no output file (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeNpy } from "../../core/src/data/npy";
import { Graph, makeModel, makeNode, float32Tensor } from "../../core/src/onnx/ir";
import { writeModel } from "../../core/src/onnx/write";
import { repoRoot } from "../helpers/shared";
import { runCli as cli } from "../helpers/cli";

const example = path.join(repoRoot, "examples/digits");
const model = path.join(example, "model.onnx");
const calib = path.join(example, "calib.npy");
const testX = path.join(example, "test_x.npy");
const testY = path.join(example, "test_y.npy");

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "qs-cli-pipeline-"));
}

/** Runs a command that must fail: exit 2, one line on stderr naming `mentions`, no files left in `dir`. */
function checkRejected(args: string[], dir: string, mentions: RegExp): void {
  const r = cli(args, { cwd: dir });
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  assert.equal(r.stdout, "");
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one line expected, got: ${r.stderr}`);
  assert.match(lines[0], mentions);
  assert.doesNotMatch(r.stderr, /at .*:\d+:\d+/);
  assert.deepEqual(fs.readdirSync(dir).filter((f) => !f.startsWith("input")), [], "no output may be written");
}

test("quantize writes a QDQ model and a report; eval --json gives float and int8 accuracy", () => {
  const dir = tmpDir();
  const r = cli(["quantize", model, "--calib", calib, "--backend", "qnnpack", "--out", "q.onnx", "--report", "report.json", "--eval-data", testX, "--eval-labels", testY], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /accuracy: float 97\.50%, int8 97\.50%/);
  const report = JSON.parse(fs.readFileSync(path.join(dir, "report.json"), "utf8"));
  assert.equal(report.backend, "qnnpack");
  assert.equal(report.activations.length, 7);
  assert.ok(fs.statSync(path.join(dir, "q.onnx")).size > 10_000);
  const e = cli(["eval", model, "--data", testX, "--labels", testY, "--backend", "x86", "--calib", calib, "--json"], { cwd: dir });
  assert.equal(e.code, 0, e.stderr);
  const acc = JSON.parse(e.stdout);
  assert.deepEqual(Object.keys(acc), ["float_acc", "int8_acc"]);
  assert.ok(Math.abs(acc.float_acc - 0.97496) < 1e-4 && Math.abs(acc.int8_acc - 0.97636) < 1e-4, e.stdout);
  const f = cli(["eval", model, "--data", testX, "--labels", testY, "--json"], { cwd: dir });
  assert.deepEqual(Object.keys(JSON.parse(f.stdout)), ["float_acc"]);
});

test("calibrate writes the observed ranges and qparams", () => {
  const dir = tmpDir();
  const r = cli(["calibrate", model, "--calib", calib, "--backend", "x86", "--stats", "stats.json"], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const stats = JSON.parse(fs.readFileSync(path.join(dir, "stats.json"), "utf8"));
  assert.equal(stats.calibration.batches, 1);
  const conv4 = stats.activations.find((a: { tensor: string }) => a.tensor === "/conv4/Conv_output_0");
  assert.equal(conv4.zero_point, 56);
  assert.ok(Math.abs(conv4.scale - 0.07161259651184082) < 1e-6);
});

test("bad inputs exit 2 with one line and write nothing", () => {
  const dir = tmpDir();
  const bytes = fs.readFileSync(model);
  fs.writeFileSync(path.join(dir, "input-truncated.onnx"), bytes.subarray(0, Math.floor(bytes.length / 2)));
  const random = new Uint8Array(4096);
  for (let i = 0; i < random.length; i++) random[i] = (i * 2654435761) >>> 24;
  fs.writeFileSync(path.join(dir, "input-random.onnx"), random);
  // A model with an op neither executor can run.
  const g = new Graph({ name: "g", inputs: [{ name: "x", type: { dtype: "float32", shape: ["batch", 4] } }], outputs: [{ name: "y" }] });
  g.addNode(makeNode("Frobnicate", ["x"], ["y"], { name: "weird" }));
  g.addInitializer(float32Tensor("unused", [1], [0]));
  fs.writeFileSync(path.join(dir, "input-unsupported.onnx"), writeModel(makeModel(g)));
  fs.writeFileSync(path.join(dir, "input-data4.npy"), writeNpy({ shape: [8, 4], data: new Float32Array(32) }));
  fs.writeFileSync(path.join(dir, "input-wrong-shape.npy"), writeNpy({ shape: [16, 64], data: new Float32Array(16 * 64) }));
  fs.writeFileSync(path.join(dir, "input-float64.npy"), writeNpy({ shape: [16, 1, 8, 8], data: new Float64Array(16 * 64) }));

  const quantize = (m: string, c: string) => ["quantize", m, "--calib", c, "--backend", "x86", "--out", "out.onnx", "--report", "r.json"];
  checkRejected(quantize("input-truncated.onnx", calib), dir, /input-truncated\.onnx/);
  checkRejected(quantize("input-random.onnx", calib), dir, /input-random\.onnx/);
  checkRejected(quantize("input-unsupported.onnx", "input-data4.npy"), dir, /Frobnicate/);
  checkRejected(quantize(model, "input-wrong-shape.npy"), dir, /input-wrong-shape\.npy: .*shape \(16, 64\)/);
  checkRejected(quantize(model, "input-float64.npy"), dir, /input-float64\.npy: .*float32.*float64/);
  checkRejected(quantize("missing.onnx", calib), dir, /missing\.onnx: .*no such file/);
  checkRejected(quantize(model, "missing.npy"), dir, /missing\.npy: .*no such file/);
  checkRejected(["calibrate", model, "--calib", "input-float64.npy", "--stats", "s.json"], dir, /float64/);
  checkRejected(["eval", model, "--data", testX, "--labels", "input-data4.npy"], dir, /labels must be integers/);
  checkRejected(["quantize", model, "--calib", calib, "--backend", "arm", "--out", "o.onnx"], dir, /--backend must be one of/);
  checkRejected(["quantize", model, "--calib", calib, "--backend", "x86", "--out", "o.onnx", "--batch-size", "0"], dir, /--batch-size/);
});

test("demo writes both backends' models and reports and prints the per-layer table", () => {
  const dir = tmpDir();
  const r = cli(["demo", "--out", "demo"], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /top-1 accuracy\s+97\.50%\s+97\.64%\s+97\.50%/);
  assert.match(r.stdout, /\/conv1\/Conv\s+Conv\+Relu\s+nni\.ConvReLU2d/);
  assert.deepEqual(fs.readdirSync(path.join(dir, "demo")).sort(), [
    "digits.qnnpack.qdq.onnx",
    "digits.qnnpack.report.json",
    "digits.x86.qdq.onnx",
    "digits.x86.report.json",
    "summary.json",
  ]);
});
