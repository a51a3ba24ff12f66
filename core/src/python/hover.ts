// Hover text and document symbols for Python files: what each submodule becomes after convert, and the
// outline of modules, submodules and forward (any process).
import type { Position, Range } from "../diagnostics";
import type { FileAnalysis } from "./analyze";
import type { ModelObj } from "./flow";
import type { ClassInfo, SubmoduleDef } from "./model";
import { kindName } from "./model";
import { behaviorOf, effectiveQconfig, fusedType } from "./convert-semantics";
import { STATIC_QUANT_MAPPINGS } from "./torch-knowledge";
import type { PyNode } from "./syntax";

export interface PythonSymbol {
  name: string;
  kind: "class" | "submodule" | "method" | "function";
  detail?: string;
  range: Range;
  selectionRange: Range;
  children: PythonSymbol[];
}

export function documentSymbols(a: FileAnalysis): PythonSymbol[] {
  const out: PythonSymbol[] = [];
  for (const cls of a.file.classes.values()) {
    const children: PythonSymbol[] = [];
    for (const sub of cls.submodules.values()) {
      if (!isInClass(sub.node, cls)) continue;
      const target = sub.target ?? sub.node;
      children.push({
        name: sub.name,
        kind: "submodule",
        detail: sub.node.text.length <= 80 ? sub.node.text : kindName(sub.kind),
        range: (target.parent ?? target).range,
        selectionRange: target.range,
        children: sub.children.map((c) => ({ name: c.name, kind: "submodule", detail: kindName(c.kind), range: c.node.range, selectionRange: c.node.range, children: [] })),
      });
    }
    for (const [name, fn] of cls.methods) {
      if (!isInClass(fn, cls)) continue;
      const nameNode = fn.child("name") ?? fn;
      children.push({ name, kind: "method", range: fn.range, selectionRange: nameNode.range, children: [] });
    }
    out.push({ name: cls.name, kind: "class", detail: cls.isModule ? "nn.Module" : undefined, range: cls.node.range, selectionRange: cls.nameNode.range, children });
  }
  for (const f of a.file.functions.values()) {
    out.push({ name: f.name, kind: "function", range: f.node.range, selectionRange: (f.node.child("name") ?? f.node).range, children: [] });
  }
  return out.sort((x, y) => x.range.start.line - y.range.start.line);
}

function isInClass(node: PyNode, cls: ClassInfo): boolean {
  for (let n: PyNode | undefined = node; n; n = n.parent) if (n === cls.node) return true;
  return false;
}

function nodeAt(roots: PyNode[], pos: Position): PyNode | undefined {
  for (const r of roots) {
    if (!r.contains(pos)) continue;
    let n = r;
    for (;;) {
      const child = n.children.find((c) => c.contains(pos));
      if (!child) return n;
      n = child;
    }
  }
  return undefined;
}

export function hoverAt(a: FileAnalysis, pos: Position): string | undefined {
  const node = nodeAt(a.file.statements, pos);
  if (!node) return undefined;
  // self.<name> anywhere inside a module class.
  let attr: PyNode | undefined = node.type === "identifier" && node.parent?.type === "attribute" ? node.parent : node.type === "attribute" ? node : undefined;
  if (attr && attr.child("object")?.text !== "self") attr = undefined;
  const cls = enclosingClass(a, node);
  if (attr && cls) {
    const name = attr.child("attribute")?.text ?? "";
    const sub = cls.submodules.get(name);
    if (sub) return submoduleHover(a, cls, sub, name);
  }
  const assigned = a.flow.assignments.find((x) => x.target === node);
  if (assigned) return modelHover(assigned.model, node.text);
  if (node.type === "identifier" && node.parent?.type === "class_definition") {
    const c = a.file.classes.get(node.text);
    if (c?.isModule) return classHover(a, c);
  }
  return undefined;
}

function enclosingClass(a: FileAnalysis, node: PyNode): ClassInfo | undefined {
  for (let n: PyNode | undefined = node; n; n = n.parent) {
    if (n.type === "class_definition") return a.file.classes.get(n.child("name")?.text ?? "");
  }
  return undefined;
}

/** Converted models of this class (or containing it at top level) seen in the file's flow. */
function convertedModels(a: FileAnalysis, cls: ClassInfo): ModelObj[] {
  const out: ModelObj[] = [];
  for (const e of a.flow.events) if (e.k === "convert" && (e.api === "convert" || e.api === "quantize") && e.result.cls === cls) out.push(e.result);
  return out;
}

