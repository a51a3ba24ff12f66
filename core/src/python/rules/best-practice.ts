// QS5xx: best practices: x86/fbgemm with a full 8-bit activation range, engine vs qconfig backend,
// convert without calibration, nn.Embedding without float_qparams_weight_only_qconfig, deprecated
// torch.quantization imports, and the torch.ao.quantization -> torchao migration (any process).
import type { Fix } from "../../diagnostics";
import type { FlowEvent, ModelObj, QconfigInfo } from "../flow";
import type { ClassInfo, SubmoduleDef } from "../model";
import { X86_LIKE_BACKENDS } from "../torch-knowledge";
import { callArgs, stringValue, unparen, walk, type PyNode } from "../syntax";
import { effectiveQconfig } from "../convert-semantics";
import type { RuleContext, RuleFamily } from "./registry";
import { spellName } from "./fix-helpers";

export const bestPracticeFamily: RuleFamily = {
  name: "best practice",
  rules: [
    { code: "QS501", name: "x86-full-activation-range", severity: "warning", summary: "x86/fbgemm with an 8-bit activation range (needs reduce_range=True or quant_max=127)." },
    { code: "QS502", name: "engine-backend-mismatch", severity: "warning", summary: "torch.backends.quantized.engine differs from the backend the qconfig was made for." },
    { code: "QS503", name: "convert-without-calibration", severity: "warning", summary: "convert right after prepare, with no calibration (or training) run in between." },
    { code: "QS504", name: "embedding-qconfig", severity: "error", summary: "nn.Embedding quantized with a qconfig other than float_qparams_weight_only_qconfig." },
    { code: "QS505", name: "deprecated-torch-quantization", severity: "warning", summary: "torch.quantization / torch.nn.quantized are deprecated aliases of torch.ao.*." },
    { code: "QS506", name: "torchao-migration", severity: "information", summary: "torch.ao.quantization is deprecated; new code should use torchao (PT2E)." },
  ],
  check(ctx) {
    checkActivationRange(ctx);
    checkEngineMismatch(ctx);
    checkCalibration(ctx);
    checkEmbeddings(ctx);
    checkDeprecatedImports(ctx);
  },
};

function engines(ctx: RuleContext): Array<Extract<FlowEvent, { k: "engine" }>> {
  return ctx.flow.events.filter((e): e is Extract<FlowEvent, { k: "engine" }> => e.k === "engine");
}

function family(backend: string): string {
  return X86_LIKE_BACKENDS.has(backend) ? "x86" : backend;
}

function checkActivationRange(ctx: RuleContext): void {
  const set = engines(ctx).map((e) => e.value);
  // With no explicit engine, x86 machines run the x86 engine.
  const x86 = set.length === 0 || set.some((v) => X86_LIKE_BACKENDS.has(v));
  if (!x86) return;
  for (const s of ctx.file.statements) {
    if (!s.text.includes("QConfig")) continue;
    walk(s, (n) => {
      if (n.type !== "call" || ctx.file.names.resolve(n.child("function")) !== "torch.ao.quantization.QConfig") return;
      const args = callArgs(n);
      const act = unparen(args.keyword.get("activation") ?? args.positional[0]);
      if (!act || !fullRange(act)) return;
      const fixes: Fix[] = [];
      if (act.type === "call") {
        const last = [...callArgs(act).positional, ...callArgs(act).keyword.values()].pop();
        const anchor = last?.parent?.type === "keyword_argument" ? last.parent : last;
        if (anchor) fixes.push({ title: "Add reduce_range=True", edits: [{ range: { start: anchor.end, end: anchor.end }, newText: ", reduce_range=True" }] });
      } else {
        fixes.push({ title: "Add reduce_range=True", edits: [{ range: act.range, newText: `${act.text}.with_args(reduce_range=True)` }] });
      }
      ctx.report(
        "QS501",
        act,
        `This activation observer uses the full 8-bit range (0..255) with the x86/fbgemm engine: its int8 kernels multiply ` +
          `u8 activations by s8 weights in 16-bit accumulators (VPMADDUBSW) and can saturate on CPUs without VNNI, giving ` +
          `wrong results. Use reduce_range=True (or quant_min=0, quant_max=127), as get_default_qconfig("x86") does.`,
        { fixes },
      );
    });
  }
}

