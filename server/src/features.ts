// What the connected client can do, read once from its initialize capabilities (server process). Handlers
// adapt to it: snippets or plain text, pull or push diagnostics, markdown or plain hovers, versioned edits.
import type { ClientCapabilities } from "vscode-languageserver/node";

export interface ClientFeatures {
  /** The client pulls diagnostics (textDocument/diagnostic); the server then never pushes. */
  pullDiagnostics: boolean;
  /** The client handles workspace/diagnostic/refresh (re-pull after a settings change). */
  diagnosticRefresh: boolean;
  configuration: boolean;
  didChangeConfigurationRegistration: boolean;
  watchedFilesRegistration: boolean;
  snippets: boolean;
  markdownHover: boolean;
  markdownCompletionDocs: boolean;
  hierarchicalSymbols: boolean;
  versionedEdits: boolean;
  codeActionLiterals: boolean;
  workspaceFolders: boolean;
}

export function clientFeatures(c: ClientCapabilities): ClientFeatures {
  const td = c.textDocument;
  return {
    pullDiagnostics: td?.diagnostic !== undefined,
    diagnosticRefresh: c.workspace?.diagnostics?.refreshSupport === true,
    configuration: c.workspace?.configuration === true,
    didChangeConfigurationRegistration: c.workspace?.didChangeConfiguration?.dynamicRegistration === true,
    watchedFilesRegistration: c.workspace?.didChangeWatchedFiles?.dynamicRegistration === true,
    snippets: td?.completion?.completionItem?.snippetSupport === true,
    markdownHover: td?.hover?.contentFormat?.includes("markdown") ?? false,
    markdownCompletionDocs: td?.completion?.completionItem?.documentationFormat?.includes("markdown") ?? false,
    hierarchicalSymbols: td?.documentSymbol?.hierarchicalDocumentSymbolSupport === true,
    versionedEdits: c.workspace?.workspaceEdit?.documentChanges === true,
    codeActionLiterals: td?.codeAction?.codeActionLiteralSupport !== undefined,
    workspaceFolders: c.workspace?.workspaceFolders === true,
  };
}

export const NO_FEATURES: ClientFeatures = clientFeatures({});
