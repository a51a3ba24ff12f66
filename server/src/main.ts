// QuantScope language server: the connection and the ONE router from LSP method to handler (server process,
// started by the extension over node-ipc, or by any editor with --stdio). Every route is guarded: a handler
// that throws is logged and answers its empty result, so no input can take the server down.
import {
  CodeActionKind,
  createConnection,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  LSPErrorCodes,
  ProposedFeatures,
  ResponseError,
  TextDocumentSyncKind,
  type CancellationToken,
  type InitializeParams,
  type InitializeResult,
} from "vscode-languageserver/node";
import { clientFeatures, NO_FEATURES, type ClientFeatures } from "./features";
import { Session } from "./session";
import { codeActions, FIX_ALL_KIND } from "./handlers/code-action";
import { completion } from "./handlers/completion";
import { commandIds, registerCommandHandlers } from "./handlers/commands";
import { SettingsController } from "./handlers/configuration";
import { DiagnosticsPublisher, pullDiagnostics } from "./handlers/diagnostics";
import { didChange, didClose, didOpen } from "./handlers/documents";
import { hover } from "./handlers/hover";
import { documentSymbols } from "./handlers/symbols";
import { loadPythonSupport } from "./python-loader";

declare const QUANTSCOPE_VERSION: string;
const VERSION = typeof QUANTSCOPE_VERSION === "string" ? QUANTSCOPE_VERSION : "dev";

const TRANSPORTS = /^--(stdio|node-ipc|socket=|pipe=|clientProcessId=)/;
if (process.argv.includes("--version")) {
  process.stdout.write(`${VERSION}\n`);
  process.exit(0);
}
if (!process.argv.slice(2).some((a) => TRANSPORTS.test(a)) && process.send === undefined) {
  process.stderr.write("quantscope language server: pass --stdio, --node-ipc, --socket=PORT or --pipe=NAME\n");
  process.exit(2);
}

const connection = createConnection(ProposedFeatures.all);
const log = (message: string) => connection.console.log(message);
const logError = (message: string) => connection.console.error(message);

let features: ClientFeatures = NO_FEATURES;
const session = new Session(log, undefined, (message) => {
  logError(message);
  void connection.window.showWarningMessage(`QuantScope: ${message}`);
});
const publisher = new DiagnosticsPublisher(connection, session, logError);
const settings = new SettingsController(connection, session, () => features, publisher, logError);

function describe(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

/** Wraps a request handler: cancellation answers RequestCancelled, any other failure is logged and answers `empty`. */
function guardRequest<P, R>(method: string, handle: (params: P, token: CancellationToken) => R | Promise<R>, empty: R) {
  const cancelled = () => new ResponseError<never>(LSPErrorCodes.RequestCancelled, `${method} cancelled`);
  return async (params: P, token: CancellationToken): Promise<R | ResponseError<never>> => {
    if (token.isCancellationRequested) return cancelled();
    try {
      const result = await handle(params, token);
      if (token.isCancellationRequested) return cancelled();
      return result;
    } catch (e) {
      logError(`${method} failed: ${describe(e)}`);
      return empty;
    }
  };
}

function guardNotification<P>(method: string, handle: (params: P) => void | Promise<void>) {
  return async (params: P): Promise<void> => {
    try {
      await handle(params);
    } catch (e) {
      logError(`${method} failed: ${describe(e)}`);
    }
  };
}

function initialize(params: InitializeParams): InitializeResult {
  features = clientFeatures(params.capabilities);
  settings.setWorkspaceFolders(params.workspaceFolders, params.rootUri);
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      hoverProvider: true,
      completionProvider: { triggerCharacters: ['"', ":"], resolveProvider: false },
      codeActionProvider: features.codeActionLiterals ? { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND] } : true,
      documentSymbolProvider: true,
      executeCommandProvider: { commands: commandIds() },
      ...(features.workspaceFolders ? { workspace: { workspaceFolders: { supported: true, changeNotifications: true } } } : {}),
      ...(features.pullDiagnostics ? { diagnosticProvider: { identifier: "quantscope", interFileDependencies: false, workspaceDiagnostics: false } } : {}),
    },
    serverInfo: { name: "quantscope", version: VERSION },
  };
}