function fullRange(act: PyNode): boolean {
  const text = act.text.trim();
  if (act.type === "call" && act.child("function")?.child("attribute")?.text === "with_args") {
    const base = act.child("function")?.child("object")?.text ?? "";
    if (!/(MinMaxObserver|HistogramObserver|MovingAverageMinMaxObserver|FakeQuantize|FusedMovingAvgObsFakeQuantize)$/.test(base)) return false;
    const a = callArgs(act);
    if (unparen(a.keyword.get("reduce_range"))?.type === "true") return false;
    const qmax = a.keyword.get("quant_max");
    if (qmax && !(Number(qmax.text) > 127)) return false;
    const dtype = a.keyword.get("dtype")?.text;
    if (dtype && !/quint8/.test(dtype)) return false;
    if (/FakeQuantize/.test(base) && !qmax) return false; // FakeQuantize defaults follow its observer
    return true;
  }
  return /^(?:[\w.]+\.)?(MinMaxObserver|HistogramObserver|MovingAverageMinMaxObserver)$/.test(text);
}

function qconfigInfos(ctx: RuleContext): QconfigInfo[] {
  const out: QconfigInfo[] = [];
  for (const e of ctx.flow.events) if (e.k === "qconfig" && e.info) out.push(e.info);
  for (const m of ctx.flow.models) if (m.fxQconfig) out.push(m.fxQconfig);
  return out;
}

function checkEngineMismatch(ctx: RuleContext): void {
  const set = engines(ctx);
  if (set.length === 0) return;
  const engineValues = new Set(set.map((e) => family(e.value)));
  if (engineValues.size !== 1) return;
  const engine = set[set.length - 1] as Extract<FlowEvent, { k: "engine" }>;
  const seen = new Set<PyNode>();
  for (const q of qconfigInfos(ctx)) {
    if (!q.backend || !q.backendNode || seen.has(q.backendNode)) continue;
    seen.add(q.backendNode);
    if (family(q.backend) === family(engine.value)) continue;
    const lit = unparen(q.backendNode);
    const fixes: Fix[] | undefined =
      lit && stringValue(lit) !== undefined ? [{ title: `Use the "${engine.value}" qconfig`, edits: [{ range: lit.range, newText: `"${engine.value}"` }] }] : undefined;
    ctx.report(
      "QS502",
      q.backendNode,
      `The qconfig is made for "${q.backend}" but torch.backends.quantized.engine is "${engine.value}" (line ${engine.node.line + 1}): ` +
        `observers then pick ranges and weight schemes for the wrong kernels (e.g. reduce_range, per-channel weights), which costs accuracy ` +
        `or fails on the target. Use the same backend for both.`,
      { fixes },
    );
  }
}

function needsCalibration(m: ModelObj): boolean {
  if (m.stage === "fx-prepared" || m.stage === "fx-qat-prepared") {
    const k = m.fxQconfig?.kind;
    return k === "static" || k === "qat";
  }
  if (m.stage === "prepared" || m.stage === "qat-prepared") {
    return [...m.qconfigs.values()].some((q) => q && (q.kind === "static" || q.kind === "qat"));
  }
  return false;
}

function checkCalibration(ctx: RuleContext): void {
  for (const e of ctx.flow.events) {
    if (e.k !== "convert" || e.api === "quantize") continue;
    if (e.before.calibrated || !needsCalibration(e.before)) continue;
    const qat = e.before.stage === "qat-prepared" || e.before.stage === "fx-qat-prepared";
    ctx.report(
      "QS503",
      e.call,
      qat
        ? `convert runs right after prepare_qat with no training step: the fake-quant observers have seen no data, so the ` +
            `scales and zero points are defaults and the int8 model is meaningless. Train (or at least run batches through) the prepared model first.`
        : `convert runs right after prepare with no calibration: the observers have seen no data, so every scale and zero point ` +
            `is a default and the int8 model's outputs are garbage. Run representative batches through the prepared model first.`,
    );
  }
}

