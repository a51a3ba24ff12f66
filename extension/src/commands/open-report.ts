// Open Report: show a QuantScope JSON report in the side panel (the last run's by default) (extension host).
import * as vscode from "vscode";
import type { CommandContext } from "./context";

export async function openReport(ctx: CommandContext, first: unknown): Promise<boolean> {
  let file: string | undefined;
  if (first instanceof vscode.Uri) file = first.fsPath;
  else if (typeof first === "string") file = first;
  if (!file) {
    const found = await vscode.workspace.findFiles("**/*.quantscope.json", "**/node_modules/**", 100);
    const items = found.map((u) => ({ label: vscode.workspace.asRelativePath(u, false), uri: u }));
    const last = ctx.panel.currentReportFile;
    items.sort((a, b) => Number(b.uri.fsPath === last) - Number(a.uri.fsPath === last) || a.label.localeCompare(b.label));
    const browse = { label: "$(folder-opened) Browse…", uri: undefined as vscode.Uri | undefined };
    const chosen = await vscode.window.showQuickPick([...items, browse], { title: "QuantScope: report to open", ignoreFocusOut: true });
    if (!chosen) return false;
    file = chosen.uri?.fsPath;
    if (!file) {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { "QuantScope reports": ["json"] } });
      file = picked?.[0]?.fsPath;
    }
  }
  if (!file) return false;
  return ctx.panel.showReportFile(file);
}
