// The qconfig checker: JSON syntax, the schema (unknown keys with did-you-mean, types, enum values, bounds) and
// the combinations PyTorch's observers or the backends' kernels reject or handle badly, as Findings with exact
// ranges and fixes (any process). Rule codes QS800-QS849 are documented in docs/qconfig.md.
import type { Finding, Fix, Range, Severity, TextEdit } from "../diagnostics";
import { backendReducesActivationRange, defaultOpTypeConfigs } from "./defaults";
import {
  getOwn,
  LineIndex,
  parseJson,
  setOwn,
  propertyOf,
  type JsonObjectNode,
  type JsonPropertyNode,
  type JsonValueNode,
} from "./json-ast";
import { backendOf, finalizeObserver, mergeObserverConfig, resolveGlobal } from "./resolve";
import type { ModelInfo } from "./model-nodes";
import { KNOWN_OP_TYPES, OBSERVER_CONFIG_SCHEMA, QCONFIG_SCHEMA, type SchemaNode } from "./schema";
import {
  dtypeRange,
  isMovingAverageObserver,
  isPerChannelObserver,
  isPerChannelScheme,
  isSymmetricScheme,
  usesBins,
  type Backend,
  type ObserverConfig,
  type QConfigFile,
} from "./types";

/** Quotes a string from the user's file for a message: JSON escapes keep a message on one line. */
function quote(text: string): string {
  return JSON.stringify(text);
}

export const QCONFIG_RULES = {
  QS800: "invalid JSON",
  QS801: "unknown key",
  QS802: "wrong value type",
  QS803: "unknown enum value (observer, dtype, qscheme, backend)",
  QS804: "number out of bounds or not an integer",
  QS805: "duplicate key",
  QS810: "observer and qscheme disagree on per-tensor vs per-channel",
  QS811: "per-channel quantization of activations",
  QS812: "quint8 symmetric with reduceRange",
  QS813: "invalid quantMin/quantMax",
  QS814: "quantMin or quantMax given alone",
  QS815: "reduceRange halves the explicit quantMin/quantMax",
  QS816: "option the observer does not use",
  QS817: "percentile or entropy observer on weights",
  QS820: "dtype the backend's kernels do not take",
  QS821: "asymmetric weights on onednn",
  QS822: "per-channel ConvTranspose weights on fbgemm/qnnpack",
  QS823: "calibrated observer on a fixed-qparams op",
  QS830: "x86/fbgemm activations without reduceRange",
  QS831: "reduceRange where the backend does not need it",
  QS832: "reduceRange on weights",
  QS840: "unknown ONNX op type",
  QS841: "no such node in the model",
  QS842: "op type absent from the model",
} as const;
export type QconfigRuleCode = keyof typeof QCONFIG_RULES;

export interface CheckOptions {
  /** Backend to assume when the file names none (the quantscope.backend setting). Default x86. */
  backend?: Backend;
  /** The model the file configures, when known: node names are then checked and nodes get their op type. */
  model?: ModelInfo;
}

export interface QconfigAnalysis {
  root?: JsonValueNode;
  lines: LineIndex;
  findings: Finding[];
  /** Whether the text is syntactically valid JSON. */
  syntaxOk: boolean;
  /** The file's value with every schema-invalid part left out (safe to resolve even when findings exist). */
  value: QConfigFile;
}

/** Findings for a qconfig file's text, sorted by position. Never throws. */
export function checkQconfigText(text: string, options: CheckOptions = {}): Finding[] {
  return analyzeQconfigText(text, options).findings;
}

