// A small strict JSON parser that keeps source offsets on every node and recovers from errors, for the
// qconfig checker, completion and hover (any process). Stands in for the jsonc-parser package, which is
// not a dependency; it follows RFC 8259 exactly (no comments, no trailing commas).

export interface JsonNodeBase {
  /** Offset of the first character of the node in the text (UTF-16 code units). */
  offset: number;
  /** Length in UTF-16 code units. */
  length: number;
  parent?: JsonObjectNode | JsonArrayNode | JsonPropertyNode;
}

export interface JsonObjectNode extends JsonNodeBase {
  type: "object";
  properties: JsonPropertyNode[];
  /** False when the closing brace is missing (the text ended or an error stopped the object). */
  closed: boolean;
}

export interface JsonPropertyNode extends JsonNodeBase {
  type: "property";
  key: JsonStringNode;
  /** Offset of the ':' or -1 when it is missing. */
  colonOffset: number;
  value?: JsonValueNode;
}

export interface JsonArrayNode extends JsonNodeBase {
  type: "array";
  items: JsonValueNode[];
  closed: boolean;
}

export interface JsonStringNode extends JsonNodeBase {
  type: "string";
  value: string;
}

export interface JsonNumberNode extends JsonNodeBase {
  type: "number";
  value: number;
  /** True when the source has no fraction or exponent ("3", not "3.0" or "3e0"). */
  isInteger: boolean;
}

export interface JsonBooleanNode extends JsonNodeBase {
  type: "boolean";
  value: boolean;
}

export interface JsonNullNode extends JsonNodeBase {
  type: "null";
  value: null;
}

export type JsonValueNode =
  | JsonObjectNode
  | JsonArrayNode
  | JsonStringNode
  | JsonNumberNode
  | JsonBooleanNode
  | JsonNullNode;
export type JsonNode = JsonValueNode | JsonPropertyNode;

export interface JsonSyntaxError {
  message: string;
  offset: number;
  length: number;
}

export interface JsonParseResult {
  root?: JsonValueNode;
  errors: JsonSyntaxError[];
}

// Sticky patterns: matched in place at lastIndex, without slicing the text.
const WORD = /[A-Za-z_$][A-Za-z0-9_$]*/y;
const NUMBER = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
const LOOSE_NUMBER = /[-+0-9.eE]+/y;

/** Nesting deeper than this is refused (a qconfig file is 4 levels deep; this only guards the stack). */
const MAX_DEPTH = 256;

/** Parses `text`; never throws. With errors, `root` holds as much of the document as could be read. */
export function parseJson(text: string): JsonParseResult {
  return new Parser(text).parseDocument();
}

type TokenKind = "{" | "}" | "[" | "]" | ":" | "," | "string" | "number" | "true" | "false" | "null" | "eof" | "invalid";

interface Token {
  kind: TokenKind;
  offset: number;
  length: number;
  /** Decoded value for strings and numbers. */
  value?: string | number;
  isInteger?: boolean;
}

class Parser {
  private pos = 0;
  private token!: Token;
  private readonly errors: JsonSyntaxError[] = [];
  private depth = 0;

  constructor(private readonly text: string) {}

  parseDocument(): JsonParseResult {
    this.next();
    if (this.kind() === "eof") {
      this.error("expected a JSON value, found the end of the file", this.token);
      return { errors: this.errors };
    }
    const root = this.parseValue();
    if (this.kind() !== "eof") this.error(`unexpected ${describe(this.token, this.text)} after the JSON value`, this.token);
    return { root, errors: this.errors };
  }

  /** The current token's kind (a method, so TypeScript does not narrow it across next()). */
  private kind(): TokenKind {
    return this.token.kind;
  }

  private error(message: string, at: { offset: number; length: number }): void {
    // One error per offset is enough; recovery can revisit the same spot.
    if (this.errors.some((e) => e.offset === at.offset)) return;
    this.errors.push({ message, offset: at.offset, length: Math.max(at.length, 0) });
  }

