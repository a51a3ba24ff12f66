// Loads the tree-sitter runtime and Python grammar WASM files from disk for Node processes (CLI, server,
// tests, benchmarks): beside the bundle in dist/, or from node_modules in a source checkout.
import * as fs from "node:fs";
import * as path from "node:path";
import { createPythonAnalyzer, type PythonAnalyzer, type PythonAnalyzerInit } from "../python/index";

function findFile(name: string, packageRelative: string): string {
  const candidates = [
    path.join(__dirname, name),
    path.resolve(__dirname, "../../../dist", name),
    path.resolve(__dirname, "../dist", name),
    path.resolve(__dirname, "../../../node_modules", packageRelative),
    path.resolve(__dirname, "../node_modules", packageRelative),
    path.resolve(process.cwd(), "node_modules", packageRelative),
  ];
  for (const c of candidates) if (fs.existsSync(c)) return c;
  throw new Error(`${name} not found (looked in ${candidates.join(", ")}); run \`npm run build\``);
}

/** The WASM bytes createPythonAnalyzer needs. */
export function loadPythonWasm(): PythonAnalyzerInit {
  return {
    treeSitterWasm: fs.readFileSync(findFile("web-tree-sitter.wasm", "web-tree-sitter/web-tree-sitter.wasm")),
    pythonGrammarWasm: fs.readFileSync(findFile("tree-sitter-python.wasm", "tree-sitter-python/tree-sitter-python.wasm")),
  };
}

let shared: Promise<PythonAnalyzer> | undefined;

/** The process-wide Python analyzer, created on first use. */
export function loadPythonAnalyzer(): Promise<PythonAnalyzer> {
  shared ??= createPythonAnalyzer(loadPythonWasm());
  return shared;
}