function embeddingPaths(cls: ClassInfo, prefix = "", depth = 0): Array<{ path: string; sub: SubmoduleDef }> {
  if (depth > 6) return [];
  const out: Array<{ path: string; sub: SubmoduleDef }> = [];
  const visit = (sub: SubmoduleDef, path: string) => {
    if (sub.kind.k === "nn" && (sub.kind.cls === "Embedding" || sub.kind.cls === "EmbeddingBag")) out.push({ path, sub });
    else if (sub.kind.k === "user") out.push(...embeddingPaths(sub.kind.cls, path, depth + 1));
    else if (sub.kind.k === "container" && path.split(".").length < 64) for (const c of sub.children) visit(c, `${path}.${c.name}`);
  };
  for (const [name, sub] of cls.submodules) visit(sub, prefix ? `${prefix}.${name}` : name);
  return out;
}

function checkEmbeddings(ctx: RuleContext): void {
  for (const e of ctx.flow.events) {
    if (e.k === "convert" && (e.api === "convert" || e.api === "quantize")) {
      const m = e.before;
      if (!m.prepared || m.custom) continue;
      for (const { path, sub } of embeddingPaths(m.cls)) {
        const qc = effectiveQconfig(m, path);
        if (!qc || qc.floatQparams || (qc.kind !== "static" && qc.kind !== "qat")) continue;
        ctx.report(
          "QS504",
          e.call,
          `\`${path}\` is an nn.${sub.kind.k === "nn" ? sub.kind.cls : "Embedding"} with a ${qc.kind === "qat" ? "QAT" : "static"} qconfig: convert raises ` +
            `"AssertionError: Embedding quantization is only supported with float_qparams_weight_only_qconfig." ` +
            `Set \`model.${path}.qconfig = float_qparams_weight_only_qconfig\` before prepare (or None to keep it float).`,
          { fixes: embeddingFix(ctx, e, path) },
        );
      }
    } else if (e.k === "prepare" && e.api === "prepare_qat" && !e.model.custom) {
      // prepare_qat swaps nn.Embedding for its QAT version, which checks the weight qscheme right away.
      for (const { path, sub } of embeddingPaths(e.model.cls)) {
        const qc = effectiveQconfig(e.model, path);
        if (!qc || qc.floatQparams || qc.kind !== "qat") continue;
        ctx.report(
          "QS504",
          e.call,
          `\`${path}\` is an nn.${sub.kind.k === "nn" ? sub.kind.cls : "Embedding"} with a QAT qconfig whose weights are not float_qparams: prepare_qat raises ` +
            `"AssertionError: Embedding weights requires a qscheme of torch.per_channel_affine_float_qparams". ` +
            `Set \`model.${path}.qconfig = float_qparams_weight_only_qconfig\` (or None) before prepare_qat.`,
        );
      }
    } else if (e.k === "dynamic") {
      const spec = unparen(e.spec);
      if (!spec || (spec.type !== "set" && spec.type !== "list" && spec.type !== "tuple")) continue;
      const dtype = e.dtype?.text ?? "torch.qint8";
      if (/quint8|quint4x2/.test(dtype)) continue;
      for (const item of spec.namedChildren) {
        const cls = ctx.file.names.resolve(item);
        if (cls !== "torch.nn.Embedding" && cls !== "torch.nn.EmbeddingBag") continue;
        ctx.report(
          "QS504",
          item,
          `quantize_dynamic with ${item.text} in a set uses the default dynamic qconfig (qint8 per-tensor weights), and converting ` +
            `an embedding raises "AssertionError: Embedding quantization is only supported with float_qparams_weight_only_qconfig." ` +
            `Pass a dict instead: {nn.Linear: default_dynamic_qconfig, ${item.text}: float_qparams_weight_only_qconfig}.`,
        );
      }
    }
  }
}

