// Calibrate, Quantize and Compare: gather the model, backend and calibration data (from the arguments or
// pickers), ask the server to run the job with progress and cancel, then show the report (extension host).
import * as path from "node:path";
import * as vscode from "vscode";
import type { ModelJobParams, ModelJobResult, ServerCommandId } from "../../../server/src/handlers/commands";
import { readSettings, type Engine } from "../settings";
import { describeJobError, JobCancelled, runServerJob } from "../server-jobs";
import type { LastRun } from "../status-bar";
import type { CommandContext } from "./context";
import { pickBackend, pickCalibrationData, pickEvaluation, pickModel } from "./pick";

export type JobKind = LastRun["kind"];

const SERVER_COMMAND: Record<JobKind, ServerCommandId> = {
  Calibrate: "quantscope.server.calibrate",
  Quantize: "quantscope.server.quantize",
  Compare: "quantscope.server.compare",
};

/** Arguments a caller may pass instead of answering pickers (tests, other extensions, the panel). */
export interface ModelJobArgs {
  model?: string | vscode.Uri;
  backend?: Engine;
  calibration?: (string | vscode.Uri)[];
  /** Inputs and labels for accuracy and SQNR; null: none, even if the settings name some. */
  evaluation?: { data: string | vscode.Uri; labels: string | vscode.Uri } | null;
  outputDir?: string;
}

function fsPath(p: string | vscode.Uri): string {
  return typeof p === "string" ? p : p.fsPath;
}

/** Explorer menus pass (clicked, selected[]); the palette passes nothing; tests pass a ModelJobArgs. */
function argsFrom(first: unknown): ModelJobArgs {
  if (first instanceof vscode.Uri) {
    return first.fsPath.toLowerCase().endsWith(".npy") ? { calibration: [first] } : { model: first };
  }
  if (typeof first === "object" && first !== null) return first as ModelJobArgs;
  return {};
}

async function resolveParams(kind: JobKind, args: ModelJobArgs): Promise<ModelJobParams | undefined> {
  const settings = readSettings();
  const model = args.model ?? (await pickModel());
  if (!model) return undefined;
  const backend = args.backend ?? (args.model ? settings.backend : await pickBackend(`QuantScope: ${kind.toLowerCase()} for which backend?`));
  if (!backend) return undefined;
  let calibration = args.calibration?.map(fsPath);
  if (!calibration) {
    const picked = await pickCalibrationData();
    if (!picked) return undefined;
    calibration = [picked.fsPath];
  }
  let evaluation: ModelJobParams["evaluation"];
  if (args.evaluation) evaluation = { data: fsPath(args.evaluation.data), labels: fsPath(args.evaluation.labels) };
  else if (args.evaluation === undefined && settings.evaluationData && settings.evaluationLabels) {
    evaluation = { data: settings.evaluationData, labels: settings.evaluationLabels };
  }
  if (!evaluation && kind === "Compare") {
    evaluation = await pickEvaluation();
    if (!evaluation) return undefined;
  }
  const params: ModelJobParams = { model: fsPath(model), backend, calibration };
  if (kind !== "Calibrate" && evaluation) params.evaluation = evaluation;
  // The settings use the qconfig observer names; the server checks them.
  if (settings.activationObserver !== "default") params.activationObserver = settings.activationObserver as ModelJobParams["activationObserver"];
  if (settings.weightObserver !== "default") params.weightObserver = settings.weightObserver as ModelJobParams["weightObserver"];
  if (settings.batchSize) params.batchSize = settings.batchSize;
  if (settings.qconfig) params.qconfig = settings.qconfig;
  if (args.outputDir) params.outputDir = args.outputDir;
  return params;
}

export async function runModelJob(ctx: CommandContext, kind: JobKind, first: unknown): Promise<ModelJobResult | undefined> {
  // Model jobs write files: in Restricted Mode only diagnostics run (package.json declares limited support).
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showErrorMessage(`QuantScope: ${kind} writes files; trust this workspace first (Workspaces: Manage Workspace Trust).`);
    return undefined;
  }
  const params = await resolveParams(kind, argsFrom(first));
  if (!params) return undefined;
  const name = path.basename(params.model);
  const title = `QuantScope: ${kind} ${name} (${params.backend})`;
  ctx.output.info(`${kind}: ${params.model} backend=${params.backend} calibration=${params.calibration.join(", ")}`);
  ctx.status.setRunning(`${kind.toLowerCase()} ${name}`);
  try {
    const result = await runServerJob<ModelJobResult>(ctx.client, title, SERVER_COMMAND[kind], params);
    ctx.output.info(`${kind} done in ${(result.elapsedMs / 1000).toFixed(1)} s: ${result.summary}`);
    if (result.output) ctx.output.info(`  model:  ${result.output}`);
    ctx.output.info(`  report: ${result.report}`);
    ctx.status.setLastRun({ kind, model: name, backend: params.backend, ok: true, summary: result.summary, finishedAt: new Date() });
    await ctx.panel.showReportFile(result.report, params);
    return result;
  } catch (e) {
    const cancelled = e instanceof JobCancelled;
    const message = describeJobError(e);
    ctx.output.warn(`${kind} ${cancelled ? "cancelled" : "failed"}: ${message}`);
    ctx.status.setLastRun({ kind, model: name, backend: params.backend, ok: false, summary: cancelled ? "cancelled" : message, finishedAt: new Date() });
    if (!cancelled) {
      void vscode.window.showErrorMessage(`QuantScope ${kind}: ${message}`, "Show Output").then((a) => a && ctx.output.show());
    }
    return undefined;
  }
}
