// Pickers for the model commands: the ONNX model, the backend and the calibration data, each skipped when the
// caller (explorer menu, test, another command) already supplied it (extension host).
import * as path from "node:path";
import * as vscode from "vscode";
import { ENGINES, readSettings, type Engine } from "../settings";

const ENGINE_DETAIL: Record<Engine, string> = {
  x86: "PyTorch's default server backend (fbgemm kernels, VNNI-aware requantization)",
  fbgemm: "Server CPUs; reduce_range on activations for AVX2 without VNNI",
  qnnpack: "ARM phones and Android (per-tensor weights, restricted activation range)",
  onednn: "Intel oneDNN: servers with AVX-512/AMX",
};

function relative(uri: vscode.Uri): string {
  return vscode.workspace.asRelativePath(uri, false);
}

async function pickFile(title: string, glob: string, filters: Record<string, string[]>, preferred: string[] = []): Promise<vscode.Uri | undefined> {
  const found = await vscode.workspace.findFiles(glob, "**/node_modules/**", 500);
  const rank = (u: vscode.Uri): number => {
    const i = preferred.indexOf(u.fsPath);
    return i < 0 ? preferred.length : i;
  };
  found.sort((a, b) => rank(a) - rank(b) || relative(a).localeCompare(relative(b)));
  type Item = vscode.QuickPickItem & { uri?: vscode.Uri };
  const items: Item[] = found.map((uri) => ({ label: path.basename(uri.fsPath), description: relative(uri), uri }));
  items.push({ label: "$(folder-opened) Browse…", alwaysShow: true });
  const chosen = await vscode.window.showQuickPick(items, { title, placeHolder: "Type to filter", matchOnDescription: true, ignoreFocusOut: true });
  if (!chosen) return undefined;
  if (chosen.uri) return chosen.uri;
  const picked = await vscode.window.showOpenDialog({ title, canSelectMany: false, filters, defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri });
  return picked?.[0];
}

export function pickModel(): Promise<vscode.Uri | undefined> {
  return pickFile("QuantScope: ONNX model to use", "**/*.onnx", { "ONNX models": ["onnx"] });
}

export async function pickBackend(title = "QuantScope: target backend"): Promise<Engine | undefined> {
  const current = readSettings().backend;
  const items = ENGINES.map((e) => ({ label: e, description: e === current ? "current" : undefined, detail: ENGINE_DETAIL[e], engine: e }));
  items.sort((a, b) => Number(b.engine === current) - Number(a.engine === current));
  const chosen = await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true });
  return chosen?.engine;
}

/** Calibration data: the files named in the settings first, then every .npy/.npz in the workspace. */
export async function pickCalibrationData(): Promise<vscode.Uri | undefined> {
  const preferred = readSettings().calibrationDataPaths;
  return pickFile("QuantScope: calibration data (.npy float32, samples first; .npz by input name)", "**/*.{npy,npz}", { "NumPy arrays": ["npy", "npz"] }, preferred);
}

/** Evaluation inputs and labels, for Compare when the settings name none. */
export async function pickEvaluation(): Promise<{ data: string; labels: string } | undefined> {
  const data = await pickFile("QuantScope: evaluation inputs (.npy float32, samples first)", "**/*.{npy,npz}", { "NumPy arrays": ["npy", "npz"] });
  if (!data) return undefined;
  const labels = await pickFile("QuantScope: evaluation labels (.npy integers, one per sample)", "**/*.npy", { "NumPy arrays": ["npy"] });
  return labels && { data: data.fsPath, labels: labels.fsPath };
}
