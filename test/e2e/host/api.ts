// Helpers shared by the extension-host suites: the activated extension's API, the test workspace, polling
// (extension-host test process).
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as vscode from "vscode";
import type { QuantScopeApi } from "../../../extension/src/main";

export const EXTENSION_ID = "quantscope.quantscope";

/** The repository root: the suite is bundled to .ci/vscode/out/host/index.js. */
export function repoRoot(): string {
  return path.resolve(__dirname, "../../../..");
}

export async function activateExtension(): Promise<QuantScopeApi> {
  const ext = vscode.extensions.getExtension<QuantScopeApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded in this VS Code`);
  const api = await ext.activate();
  assert.ok(api?.client, "activate() did not return the QuantScope API");
  return api;
}

export function workspaceDir(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, "the end-to-end tests need a workspace folder (the runner opens one)");
  return folder.uri;
}

export function inWorkspace(...parts: string[]): vscode.Uri {
  return vscode.Uri.joinPath(workspaceDir(), ...parts);
}

/** Polls `probe` until it returns a value that is not undefined, or fails after `timeoutMs` with `what`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
