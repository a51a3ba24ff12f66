// VS Code entry point: starts the QuantScope language server, registers the commands, the status bar item
// and the side panel (extension host). The server does the work; this side only asks and shows.
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import { createClient } from "./client";
import { registerCommands } from "./commands/index";
import type { CommandContext } from "./commands/context";
import { registerOnnxGraphDocuments } from "./panel/onnx-graph-document";
import { PANEL_VIEW_ID, ReportPanel } from "./panel/report-panel";
import { readSettings } from "./settings";
import { StatusBar } from "./status-bar";

let client: LanguageClient | undefined;

/** What activate() returns to other extensions and to the end-to-end tests. */
export interface QuantScopeApi {
  readonly client: LanguageClient;
  readonly status: StatusBar;
  readonly panel: ReportPanel;
}

export async function activate(context: vscode.ExtensionContext): Promise<QuantScopeApi> {
  const output = vscode.window.createOutputChannel("QuantScope", { log: true });
  const status = new StatusBar(readSettings().backend);
  client = createClient(context, output);
  const panel = new ReportPanel(context.extensionUri, client, output);
  const ctx: CommandContext = { extension: context, client, output, status, panel };

  context.subscriptions.push(
    output,
    status,
    panel,
    vscode.window.registerWebviewViewProvider(PANEL_VIEW_ID, panel, { webviewOptions: { retainContextWhenHidden: true } }),
    registerOnnxGraphDocuments(),
    ...registerCommands(ctx),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("quantscope.backend")) status.setBackend(readSettings().backend);
    }),
  );

  try {
    await client.start();
  } catch (e) {
    output.error(`the QuantScope language server did not start: ${e instanceof Error ? e.message : String(e)}`);
    void vscode.window.showErrorMessage("QuantScope: the language server did not start; see the QuantScope output.");
  }
  return { client, status, panel };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
