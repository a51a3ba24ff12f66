// Public API of the Python quantization analyzer, used by the CLI (`quantscope lint`) and the language
// server (any process). The caller supplies the tree-sitter WASM bytes (see core/src/node/python-wasm.ts
// for Node), so this module does no I/O.
import { Language, Parser } from "./tree-sitter";
import type { Finding, Position } from "../diagnostics";
import { analyzeDocument, analyzeDocumentWithin, fileAnalysis, type AnalysisOptions, type AnalysisResult } from "./analyze";
import type { LintConfig } from "./config";
import { parseDocument, PythonDocument, type TextChange } from "./document";
import { documentSymbols, hoverAt, type PythonSymbol } from "./hover";

export type { LintConfig } from "./config";
export type { AnalysisOptions, AnalysisResult } from "./analyze";
export { parsePyprojectConfig, isRuleEnabled, suppressionCodes } from "./config";
export { PythonDocument, type TextChange } from "./document";
export type { PythonSymbol } from "./hover";
export { RULES, RULE_FAMILIES, type RuleInfo } from "./rules/index";

export interface PythonAnalyzerInit {
  /** Bytes of web-tree-sitter.wasm. */
  treeSitterWasm: Uint8Array;
  /** Bytes of tree-sitter-python.wasm. */
  pythonGrammarWasm: Uint8Array;
}

export interface PythonAnalyzer {
  /** Parses a whole document. */
  parse(text: string): PythonDocument;
  /** All enabled findings for the document (0-based ranges), suppression comments applied. */
  analyze(doc: PythonDocument, config?: LintConfig): Finding[];
  /** The same, stopping between rule families when `options.shouldStop` says so (the server's time budget). */
  analyzeWithin(doc: PythonDocument, config: LintConfig, options: AnalysisOptions): AnalysisResult;
  /** Markdown for the symbol under the cursor (e.g. what a submodule becomes after convert). */
  hoverAt(doc: PythonDocument, position: Position): string | undefined;
  /** Modules, their submodules and methods, and top-level functions. */
  documentSymbols(doc: PythonDocument): PythonSymbol[];
}

let runtime: Promise<void> | undefined;

/** Creates an analyzer. web-tree-sitter's runtime is initialized once per process. */
export async function createPythonAnalyzer(init: PythonAnalyzerInit): Promise<PythonAnalyzer> {
  runtime ??= Parser.init({ wasmBinary: init.treeSitterWasm } as Parameters<typeof Parser.init>[0]);
  try {
    await runtime;
  } catch (e) {
    runtime = undefined;
    throw e;
  }
  const language = await Language.load(init.pythonGrammarWasm);
  const parser = new Parser();
  parser.setLanguage(language);
  return {
    parse: (text) => parseDocument(parser, text),
    analyze: (doc, config = {}) => analyzeDocument(doc, config),
    analyzeWithin: (doc, config, options) => analyzeDocumentWithin(doc, config, options),
    hoverAt: (doc, position) => hoverAt(fileAnalysis(doc), position),
    documentSymbols: (doc) => documentSymbols(fileAnalysis(doc)),
  };
}

export type { TextChange as PythonTextChange };
