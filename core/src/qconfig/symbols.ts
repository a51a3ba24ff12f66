// Document outline for qconfig files: backend, global, each op type and node entry, calibration (any process).
import type { Range } from "../diagnostics";
import { LineIndex, parseJson, type JsonPropertyNode } from "./json-ast";

export interface QconfigSymbol {
  name: string;
  detail?: string;
  kind: "object" | "property" | "null" | "value";
  range: Range;
  selectionRange: Range;
  children: QconfigSymbol[];
}

/** The outline of a qconfig file (empty when the text is not a JSON object). Never throws. */
export function qconfigSymbols(text: string): QconfigSymbol[] {
  const lines = new LineIndex(text);
  const { root } = parseJson(text);
  if (root?.type !== "object") return [];
  const toSymbol = (p: JsonPropertyNode, depth: number): QconfigSymbol => {
    const v = p.value;
    const children = v?.type === "object" && depth < 3 ? v.properties.map((c) => toSymbol(c, depth + 1)) : [];
    let detail: string | undefined;
    if (v?.type === "string" || v?.type === "number" || v?.type === "boolean") detail = String(v.value);
    else if (v?.type === "null") detail = "float";
    return {
      name: p.key.value || '""',
      detail,
      kind: v?.type === "object" ? "object" : v?.type === "null" ? "null" : v ? "value" : "property",
      range: lines.rangeOf(p.offset, p.length),
      selectionRange: lines.rangeOf(p.key.offset, p.key.length),
      children,
    };
  };
  return root.properties.map((p) => toSymbol(p, 0));
}
