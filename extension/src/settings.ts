// Typed view of the quantscope.* settings and the one place that writes them (extension host).
import * as vscode from "vscode";
import { ENGINES, isEngine, type Engine } from "../../core/src/backends/engine";

export { ENGINES, type Engine };

export interface QuantScopeSettings {
  backend: Engine;
  activationObserver: string;
  weightObserver: string;
  calibrationDataPaths: string[];
  maxSamples: number;
}

export function readSettings(scope?: vscode.ConfigurationScope): QuantScopeSettings {
  const c = vscode.workspace.getConfiguration("quantscope", scope);
  const backend = c.get<string>("backend", "x86");
  return {
    backend: isEngine(backend) ? backend : "x86",
    activationObserver: c.get<string>("observer.activation", "default"),
    weightObserver: c.get<string>("observer.weight", "default"),
    calibrationDataPaths: c.get<string[]>("calibration.dataPaths", []),
    maxSamples: c.get<number>("calibration.maxSamples", 256),
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