  private parseValue(): JsonValueNode | undefined {
    const t = this.token;
    switch (t.kind) {
      case "{":
        return this.parseObject();
      case "[":
        return this.parseArray();
      case "string":
        this.next();
        return { type: "string", value: t.value as string, offset: t.offset, length: t.length };
      case "number":
        this.next();
        return { type: "number", value: t.value as number, isInteger: t.isInteger ?? false, offset: t.offset, length: t.length };
      case "true":
      case "false":
        this.next();
        return { type: "boolean", value: t.kind === "true", offset: t.offset, length: t.length };
      case "null":
        this.next();
        return { type: "null", value: null, offset: t.offset, length: t.length };
      default:
        this.error(`expected a JSON value, found ${describe(t, this.text)}`, t);
        return undefined;
    }
  }

  /** Steps past a container's opening bracket; past MAX_DEPTH reports it, skips the rest of the text and returns false. */
  private enter(): boolean {
    const open = this.token;
    if (++this.depth > MAX_DEPTH) {
      this.error(`nesting deeper than ${MAX_DEPTH} levels`, open);
      this.skipToEnd();
      this.depth--;
      return false;
    }
    this.next();
    return true;
  }

  /** Steps past a container's closing bracket, or reports it missing at the end of the file, and out of the container. */
  private leave(node: JsonObjectNode | JsonArrayNode, close: "}" | "]"): void {
    if (this.kind() === close) {
      node.closed = true;
      node.length = this.token.offset + 1 - node.offset;
      this.next();
    } else {
      if (this.kind() === "eof") this.error(`expected '${close}' before the end of the file`, this.token);
      node.length = this.lastEnd() - node.offset;
    }
    this.depth--;
  }

  private parseObject(): JsonObjectNode {
    const open = this.token;
    const node: JsonObjectNode = { type: "object", properties: [], closed: false, offset: open.offset, length: 1 };
    if (!this.enter()) return node;
    let first = true;
    while (this.kind() !== "}" && this.kind() !== "eof") {
      if (!first) {
        if (this.kind() === ",") {
          const comma = this.token;
          this.next();
          if (this.kind() === "}") this.error("trailing comma before '}'", comma);
          if (this.kind() === "}" || this.kind() === "eof") break;
        } else {
          this.error(`expected ',' or '}', found ${describe(this.token, this.text)}`, this.token);
          if (this.kind() !== "string") {
            // Cannot resync inside this object: stop here, leaving it unclosed.
            break;
          }
        }
      }
      first = false;
      if (this.kind() !== "string") {
        this.error(`expected a property name in double quotes, found ${describe(this.token, this.text)}`, this.token);
        if (this.kind() === "," ) continue;
        break;
      }
      const keyTok = this.token;
      const key: JsonStringNode = { type: "string", value: keyTok.value as string, offset: keyTok.offset, length: keyTok.length };
      const prop: JsonPropertyNode = { type: "property", key, colonOffset: -1, offset: key.offset, length: key.length, parent: node };
      key.parent = prop;
      node.properties.push(prop);
      this.next();
      if (this.kind() !== ":") {
        this.error(`expected ':' after the property name, found ${describe(this.token, this.text)}`, this.token);
        if (this.kind() === "," || this.kind() === "}") continue;
        break;
      }
      prop.colonOffset = this.token.offset;
      prop.length = this.token.offset + 1 - prop.offset;
      this.next();
      const value = this.parseValue();
      if (value) {
        value.parent = prop;
        prop.value = value;
        prop.length = value.offset + value.length - prop.offset;
      } else if (this.kind() !== "," && this.kind() !== "}") {
        break;
      }
    }
    this.leave(node, "}");
    return node;
  }

  private parseArray(): JsonArrayNode {
    const open = this.token;
    const node: JsonArrayNode = { type: "array", items: [], closed: false, offset: open.offset, length: 1 };
    if (!this.enter()) return node;
    let first = true;
    while (this.kind() !== "]" && this.kind() !== "eof") {
      if (!first) {
        if (this.kind() === ",") {
          const comma = this.token;
          this.next();
          if (this.kind() === "]") {
            this.error("trailing comma before ']'", comma);
            break;
          }
        } else {
          this.error(`expected ',' or ']', found ${describe(this.token, this.text)}`, this.token);
          break;
        }
      }
      first = false;
      const item = this.parseValue();
      if (!item) break;
      item.parent = node;
      node.items.push(item);
    }
    this.leave(node, "]");
    return node;
  }