function afterConvertGeneric(sub: SubmoduleDef): string {
  switch (sub.kind.k) {
    case "quant-stub":
      return "becomes `Quantize`: float in, quantized (quint8) out";
    case "dequant-stub":
      return "becomes `DeQuantize`: quantized in, float out";
    case "float-functional":
      return "becomes `QFunctional`: its add/mul/cat run quantized kernels";
    case "nn": {
      const q = STATIC_QUANT_MAPPINGS[sub.kind.cls];
      if (q) return `becomes \`${q}\` when it has a qconfig (needs a quantized input); stays float when its qconfig is None`;
      return "is not swapped by convert (runs as is)";
    }
    case "user":
      return `its own submodules are converted (see \`${sub.kind.cls.name}\`)`;
    default:
      return "is not known to convert";
  }
}

const BEHAVIOR_TEXT: Record<string, string> = {
  quantize: "quantizes its float input (`Quantize`)",
  dequantize: "dequantizes its input (`DeQuantize`)",
  quantized: "is a quantized module: needs a quantized input",
  "float-only": "stays float: needs a float input",
  transparent: "runs on float and quantized tensors alike",
  "float-out": "returns float tensors",
  loss: "is a loss: needs float inputs",
  "ff-quantized": "is a `QFunctional`: needs quantized inputs",
  "ff-float": "stays a float `FloatFunctional`",
  unknown: "is not modeled",
};

function submoduleHover(a: FileAnalysis, cls: ClassInfo, sub: SubmoduleDef, path: string): string {
  const lines = [`**self.${path}**: \`${sub.node.text.length <= 100 ? sub.node.text : kindName(sub.kind)}\``, "", `After eager \`convert\`: ${afterConvertGeneric(sub)}.`];
  for (const m of convertedModels(a, cls)) {
    const qc = effectiveQconfig(m, path);
    const fused = fusedType(m, path);
    const where = `line ${m.createdBy.line + 1}`;
    const qcText = qc === null ? "qconfig None" : qc === undefined ? "no qconfig" : `qconfig ${qc.backend ? `"${qc.backend}" ` : ""}${qc.kind}`;
    lines.push(
      "",
      `In the model converted on ${where}: ${qcText}${fused ? `, fused into ${fused}` : ""}; it ${BEHAVIOR_TEXT[behaviorOf(m, sub, path)] ?? "is not modeled"}.`,
    );
  }
  return lines.join("\n");
}

const STAGE_TEXT: Record<ModelObj["stage"], string> = {
  float: "float model",
  prepared: "prepared (observers inserted; run calibration data through it, then convert)",
  "qat-prepared": "prepared for quantization-aware training (fake-quant modules)",
  converted: "converted to int8 (eager mode)",
  dynamic: "dynamically quantized (int8 weights, float activations)",
  "fx-prepared": "FX GraphModule with observers (calibrate, then convert_fx)",
  "fx-qat-prepared": "FX GraphModule prepared for QAT",
  "fx-converted": "FX GraphModule converted to int8",
  traced: "FX GraphModule (symbolic trace)",
};

function modelHover(m: ModelObj, name: string): string {
  const lines = [`**${name}**: \`${m.cls.name}\`, ${STAGE_TEXT[m.stage]}`];
  lines.push("", `Mode: ${m.training === undefined ? "unknown" : m.training ? "training" : "eval"}.`);
  const qcs = [...m.qconfigs].map(([path, q]) => `\`${path || "(model)"}\`: ${q === null ? "None" : `${q.backend ? `"${q.backend}" ` : ""}${q.kind}`}`);
  if (qcs.length) lines.push(`qconfig: ${qcs.join(", ")}.`);
  const fused = [...m.fused].filter(([, v]) => v !== "Identity").map(([path]) => `\`${path}\``);
  if (fused.length) lines.push(`Fused: ${fused.join(", ")}.`);
  if (m.stage === "prepared" || m.stage === "qat-prepared" || m.stage === "fx-prepared" || m.stage === "fx-qat-prepared") {
    lines.push(m.calibrated ? "Calibration data has run through it." : "No calibration data has run through it yet.");
  }
  return lines.join("\n");
}

function classHover(a: FileAnalysis, cls: ClassInfo): string {
  const lines = [`**${cls.name}** (nn.Module)`, ""];
  for (const [name, sub] of cls.submodules) lines.push(`- \`${name}\`: ${kindName(sub.kind)}: ${afterConvertGeneric(sub)}`);
  const flows: string[] = [];
  for (const e of a.flow.events) {
    if (e.k === "convert" && e.before.cls === cls) flows.push(`- line ${e.call.line + 1}: ${e.api}`);
    else if ((e.k === "trace" || e.k === "prepare" || e.k === "fuse") && e.model.cls === cls) flows.push(`- line ${e.call.line + 1}: ${e.k === "fuse" ? "fuse_modules" : e.api}`);
    else if (e.k === "dynamic" && e.model.cls === cls) flows.push(`- line ${e.call.line + 1}: quantize_dynamic`);
  }
  if (flows.length) lines.push("", "Quantization flow in this file:", ...[...new Set(flows)]);
  return lines.join("\n");
}
