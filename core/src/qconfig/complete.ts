// Completion for qconfig files: property names for the object under the cursor and values for the property
// whose value is being typed, from the schema (any process). Works on unfinished text.
import type { Position, Range } from "../diagnostics";
import { LineIndex, parseJson, pathOf, type JsonNode, type JsonObjectNode, type JsonPropertyNode, type JsonValueNode } from "./json-ast";
import type { ModelInfo } from "./model-nodes";
import { schemaAt, type SchemaNode } from "./schema";

export interface QconfigCompletion {
  label: string;
  kind: "property" | "value" | "template";
  /** One line shown next to the label. */
  detail?: string;
  /** Markdown documentation. */
  documentation?: string;
  /** Text replacing `range`, as an LSP snippet ($1, ${1|a,b|}). */
  snippet: string;
  /** The same without snippet syntax, for clients without snippet support. */
  plainText: string;
  range: Range;
  /** Keeps the schema's order in the list. */
  sortText: string;
}

/** Completions at `position` (0-based line/character) in `text`. Never throws. */
export interface CompletionOptions {
  /** The model the file configures: its node names are offered under "nodes", its op types first under "opTypes". */
  model?: ModelInfo;
}

export function qconfigCompletions(text: string, position: Position, options: CompletionOptions = {}): QconfigCompletion[] {
  const lines = new LineIndex(text);
  const offset = lines.offsetAt(position);
  const { root } = parseJson(text);
  if (!root) return text.trim() === "" ? [template(lines.rangeOf(offset, 0))] : [];

  const props: JsonPropertyNode[] = [];
  const objects: JsonObjectNode[] = [];
  collect(root, props, objects);

  // Inside a string: either a key being typed or a value.
  const str = findString(root, offset, text);
  if (str) {
    const parent = str.parent;
    const range = lines.rangeOf(str.offset, str.length);
    if (parent?.type === "property" && parent.key === str) {
      const obj = parent.parent as JsonObjectNode;
      return keyCompletions(obj, range, parent, text, undefined, options.model, missingCommaBefore(obj, str.offset, text));
    }
    if (parent?.type === "property" && parent.value === str) return valueCompletions(parent, range);
    return [];
  }

  // Outside strings: look back over a partly typed word, then whitespace, for ':' (value) or '{' / ',' (key).
  let wordStart = offset;
  while (wordStart > 0 && /[A-Za-z0-9_.+-]/.test(text[wordStart - 1])) wordStart--;
  let p = wordStart - 1;
  while (p >= 0 && /\s/.test(text[p])) p--;
  const before = p >= 0 ? text[p] : "";
  const range = lines.rangeOf(wordStart, offset - wordStart);
  if (before === ":") {
    const prop = props.find((x) => x.colonOffset === p);
    return prop ? valueCompletions(prop, range) : [];
  }
  if (before === "{" || before === ",") {
    const obj = innermostObject(objects, offset);
    if (!obj) return [];
    // After a ',' inside an array or after a complete value on the same object both land here; only objects get keys.
    return keyCompletions(obj, range, undefined, text, offset, options.model);
  }
  // Right after a complete value: the next key, with the comma it needs.
  if (wordStart === offset && /["}\]a-z0-9]/.test(before)) {
    const obj = innermostObject(objects, offset);
    const after = obj?.properties.find((x) => x.value && x.value.offset + x.value.length === p + 1);
    if (obj && after) return keyCompletions(obj, range, undefined, text, offset, options.model, true);
  }
  return [];
}

/** True when the property starting at `keyOffset` follows another one with no comma in between. */
function missingCommaBefore(obj: JsonObjectNode, keyOffset: number, text: string): boolean {
  let previous: JsonPropertyNode | undefined;
  for (const p of obj.properties) if (p.offset < keyOffset && p.value) previous = p;
  return previous !== undefined && !text.slice(previous.offset + previous.length, keyOffset).includes(",");
}

function collect(n: JsonNode, props: JsonPropertyNode[], objects: JsonObjectNode[]): void {
  if (n.type === "object") {
    objects.push(n);
    for (const p of n.properties) collect(p, props, objects);
  } else if (n.type === "property") {
    props.push(n);
    if (n.value) collect(n.value, props, objects);
  } else if (n.type === "array") {
    for (const i of n.items) collect(i, props, objects);
  }
}

function findString(root: JsonValueNode, offset: number, text: string): (JsonNode & { type: "string" }) | undefined {
  let found: (JsonNode & { type: "string" }) | undefined;
  const visit = (n: JsonNode) => {
    if (n.type === "string") {
      // Between the quotes; an unterminated string runs to its last character.
      const end = n.offset + n.length;
      const terminated = n.length >= 2 && text[end - 1] === '"';
      if (offset > n.offset && (terminated ? offset < end : offset <= end)) found = n;
      return;
    }
    if (n.type === "object") n.properties.forEach(visit);
    else if (n.type === "property") {
      visit(n.key);
      if (n.value) visit(n.value);
    } else if (n.type === "array") n.items.forEach(visit);
  };
  visit(root);
  return found;
}

function innermostObject(objects: JsonObjectNode[], offset: number): JsonObjectNode | undefined {
  let best: JsonObjectNode | undefined;
  for (const o of objects) {
    const end = o.closed ? o.offset + o.length - 1 : o.offset + o.length;
    if (offset > o.offset && offset <= end && (!best || o.offset >= best.offset)) best = o;
  }
  return best;
}

function objectPath(obj: JsonObjectNode): (string | number)[] {
  return obj.parent ? pathOf(obj) : [];
}

function valueSnippet(schema: SchemaNode): { snippet: string; plain: string } {
  switch (schema.kind) {
    case "object":
      return { snippet: "{$1}", plain: "{}" };
    case "enum":
      return { snippet: `"\${1|${schema.values.map((v) => v.value).join(",")}|}"`, plain: `"${schema.values[0]?.value ?? ""}"` };
    case "boolean":
      return { snippet: "${1|true,false|}", plain: String(schema.default ?? false) };
    case "integer":
    case "number":
      return { snippet: `\${1:${schema.default ?? schema.minimum ?? 0}}`, plain: String(schema.default ?? schema.minimum ?? 0) };
    case "string":
      return { snippet: '"$1"', plain: '""' };
  }
}

/** Map keys to offer under opTypes/nodes: from the model when there is one, else the known op types. */
function mapKeys(path: (string | number)[], schema: SchemaNode & { kind: "object" }, model: ModelInfo | undefined): [string, string | undefined][] {
  if (path.length !== 1) return [];
  if (path[0] === "nodes") return model ? model.nodes.map((n) => [n.name, `${n.opType} node`]) : [];
  if (path[0] !== "opTypes") return [];
  const counts = new Map<string, number>();
  for (const n of model?.nodes ?? []) counts.set(n.opType, (counts.get(n.opType) ?? 0) + 1);
  const inModel = [...counts].map(([op, n]): [string, string] => [op, `${n} in the model`]);
  return [...inModel, ...(schema.suggestedKeys ?? []).filter((k) => !counts.has(k)).map((k): [string, undefined] => [k, undefined])];
}

function keyCompletions(
  obj: JsonObjectNode,
  range: Range,
  editing: JsonPropertyNode | undefined,
  text: string,
  offset: number | undefined,
  model: ModelInfo | undefined,
  leadingComma = false,
): QconfigCompletion[] {
  const path = objectPath(obj);
  const schema = schemaAt(path);
  if (!schema || schema.kind !== "object") return [];
  const present = new Set(obj.properties.filter((p) => p !== editing).map((p) => p.key.value));
  const keys: [string, SchemaNode, string?][] = Object.entries(schema.properties ?? {});
  if (schema.additionalProperties) {
    for (const [k, detail] of mapKeys(path, schema, model)) keys.push([k, schema.additionalProperties, detail]);
  }
  // When the key already has a ':' only the name is replaced.
  const hasColon = editing ? editing.colonOffset >= 0 : false;
  // A property follows on the same object without a comma yet: add one.
  const needsComma = offset !== undefined && obj.properties.some((p) => p.offset >= offset) && !/^\s*[,}]/.test(text.slice(offset));
  return keys
    .filter(([k]) => !present.has(k))
    .map(([k, s, detail], i) => {
      const v = valueSnippet(s);
      const tail = needsComma && !leadingComma ? "," : "";
      const lead = leadingComma ? ", " : "";
      return {
        label: k,
        kind: "property" as const,
        detail: detail ?? describeKind(s),
        documentation: s.description,
        snippet: lead + (hasColon ? JSON.stringify(k) : `${JSON.stringify(k)}: ${v.snippet}${tail}`),
        plainText: lead + (hasColon ? JSON.stringify(k) : `${JSON.stringify(k)}: ${v.plain}${tail}`),
        range,
        sortText: String(i).padStart(6, "0"),
      };
    });
}