  private lastEnd(): number {
    return this.kind() === "eof" ? this.text.length : this.token.offset;
  }

  private skipToEnd(): void {
    this.pos = this.text.length;
    this.token = { kind: "eof", offset: this.text.length, length: 0 };
  }

  // ---- scanner ----

  private next(): void {
    const text = this.text;
    let p = this.pos;
    while (p < text.length) {
      const c = text.charCodeAt(p);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) p++;
      else break;
    }
    if (p >= text.length) {
      this.pos = p;
      this.token = { kind: "eof", offset: p, length: 0 };
      return;
    }
    const ch = text[p];
    if ("{}[]:,".includes(ch)) {
      this.pos = p + 1;
      this.token = { kind: ch as TokenKind, offset: p, length: 1 };
      return;
    }
    if (ch === '"') {
      this.token = this.scanString(p);
      return;
    }
    if (ch === "-" || (ch >= "0" && ch <= "9")) {
      this.token = this.scanNumber(p);
      return;
    }
    WORD.lastIndex = p;
    const word = WORD.exec(text);
    if (word) {
      const w = word[0];
      this.pos = p + w.length;
      if (w === "true" || w === "false" || w === "null") {
        this.token = { kind: w, offset: p, length: w.length };
      } else {
        this.token = { kind: "invalid", offset: p, length: w.length };
      }
      return;
    }
    if (ch === "/" && (text[p + 1] === "/" || text[p + 1] === "*")) {
      this.error("comments are not allowed in JSON", { offset: p, length: 2 });
      // Skip the comment so the rest of the file still gets checked.
      const end = text[p + 1] === "/" ? text.indexOf("\n", p) : text.indexOf("*/", p + 2);
      this.pos = end < 0 ? text.length : text[p + 1] === "/" ? end : end + 2;
      this.next();
      return;
    }
    // One code point (surrogate pairs stay together).
    const cp = text.codePointAt(p) ?? 0;
    const len = cp > 0xffff ? 2 : 1;
    this.pos = p + len;
    this.token = { kind: "invalid", offset: p, length: len };
  }

  private scanString(start: number): Token {
    const text = this.text;
    let p = start + 1;
    let out = "";
    let chunk = p;
    while (p < text.length) {
      const c = text.charCodeAt(p);
      if (c === 0x22) {
        out += text.slice(chunk, p);
        this.pos = p + 1;
        return { kind: "string", offset: start, length: p + 1 - start, value: out };
      }
      if (c === 0x5c) {
        out += text.slice(chunk, p);
        const e = text[p + 1];
        const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
        if (e !== undefined && e in simple) {
          out += simple[e];
          p += 2;
        } else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(p + 2, p + 6))) {
          out += String.fromCharCode(parseInt(text.slice(p + 2, p + 6), 16));
          p += 6;
        } else {
          this.error("invalid escape sequence in string", { offset: p, length: e === undefined ? 1 : 2 });
          p += e === undefined ? 1 : 2;
        }
        chunk = p;
        continue;
      }
      if (c === 0x0a || c === 0x0d) break;
      if (c < 0x20) {
        this.error("control character in string (escape it)", { offset: p, length: 1 });
      }
      p++;
    }
    out += text.slice(chunk, p);
    this.error("unterminated string", { offset: start, length: p - start });
    this.pos = p;
    return { kind: "string", offset: start, length: p - start, value: out };
  }

  private scanNumber(start: number): Token {
    const text = this.text;
    NUMBER.lastIndex = start;
    const m = NUMBER.exec(text);
    // Consume anything that looks like part of the same number so the error covers it whole.
    LOOSE_NUMBER.lastIndex = start;
    const loose = LOOSE_NUMBER.exec(text);
    const looseLen = loose ? loose[0].length : 1;
    if (!m || m[0].length !== looseLen || m[0] === "-") {
      this.pos = start + looseLen;
      this.error(`invalid number '${text.slice(start, start + looseLen)}'`, { offset: start, length: looseLen });
      return { kind: "number", offset: start, length: looseLen, value: Number.NaN, isInteger: false };
    }
    this.pos = start + m[0].length;
    return { kind: "number", offset: start, length: m[0].length, value: Number(m[0]), isInteger: !m[2] && !m[3] };
  }
}

