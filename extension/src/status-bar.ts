// The QuantScope status bar item: the selected backend and the outcome of the last model run (extension host).
import * as vscode from "vscode";
import type { Engine } from "./settings";

export interface LastRun {
  kind: "Calibrate" | "Quantize" | "Compare";
  model: string;
  backend: Engine;
  ok: boolean;
  summary: string;
  finishedAt: Date;
}

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private backend: Engine;
  private lastRun: LastRun | undefined;
  private running: string | undefined;

  constructor(backend: Engine) {
    this.backend = backend;
    this.item = vscode.window.createStatusBarItem("quantscope.status", vscode.StatusBarAlignment.Right, 100);
    this.item.name = "QuantScope";
    this.item.command = "quantscope.selectBackend";
    this.render();
    this.item.show();
  }

  setBackend(backend: Engine): void {
    this.backend = backend;
    this.render();
  }

  setRunning(what: string | undefined): void {
    this.running = what;
    this.render();
  }

  setLastRun(run: LastRun): void {
    this.lastRun = run;
    this.running = undefined;
    this.render();
  }

  /** What the item shows, for tests and the output channel. */
  get text(): string {
    return this.item.text;
  }

  private render(): void {
    const icon = this.running ? "$(sync~spin)" : this.lastRun && !this.lastRun.ok ? "$(error)" : "$(circuit-board)";
    let text = `${icon} QuantScope: ${this.backend}`;
    if (this.running) text += ` · ${this.running}…`;
    else if (this.lastRun) {
      const r = this.lastRun;
      const where = r.backend === this.backend ? "" : ` (${r.backend})`;
      text += ` · ${r.kind.toLowerCase()}${where} ${r.ok ? "ok" : "failed"} ${clock(r.finishedAt)}`;
    }
    this.item.text = text;
    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendMarkdown(`**QuantScope** · backend \`${this.backend}\` (click to change)\n\n`);
    if (this.lastRun) {
      const r = this.lastRun;
      tip.appendMarkdown(`Last run: ${r.kind} of \`${r.model}\` for ${r.backend} at ${clock(r.finishedAt)}, ${r.ok ? "ok" : "failed"}\n\n`);
      tip.appendText(r.summary);
    } else {
      tip.appendMarkdown("No model run yet.");
    }
    this.item.tooltip = tip;
    this.item.backgroundColor = this.lastRun && !this.lastRun.ok && !this.running ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}

function clock(d: Date): string {
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}
