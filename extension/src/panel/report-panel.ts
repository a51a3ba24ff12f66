// The QuantScope side panel (a webview view in its own activity-bar container): loads a report, sends it to
// the webview, and serves the webview's requests: open an ONNX node or a source line, run a what-if on the
// server (extension host).
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { CancellationTokenSource, ExecuteCommandRequest, type LanguageClient } from "vscode-languageclient/node";
import type { ModelJobParams, WhatIfResult } from "../../../server/src/handlers/commands";
import type { FromWebview, RenderedSummary, ToWebview } from "../../webview/protocol";
import { toPanelReport, type PanelReport } from "../../webview/report-model";
import { isInsideFolder } from "../../../core/src/node/paths";
import { describeJobError } from "../server-jobs";
import { showOnnxNode } from "./onnx-graph-document";
import { addSourceLinks } from "./source-links";

export const PANEL_VIEW_ID = "quantscope.panel";

interface Shown {
  report: PanelReport;
  file: string;
  /** The run that produced it in this window, if any: what-if runs repeat it with layers in float. */
  job?: ModelJobParams;
}

export class ReportPanel implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private shown: Shown | undefined;
  private whatIfCancel: CancellationTokenSource | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly renderedListeners = new Set<(summary: RenderedSummary) => void>();
  /** What the webview last said it drew. */
  lastRendered: RenderedSummary | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly client: LanguageClient,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  get currentReportFile(): string | undefined {
    return this.shown?.file;
  }

  get currentReport(): PanelReport | undefined {
    return this.shown?.report;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const dist = vscode.Uri.joinPath(this.extensionUri, "dist");
    const media = vscode.Uri.joinPath(this.extensionUri, "extension", "media");
    view.webview.options = { enableScripts: true, localResourceRoots: [dist, media] };
    view.webview.html = this.html(view.webview, dist, media);
    this.disposables.push(
      view.webview.onDidReceiveMessage((m: FromWebview) => this.onMessage(m)),
      view.onDidDispose(() => (this.view = undefined)),
    );
  }

  /** Loads a report file into the panel and reveals it. Returns false (after telling the user) on a bad file. */
  async showReportFile(file: string, job?: ModelJobParams): Promise<boolean> {
    let report: PanelReport;
    try {
      report = toPanelReport(JSON.parse(fs.readFileSync(file, "utf8")));
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      this.output.error(`${file}: not a QuantScope report: ${why}`);
      void vscode.window.showErrorMessage(`QuantScope: ${path.basename(file)} is not a QuantScope report: ${why}`);
      return false;
    }
    this.shown = { report: addSourceLinks(resolvePaths(report, path.dirname(file))), file, job };
    await vscode.commands.executeCommand(`${PANEL_VIEW_ID}.focus`);
    this.postReport();
    return true;
  }

  /** Resolves with what the webview reports having drawn for `file`, next (for tests and diagnostics). */
  renderedFor(file: string): Promise<RenderedSummary> {
    return new Promise((resolve) => {
      const once = (s: RenderedSummary): void => {
        if (s.file !== file) return;
        this.renderedListeners.delete(once);
        resolve(s);
      };
      this.renderedListeners.add(once);
    });
  }

  private postReport(): void {
    if (!this.shown) return;
    const { report, file, job } = this.shown;
    this.post({ type: "report", report, file, whatIf: !!job?.evaluation });
  }

  /** The source files the shown report links to (after addSourceLinks). */
  private linkedSources(): Set<string> {
    const files = new Set<string>();
    for (const l of this.shown?.report.layers ?? []) if (l.source) files.add(l.source.file);
    return files;
  }

  private post(message: ToWebview): void {
    void this.view?.webview.postMessage(message);
  }

  private async onMessage(m: FromWebview): Promise<void> {
    switch (m.type) {
      case "ready":
        if (this.shown) this.postReport();
        else this.post({ type: "empty", reason: "No report yet. Quantize or compare a model, or open a report file." });
        break;
      case "rendered":
        this.lastRendered = m.summary;
        for (const l of [...this.renderedListeners]) l(m.summary);
        break;
      case "openNode": {
        const model = this.shown?.report.model;
        if (model) await showOnnxNode(this.client, model, m.node, this.output);
        break;
      }
      case "openSource": {
        // Only files the extension itself linked (inside a workspace folder): a report cannot open others.
        if (!this.linkedSources().has(m.file) || !insideWorkspace(m.file)) {
          this.output.warn(`refused to open ${JSON.stringify(m.file)}: not a source file of this report inside the workspace`);
          break;
        }
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(m.file));
        const line = Math.max(0, m.line - 1);
        await vscode.window.showTextDocument(doc, { selection: new vscode.Range(line, 0, line, 0), viewColumn: vscode.ViewColumn.One });
        break;
      }
      case "whatIf":
        await this.whatIf(m.keepFloat);
        break;
      case "command":
        if (PANEL_COMMANDS.has(m.command)) await vscode.commands.executeCommand(m.command);
        else this.output.warn(`refused panel command ${JSON.stringify(m.command)}`);
        break;
    }
  }

  private async whatIf(keepFloat: string[]): Promise<void> {
    const job = this.shown?.job;
    if (!job?.evaluation) {
      this.post({ type: "whatIf", keepFloat, result: { error: "this report was not produced with evaluation data in this window" } });
      return;
    }
    this.whatIfCancel?.cancel(); // only the newest selection matters
    const cancel = (this.whatIfCancel = new CancellationTokenSource());
    try {
      const params = { command: "quantscope.server.whatIf", arguments: [{ ...job, keepFloat }] };
      const result = (await this.client.sendRequest(ExecuteCommandRequest.type, params, cancel.token)) as WhatIfResult;
      const db = (v: number | null): string => (v === null ? "exact" : `${v.toFixed(2)} dB`);
      this.output.info(`what-if (${keepFloat.join(", ")} in float): output SQNR ${db(result.variant.outputSqnr)} vs ${db(result.baseline.outputSqnr)} all int8`);
      this.post({ type: "whatIf", keepFloat, result });
    } catch (e) {
      if (!cancel.token.isCancellationRequested) this.post({ type: "whatIf", keepFloat, result: { error: describeJobError(e) } });
    }
  }

  private html(webview: vscode.Webview, dist: vscode.Uri, media: vscode.Uri): string {
    const nonce = randomBytes(16).toString("base64");
    const script = webview.asWebviewUri(vscode.Uri.joinPath(dist, "webview.js"));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(media, "panel.css"));
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `img-src ${webview.cspSource} data:`,
      `font-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join("; ");
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>QuantScope</title>
</head>
<body>
<main id="app" aria-live="polite"><p class="empty">Loading…</p></main>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  dispose(): void {
    this.whatIfCancel?.cancel();
    for (const d of this.disposables) d.dispose();
  }
}

/** Relative paths in a report are taken from the report's folder, then from the workspace folder. */
function resolvePaths(report: PanelReport, dir: string): PanelReport {
  const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const abs = (p: string): string => {
    if (!p || path.isAbsolute(p)) return p;
    const beside = path.resolve(dir, p);
    if (fs.existsSync(beside) || !workspace) return beside;
    return path.resolve(workspace, p);
  };
  return {
    ...report,
    model: abs(report.model),
    layers: report.layers.map((l) => (l.source ? { ...l, source: { ...l.source, file: abs(l.source.file) } } : l)),
  };
}

/** The only commands the panel's buttons may run (the webview is untrusted input). */
const PANEL_COMMANDS: ReadonlySet<string> = new Set(["quantscope.quantizeModel", "quantscope.openReport", "quantscope.compareModels"]);

/** True when `file` lies inside one of the workspace folders (after resolving `..` and symbolic links). */
function insideWorkspace(file: string): boolean {
  return (vscode.workspace.workspaceFolders ?? []).some((f) => isInsideFolder(file, f.uri.fsPath));
}
