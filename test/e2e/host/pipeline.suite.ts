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
      const rendered = api.panel.nextRendered();
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

    it("Compare reports per-layer SQNR and accuracy, and a what-if keeps chosen layers in float", async () => {
      const api = await activateExtension();
      const result = await vscode.commands.executeCommand<ModelJobResult | undefined>("quantscope.compareModels", {
        model: digits("model.onnx"),
        backend: "fbgemm",
        calibration: [digits("calib.npy")],
        evaluation: evaluation(),
        outputDir: inWorkspace("out-compare").fsPath,
      });
      assert.ok(result);
      const report = JSON.parse(fs.readFileSync(result.report, "utf8"));
      assert.ok(report.layers.every((l: { sqnr_db?: number }) => typeof l.sqnr_db === "number" && l.sqnr_db > 10));

      const params = {
        command: "quantscope.server.whatIf",
        arguments: [{ model: digits("model.onnx"), backend: "fbgemm", calibration: [digits("calib.npy")], evaluation: evaluation(), keepFloat: ["/fc/Gemm"] }],
      };
      const w = (await api.client.sendRequest("workspace/executeCommand", params)) as WhatIfResult;
      assert.deepEqual(w.keepFloat, ["/fc/Gemm"]);
      assert.ok(Number.isFinite(w.baselineSqnr) && w.baselineSqnr > 10);
      assert.notEqual(w.outputSqnr, w.baselineSqnr, "keeping the last layer in float changed nothing");
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
