// The web-tree-sitter runtime classes (any process). Loaded with require() so that bundlers pick the
// package's CommonJS build: its ESM build calls createRequire(import.meta.url), which is undefined once
// bundled into our CommonJS dist/*.js files.
import type * as TreeSitter from "web-tree-sitter";

const runtime = require("web-tree-sitter") as typeof TreeSitter;

export const Parser = runtime.Parser;
export const Language = runtime.Language;
export const Edit = runtime.Edit;
export type Parser = TreeSitter.Parser;
export type Tree = TreeSitter.Tree;
