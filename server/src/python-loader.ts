// Adapts the Python analyzer (core/src/python, tree-sitter WASM loaded from dist/) to the server's PythonSupport
// interface (server process).
import { SymbolKind, type TextDocumentContentChangeEvent } from "vscode-languageserver/node";
import { loadPythonAnalyzer } from "../../core/src/node/python-wasm";
import { PythonDocument, type PythonSymbol, type PythonTextChange } from "../../core/src/python/index";
import { toDocumentSymbol } from "./handlers/symbols";
import type { PythonDocumentState, PythonSupport } from "./python-support";

const SYMBOL_KIND: Record<PythonSymbol["kind"], SymbolKind> = {
  class: SymbolKind.Class,
  submodule: SymbolKind.Field,
  method: SymbolKind.Method,
  function: SymbolKind.Function,
};

function asDocument(state: PythonDocumentState): PythonDocument {
  if (!(state instanceof PythonDocument)) throw new Error("not a Python document of this analyzer");
  return state;
}

/** LSP content changes as the analyzer's edits; a full-text change has no range. */
function toTextChanges(changes: TextDocumentContentChangeEvent[]): PythonTextChange[] | undefined {
  const out: PythonTextChange[] = [];
  for (const c of changes) {
    if (!("range" in c) || !c.range) return undefined;
    out.push({ range: c.range, text: c.text });
  }
  return out;
}

export async function loadPythonSupport(): Promise<PythonSupport> {
  const analyzer = await loadPythonAnalyzer();
  return {
    parse: (text) => analyzer.parse(text),
    edit: (previous, changes, newText) => {
      const edits = toTextChanges(changes);
      return edits ? asDocument(previous).edit(edits, newText) : analyzer.parse(newText);
    },
    dispose: (doc) => asDocument(doc).dispose(),
    analyze: (doc, lint, shouldStop) => analyzer.analyzeWithin(asDocument(doc), lint, { shouldStop }),
    hover: (doc, position) => analyzer.hoverAt(asDocument(doc), position),
    symbols: (doc) => analyzer.documentSymbols(asDocument(doc)).map((p) => toDocumentSymbol(p, SYMBOL_KIND)),
  };
}