export function analyzeQconfigText(text: string, options: CheckOptions = {}): QconfigAnalysis {
  const lines = new LineIndex(text);
  const parsed = parseJson(text);
  const ctx = new Context(text, lines);
  for (const e of parsed.errors) ctx.report("QS800", "error", `invalid JSON: ${e.message}`, e.offset, Math.max(e.length, 1));
  let value: QConfigFile = {};
  if (parsed.root) {
    if (parsed.root.type !== "object") {
      ctx.report("QS802", "error", "a qconfig file is a JSON object ({ \"backend\": ..., \"global\": ... })", parsed.root.offset, parsed.root.length);
    } else {
      const cleaned = validate(ctx, parsed.root, QCONFIG_SCHEMA, []);
      value = (cleaned ?? {}) as QConfigFile;
      checkSemantics(ctx, parsed.root, value, options);
    }
  }
  const findings = ctx.findings.sort(
    (a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || a.code.localeCompare(b.code),
  );
  return { root: parsed.root, lines, findings, syntaxOk: parsed.errors.length === 0, value };
}

class Context {
  readonly findings: Finding[] = [];
  constructor(
    readonly text: string,
    readonly lines: LineIndex,
  ) {}

  range(offset: number, length: number): Range {
    return this.lines.rangeOf(offset, length);
  }

  report(code: QconfigRuleCode, severity: Severity, message: string, offset: number, length: number, fixes?: Fix[]): void {
    const f: Finding = { code, severity, message, range: this.range(offset, length) };
    if (fixes && fixes.length) f.fixes = fixes;
    this.findings.push(f);
  }

  replace(node: { offset: number; length: number }, newText: string): TextEdit {
    return { range: this.range(node.offset, node.length), newText };
  }
}

// ---- schema validation ----

function typeName(n: JsonValueNode): string {
  return n.type === "number" ? (n.isInteger ? "an integer" : "a number") : n.type === "object" ? "an object" : n.type === "array" ? "an array" : n.type === "null" ? "null" : `a ${n.type}`;
}

/** Validates `node` against `schema`, reporting problems; returns the value with invalid parts removed. */
function validate(ctx: Context, node: JsonValueNode, schema: SchemaNode, path: string[]): unknown {
  const where = path.length ? path.join(".") : "the file";
  switch (schema.kind) {
    case "object": {
      if (node.type === "null" && schema.nullable) return null;
      if (node.type !== "object") {
        ctx.report("QS802", "error", `${where} must be an object${schema.nullable ? " or null" : ""}, not ${typeName(node)}`, node.offset, node.length);
        return undefined;
      }
      const out: Record<string, unknown> = {};
      const seen = new Map<string, JsonPropertyNode>();
      for (const prop of node.properties) {
        const key = prop.key.value;
        if (seen.has(key)) {
          ctx.report("QS805", "error", `duplicate key ${quote(key)}: JSON parsers keep only the last one`, prop.key.offset, prop.key.length);
        }
        seen.set(key, prop);
        const sub = getOwn(schema.properties, key) ?? schema.additionalProperties;
        if (!sub) {
          reportUnknownKey(ctx, prop, Object.keys(schema.properties ?? {}), node, where);
          continue;
        }
        if (schema.suggestedKeys && !getOwn(schema.properties, key) && !(schema.suggestedKeys as readonly string[]).includes(key)) {
          const s = suggest(key, schema.suggestedKeys);
          ctx.report(
            "QS840",
            "warning",
            `${quote(key)} is not an ONNX op type QuantScope knows${s ? `; did you mean "${s}"?` : ""} (op types are case-sensitive, as in the ONNX graph)`,
            prop.key.offset,
            prop.key.length,
            s ? [{ title: `Rename to "${s}"`, edits: [ctx.replace(prop.key, JSON.stringify(s))] }] : undefined,
          );
        }
        if (!prop.value) continue;
        const v = validate(ctx, prop.value, sub, [...path, key]);
        if (v !== undefined) setOwn(out, key, v);
      }
      return out;
    }
    case "enum": {
      const values = schema.values.map((v) => v.value);
      if (node.type !== "string") {
        ctx.report("QS802", "error", `${where} must be one of ${values.map((v) => `"${v}"`).join(", ")}, not ${typeName(node)}`, node.offset, node.length);
        return undefined;
      }
      if (values.includes(node.value)) return node.value;
      const s = suggestEnum(node.value, values);
      ctx.report(
        "QS803",
        "error",
        `unknown ${path[path.length - 1] ?? "value"} ${quote(String(node.value))}${s ? `; did you mean "${s}"?` : ""} (one of ${values.join(", ")})`,
        node.offset,
        node.length,
        s ? [{ title: `Change to "${s}"`, edits: [ctx.replace(node, JSON.stringify(s))] }] : undefined,
      );
      return undefined;
    }
    case "boolean": {
      if (node.type === "boolean") return node.value;
      const fix =
        node.type === "string" && (node.value === "true" || node.value === "false")
          ? [{ title: `Change to ${node.value}`, edits: [ctx.replace(node, node.value)] }]
          : node.type === "string" && (node.value === "True" || node.value === "False")
            ? [{ title: `Change to ${node.value.toLowerCase()}`, edits: [ctx.replace(node, node.value.toLowerCase())] }]
            : undefined;
      ctx.report("QS802", "error", `${where} must be true or false, not ${typeName(node)}`, node.offset, node.length, fix);
      return undefined;
    }
    case "integer":
    case "number": {
      if (node.type !== "number" || Number.isNaN(node.value)) {
        const n = node.type === "string" ? Number(node.value) : Number.NaN;
        const fix = node.type === "string" && node.value.trim() !== "" && Number.isFinite(n) ? [{ title: `Change to ${n}`, edits: [ctx.replace(node, String(n))] }] : undefined;
        if (node.type !== "number") ctx.report("QS802", "error", `${where} must be ${schema.kind === "integer" ? "an integer" : "a number"}, not ${typeName(node)}`, node.offset, node.length, fix);
        return undefined;
      }
      const v = node.value;
      if (schema.kind === "integer" && !Number.isInteger(v)) {
        ctx.report("QS804", "error", `${where} must be an integer, not ${ctx.text.slice(node.offset, node.offset + node.length)}`, node.offset, node.length);
        return undefined;
      }
      if (!Number.isFinite(v)) {
        ctx.report("QS804", "error", `${where} is too large`, node.offset, node.length);
        return undefined;
      }
      const bad =
        (schema.minimum !== undefined && v < schema.minimum && `at least ${schema.minimum}`) ||
        (schema.exclusiveMinimum !== undefined && v <= schema.exclusiveMinimum && `greater than ${schema.exclusiveMinimum}`) ||
        (schema.maximum !== undefined && v > schema.maximum && `at most ${schema.maximum}`);
      if (bad) {
        ctx.report("QS804", "error", `${where} must be ${bad}, not ${v}`, node.offset, node.length);
        return undefined;
      }
      return v;
    }
    case "string": {
      if (node.type !== "string") {
        ctx.report("QS802", "error", `${where} must be a string, not ${typeName(node)}`, node.offset, node.length);
        return undefined;
      }
      return node.value;
    }
  }
}

/** PyTorch's snake_case keyword arguments, as people will type them. */
const PYTORCH_SPELLINGS: Record<string, string> = {
  reduce_range: "reduceRange",
  quant_min: "quantMin",
  quant_max: "quantMax",
  ch_axis: "chAxis",
  averaging_constant: "averagingConstant",
  bins: "bins",
  num_bins: "bins",
  batch_size: "batchSize",
  num_batches: "numBatches",
  op_types: "opTypes",
  object_type: "opTypes",
  module_name: "nodes",
  activations: "activation",
  weights: "weight",
  engine: "backend",
};

function reportUnknownKey(ctx: Context, prop: JsonPropertyNode, known: string[], _obj: JsonObjectNode, where: string): void {
  const key = prop.key.value;
  const mapped = getOwn(PYTORCH_SPELLINGS, key);
  const s = mapped && known.includes(mapped) ? mapped : suggest(key, known);
  const place = where === "the file" ? "at the top level" : `in ${where}`;
  ctx.report(
    "QS801",
    "error",
    `unknown key ${quote(key)} ${place}${s ? `; did you mean "${s}"?` : ""}${known.length ? ` (expected ${known.join(", ")})` : ""}`,
    prop.key.offset,
    prop.key.length,
    s ? [{ title: `Rename to "${s}"`, edits: [ctx.replace(prop.key, JSON.stringify(s))] }] : undefined,
  );
}

/** PyTorch class and dtype spellings mapped to this format's values. */
const PYTORCH_VALUES: Record<string, string> = {
  minmaxobserver: "minmax",
  movingaverageminmaxobserver: "moving_average_minmax",
  histogramobserver: "histogram",
  perchannelminmaxobserver: "per_channel_minmax",
  movingaverageperchannelminmaxobserver: "moving_average_per_channel_minmax",
  uint8: "quint8",
  int8: "qint8",
  int32: "qint32",
  onednn: "onednn",
  mkldnn: "onednn",
  arm: "qnnpack",
  xnnpack: "qnnpack",
};

function suggestEnum(value: string, values: string[]): string | undefined {
  const bare = value.replace(/^torch\.(ao\.quantization\.(observer\.)?)?/, "").toLowerCase();
  if (values.includes(bare)) return bare;
  const mapped = getOwn(PYTORCH_VALUES, bare.replace(/[_\s]/g, ""));
  if (mapped && values.includes(mapped)) return mapped;
  return suggest(value, values);
}

/** The closest candidate by edit distance (case and '_' ignored), if it is close enough to be a typo. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, "");
  const w = norm(word);
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = levenshtein(w, norm(c));
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  const limit = Math.max(1, Math.floor(Math.max(w.length, 3) / 3));
  return best !== undefined && bestD <= limit ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > 8) return Math.abs(a.length - b.length);
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

// ---- semantic checks ----

type Role = "activation" | "weight";
type Level = "global" | "opType" | "node";

/** One ObserverConfig object written in the file, with what it is written on top of. */
interface Site {
  role: Role;
  level: Level;
  /** How messages name the entry: "global", the op type, or `node "NAME"`. */
  label: string;
  opType?: string;
  /** The "activation"/"weight" property. */
  prop: JsonPropertyNode;
  obj: JsonObjectNode;
  /** The schema-valid fields written here. */
  written: ObserverConfig;
  /** The configuration this level inherits. */
  base: ObserverConfig;
  /** Human name of where `base` comes from, for messages. */
  baseName: string;
}

function checkSemantics(ctx: Context, root: JsonObjectNode, file: QConfigFile, options: CheckOptions): void {
  const backend = backendOf(file, options);
  const global = resolveGlobal({ backend }, {});
  const resolvedGlobal = resolveGlobal(file, { backend });
  const opDefaults = defaultOpTypeConfigs(backend);
  const sites: Site[] = [];

  const collect = (entryNode: JsonValueNode | undefined, written: QConfigFile["global"] | null | undefined, level: Level, label: string, opType?: string) => {
    if (entryNode?.type !== "object" || !written) return;
    for (const role of ["activation", "weight"] as const) {
      const prop = propertyOf(entryNode, role);
      if (prop?.value?.type !== "object") continue;
      let base: ObserverConfig;
      let baseName: string;
      if (level === "global") {
        base = role === "activation" ? global.activation : global.weight;
        baseName = `the ${backend} default`;
      } else {
        base = role === "activation" ? resolvedGlobal.activation : resolvedGlobal.weight;
        baseName = "global";
        const d = opType ? getOwn(opDefaults, opType) : undefined;
        const dPart = d?.[role];
        if (dPart && !("observer" in dPart && (dPart.observer === "fixed_qparams" || dPart.observer === "reuse_input"))) {
          base = { ...(dPart as ObserverConfig) };
          baseName = `PyTorch's ${backend} default for ${opType}`;
        }
        // A node of a known op type sits on top of that op type's entry too.
        const opEntry = level === "node" && opType ? getOwn(file.opTypes, opType) : undefined;
        if (opEntry?.[role]) {
          base = mergeObserverConfig(base, opEntry[role]);
          baseName = `opTypes.${opType}`;
        }
      }
      sites.push({ role, level, label, opType, prop, obj: prop.value, written: written[role] ?? {}, base, baseName });
    }
  };

  const modelOpTypes = new Map<string, string>();
  for (const n of options.model?.nodes ?? []) if (!modelOpTypes.has(n.name)) modelOpTypes.set(n.name, n.opType);
  const presentOpTypes = new Set(modelOpTypes.values());
  const modelName = options.model ? options.model.file.split(/[\\/]/).pop() : undefined;

  collect(propertyOf(root, "global")?.value, file.global, "global", "global");
  const opTypesNode = propertyOf(root, "opTypes")?.value;
  if (opTypesNode?.type === "object") {
    for (const p of opTypesNode.properties) {
      const op = p.key.value;
      if (options.model && (KNOWN_OP_TYPES as readonly string[]).includes(op) && !presentOpTypes.has(op)) {
        ctx.report("QS842", "information", `${modelName} has no ${op} nodes: this entry applies to nothing`, p.key.offset, p.key.length);
      }
      collect(p.value, file.opTypes?.[op], "opType", op, op);
    }
  }
  const nodesNode = propertyOf(root, "nodes")?.value;
  if (nodesNode?.type === "object") {
    for (const p of nodesNode.properties) {
      const name = p.key.value;
      const opType = options.model ? modelOpTypes.get(name) : undefined;
      if (options.model && opType === undefined) {
        const s = suggest(name, [...modelOpTypes.keys()]);
        ctx.report(
          "QS841",
          "warning",
          `${modelName} has no node ${quote(name)}${s ? `; did you mean "${s}"?` : ""} (node names, or the first output of unnamed nodes)`,
          p.key.offset,
          p.key.length,
          s ? [{ title: `Rename to "${s}"`, edits: [ctx.replace(p.key, JSON.stringify(s))] }] : undefined,
        );
      }
      collect(p.value, file.nodes?.[name], "node", `node ${quote(name)}`, opType);
    }
  }
  for (const site of sites) checkSite(ctx, site, backend);
}

function checkSite(ctx: Context, site: Site, backend: Backend): void {
  const { written, role } = site;
  // A known field with an invalid value already has its finding; judging combinations without it would mislead.
  const fieldKeys = Object.keys(OBSERVER_CONFIG_SCHEMA.properties ?? {}) as (keyof ObserverConfig)[];
  if (fieldKeys.some((k) => propertyOf(site.obj, k) && written[k] === undefined)) return;
  const e = mergeObserverConfig(site.base, written);
  const r = finalizeObserver(e);
  const field = (k: keyof ObserverConfig) => propertyOf(site.obj, k);
  const isWritten = (...keys: (keyof ObserverConfig)[]) => keys.some((k) => written[k] !== undefined);
  /** The first written field among `keys` (the finding's range), else the "activation"/"weight" key. */
  const anchor = (...keys: (keyof ObserverConfig)[]) => {
    for (const k of keys) {
      const p = field(k);
      if (p?.value && written[k] !== undefined) return p.value;
    }
    return site.prop.key;
  };
  const inherited = (k: keyof ObserverConfig) => (written[k] === undefined ? ` (inherited from ${site.baseName})` : "");
  const where = `${site.label} ${role}`;
  const setValueFix = (k: keyof ObserverConfig, valueText: string, title: string): Fix[] => {
    const p = field(k);
    if (p?.value) return [{ title, edits: [ctx.replace(p.value, valueText)] }];
    return [{ title, edits: [insertPropertyEdit(ctx, site.obj, k, valueText)] }];
  };

  const observer = r.observer;
  const perChannelObserver = isPerChannelObserver(observer);
  const perChannelScheme = isPerChannelScheme(r.qscheme);

  // QS811 / QS810: granularity.
  if (role === "activation" && (perChannelObserver || perChannelScheme) && isWritten("observer", "qscheme")) {
    const at = anchor(perChannelScheme && written.qscheme ? "qscheme" : "observer", "observer", "qscheme");
    ctx.report(
      "QS811",
      "error",
      `${where}: activations are quantized per tensor (${perChannelObserver ? observer : r.qscheme}): the quantized kernels take one scale and zero point for their input`,
      at.offset,
      at.length,
    );
  } else if (perChannelObserver !== perChannelScheme && isWritten("observer", "qscheme")) {
    const want = perChannelObserver ? (isSymmetricScheme(r.qscheme) ? "per_channel_symmetric" : "per_channel_affine") : isSymmetricScheme(r.qscheme) ? "per_tensor_symmetric" : "per_tensor_affine";
    const at = anchor("qscheme", "observer");
    ctx.report(
      "QS810",
      "error",
      `${where}: the ${observer} observer is ${perChannelObserver ? "per-channel" : "per-tensor"} but qscheme is ${r.qscheme}${inherited("qscheme")}: PyTorch raises NotImplementedError; use qscheme "${want}"`,
      at.offset,
      at.length,
      setValueFix("qscheme", JSON.stringify(want), `Set qscheme to "${want}"`),
    );
  }

  // QS812: MinMaxObserver and the per-channel observers refuse quint8 symmetric with reduce_range.
  if (
    r.dtype === "quint8" &&
    isSymmetricScheme(r.qscheme) &&
    r.reduceRange &&
    observer !== "histogram" &&
    isWritten("dtype", "qscheme", "reduceRange", "observer")
  ) {
    const at = anchor("reduceRange", "qscheme", "dtype", "observer");
    ctx.report(
      "QS812",
      "error",
      `${where}: quint8 with ${r.qscheme} and reduceRange${inherited("reduceRange")}: PyTorch raises "Cannot reduce range for symmetric quantization for quint8"`,
      at.offset,
      at.length,
      setValueFix("reduceRange", "false", "Set reduceRange to false"),
    );
  }

  // QS813 / QS814 / QS815: the integer range.
  let rangeInvalid = false;
  const hasMin = e.quantMin !== undefined;
  const hasMax = e.quantMax !== undefined;
  if (hasMin && hasMax && isWritten("quantMin", "quantMax", "dtype")) {
    const qmin = e.quantMin as number;
    const qmax = e.quantMax as number;
    const [lo, hi] = dtypeRange(r.dtype);
    const minNode = anchor("quantMin", "quantMax", "dtype");
    const maxNode = anchor("quantMax", "quantMin", "dtype");
    rangeInvalid = qmin >= qmax || qmin < lo || qmax > hi || qmin > 0 || qmax < 0;
    if (qmin >= qmax) {
      ctx.report("QS813", "error", `${where}: quantMin ${qmin} must be less than quantMax ${qmax}`, minNode.offset, minNode.length);
    } else if (qmin < lo || qmax > hi) {
      const at = qmin < lo ? minNode : maxNode;
      ctx.report(
        "QS813",
        "error",
        `${where}: ${qmin}..${qmax} does not fit ${r.dtype}${inherited("dtype")}, whose range is ${lo}..${hi}`,
        at.offset,
        at.length,
      );
    } else if (qmin > 0 || qmax < 0) {
      ctx.report(
        "QS813",
        "error",
        `${where}: the range ${qmin}..${qmax} must include 0 (PyTorch asserts "Used-specified quantization range must include 0.")`,
        (qmin > 0 ? minNode : maxNode).offset,
        (qmin > 0 ? minNode : maxNode).length,
      );
    } else if (r.reduceRange && isWritten("quantMin", "quantMax", "reduceRange")) {
      const at = anchor("reduceRange", "quantMin", "quantMax");
      ctx.report(
        "QS815",
        "warning",
        `${where}: reduceRange${inherited("reduceRange")} halves the explicit range ${qmin}..${qmax} to ${r.quantMin}..${r.quantMax}, as PyTorch does; give the range you want and reduceRange false`,
        at.offset,
        at.length,
        setValueFix("reduceRange", "false", `Set reduceRange to false (keep ${qmin}..${qmax})`),
      );
    }
  } else if (hasMin !== hasMax && isWritten("quantMin", "quantMax")) {
    const at = anchor("quantMin", "quantMax");
    ctx.report(
      "QS814",
      "warning",
      `${where}: ${hasMin ? "quantMin" : "quantMax"} without ${hasMin ? "quantMax" : "quantMin"} is ignored (PyTorch uses a custom range only when both are given)`,
      at.offset,
      at.length,
    );
  }

  // QS816: options this observer does not read.
  const unused: [keyof ObserverConfig, boolean, string][] = [
    ["chAxis", perChannelObserver, "per-channel observers"],
    ["averagingConstant", isMovingAverageObserver(observer), "moving-average observers"],
    ["bins", usesBins(observer), "histogram, percentile and entropy observers"],
    ["percentile", observer === "percentile", "the percentile observer"],
  ];
  for (const [k, used, who] of unused) {
    const p = field(k);
    if (used || written[k] === undefined || !p) continue;
    ctx.report(
      "QS816",
      "warning",
      `${where}: ${k} is ignored by the ${observer} observer${inherited("observer")}; it applies to ${who}`,
      p.key.offset,
      p.key.length,
      [{ title: `Remove "${k}"`, edits: [removePropertyEdit(ctx, site.obj, p)] }],
    );
  }

  // QS817: percentile/entropy calibrate activations only.
  if (role === "weight" && (observer === "percentile" || observer === "entropy") && isWritten("observer")) {
    const at = anchor("observer");
    const want = perChannelScheme ? "per_channel_minmax" : "minmax";
    ctx.report(
      "QS817",
      "error",
      `${where}: the ${observer} observer calibrates activations; weights are constant and use ${want}`,
      at.offset,
      at.length,
      setValueFix("observer", JSON.stringify(want), `Use "${want}"`),
    );
  }

  // QS820: dtypes.
  if (isWritten("dtype")) {
    const at = anchor("dtype");
    if (role === "weight" && r.dtype !== "qint8" && !(r.dtype === "quint8" && site.opType === "PRelu")) {
      ctx.report(
        "QS820",
        "error",
        `${where}: ${backend}'s quantized conv/linear kernels take qint8 weights, not ${r.dtype}`,
        at.offset,
        at.length,
        setValueFix("dtype", '"qint8"', 'Use "qint8"'),
      );
    } else if (role === "activation" && r.dtype === "qint32") {
      ctx.report("QS820", "error", `${where}: no backend takes qint32 activations (qint32 is for biases); use quint8`, at.offset, at.length, setValueFix("dtype", '"quint8"', 'Use "quint8"'));
    } else if (role === "activation" && r.dtype === "qint8" && backend !== "qnnpack") {
      ctx.report(
        "QS820",
        "warning",
        `${where}: ${backend}'s static int8 kernels take quint8 activations; with qint8 PyTorch finds no matching dtype config and leaves the ops in float`,
        at.offset,
        at.length,
        setValueFix("dtype", '"quint8"', 'Use "quint8"'),
      );
    }
  }

  // QS821: onednn packs only symmetric weights.
  if (role === "weight" && backend === "onednn" && !isSymmetricScheme(r.qscheme) && isWritten("qscheme", "observer")) {
    const want = perChannelScheme ? "per_channel_symmetric" : "per_tensor_symmetric";
    const at = anchor("qscheme", "observer");
    ctx.report(
      "QS821",
      "error",
      `${where}: onednn only supports symmetric weights (zero point 0); with ${r.qscheme}${inherited("qscheme")} packing fails ("ONEDNN only supports symmetric quantization of weight, whose zero point must be 0")`,
      at.offset,
      at.length,
      setValueFix("qscheme", JSON.stringify(want), `Use "${want}"`),
    );
  }

  // QS822: fbgemm/qnnpack cannot pack per-channel transposed-conv weights.
  if (role === "weight" && site.opType === "ConvTranspose" && backend !== "onednn" && (perChannelScheme || perChannelObserver) && isWritten("qscheme", "observer")) {
    const at = anchor("observer", "qscheme");
    ctx.report(
      "QS822",
      "error",
      `${where}: ${backend} cannot quantize ConvTranspose weights per channel ("Per Channel Quantization is currently disabled for transposed conv"); use minmax with per_tensor_symmetric, as PyTorch's default mapping does`,
      at.offset,
      at.length,
    );
  }

  // QS823: calibrating an op whose output range is fixed by its math.
  const fixedDefault = site.opType ? getOwn(defaultOpTypeConfigs(backend), site.opType)?.activation : undefined;
  if (role === "activation" && fixedDefault && isWritten("observer")) {
    const d = fixedDefault;
    if (d && "observer" in d && d.observer === "fixed_qparams") {
      const at = anchor("observer");
      ctx.report(
        "QS823",
        "warning",
        `${where}: ${site.opType}'s output range is fixed (PyTorch uses scale ${d.scale}, zero point ${d.zeroPoint}); a calibrated observer can only lose accuracy, and PyTorch's FX prepare ignores such a qconfig with a warning and leaves the op unquantized`,
        at.offset,
        at.length,
      );
    }
  }

  // QS830-QS832: reduce_range and the backend.
  if (role === "activation" && r.dtype === "quint8" && backendReducesActivationRange(backend) && r.quantMax - r.quantMin > 127 && !rangeInvalid && isWritten("reduceRange", "quantMin", "quantMax", "dtype", "observer")) {
    const at = anchor("reduceRange", "quantMax", "quantMin", "dtype", "observer");
    ctx.report(
      "QS830",
      "warning",
      `${where}: ${backend} activations use the full ${r.quantMin}..${r.quantMax}; on CPUs without VNNI the fbgemm kernels' u8*s8 multiply-add (vpmaddubsw) can saturate, which is why PyTorch's ${backend} default sets reduceRange (0..127)`,
      at.offset,
      at.length,
      setValueFix("reduceRange", "true", "Set reduceRange to true"),
    );
  }
  if (role === "activation" && r.reduceRange && !backendReducesActivationRange(backend) && isWritten("reduceRange")) {
    const at = anchor("reduceRange");
    ctx.report(
      "QS831",
      "information",
      `${where}: ${backend} kernels do not overflow with the full 8 bits (PyTorch's ${backend} default does not reduce the range); reduceRange only loses one bit of resolution`,
      at.offset,
      at.length,
      setValueFix("reduceRange", "false", "Set reduceRange to false"),
    );
  }
  if (role === "weight" && r.reduceRange && isWritten("reduceRange")) {
    const at = anchor("reduceRange");
    ctx.report(
      "QS832",
      "information",
      `${where}: reduceRange halves the weights' resolution to ${r.quantMin}..${r.quantMax}; PyTorch reduces activations on x86/fbgemm, never weights`,
      at.offset,
      at.length,
      setValueFix("reduceRange", "false", "Set reduceRange to false"),
    );
  }
}

// ---- edits ----

/** Inserts `"key": value` as the object's first property, matching the existing layout. */
function insertPropertyEdit(ctx: Context, obj: JsonObjectNode, key: string, valueText: string): TextEdit {
  const entry = `${JSON.stringify(key)}: ${valueText}`;
  const first = obj.properties[0];
  if (!first) {
    const at = ctx.lines.positionAt(obj.offset + 1);
    return { range: { start: at, end: at }, newText: entry };
  }
  const firstPos = ctx.lines.positionAt(first.offset);
  const openPos = ctx.lines.positionAt(obj.offset);
  if (firstPos.line === openPos.line) return { range: { start: firstPos, end: firstPos }, newText: `${entry}, ` };
  const lineStart = ctx.lines.offsetAt({ line: firstPos.line, character: 0 });
  const indent = ctx.text.slice(lineStart, first.offset);
  return { range: { start: firstPos, end: firstPos }, newText: `${entry},\n${/^\s*$/.test(indent) ? indent : ""}` };
}

/** Deletes a property together with one adjacent comma (and the whitespace up to the neighbour). */
function removePropertyEdit(ctx: Context, obj: JsonObjectNode, prop: JsonPropertyNode): TextEdit {
  const i = obj.properties.indexOf(prop);
  const next = obj.properties[i + 1];
  const prev = obj.properties[i - 1];
  let start = prop.offset;
  let end = prop.offset + prop.length;
  if (next) {
    end = next.offset;
  } else if (prev) {
    start = prev.offset + prev.length;
  } else {
    // The only property: empty the object.
    start = obj.offset + 1;
    end = obj.closed ? obj.offset + obj.length - 1 : end;
  }
  return { range: ctx.range(start, end - start), newText: "" };
}