/** How long diagnostics wait for the client's settings before going ahead with the defaults. */
const SETTINGS_TIMEOUT_MS = 3000;

async function initialized(): Promise<void> {
  try {
    const registrationFailed = (e: unknown) => logError(`client/registerCapability failed: ${describe(e)}`);
    if (features.didChangeConfigurationRegistration) {
      connection.client.register(DidChangeConfigurationNotification.type, { section: "quantscope" }).catch(registrationFailed);
    }
    if (features.watchedFilesRegistration) {
      connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: "**/pyproject.toml" }, { globPattern: "**/*.onnx" }] }).catch(registrationFailed);
    }
    if (features.workspaceFolders) {
      connection.workspace.onDidChangeWorkspaceFolders(guardNotification("workspace/didChangeWorkspaceFolders", (e) => settings.didChangeWorkspaceFolders(e)));
    }
    await Promise.race([settings.refresh(), new Promise((resolve) => setTimeout(resolve, SETTINGS_TIMEOUT_MS))]);
  } finally {
    session.settingsLoaded();
  }
  // The Python analyzer (tree-sitter wasm) loads in the background; qconfig files work meanwhile.
  loadPythonSupport().then(
    (python) => {
      session.setPythonSupport(python);
      settings.recheckAll();
    },
    (e) => logError(`the Python analyzer did not load; Python files get no diagnostics: ${describe(e)}`),
  );
}

// ---- the router: every LSP method the server answers, and its handler ----

connection.onInitialize((params) => {
  try {
    return initialize(params);
  } catch (e) {
    logError(`initialize failed: ${describe(e)}`);
    return { capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental } };
  }
});
connection.onInitialized(guardNotification("initialized", initialized));
connection.onDidOpenTextDocument(guardNotification("textDocument/didOpen", (p) => didOpen(session, features, publisher, p)));
connection.onDidChangeTextDocument(guardNotification("textDocument/didChange", (p) => didChange(session, features, publisher, p)));
connection.onDidCloseTextDocument(guardNotification("textDocument/didClose", (p) => didClose(session, features, publisher, p)));
connection.onDidChangeConfiguration(guardNotification("workspace/didChangeConfiguration", (p) => settings.didChangeConfiguration(p)));
connection.onDidChangeWatchedFiles(guardNotification("workspace/didChangeWatchedFiles", (p) => settings.didChangeWatchedFiles(p)));
connection.languages.diagnostics.on(
  guardRequest("textDocument/diagnostic", (p, t) => pullDiagnostics(session, p, t), { kind: "full", items: [] }),
);
connection.onCodeAction(guardRequest("textDocument/codeAction", (p, t) => codeActions(session, features, p, t), []));
connection.onHover(guardRequest("textDocument/hover", (p, t) => hover(session, features, p, t), null));
connection.onCompletion(guardRequest("textDocument/completion", (p, t) => completion(session, features, p, t), null));
connection.onDocumentSymbol(guardRequest("textDocument/documentSymbol", (p, t) => documentSymbols(session, features, p, t), []));
// workspace/didChangeWorkspaceFolders is routed in initialized(): the library only allows it once the client's
// capabilities are known.
registerCommandHandlers(connection, () => session.pyproject.workspaceFolders); // workspace/executeCommand (model commands, handlers/commands.ts)
connection.onShutdown(() => publisher.dispose());

// Last line of defence: a bug in a timer or a promise chain is logged, never fatal.
process.on("uncaughtException", (e) => logError(`uncaught: ${describe(e)}`));
process.on("unhandledRejection", (e) => logError(`unhandled rejection: ${describe(e)}`));

connection.listen();
