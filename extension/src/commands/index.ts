// Registers every QuantScope command contributed in package.json (extension host).
import * as path from "node:path";
import * as vscode from "vscode";
import { addCalibrationDataPath, readSettings, setBackend, type Engine } from "../settings";
import type { CommandContext } from "./context";
import { runModelJob } from "./model-jobs";
import { pickBackend } from "./pick";
import { openReport } from "./open-report";
import { showOnnxNode } from "../panel/onnx-graph-document";

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const reg = (id: string, fn: (...args: unknown[]) => unknown) => vscode.commands.registerCommand(id, fn);
  return [
    reg("quantscope.quantizeModel", (first) => runModelJob(ctx, "Quantize", first)),
    reg("quantscope.calibrateModel", (first) => runModelJob(ctx, "Calibrate", first)),
    reg("quantscope.compareModels", (first) => runModelJob(ctx, "Compare", first)),
    reg("quantscope.openReport", (first) => openReport(ctx, first)),
    reg("quantscope.selectBackend", async (first) => {
      const backend = typeof first === "string" ? (first as Engine) : await pickBackend();
      if (!backend) return undefined;
      await setBackend(backend);
      ctx.output.info(`backend: ${backend}`);
      return readSettings().backend;
    }),
    reg("quantscope.useAsCalibrationData", async (first) => {
      if (!(first instanceof vscode.Uri)) return;
      const folder = vscode.workspace.getWorkspaceFolder(first);
      const p = folder ? path.relative(folder.uri.fsPath, first.fsPath) : first.fsPath;
      await addCalibrationDataPath(p);
      void vscode.window.showInformationMessage(`QuantScope: ${p} will be offered first as calibration data.`);
    }),
    reg("quantscope.showOutput", () => ctx.output.show()),
    // The panel's "node" links: the model's graph as text, at the node. Hidden from the palette.
    reg("quantscope.showOnnxNode", async (first) => {
      const arg = first as { model?: unknown; node?: unknown } | undefined;
      if (typeof arg?.model !== "string" || typeof arg.node !== "string") return false;
      return showOnnxNode(ctx.client, arg.model, arg.node, ctx.output);
    }),
  ];
}
