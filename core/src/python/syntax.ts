// A compact, editor-neutral syntax tree for Python built from tree-sitter's CST (any process).
// Top-level statements are converted one "unit" at a time and cached by their text, so after a small
// edit only the statements that changed are converted again; rows are stored relative to the unit so a
// reused unit that moved up or down only needs its base row updated.
import type { Tree, TreeCursor } from "web-tree-sitter";
import type { Position, Range } from "../diagnostics";

/** One converted top-level statement; `baseRow` is its first row in the current document. */
export interface Unit {
  baseRow: number;
  /** Comments inside the unit: row relative to baseRow, and text. */
  comments: Array<{ row: number; text: string }>;
}

export class PyNode {
  children: PyNode[] = [];
  parent: PyNode | undefined;
  constructor(
    readonly type: string,
    readonly named: boolean,
    readonly field: string | null,
    readonly text: string,
    readonly unit: Unit,
    private readonly r0: number,
    private readonly c0: number,
    private readonly r1: number,
    private readonly c1: number,
  ) {}

  get start(): Position {
    return { line: this.unit.baseRow + this.r0, character: this.c0 };
  }
  get end(): Position {
    return { line: this.unit.baseRow + this.r1, character: this.c1 };
  }
  get range(): Range {
    return { start: this.start, end: this.end };
  }
  get line(): number {
    return this.unit.baseRow + this.r0;
  }

  /** The first child with this field name. */
  child(field: string): PyNode | undefined {
    for (const c of this.children) if (c.field === field) return c;
    return undefined;
  }
  /** All children with this field name. */
  fieldAll(field: string): PyNode[] {
    return this.children.filter((c) => c.field === field);
  }
  private named_: PyNode[] | undefined;
  get namedChildren(): PyNode[] {
    this.named_ ??= this.children.filter((c) => c.named && c.type !== "comment");
    return this.named_;
  }
  /** The anonymous token children (operators, keywords). */
  get tokens(): string[] {
    return this.children.filter((c) => !c.named).map((c) => c.type);
  }
  /** Every descendant of this type, in document order. */
  descendantsOfType(type: string): PyNode[] {
    const out: PyNode[] = [];
    const stack: PyNode[] = [...this.children].reverse();
    while (stack.length) {
      const n = stack.pop() as PyNode;
      if (n.type === type) out.push(n);
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i] as PyNode);
    }
    return out;
  }

  contains(pos: Position): boolean {
    const s = this.start;
    const e = this.end;
    if (pos.line < s.line || pos.line > e.line) return false;
    if (pos.line === s.line && pos.character < s.character) return false;
    if (pos.line === e.line && pos.character > e.character) return false;
    return true;
  }
}

/** Punctuation tokens that carry no meaning for the analysis and are not kept. */
const DROPPED_TOKENS = new Set(["(", ")", "[", "]", "{", "}", ",", ":", ".", "=", ";", "\n"]);

/** Converts the node under the cursor and its subtree (iteratively: expressions can nest deeply). */
function convertAt(cursor: TreeCursor, source: string, unit: Unit, baseRow: number): PyNode {
  const make = (): PyNode => {
    const s = cursor.startPosition;
    const e = cursor.endPosition;
    if (cursor.nodeType === "comment") unit.comments.push({ row: s.row - baseRow, text: source.slice(cursor.startIndex, cursor.endIndex) });
    return new PyNode(
      cursor.nodeType,
      cursor.nodeIsNamed,
      cursor.currentFieldName,
      source.slice(cursor.startIndex, cursor.endIndex),
      unit,
      s.row - baseRow,
      s.column,
      e.row - baseRow,
      e.column,
    );
  };
  const root = make();
  const stack: PyNode[] = [root];
  // Depth-first with the cursor: descend when possible, else move to the next sibling or climb.
  if (!cursor.gotoFirstChild()) return root;
  for (;;) {
    const parent = stack[stack.length - 1] as PyNode;
    let descended = false;
    if (cursor.nodeIsNamed || !DROPPED_TOKENS.has(cursor.nodeType)) {
      const child = make();
      child.parent = parent;
      parent.children.push(child);
      if (cursor.gotoFirstChild()) {
        stack.push(child);
        descended = true;
      }
    }
    if (descended) continue;
    while (!cursor.gotoNextSibling()) {
      cursor.gotoParent();
      stack.pop();
      if (stack.length === 0) return root;
    }
  }
}