function describe(t: Token, text: string): string {
  switch (t.kind) {
    case "eof":
      return "the end of the file";
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "invalid": {
      const s = text.slice(t.offset, t.offset + Math.min(t.length, 20));
      if (s === "'") return "a single quote (JSON strings use double quotes)";
      return `'${s}'`;
    }
    default:
      return `'${t.kind}'`;
  }
}

// ---- queries ----

/** Sets an own enumerable property, even for keys such as "__proto__" (as JSON.parse does). */
export function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `o[key]` only when it is o's own property (never Object.prototype's "constructor" or "toString"). */
export function getOwn<T>(o: Record<string, T> | undefined, key: string): T | undefined {
  return o && Object.hasOwn(o, key) ? o[key] : undefined;
}

/** The JSON value of a node, as JSON.parse would give it (undefined for missing parts). */
export function nodeValue(node: JsonValueNode | undefined): unknown {
  if (!node) return undefined;
  switch (node.type) {
    case "object": {
      const o: Record<string, unknown> = {};
      for (const p of node.properties) if (p.value) setOwn(o, p.key.value, nodeValue(p.value));
      return o;
    }
    case "array":
      return node.items.map((i) => nodeValue(i));
    default:
      return node.value;
  }
}

/** The property named `key` of an object node (the last one, as JSON.parse would keep). */
export function propertyOf(node: JsonValueNode | undefined, key: string): JsonPropertyNode | undefined {
  if (node?.type !== "object") return undefined;
  for (let i = node.properties.length - 1; i >= 0; i--) if (node.properties[i].key.value === key) return node.properties[i];
  return undefined;
}

/** The innermost node whose span contains `offset` (end inclusive, so a cursor right after a token finds it). */
export function nodeAt(root: JsonValueNode | undefined, offset: number): JsonNode | undefined {
  if (!root || offset < root.offset || offset > root.offset + root.length) return undefined;
  const visit = (n: JsonNode): JsonNode => {
    const children: JsonNode[] =
      n.type === "object" ? n.properties : n.type === "array" ? n.items : n.type === "property" ? [n.key, ...(n.value ? [n.value] : [])] : [];
    for (const c of children) {
      if (offset >= c.offset && offset <= c.offset + c.length) {
        // A position exactly at a closing quote/brace end belongs to this child; prefer the deepest.
        return visit(c);
      }
    }
    return n;
  };
  return visit(root);
}

/** The path of property names (and array indices) from the root to `node`. */
export function pathOf(node: JsonNode): (string | number)[] {
  const path: (string | number)[] = [];
  let n: JsonNode | undefined = node;
  while (n) {
    const parent: JsonNode | undefined = n.parent;
    if (n.type === "property") path.unshift(n.key.value);
    else if (parent?.type === "array") path.unshift(parent.items.indexOf(n as JsonValueNode));
    n = parent;
  }
  return path;
}

/** Maps offsets to 0-based line/character positions and back (UTF-16 columns, as LSP counts). */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0a) this.starts.push(i + 1);
      else if (c === 0x0d) {
        if (text.charCodeAt(i + 1) === 0x0a) i++;
        this.starts.push(i + 1);
      }
    }
  }

  positionAt(offset: number): { line: number; character: number } {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.starts[lo] };
  }

  offsetAt(position: { line: number; character: number }): number {
    if (position.line < 0) return 0;
    if (position.line >= this.starts.length) return this.text.length;
    const start = this.starts[position.line];
    const end = position.line + 1 < this.starts.length ? this.starts[position.line + 1] : this.text.length;
    return Math.max(start, Math.min(start + Math.max(0, position.character), end));
  }

  rangeOf(offset: number, length: number): { start: { line: number; character: number }; end: { line: number; character: number } } {
    return { start: this.positionAt(offset), end: this.positionAt(offset + length) };
  }
}
