// textDocument/documentSymbol: the outline of qconfig files (sections, op types, nodes) and of Python files
// (from the analyzer) (server process).
import { SymbolKind, type CancellationToken, type DocumentSymbol, type DocumentSymbolParams, type Range, type SymbolInformation } from "vscode-languageserver/node";
import { qconfigSymbols, type QconfigSymbol } from "../../../core/src/qconfig/symbols";
import type { ClientFeatures } from "../features";
import { MAX_ANALYZED_CHARS, type Session } from "../session";

const KIND: Record<QconfigSymbol["kind"], SymbolKind> = {
  object: SymbolKind.Object,
  property: SymbolKind.Property,
  null: SymbolKind.Null,
  value: SymbolKind.Property,
};

/** An outline entry of core (qconfig or Python symbols): LSP's shape, with its own kind names. */
interface OutlineSymbol<K extends string> {
  name: string;
  detail?: string;
  kind: K;
  range: Range;
  selectionRange: Range;
  children: OutlineSymbol<K>[];
}

/** A core outline entry and its children as LSP DocumentSymbols, kinds mapped by `kinds`. */
export function toDocumentSymbol<K extends string>(s: OutlineSymbol<K>, kinds: Record<K, SymbolKind>): DocumentSymbol {
  return {
    name: s.name,
    detail: s.detail,
    kind: kinds[s.kind],
    range: s.range,
    selectionRange: s.selectionRange,
    children: s.children.map((c) => toDocumentSymbol(c, kinds)),
  };
}

/** Flattens for clients without hierarchical symbol support. */
function flatten(uri: string, symbols: DocumentSymbol[], container?: string): SymbolInformation[] {
  return symbols.flatMap((s) => [
    { name: s.name, kind: s.kind, location: { uri, range: s.range }, ...(container ? { containerName: container } : {}) },
    ...flatten(uri, s.children ?? [], s.name),
  ]);
}

export function documentSymbols(
  session: Session,
  features: ClientFeatures,
  params: DocumentSymbolParams,
  token: CancellationToken,
): DocumentSymbol[] | SymbolInformation[] {
  const snapshot = session.get(params.textDocument.uri);
  if (!snapshot || token.isCancellationRequested) return [];
  const text = snapshot.document.getText();
  if (text.length > MAX_ANALYZED_CHARS) return [];
  let symbols: DocumentSymbol[] = [];
  if (snapshot.kind === "qconfig") symbols = qconfigSymbols(text).map((q) => toDocumentSymbol(q, KIND));
  else if (snapshot.python && session.pythonSupport) symbols = session.pythonSupport.symbols(snapshot.python);
  return features.hierarchicalSymbols ? symbols : flatten(snapshot.uri, symbols);
}