export interface SyntaxModule {
  /** Top-level statements in order (comments included, as `comment` nodes). */
  statements: PyNode[];
  /** Comments by 0-based line, for suppression comments. */
  commentsByLine: Map<number, string>;
  hasErrors: boolean;
  /** Conversion cache for the next incremental update: key -> converted unit root. */
  cache: Map<string, PyNode>;
  /** How many units were converted (not reused) to build this module; for tests and benchmarks. */
  convertedUnits: number;
}

/**
 * Converts a tree-sitter tree, reusing units from `previous` whose text and start column are unchanged.
 */
export function buildSyntaxModule(tree: Tree, source: string, previous?: Map<string, PyNode>): SyntaxModule {
  const root = tree.rootNode;
  const statements: PyNode[] = [];
  const cache = new Map<string, PyNode>();
  let converted = 0;
  const cursor = root.walk();
  try {
    if (cursor.gotoFirstChild()) {
      do {
        const startRow = cursor.startPosition.row;
        const key = `${cursor.nodeType}@${cursor.startPosition.column}:${source.slice(cursor.startIndex, cursor.endIndex)}`;
        // A key seen earlier in this same file (a repeated statement) must get its own unit.
        let unitRoot = cache.has(key) ? undefined : previous?.get(key);
        if (unitRoot) {
          unitRoot.unit.baseRow = startRow;
        } else {
          const unit: Unit = { baseRow: startRow, comments: [] };
          unitRoot = convertAt(cursor, source, unit, startRow);
          converted++;
        }
        cache.set(key, unitRoot);
        statements.push(unitRoot);
      } while (cursor.gotoNextSibling());
    }
  } finally {
    cursor.delete();
  }
  const commentsByLine = new Map<number, string>();
  for (const s of statements) for (const c of s.unit.comments) commentsByLine.set(s.unit.baseRow + c.row, c.text);
  return { statements, commentsByLine, hasErrors: root.hasError, cache, convertedUnits: converted };
}

/** Depth-first walk; return false from the visitor to skip a subtree. */
export function walk(node: PyNode, visit: (n: PyNode) => boolean | void): void {
  const stack: PyNode[] = [node];
  while (stack.length) {
    const n = stack.pop() as PyNode;
    if (visit(n) === false) continue;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i] as PyNode);
  }
}

/** Strips a Python string literal's quotes and prefix; undefined for f-strings and concatenations. */
export function stringValue(node: PyNode | undefined): string | undefined {
  if (!node || node.type !== "string") return undefined;
  const m = /^([rRuUbB]{0,2})('''|"""|'|")([\s\S]*)\2$/.exec(node.text);
  if (!m || /[fF]/.test(m[1] ?? "")) return undefined;
  return m[3];
}

/** Skips parentheses: `(x)` -> `x`. */
export function unparen(node: PyNode | undefined): PyNode | undefined {
  let n = node;
  while (n && n.type === "parenthesized_expression" && n.namedChildren.length === 1) n = n.namedChildren[0];
  return n;
}

/** The dotted name of an `identifier` / `attribute` chain, e.g. `torch.nn.Linear`; undefined otherwise. */
export function dottedName(node: PyNode | undefined): string | undefined {
  // Iterative: generated code can chain thousands of attributes.
  const parts: string[] = [];
  let n = unparen(node);
  while (n && n.type === "attribute") {
    const attr = n.child("attribute");
    if (!attr) return undefined;
    parts.push(attr.text);
    n = unparen(n.child("object"));
  }
  if (!n || n.type !== "identifier") return undefined;
  parts.push(n.text);
  return parts.reverse().join(".");
}

/** Positional and keyword arguments of a `call` node. */
export interface CallArgs {
  positional: PyNode[];
  keyword: Map<string, PyNode>;
  /** `*args` / `**kwargs` present. */
  splat: PyNode[];
}

export function callArgs(call: PyNode): CallArgs {
  const out: CallArgs = { positional: [], keyword: new Map(), splat: [] };
  const args = call.child("arguments");
  if (!args) return out;
  if (args.type === "generator_expression") {
    out.positional.push(args);
    return out;
  }
  for (const a of args.namedChildren) {
    if (a.type === "keyword_argument") {
      const name = a.child("name")?.text;
      const value = a.child("value");
      if (name && value) out.keyword.set(name, value);
    } else if (a.type === "list_splat" || a.type === "dictionary_splat") {
      out.splat.push(a);
    } else {
      out.positional.push(a);
    }
  }
  return out;
}
