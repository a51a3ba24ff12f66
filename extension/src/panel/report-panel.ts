// The QuantScope side panel (a webview view in its own activity-bar container): loads a JSON report, sends
// it to the webview, and serves the webview's requests (open an ONNX node, a source line) (extension host).
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import type { FromWebview, ToWebview } from "../../webview/protocol";
import { toPanelReport, type PanelReport } from "../../webview/report-model";
import { showOnnxNode } from "./onnx-graph-document";

export const PANEL_VIEW_ID = "quantscope.panel";

export class ReportPanel implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private report: { report: PanelReport; file: string } | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** Messages the webview sent, newest last (tests read what the panel rendered through "rendered"). */
  private readonly renderedListeners = new Set<(summary: RenderedSummary) => void>();
  lastRendered: RenderedSummary | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly client: LanguageClient,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  get currentReportFile(): string | undefined {
    return this.report?.file;
  }

  get currentReport(): PanelReport | undefined {
    return this.report?.report;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const dist = vscode.Uri.joinPath(this.extensionUri, "dist");
    const media = vscode.Uri.joinPath(this.extensionUri, "extension", "media");
    view.webview.options = { enableScripts: true, localResourceRoots: [dist, media] };
    view.webview.html = this.html(view.webview, dist, media);
    this.disposables.push(
      view.webview.onDidReceiveMessage((m: FromWebview | { type: "rendered"; summary: RenderedSummary }) => this.onMessage(m)),
      view.onDidDispose(() => (this.view = undefined)),
    );
  }

  /** Loads a report file into the panel and reveals it. Returns false (after telling the user) on a bad file. */
  async showReportFile(file: string): Promise<boolean> {
    let report: PanelReport;
    try {
      report = toPanelReport(JSON.parse(fs.readFileSync(file, "utf8")));
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      this.output.error(`${file}: not a QuantScope report: ${why}`);
      void vscode.window.showErrorMessage(`QuantScope: ${path.basename(file)} is not a QuantScope report: ${why}`);
      return false;
    }
    this.report = { report: resolvePaths(report, path.dirname(file)), file };
    await vscode.commands.executeCommand(`${PANEL_VIEW_ID}.focus`);
    this.post({ type: "report", ...this.report });
    return true;
  }

  /** Resolves with what the webview reports having drawn next (for tests and diagnostics). */
  nextRendered(): Promise<RenderedSummary> {
    return new Promise((resolve) => {
      const once = (s: RenderedSummary): void => {
        this.renderedListeners.delete(once);
        resolve(s);
      };
      this.renderedListeners.add(once);
    });
  }

  private post(message: ToWebview): void {
    void this.view?.webview.postMessage(message);
  }

  private async onMessage(m: FromWebview | { type: "rendered"; summary: RenderedSummary }): Promise<void> {
    switch (m.type) {
      case "ready":
        this.post(this.report ? { type: "report", ...this.report } : { type: "empty", reason: "Run QuantScope: Quantize Model, or open a report." });
        break;
      case "rendered":
        this.lastRendered = m.summary;
        for (const l of [...this.renderedListeners]) l(m.summary);
        break;
      case "openNode": {
        const model = this.report?.report.output ?? this.report?.report.model;
        if (model) await showOnnxNode(this.client, model, m.node, this.output);
        break;
      }
      case "openSource": {
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(m.file));
        const line = Math.max(0, m.line - 1);
        await vscode.window.showTextDocument(doc, { selection: new vscode.Range(line, 0, line, 0), viewColumn: vscode.ViewColumn.One });
        break;
      }
      case "whatIf":
        this.post({ type: "whatIf", keepFloat: m.keepFloat, result: { error: "what-if runs need the model pipeline in the server" } });
        break;
      case "command":
        await vscode.commands.executeCommand(m.command);
        break;
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
    for (const d of this.disposables) d.dispose();
  }
}

/** What the webview says it drew: lets tests assert on the panel without reaching into its DOM. */
export interface RenderedSummary {
  kind: string;
  layers: number;
  charts: string[];
}

/** Paths inside a report are relative to the report's folder; the panel's links need absolute ones. */
function resolvePaths(report: PanelReport, dir: string): PanelReport {
  const abs = (p: string): string => (path.isAbsolute(p) ? p : path.resolve(dir, p));
  return {
    ...report,
    model: abs(report.model),
    output: report.output === undefined ? undefined : abs(report.output),
    layers: report.layers.map((l) => (l.source ? { ...l, source: { ...l.source, file: abs(l.source.file) } } : l)),
  };
}
