// Runs a server command (workspace/executeCommand) behind a cancellable progress notification: the work-done
// token carries the server's progress into the notification, Cancel cancels the LSP request (extension host).
import { randomUUID } from "node:crypto";
import * as vscode from "vscode";
import { ExecuteCommandRequest, LSPErrorCodes, ResponseError, WorkDoneProgress, type LanguageClient } from "vscode-languageclient/node";

export class JobCancelled extends Error {
  constructor(title: string) {
    super(`${title}: cancelled`);
    this.name = "JobCancelled";
  }
}

/** Sends `command` with `arg`, showing `title` with the server's progress; resolves to the command's result. */
export async function runServerJob<R>(client: LanguageClient, title: string, command: string, arg: object): Promise<R> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, cancel) => {
      const workDoneToken = randomUUID();
      let lastPercent = 0;
      const sub = client.onProgress(WorkDoneProgress.type, workDoneToken, (p) => {
        if (p.kind === "end") return;
        const percent = p.percentage ?? lastPercent;
        progress.report({ message: p.message, increment: Math.max(0, percent - lastPercent) });
        lastPercent = Math.max(lastPercent, percent);
      });
      try {
        return (await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: [arg], workDoneToken }, cancel)) as R;
      } catch (e) {
        if (cancel.isCancellationRequested || (e instanceof ResponseError && e.code === LSPErrorCodes.RequestCancelled)) {
          throw new JobCancelled(title);
        }
        throw e;
      } finally {
        sub.dispose();
      }
    },
  );
}

/** A one-line message for an error from the server (its message already names the file and the problem). */
export function describeJobError(e: unknown): string {
  if (e instanceof ResponseError) return e.message;
  return e instanceof Error ? e.message : String(e);
}
