// A small LSP client for the protocol tests: spawns `node dist/server.js --stdio` (or --node-ipc), speaks
// JSON-RPC through vscode-jsonrpc, answers the server's requests (workspace/configuration, registrations) and
// collects its notifications (test process).
import { spawn, fork, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import {
  createMessageConnection,
  IPCMessageReader,
  IPCMessageWriter,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from "vscode-jsonrpc/node";
import type {
  ClientCapabilities,
  Diagnostic,
  InitializeResult,
  PublishDiagnosticsParams,
  TextDocumentContentChangeEvent,
} from "vscode-languageserver-protocol";
import { repoRoot } from "../helpers/shared";

export const SERVER = path.join(repoRoot, "dist/server.js");

export interface StartOptions {
  /** Advertise pull diagnostics (textDocument/diagnostic); the server must then not push. */
  pull?: boolean;
  snippets?: boolean;
  /** Answer workspace/configuration with this `quantscope` section (undefined: no configuration capability). */
  settings?: Record<string, unknown>;
  /** Workspace folder path (for pyproject.toml). */
  workspace?: string;
  transport?: "stdio" | "ipc";
  versionedEdits?: boolean;
}

function capabilities(o: StartOptions): ClientCapabilities {
  return {
    workspace: {
      workspaceFolders: true,
      configuration: o.settings !== undefined,
      didChangeConfiguration: { dynamicRegistration: true },
      didChangeWatchedFiles: { dynamicRegistration: true },
      workspaceEdit: { documentChanges: o.versionedEdits ?? false },
      diagnostics: o.pull ? { refreshSupport: true } : undefined,
    },
    textDocument: {
      synchronization: { didSave: false },
      hover: { contentFormat: ["markdown", "plaintext"] },
      completion: { completionItem: { snippetSupport: o.snippets ?? false, documentationFormat: ["markdown"] } },
      documentSymbol: { hierarchicalDocumentSymbolSupport: true },
      codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ["quickfix"] } } },
      publishDiagnostics: { versionSupport: true },
      ...(o.pull ? { diagnostic: { dynamicRegistration: false } } : {}),
    },
  };
}

export class TestClient {
  readonly published: PublishDiagnosticsParams[] = [];
  readonly logs: string[] = [];
  readonly registrations: string[] = [];
  refreshRequests = 0;
  stderr = "";
  settings: Record<string, unknown> | undefined;
  private waiters: (() => void)[] = [];

  initializeResult!: InitializeResult;

  private constructor(
    readonly child: ChildProcess,
    readonly rpc: MessageConnection,
  ) {}

  static async start(options: StartOptions = {}): Promise<TestClient> {
    const ipc = options.transport === "ipc";
    const child = ipc
      ? fork(SERVER, ["--node-ipc"], { stdio: ["pipe", "pipe", "pipe", "ipc"] })
      : spawn(process.execPath, [SERVER, "--stdio"], { stdio: ["pipe", "pipe", "pipe"] });
    const rpc = ipc
      ? createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child))
      : createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const client = new TestClient(child, rpc);
    client.settings = options.settings;
    rpc.onNotification("textDocument/publishDiagnostics", (p: PublishDiagnosticsParams) => {
      client.published.push(p);
      client.wake();
    });
    rpc.onNotification("window/logMessage", (p: { message: string }) => {
      client.logs.push(p.message);
      client.wake();
    });
    rpc.onNotification("window/showMessage", (p: { message: string }) => {
      client.logs.push(`showMessage: ${p.message}`);
      client.wake();
    });
    rpc.onRequest("workspace/configuration", (p: { items: { section?: string }[] }) => p.items.map(() => client.settings ?? null));
    rpc.onRequest("client/registerCapability", (p: { registrations: { method: string }[] }) => {
      client.registrations.push(...p.registrations.map((r) => r.method));
      client.wake();
      return null;
    });
    rpc.onRequest("workspace/diagnostic/refresh", () => {
      client.refreshRequests++;
      client.wake();
      return null;
    });
    rpc.onRequest("window/showMessageRequest", () => null);
    rpc.onRequest("window/workDoneProgress/create", () => null);
    child.stderr?.on("data", (d: Buffer) => (client.stderr += d.toString()));
    rpc.listen();
    const workspaceFolders = options.workspace ? [{ uri: fileUri(options.workspace), name: "ws" }] : null;
    client.initializeResult = (await rpc.sendRequest("initialize", {
      processId: process.pid,
      rootUri: workspaceFolders?.[0].uri ?? null,
      workspaceFolders,
      capabilities: capabilities(options),
    })) as InitializeResult;
    await rpc.sendNotification("initialized", {});
    return client;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves once `predicate` holds, re-checking on every message from the server; rejects after `ms`. */
  async until<T>(what: string, predicate: () => T | undefined | false, ms = 10_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = predicate();
      if (v) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; server log:\n${this.logs.join("\n")}\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The latest diagnostics published for `uri` at `version` (or any version), once they arrive. */
  diagnostics(uri: string, version?: number, accept: (d: Diagnostic[]) => boolean = () => true): Promise<Diagnostic[]> {
    return this.until(`diagnostics for ${uri}${version !== undefined ? ` v${version}` : ""}`, () => {
      for (let i = this.published.length - 1; i >= 0; i--) {
        const p = this.published[i];
        if (p.uri !== uri) continue;
        if (version !== undefined && p.version !== version) return undefined;
        return accept(p.diagnostics) ? p.diagnostics : undefined;
      }
      return undefined;
    });
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.rpc.sendRequest(method, params) as Promise<R>;
  }

  open(uri: string, text: string, languageId = "json", version = 1): Promise<void> {
    return this.rpc.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId, version, text } });
  }

  change(uri: string, version: number, contentChanges: TextDocumentContentChangeEvent[]): Promise<void> {
    return this.rpc.sendNotification("textDocument/didChange", { textDocument: { uri, version }, contentChanges });
  }

  close(uri: string): Promise<void> {
    return this.rpc.sendNotification("textDocument/didClose", { textDocument: { uri } });
  }

  /** shutdown + exit; resolves with the server's exit code. */
  async stop(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => {
      if (this.child.exitCode !== null) resolve(this.child.exitCode);
      this.child.once("exit", (code) => resolve(code));
    });
    await this.rpc.sendRequest("shutdown");
    await this.rpc.sendNotification("exit");
    const code = await Promise.race([exited, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 5000))]);
    this.rpc.dispose();
    if (code === "timeout") {
      this.child.kill();
      throw new Error("the server did not exit after shutdown/exit");
    }
    return code;
  }

  /** Ends the process whatever its state (test cleanup). */
  kill(): void {
    this.rpc.dispose();
    if (this.child.exitCode === null) this.child.kill();
  }
}

export function fileUri(p: string): string {
  return `file://${path.resolve(p).split(path.sep).map(encodeURIComponent).join("/")}`;
}
