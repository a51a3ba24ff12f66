// What every command handler needs: the language client, the output channel, the status bar and the panel
// (extension host).
import type * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import type { ReportPanel } from "../panel/report-panel";
import type { StatusBar } from "../status-bar";

export interface CommandContext {
  readonly extension: vscode.ExtensionContext;
  readonly client: LanguageClient;
  readonly output: vscode.LogOutputChannel;
  readonly status: StatusBar;
  readonly panel: ReportPanel;
}
