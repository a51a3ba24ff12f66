// The side panel's report adapter (extension/webview/report-model.ts): real report and calibration-statistics
// files become what the panel draws, and files that are not reports are refused with a reason (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ReportFormatError, toPanelReport } from "../../extension/webview/report-model";
import { repoRoot } from "../helpers/shared";

const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(repoRoot, "test/e2e/fixtures", name), "utf8"));

test("a quantization report: layers with SQNR, activations with their int8 clipping range, accuracy metrics", () => {
  const r = toPanelReport(fixture("digits-x86.quantscope.json"));
  assert.equal(r.kind, "quantize");
  assert.equal(r.backend, "x86");
  assert.equal(r.evaluated, true);
  assert.deepEqual(
    r.layers.map((l) => l.ops),
    ["Conv+Relu", "Conv+Relu", "Conv+Relu", "Conv", "Add+Relu", "GlobalAveragePool", "Flatten", "Gemm"],
  );
  assert.ok(r.layers.every((l) => typeof l.sqnr?.propagated === "number"));
  // The graph input: quint8 with reduce_range (0..127), scale ~0.01574, zero point 64 -> [-64, 63] * scale.
  const input = r.activations.find((a) => a.tensor === "input")!;
  assert.equal(input.zeroPoint, 64);
  assert.ok(Math.abs(input.clipMin! - -64 * input.scale) < 1e-12);
  assert.ok(Math.abs(input.clipMax! - 63 * input.scale) < 1e-12);
  const labels = r.metrics.map((m) => m.label);
  for (const l of ["Int8 ops", "Top-1 float", "Top-1 int8", "Output SQNR"]) assert.ok(labels.includes(l), `${l} missing`);
});

test("a numeric report: weight, propagated and shadow SQNR, sensitivity, histograms with clip bounds", () => {
  const r = toPanelReport(fixture("digits-x86.compare.quantscope.json"));
  assert.equal(r.kind, "compare");
  assert.equal(r.layers.length, 8);
  const conv1 = r.layers.find((l) => l.node === "/conv1/Conv")!;
  assert.ok(conv1.sqnr?.weight !== undefined && conv1.sqnr.weight > 20, `conv1 weight SQNR ${conv1.sqnr?.weight}`);
  assert.ok(conv1.sqnr?.propagated !== undefined && conv1.sqnr?.shadow !== undefined);
  const ranked = r.layers.filter((l) => l.sensitivity !== undefined);
  assert.ok(ranked.length >= 5, `${ranked.length} ranked layers`);
  assert.ok(r.activations.length > 0 && r.activations.every((a) => a.histogram && a.clipMin !== undefined && a.clipMax !== undefined));
  assert.ok(r.activations.every((a) => a.histogram!.counts.length === 64));
  assert.ok(r.metrics.some((m) => m.label === "Keep in float"));
  // null stands for +infinity (no error at all).
  const exact = fixture("digits-x86.compare.quantscope.json");
  exact.layers[6].shadow_sqnr_db = null;
  assert.equal(toPanelReport(exact).layers[6].sqnr?.shadow, Infinity);
});

test("calibration statistics: activations without clip bounds, no layers", () => {
  const stats = {
    version: 1,
    backend: "qnnpack",
    model: "m.onnx",
    calibration: { samples: 8, batch_size: 4, batches: 2 },
    activations: [{ tensor: "x", producer_node: "", role: "input", observer: "histogram", min: -1, max: 2, scale: 0.0117, zero_point: 85 }],
  };
  const r = toPanelReport(stats);
  assert.equal(r.kind, "calibrate");
  assert.equal(r.layers.length, 0);
  assert.equal(r.activations[0].clipMin, undefined);
  assert.equal(r.activations[0].observer, "histogram");
});

test("files that are not reports are refused with the reason", () => {
  const check = (json: unknown, reason: RegExp) => assert.throws(() => toPanelReport(json), (e: Error) => e instanceof ReportFormatError && reason.test(e.message));
  check([], /not a JSON object/);
  check(fixture("not-a-report.quantscope.json"), /unsupported version/);
  check({ version: 2, backend: "x86" }, /unsupported version 2/);
  check({ version: 1, backend: "x86", layers: [] }, /not a QuantScope report/);
  check({ kind: "quantscope.numeric-report", version: 1, backend: "x86", layers: [] }, /calibration_stats and result are required/);
  const bad = fixture("digits-x86.quantscope.json");
  bad.activations[1].scale = "big";
  check(bad, /activations\[1\]\.scale should be a finite number/);
});
