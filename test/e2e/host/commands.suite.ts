// Extension-host suite: activation, the contributed commands, Select Backend and the status bar, and the
// server's ONNX reader behind an LSP command (extension-host test process).
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import type { DescribeModelResult } from "../../../server/src/handlers/commands";
import { activateExtension, EXTENSION_ID, inWorkspace } from "./api";
import { after, describe, it } from "./bdd";

export function defineCommandSuite(): void {
  describe("commands", () => {
    after(async () => {
      await vscode.workspace.getConfiguration("quantscope").update("backend", undefined, vscode.ConfigurationTarget.Workspace);
    });

    it("activates and registers every command package.json contributes", async () => {
      await activateExtension();
      const contributed = (vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.commands as { command: string }[]).map(
        (c) => c.command,
      );
      assert.ok(contributed.length >= 5, `package.json contributes only ${contributed.length} commands`);
      for (const id of ["quantscope.quantizeModel", "quantscope.calibrateModel", "quantscope.compareModels", "quantscope.openReport", "quantscope.selectBackend"]) {
        assert.ok(contributed.includes(id), `${id} is not contributed`);
      }
      const registered = new Set(await vscode.commands.getCommands(true));
      const missing = contributed.filter((id) => !registered.has(id));
      assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(", ")}`);
    });

    it("Select Backend writes the setting and the status bar follows", async () => {
      const api = await activateExtension();
      const chosen = await vscode.commands.executeCommand<string>("quantscope.selectBackend", "qnnpack");
      assert.equal(chosen, "qnnpack");
      assert.equal(vscode.workspace.getConfiguration("quantscope").get("backend"), "qnnpack");
      assert.match(api.status.text, /QuantScope: qnnpack/);
      await vscode.commands.executeCommand("quantscope.selectBackend", "onednn");
      assert.match(api.status.text, /QuantScope: onednn/);
    });

    it("the server reads the bundled digits model with QuantScope's ONNX reader", async () => {
      await activateExtension();
      const model = inWorkspace("digits", "model.onnx").fsPath;
      const g = await vscode.commands.executeCommand<DescribeModelResult>("quantscope.server.describeModel", { model });
      assert.equal(g.model, model);
      assert.ok(g.opset >= 13, `opset ${g.opset}`);
      const ops = new Set(g.nodes.map((n) => n.opType));
      for (const op of ["Conv", "Relu", "Add", "Gemm"]) assert.ok(ops.has(op) || (op === "Gemm" && ops.has("MatMul")), `no ${op} node in ${[...ops].join(", ")}`);
      assert.ok(g.initializerCount > 0);
    });

    it("a file that is not ONNX gives one clear error naming it", async () => {
      await activateExtension();
      const bogus = inWorkspace("digits", "README.md").fsPath;
      await assert.rejects(
        Promise.resolve(vscode.commands.executeCommand("quantscope.server.describeModel", { model: bogus })),
        (e: Error) => e.message.includes(bogus) && /not a valid ONNX model/.test(e.message),
      );
    });
  });
}
