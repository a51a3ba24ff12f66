// Parsed Python documents: web-tree-sitter parsing and LSP-style incremental edits (any process).
// web-tree-sitter indexes JavaScript strings in UTF-16 code units, which is also what LSP positions use,
// so LSP ranges map onto tree-sitter points and indices directly.
import { Edit, type Parser, type Tree } from "./tree-sitter";
import type { Range } from "../diagnostics";
import { buildSyntaxModule, type SyntaxModule } from "./syntax";

export interface TextChange {
  /** 0-based LSP range in the text as it is before this change (changes apply in order). */
  range: Range;
  text: string;
}

/** Start offsets of each line of `text` (handles \n, \r\n and \r). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 10) starts.push(i + 1);
    else if (ch === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

function offsetOf(starts: number[], textLength: number, line: number, character: number): number {
  if (line >= starts.length) return textLength;
  const lineStart = starts[line] ?? 0;
  const next = line + 1 < starts.length ? (starts[line + 1] ?? textLength) : textLength;
  return Math.min(lineStart + Math.max(0, character), next);
}

function pointAt(offset: number, starts: number[]): { row: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { row: lo, column: offset - (starts[lo] ?? 0) };
}

export class PythonDocument {
  private disposed = false;
  /** @internal */
  constructor(
    private readonly parser: Parser,
    readonly text: string,
    /** @internal */ readonly tree: Tree,
    /** @internal */ readonly syntax: SyntaxModule,
  ) {}

  /** Lines of the document (for quick fixes and suppression comments). */
  private lines_: string[] | undefined;
  get lines(): string[] {
    this.lines_ ??= this.text.split(/\r\n|\r|\n/);
    return this.lines_;
  }

  /** True when tree-sitter had to recover from syntax errors. */
  get hasSyntaxErrors(): boolean {
    return this.syntax.hasErrors;
  }

  /** How many top-level statements were (re)converted when this document was built. */
  get convertedStatements(): number {
    return this.syntax.convertedUnits;
  }

  /**
   * A new document for `newText`, re-parsed incrementally from this one: every change is applied to a
   * copy of the syntax tree with tree.edit, then the parser reuses the unchanged parts. If the changes
   * do not reproduce `newText` exactly, the document is parsed from scratch instead.
   *
   * The new document reuses the converted syntax of unchanged top-level statements (moving them to
   * their new rows), so it supersedes this one: analyze the new document, and dispose this one.
   */
  edit(changes: TextChange[], newText: string): PythonDocument {
    const oldTree = this.tree.copy();
    let current = this.text;
    for (const change of changes) {
      const starts = lineStarts(current);
      const startIndex = offsetOf(starts, current.length, change.range.start.line, change.range.start.character);
      const oldEndIndex = Math.max(startIndex, offsetOf(starts, current.length, change.range.end.line, change.range.end.character));
      const next = current.slice(0, startIndex) + change.text + current.slice(oldEndIndex);
      const nextStarts = lineStarts(next);
      const newEndIndex = startIndex + change.text.length;
      oldTree.edit(
        new Edit({
          startIndex,
          oldEndIndex,
          newEndIndex,
          startPosition: pointAt(startIndex, starts),
          oldEndPosition: pointAt(oldEndIndex, starts),
          newEndPosition: pointAt(newEndIndex, nextStarts),
        }),
      );
      current = next;
    }
    const tree = current === newText ? this.parser.parse(newText, oldTree) : this.parser.parse(newText);
    oldTree.delete();
    if (!tree) throw new Error("tree-sitter returned no tree");
    return new PythonDocument(this.parser, newText, tree, buildSyntaxModule(tree, newText, this.syntax.cache));
  }

  /** Frees the tree-sitter tree (WASM memory). The document must not be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.tree.delete();
  }
}

export function parseDocument(parser: Parser, text: string): PythonDocument {
  const tree = parser.parse(text);
  if (!tree) throw new Error("tree-sitter returned no tree");
  return new PythonDocument(parser, text, tree, buildSyntaxModule(tree, text));
}
