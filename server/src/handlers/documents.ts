// Text synchronization: didOpen/didChange/didClose update the session and, in push mode, schedule diagnostics
// (server process).
import type { DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams } from "vscode-languageserver/node";
import type { ClientFeatures } from "../features";
import type { Session } from "../session";
import type { DiagnosticsPublisher } from "./diagnostics";

export function didOpen(session: Session, features: ClientFeatures, publisher: DiagnosticsPublisher, params: DidOpenTextDocumentParams): void {
  const { uri, languageId, version, text } = params.textDocument;
  if (session.open(uri, languageId, version, text) && !features.pullDiagnostics) publisher.schedule(uri, 0);
}

export function didChange(session: Session, features: ClientFeatures, publisher: DiagnosticsPublisher, params: DidChangeTextDocumentParams): void {
  const { uri, version } = params.textDocument;
  if (session.change(uri, version, params.contentChanges) && !features.pullDiagnostics) publisher.schedule(uri);
}

export function didClose(session: Session, features: ClientFeatures, publisher: DiagnosticsPublisher, params: DidCloseTextDocumentParams): void {
  const uri = params.textDocument.uri;
  const wasOpen = session.get(uri) !== undefined;
  session.close(uri);
  if (wasOpen && !features.pullDiagnostics) publisher.clear(uri);
}
