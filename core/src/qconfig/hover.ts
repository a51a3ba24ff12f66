// Hover documentation for qconfig files: what a key means, what an enum value does, and for "activation"/"weight"
// the effective observer after inheritance (any process).
import type { Position, Range } from "../diagnostics";
import { analyzeQconfigText, type CheckOptions } from "./check";
import { defaultOpTypeConfigs } from "./defaults";
import { nodeAt, pathOf, type JsonNode } from "./json-ast";
import { resolveGlobal, resolveNodeQConfig, finalizeObserver, backendOf } from "./resolve";
import { schemaAt } from "./schema";
import type { QConfigFile, ResolvedActivation, ResolvedObserver } from "./types";

export interface QconfigHover {
  /** Markdown. */
  contents: string;
  range: Range;
}

/** Hover at `position` in a qconfig file's text, or undefined where there is nothing to say. Never throws. */
export function qconfigHover(text: string, position: Position, options: CheckOptions = {}): QconfigHover | undefined {
  const analysis = analyzeQconfigText(text, options);
  const { root, lines } = analysis;
  const offset = lines.offsetAt(position);
  const node = nodeAt(root, offset);
  if (!node) return undefined;
  let target: JsonNode = node;
  if (target.type === "object" || target.type === "array") return undefined;
  const prop = target.type === "property" ? target : target.parent?.type === "property" ? target.parent : undefined;
  if (!prop) return undefined;
  if (target.type === "property") target = prop.key;
  const path = pathOf(prop);
  const schema = schemaAt(path);
  if (!schema) return undefined;
  const range = lines.rangeOf(target.offset, target.length);
  const key = prop.key.value;

  // On an enum value: that value's documentation first.
  if (target === prop.value && schema.kind === "enum" && target.type === "string") {
    const doc = schema.values.find((v) => v.value === target.value);
    if (!doc) return undefined;
    return { contents: `**${key}: \`${doc.value}\`**\n\n${doc.description}`, range };
  }

  const parts = [`**${key}**`, schema.description];
  if (schema.kind === "object" && schema.nullable) parts.push(schema.nullDescription ?? "");
  if ((schema.kind === "integer" || schema.kind === "number" || schema.kind === "boolean") && schema.default !== undefined) {
    parts.push(`Default: \`${schema.default}\``);
  }
  // Under nodes, with the model known: what the node is.
  const modelNode = path.length === 2 && path[0] === "nodes" ? options.model?.nodes.find((n) => n.name === key) : undefined;
  if (modelNode && options.model) parts.push(`\`${modelNode.opType}\` node in ${options.model.file.split(/[\\/]/).pop()}.`);
  // Under opTypes: PyTorch's own default for that op type.
  if (path.length === 2 && path[0] === "opTypes") {
    const defaults = defaultOpTypeConfigs(backendOf(analysis.value, options));
    const d = Object.hasOwn(defaults, key) ? defaults[key] : undefined;
    if (d) parts.push(`PyTorch's default mapping gives ${key} its own qconfig (${d.torchKeys.join(", ")}).`);
  }
  const effective = effectiveFor(analysis.value, path, options);
  if (effective) parts.push(`Effective ${effective}`);
  return { contents: parts.filter(Boolean).join("\n\n"), range };
}

/** "activation: histogram quint8 ..." for global/opTypes/nodes activation and weight keys. */
function effectiveFor(file: QConfigFile, path: (string | number)[], options: CheckOptions): string | undefined {
  const role = path[path.length - 1];
  if (role !== "activation" && role !== "weight") return undefined;
  const backend = backendOf(file, options);
  if (path.length === 2 && path[0] === "global") {
    const g = resolveGlobal(file, { backend });
    return `(${backend}): ${describeObserver(finalizeObserver(role === "activation" ? g.activation : g.weight))}`;
  }
  if (path.length === 3 && (path[0] === "opTypes" || path[0] === "nodes")) {
    const name = String(path[1]);
    // A node's op type is unknown without the model: resolve it as a generic op.
    // A node's op type comes from the model; without it the node is resolved as a generic op.
    const nodeOpType = path[0] === "nodes" ? options.model?.nodes.find((n) => n.name === name)?.opType : undefined;
    const r = resolveNodeQConfig(file, path[0] === "opTypes" ? { opType: name } : { opType: nodeOpType ?? "", name }, { backend });
    if (!r) return "(float: not quantized)";
    const part = role === "activation" ? r.activation : r.weight;
    const note = path[0] === "nodes" && nodeOpType === undefined ? ", before its op type's entry" : "";
    return `(${backend}${note}): ${part ? describeObserver(part) : "not quantized"}`;
  }
  return undefined;
}

export function describeObserver(o: ResolvedActivation | ResolvedObserver): string {
  if (o.observer === "reuse_input") return "reuses its input's scale and zero point";
  if (o.observer === "fixed_qparams") return `fixed scale ${o.scale}, zero point ${o.zeroPoint} (${o.dtype} ${o.quantMin}..${o.quantMax})`;
  const extras: string[] = [];
  if (o.chAxis !== undefined) extras.push(`chAxis ${o.chAxis}`);
  if (o.averagingConstant !== undefined) extras.push(`averagingConstant ${o.averagingConstant}`);
  if (o.bins !== undefined) extras.push(`bins ${o.bins}`);
  if (o.percentile !== undefined) extras.push(`percentile ${o.percentile}`);
  return `\`${o.observer}\` ${o.dtype} ${o.qscheme}, range ${o.quantMin}..${o.quantMax}${o.reduceRange ? " (reduceRange)" : ""}${extras.length ? `, ${extras.join(", ")}` : ""}`;
}