function valueCompletions(prop: JsonPropertyNode, range: Range): QconfigCompletion[] {
  const schema = schemaAt(pathOf(prop));
  if (!schema) return [];
  const items: QconfigCompletion[] = [];
  const add = (label: string, text: string, documentation?: string, snippet?: string) =>
    items.push({ label, kind: "value", documentation, snippet: snippet ?? text, plainText: text, range, sortText: String(items.length).padStart(3, "0") });
  switch (schema.kind) {
    case "enum":
      for (const v of schema.values) add(JSON.stringify(v.value), JSON.stringify(v.value), v.description);
      break;
    case "boolean":
      add("true", "true");
      add("false", "false");
      break;
    case "object":
      add("{}", "{}", schema.description, "{$1}");
      if (schema.nullable) add("null", "null", schema.nullDescription);
      break;
    case "integer":
    case "number":
      if (schema.default !== undefined) add(String(schema.default), String(schema.default), `Default: ${schema.default}. ${schema.description}`);
      break;
    case "string":
      break;
  }
  return items;
}

function describeKind(s: SchemaNode): string {
  switch (s.kind) {
    case "enum":
      return s.values.map((v) => v.value).join(" | ");
    case "object":
      return s.nullable ? "object | null" : "object";
    default:
      return s.kind;
  }
}

function template(range: Range): QconfigCompletion {
  const snippet = [
    "{",
    '\t"backend": "${1|x86,fbgemm,qnnpack,onednn|}",',
    '\t"global": {',
    '\t\t"activation": { "observer": "${2|histogram,minmax,moving_average_minmax,percentile,entropy|}" },',
    '\t\t"weight": { "observer": "per_channel_minmax", "qscheme": "per_channel_symmetric" }',
    "\t},",
    '\t"opTypes": {},',
    '\t"nodes": {}',
    "}",
  ].join("\n");
  const plainText = snippet.replace(/\$\{\d+\|([^,|]+)[^}]*\}/g, "$1");
  return {
    label: "qconfig file",
    kind: "template",
    detail: "A new QuantScope qconfig",
    documentation: "Backend, global observers, and empty per-op-type and per-node sections.",
    snippet,
    plainText,
    range,
    sortText: "000",
  };
}
