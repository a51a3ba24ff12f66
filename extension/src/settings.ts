// Typed view of the quantscope.* settings and the one place that writes them (extension host).
import * as path from "node:path";
import * as vscode from "vscode";
import { ENGINES, isEngine, type Engine } from "../../core/src/backends/engine";

export { ENGINES, type Engine };

export interface QuantScopeSettings {
  backend: Engine;
  /** "default" or a qconfig observer kind (minmax, histogram, ...). */
  activationObserver: string;
  weightObserver: string;
  calibrationDataPaths: string[];
  batchSize: number | undefined;
  /** Absolute paths, or undefined when not set. */
  evaluationData: string | undefined;
  evaluationLabels: string | undefined;
  qconfig: string | undefined;
}

/** Settings hold paths relative to the (first) workspace folder; commands need absolute ones. */
export function resolveWorkspacePath(p: string): string {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return path.isAbsolute(p) || !folder ? p : path.join(folder, p);
}

export function readSettings(scope?: vscode.ConfigurationScope): QuantScopeSettings {
  const c = vscode.workspace.getConfiguration("quantscope", scope);
  const backend = c.get<string>("backend", "x86");
  const optionalPath = (key: string): string | undefined => {
    const v = c.get<string>(key, "").trim();
    return v ? resolveWorkspacePath(v) : undefined;
  };
  const batch = c.get<number | null>("calibration.batchSize", null);
  return {
    backend: isEngine(backend) ? backend : "x86",
    activationObserver: c.get<string>("observer.activation", "default"),
    weightObserver: c.get<string>("observer.weight", "default"),
    calibrationDataPaths: c.get<string[]>("calibration.dataPaths", []).map(resolveWorkspacePath),
    batchSize: typeof batch === "number" && batch > 0 ? batch : undefined,
    evaluationData: optionalPath("evaluation.data"),
    evaluationLabels: optionalPath("evaluation.labels"),
    qconfig: optionalPath("qconfig"),
  };
}

/** Writes to the workspace when a folder is open (the backend is a property of the project), else globally. */
function target(): vscode.ConfigurationTarget {
  return vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
}

export async function setBackend(backend: Engine): Promise<void> {
  await vscode.workspace.getConfiguration("quantscope").update("backend", backend, target());
}

export async function addCalibrationDataPath(p: string): Promise<void> {
  const c = vscode.workspace.getConfiguration("quantscope");
  const current = c.get<string[]>("calibration.dataPaths", []);
  if (!current.includes(p)) await c.update("calibration.dataPaths", [...current, p], target());
}
