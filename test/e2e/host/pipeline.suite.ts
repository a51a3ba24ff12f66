// Extension-host suite: the model commands end to end. Quantize on the bundled digits model writes an ONNX
// file the server's own reader loads and a report the panel draws; Calibrate and Compare write theirs; a
// what-if run keeps layers in float; bad input fails with one clear line (extension-host test process).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { DescribeModelResult, ModelJobResult, WhatIfResult } from "../../../server/src/handlers/commands";
import { activateExtension, inWorkspace } from "./api";
import { describe, it } from "./bdd";

function digits(file: string): string {
  return inWorkspace("digits", file).fsPath;
}

const evaluation = () => ({ data: digits("test_x.npy"), labels: digits("test_y.npy") });

export function definePipelineSuite(): void {
  describe("model pipeline through the server", () => {
    it("Quantize writes an int8 ONNX model that QuantScope's reader loads, and the panel shows its report", async () => {
      const api = await activateExtension();
      const out = inWorkspace("out-quantize").fsPath;
      const rendered = api.panel.renderedFor(path.join(out, "model.qnnpack.quantscope.json"));
      const result = await vscode.commands.executeCommand<ModelJobResult | undefined>("quantscope.quantizeModel", {
        model: digits("model.onnx"),
        backend: "qnnpack",
        calibration: [digits("calib.npy")],
        evaluation: evaluation(),
        outputDir: out,
      });
      assert.ok(result, "Quantize returned nothing (it failed or was cancelled): see the QuantScope output");
      assert.equal(result.output, path.join(out, "model.qnnpack.int8.onnx"));
      assert.ok(fs.statSync(result.output!).size > 1000);
      const g = await vscode.commands.executeCommand<DescribeModelResult>("quantscope.server.describeModel", { model: result.output });
      const ops = g.nodes.map((n) => n.opType);
      assert.ok(ops.includes("QuantizeLinear") && ops.includes("DequantizeLinear"), `not a QDQ model: ${[...new Set(ops)].join(", ")}`);
      assert.ok(ops.includes("Conv"));

      const report = JSON.parse(fs.readFileSync(result.report, "utf8"));
      assert.equal(report.backend, "qnnpack");
      assert.equal(report.layers.length, 8);
      assert.ok(report.accuracy.int8_acc > 0.9, `int8 top-1 ${report.accuracy.int8_acc}`);
      assert.match(api.status.text, /quantize \(qnnpack\) ok/);

      const summary = await rendered;
      assert.equal(api.panel.currentReportFile, result.report);
      assert.ok(summary.charts.includes("sqnr"), `the panel drew ${summary.charts.join(", ")}`);
    });

    it("Calibrate writes calibration statistics for every observed activation", async () => {
      await activateExtension();
      const result = await vscode.commands.executeCommand<ModelJobResult | undefined>("quantscope.calibrateModel", {
        model: digits("model.onnx"),
        backend: "x86",
        calibration: [digits("calib.npy")],
        outputDir: inWorkspace("out-calibrate").fsPath,
      });
      assert.ok(result);
      assert.equal(result.output, undefined);
      const stats = JSON.parse(fs.readFileSync(result.report, "utf8"));
      assert.equal(stats.calibration.samples, 256);
      assert.equal(stats.activations.length, 7);
      for (const a of stats.activations) assert.ok(a.scale > 0 && a.max >= a.min, `bad qparams for ${a.tensor}`);
    });

    it("Compare writes the numeric report (weight, propagated, shadow SQNR, sensitivity), and a what-if keeps chosen layers in float", async () => {
      const api = await activateExtension();
      const rendered = api.panel.renderedFor(inWorkspace("out-compare", "model.fbgemm.compare.quantscope.json").fsPath);
      const result = await vscode.commands.executeCommand<ModelJobResult | undefined>("quantscope.compareModels", {
        model: digits("model.onnx"),
        backend: "fbgemm",
        calibration: [digits("calib.npy")],
        evaluation: evaluation(),
        outputDir: inWorkspace("out-compare").fsPath,
      });
      assert.ok(result);
      assert.equal(result.report, inWorkspace("out-compare", "model.fbgemm.compare.quantscope.json").fsPath);
      const report = JSON.parse(fs.readFileSync(result.report, "utf8"));
      assert.equal(report.kind, "quantscope.numeric-report");
      assert.equal(report.layers.length, 8);
      for (const l of report.layers) {
        assert.ok(l.activation_sqnr_db > 10 && l.shadow_sqnr_db > 10, `${l.node}: ${l.activation_sqnr_db} / ${l.shadow_sqnr_db} dB`);
        if (l.weight) assert.ok(l.weight_sqnr_db > 20, `${l.node} weight ${l.weight_sqnr_db} dB`);
      }
      assert.equal(report.sensitivity.ranking.length, report.layers.filter((l: { sensitivity?: unknown }) => l.sensitivity).length);
      const summary = await rendered;
      assert.deepEqual([...summary.charts].sort(), ["histogram", "ranges", "sensitivity", "sqnr"]);

      const params = {
        command: "quantscope.server.whatIf",
        arguments: [{ model: digits("model.onnx"), backend: "fbgemm", calibration: [digits("calib.npy")], evaluation: evaluation(), keepFloat: ["/fc/Gemm"] }],
      };
      const w = (await api.client.sendRequest("workspace/executeCommand", params)) as WhatIfResult;
      assert.deepEqual(w.keepFloat, ["/fc/Gemm"]);
      assert.ok(w.baseline.outputSqnr !== null && w.baseline.outputSqnr > 10, `baseline output SQNR ${w.baseline.outputSqnr}`);
      assert.notEqual(w.variant.outputSqnr, w.baseline.outputSqnr, "keeping the last layer in float changed nothing");
      assert.equal(w.baseline.accuracy, report.result.accuracy, "the what-if baseline is not the compared model");
    });

    it("labels given as calibration data fail with one line naming the file", async () => {
      const api = await activateExtension();
      const bad = digits("test_y.npy");
      const params = { command: "quantscope.server.quantize", arguments: [{ model: digits("model.onnx"), backend: "x86", calibration: [bad] }] };
      await assert.rejects(Promise.resolve(api.client.sendRequest("workspace/executeCommand", params)), (e: Error) => {
        assert.ok(e.message.startsWith(`${bad}:`), e.message);
        assert.match(e.message, /float32/);
        assert.doesNotMatch(e.message, /\n\s+at /, "a stack trace reached the user");
        return true;
      });
    });
  });
}