function embeddingFix(ctx: RuleContext, e: Extract<FlowEvent, { k: "convert" }>, path: string): Fix[] | undefined {
  // Insert the assignment before the prepare call that produced this model, when it is a plain statement.
  const prepare = ctx.flow.events.find((x) => x.k === "prepare" && x.model.cls === e.before.cls && (x.api === "prepare" || x.api === "prepare_qat") && x.call.line < e.call.line);
  if (!prepare || prepare.k !== "prepare") return undefined;
  const arg = unparen(prepare.modelArg);
  const qc = spellName(ctx.file.names, "torch.ao.quantization", "float_qparams_weight_only_qconfig");
  if (!arg || arg.type !== "identifier" || !qc) return undefined;
  let stmt: PyNode | undefined = prepare.call;
  while (stmt && stmt.type !== "expression_statement") stmt = stmt.parent;
  if (!stmt) return undefined;
  const indent = (ctx.lines[stmt.line] ?? "").match(/^\s*/)?.[0] ?? "";
  const line = stmt.line;
  return [
    {
      title: `Give ${path} float_qparams_weight_only_qconfig`,
      edits: [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: `${indent}${arg.text}.${path}.qconfig = ${qc}\n` }],
    },
  ];
}

function checkDeprecatedImports(ctx: RuleContext): void {
  let infoReported = false;
  for (const imp of ctx.file.names.imports) {
    const deprecated = /^torch\.(quantization|nn\.quantized|nn\.intrinsic|nn\.qat)\b/.exec(imp.module);
    if (deprecated) {
      const node = imp.node.descendantsOfType("dotted_name").find((d) => d.text === imp.module) ?? imp.node;
      const replacement = imp.module.replace(/^torch\./, "torch.ao.");
      ctx.report(
        "QS505",
        node,
        `\`${imp.module}\` is a deprecated alias kept for backward compatibility; import \`${replacement}\` instead.`,
        { fixes: [{ title: `Import ${replacement}`, edits: [{ range: node.range, newText: replacement }] }] },
      );
    }
    if (!infoReported && /^torch\.(ao\.)?quantization\b/.test(imp.module)) {
      infoReported = true;
      ctx.report(
        "QS506",
        imp.node,
        `torch.ao.quantization (eager mode and FX graph mode) is deprecated in PyTorch 2.10+ and slated for removal. It still works; ` +
          `for new code, migrate to torchao: PT2E static quantization (torch.export + torchao.quantization.pt2e.quantize_pt2e.prepare_pt2e / convert_pt2e ` +
          `with X86InductorQuantizer or XNNPACKQuantizer), or torchao.quantization.quantize_ for weight-only and dynamic quantization.`,
      );
    }
  }
  // Uses through `import torch`: torch.quantization.X in code.
  for (const s of ctx.file.statements) {
    if (s.type === "import_statement" || s.type === "import_from_statement") continue;
    if (!s.text.includes("torch.quantization") && !s.text.includes("torch.nn.quantized")) continue;
    walk(s, (n) => {
      if (n.type !== "attribute") return;
      const text = n.text;
      if (text === "torch.quantization" || text === "torch.nn.quantized") {
        const replacement = text.replace(/^torch\./, "torch.ao.");
        ctx.report("QS505", n, `\`${text}\` is a deprecated alias; use \`${replacement}\`.`, {
          fixes: [{ title: `Use ${replacement}`, edits: [{ range: n.range, newText: replacement }] }],
        });
        return false;
      }
      return undefined;
    });
  }
  if (!infoReported) {
    for (const s of ctx.file.statements) {
      if (!s.text.includes("quantization")) continue;
      let hit: PyNode | undefined;
      walk(s, (n) => {
        if (hit) return false;
        if (n.type === "attribute" && /^torch\.(ao\.)?quantization$/.test(n.text)) hit = n;
        return undefined;
      });
      if (hit) {
        ctx.report("QS506", hit, `torch.ao.quantization is deprecated in PyTorch 2.10+; for new code, migrate to torchao (PT2E: prepare_pt2e/convert_pt2e, or quantize_).`);
        break;
      }
    }
  }
}
