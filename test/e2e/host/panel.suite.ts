// Extension-host suite: Open Report loads a report file into the side panel, the webview draws its charts,
// and a file that is not a report is refused with a clear message (extension-host test process).
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as vscode from "vscode";
import { activateExtension, inWorkspace } from "./api";
import { describe, it } from "./bdd";

export function definePanelSuite(): void {
  describe("side panel", () => {
    it("Open Report shows the report's layers, SQNR and calibration charts", async () => {
      const api = await activateExtension();
      const file = inWorkspace("reports", "digits-x86.quantscope.json").fsPath;
      const rendered = api.panel.renderedFor(file);
      const ok = await vscode.commands.executeCommand<boolean>("quantscope.openReport", file);
      assert.equal(ok, true);
      assert.equal(api.panel.currentReportFile, file);
      const summary = await Promise.race([
        rendered,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error("the webview did not render the report within 60 s")), 60_000)),
      ]);
      assert.equal(summary.kind, "quantize");
      // The digits CNN: 8 int8 ops (4 convs, add+relu, pool, flatten, gemm) and 7 observed activations.
      assert.equal(summary.layers, 8);
      assert.equal(summary.activations, 7);
      for (const chart of ["sqnr", "ranges"]) assert.ok(summary.charts.includes(chart), `no ${chart} chart in ${summary.charts.join(", ")}`);
      const report = api.panel.currentReport!;
      assert.ok(path.isAbsolute(report.model) && report.model.endsWith(path.join("digits", "model.onnx")), `model path not resolved: ${report.model}`);
      assert.ok(report.layers.every((l) => l.sqnr?.propagated !== undefined && l.sqnr.propagated > 10), "every layer should have a plausible SQNR");
      // Source links: digits/model.py beside the model defines the modules the node names come from.
      const modelPy = inWorkspace("digits", "model.py").fsPath;
      const source = (node: string) => report.layers.find((l) => l.node === node)?.source;
      assert.deepEqual(source("/conv2/Conv"), { file: modelPy, line: 14 });
      assert.deepEqual(source("/fc/Gemm"), { file: modelPy, line: 24 });
      assert.equal(source("/Add"), undefined, "a node outside any module has no definition line");
    });

    it("a layer's node link opens the ONNX graph as text at that node", async () => {
      await activateExtension();
      const model = inWorkspace("digits", "model.onnx").fsPath;
      const found = await vscode.commands.executeCommand<boolean>("quantscope.showOnnxNode", { model, node: "/conv2/Conv" });
      assert.equal(found, true);
      const editor = vscode.window.activeTextEditor;
      assert.ok(editor, "no editor opened");
      assert.equal(editor.document.uri.scheme, "quantscope-onnx");
      const line = editor.document.lineAt(editor.selection.active.line).text;
      assert.match(line, /^\/conv2\/Conv = Conv\(\/relu1\/Relu_output_0, /);
      assert.match(line, /strides=\[2, 2\]/);
    });

    it("a numeric report draws weight/shadow SQNR, the sensitivity ranking and the histograms", async () => {
      const api = await activateExtension();
      const file = inWorkspace("reports", "digits-x86.compare.quantscope.json").fsPath;
      const rendered = api.panel.renderedFor(file);
      assert.equal(await vscode.commands.executeCommand<boolean>("quantscope.openReport", file), true);
      const summary = await rendered;
      assert.equal(summary.kind, "compare");
      assert.deepEqual([...summary.charts].sort(), ["histogram", "ranges", "sensitivity", "sqnr"]);
    });

    it("refuses a JSON file that is not a QuantScope report", async () => {
      const api = await activateExtension();
      const before = api.panel.currentReportFile;
      const notReport = inWorkspace("reports", "not-a-report.quantscope.json").fsPath;
      const ok = await vscode.commands.executeCommand<boolean>("quantscope.openReport", notReport);
      assert.equal(ok, false);
      assert.equal(api.panel.currentReportFile, before, "a bad file replaced the report on screen");
    });
  });
}
