// What the server needs from the Python analyzer (core/src/python), as one narrow interface so the session and
// handlers do not depend on how it is loaded (server process). python-loader.ts implements it.
import type { DocumentSymbol, TextDocumentContentChangeEvent } from "vscode-languageserver/node";
import type { Finding, Position } from "../../core/src/diagnostics";
import type { LintSettings } from "./settings";

/** An immutable parse of one version of a Python document. */
export interface PythonDocumentState {
  readonly text: string;
}

export interface PythonAnalysis {
  findings: Finding[];
  /** Enabled rules that did not run because `shouldStop` said so. */
  skippedRules?: string[];
}

export interface PythonSupport {
  parse(text: string): PythonDocumentState;
  /** Incremental re-parse after LSP content changes (applied in order) that produced `newText`. */
  edit(previous: PythonDocumentState, changes: TextDocumentContentChangeEvent[], newText: string): PythonDocumentState;
  /** Frees a parse that no snapshot uses any more (tree-sitter trees live in WASM memory). */
  dispose(doc: PythonDocumentState): void;
  /** Findings of the enabled rules; `shouldStop` is asked between rule families (the time budget). */
  analyze(doc: PythonDocumentState, lint: LintSettings, shouldStop?: () => boolean): PythonAnalysis;
  hover(doc: PythonDocumentState, position: Position): string | undefined;
  symbols(doc: PythonDocumentState): DocumentSymbol[];
}
