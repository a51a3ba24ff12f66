// QS2xx: fuse_modules (missing attributes, unsupported patterns and orders, conv+bn fusion in training
// mode), prepare_qat in eval mode, prepare/convert results thrown away, convert of a model that was never
// prepared, prepare with no qconfig (any process).
import type { Fix } from "../../diagnostics";
import { findSubmodule, kindName, type ClassInfo, type SubmoduleDef } from "../model";
import { effectiveQconfig } from "../convert-semantics";
import { fuseGroups, type ModelObj } from "../flow";
import { FUSION_PATTERNS, findFusionPattern } from "../torch-knowledge";
import { callArgs, stringValue, unparen, type PyNode } from "../syntax";
import { quantApi } from "../names";
import type { RuleContext, RuleFamily } from "./registry";

export const fusionPrepareFamily: RuleFamily = {
  name: "fusion and prepare",
  rules: [
    { code: "QS201", name: "fuse-missing-module", severity: "error", summary: "fuse_modules names a submodule the model does not have." },
    { code: "QS202", name: "fuse-unsupported-pattern", severity: "error", summary: "fuse_modules is given a sequence of module types PyTorch cannot fuse (or in the wrong order)." },
    { code: "QS203", name: "fuse-bn-in-training", severity: "error", summary: "fuse_modules folds a BatchNorm while the model is in training mode." },
    { code: "QS204", name: "prepare-qat-in-eval", severity: "error", summary: "prepare_qat on a model in eval mode." },
    { code: "QS205", name: "result-discarded", severity: "warning", summary: "The model returned by prepare/convert (inplace=False) is thrown away." },
    { code: "QS206", name: "convert-without-prepare", severity: "warning", summary: "convert on a model that was never prepared: nothing is quantized." },
    { code: "QS207", name: "prepare-without-qconfig", severity: "warning", summary: "prepare on a model with no qconfig: no observers are inserted." },
    { code: "QS208", name: "prepare-fx-without-example-inputs", severity: "error", summary: "prepare_fx / prepare_qat_fx called without example_inputs." },
    { code: "QS209", name: "convert-fx-of-unprepared-model", severity: "error", summary: "convert_fx on a model that did not come from prepare_fx / prepare_qat_fx." },
    { code: "QS210", name: "unknown-backend", severity: "error", summary: "A quantized engine or qconfig backend name PyTorch does not know." },
    { code: "QS211", name: "conv-transpose-per-channel", severity: "error", summary: "prepare with a per-channel weight qconfig on a ConvTranspose module." },
  ],
  check(ctx) {
    checkBackendNames(ctx);
    for (const e of ctx.flow.events) {
      if (e.k === "fuse") checkFuse(ctx, e.call, e.model, e.lists, e.qat, e.modelArg);
      else if (e.k === "prepare") {
        if (e.api === "prepare_qat" && e.model.training === false) {
          ctx.report(
            "QS204",
            e.call,
            `prepare_qat needs a model in training mode, but this one is in eval mode: PyTorch raises ` +
              `"AssertionError: prepare_qat only works on models in training mode". Call .train() on the model first.`,
            { fixes: modelArgFix(e.modelArg, ".train()", "Put the model in training mode (.train())") },
          );
        }
        if (e.discarded) discarded(ctx, e.call, e.api, e.modelArg);
        if (e.api === "prepare" && !e.model.custom) checkConvTranspose(ctx, e.call, e.model);
        if (e.api === "prepare_fx" || e.api === "prepare_qat_fx") {
          const args = callArgs(e.call);
          if (args.positional.length < 3 && !args.keyword.has("example_inputs") && args.splat.length === 0) {
            ctx.report(
              "QS208",
              e.call,
              `${e.api} needs example_inputs (a tuple of sample inputs) since PyTorch 1.13: PyTorch raises ` +
                `"TypeError: ${e.api}() missing 1 required positional argument: 'example_inputs'". Pass e.g. (torch.randn(1, 3, 224, 224),).`,
            );
          }
        }
        const untrackedQconfig = ctx.flow.events.some((x) => x.k === "qconfig" && !x.model);
        if ((e.api === "prepare" || e.api === "prepare_qat") && e.model.qconfigs.size === 0 && !untrackedQconfig) {
          ctx.report(
            "QS207",
            e.call,
            `No qconfig is set on this model or its submodules, so ${e.api} inserts no observers and convert will quantize nothing ` +
              `(PyTorch only warns "None of the submodule got qconfig applied"). Set model.qconfig = get_default_qconfig("x86") (or the QAT variant) before ${e.api}.`,
          );
        }
      } else if (e.k === "convert" && (e.api === "convert_fx" || e.api === "convert_to_reference_fx") && !e.before.stage.startsWith("fx-") && e.before.stage !== "traced") {
        ctx.report(
          "QS209",
          e.call,
          `${e.api} needs the GraphModule returned by prepare_fx / prepare_qat_fx, but this model was never prepared with FX: ` +
            `PyTorch raises "ValueError: input model must be a GraphModule". Pass the result of prepare_fx.`,
        );
      } else if (e.k === "engine" && !ENGINES.has(e.value)) {
        ctx.report(
          "QS210",
          e.node,
          `"${e.value}" is not a quantized engine: PyTorch raises "RuntimeError: quantized engine ${e.value} is not supported". ` +
            `Use one of ${[...ENGINES].filter((x) => x !== "none").join(", ")} (see torch.backends.quantized.supported_engines).`,
          { fixes: backendFix(e.valueNode, e.value, ENGINES) },
        );
      } else if (e.k === "convert" && e.api === "convert") {
        if (e.discarded) {
          const arg = callArgs(e.call).positional[0];
          discarded(ctx, e.call, "convert", arg);
        }
        if (!e.before.prepared && e.before.stage === "float") {
          ctx.report(
            "QS206",
            e.call,
            `This model was never prepared (or the prepared copy was discarded), so no submodule has observers and convert ` +
              `swaps nothing: the result is still a float model. Run prepare (and calibration) on the model you convert.`,
          );
        }
      }
    }
  },
};

const ENGINES = new Set(["x86", "fbgemm", "qnnpack", "onednn", "none"]);
const BACKENDS = new Set(["x86", "fbgemm", "qnnpack", "onednn"]);
const BACKEND_FUNCTIONS = new Set(["get_default_qconfig", "get_default_qat_qconfig", "get_default_qconfig_mapping", "get_default_qat_qconfig_mapping"]);

function checkBackendNames(ctx: RuleContext): void {
  for (const s of ctx.file.statements) {
    if (!s.text.includes("get_default_q")) continue;
    for (const call of s.type === "call" ? [s] : s.descendantsOfType("call")) {
      const api = quantApi(ctx.file.names.resolve(call.child("function")));
      if (!api || !BACKEND_FUNCTIONS.has(api)) continue;
      const args = callArgs(call);
      const node = args.positional[0] ?? args.keyword.get("backend");
      const value = stringValue(unparen(node));
      if (!node || value === undefined || BACKENDS.has(value)) continue;
      ctx.report(
        "QS210",
        node,
        `"${value}" is not a quantization backend: ${api} raises "AssertionError: backend: ${value} not supported. backend must be one of ` +
          `['fbgemm', 'x86', 'qnnpack', 'onednn']".`,
        { fixes: backendFix(node, value, BACKENDS) },
      );
    }
  }
}

/** ConvTranspose submodules (with their paths) of a class, through user submodules and containers. */
function convTransposePaths(cls: ClassInfo, prefix = "", depth = 0): Array<{ path: string; cls: string }> {
  if (depth > 6) return [];
  const out: Array<{ path: string; cls: string }> = [];
  const visit = (sub: SubmoduleDef, path: string) => {
    if (sub.kind.k === "nn" && /^ConvTranspose[123]d$/.test(sub.kind.cls)) out.push({ path, cls: sub.kind.cls });
    else if (sub.kind.k === "user") out.push(...convTransposePaths(sub.kind.cls, path, depth + 1));
    else if (sub.kind.k === "container" && path.split(".").length < 64) for (const c of sub.children) visit(c, `${path}.${c.name}`);
  };
  for (const [name, sub] of cls.submodules) visit(sub, prefix ? `${prefix}.${name}` : name);
  return out;
}

function checkConvTranspose(ctx: RuleContext, call: PyNode, model: ModelObj): void {
  for (const { path, cls } of convTransposePaths(model.cls)) {
    const qc = effectiveQconfig(model, path);
    if (!qc || !qc.perChannelWeights || qc.kind !== "static") continue;
    ctx.report(
      "QS211",
      call,
      `\`${path}\` is an nn.${cls} and its qconfig has a per-channel weight observer${qc.backend ? ` (get_default_qconfig("${qc.backend}"))` : ""}: ` +
        `prepare raises "AssertionError: Per channel weight observer is not supported yet for ConvTranspose{n}d." ` +
        `Give it a per-tensor qconfig (e.g. \`model.${path}.qconfig = torch.ao.quantization.default_qconfig\`) or None before prepare.`,
    );
    return;
  }
}

/** Replaces a misspelled backend string literal with the closest valid name, when one is close. */
function backendFix(node: PyNode, value: string, valid: Set<string>): Fix[] | undefined {
  const lit = unparen(node);
  if (!lit || stringValue(lit) === undefined) return undefined;
  const lower = value.toLowerCase();
  const best = [...valid].filter((v) => v !== "none").map((v) => [v, editDistance(v, lower)] as const).sort((a, b) => a[1] - b[1])[0];
  if (!best || best[1] > 2) return undefined;
  return [{ title: `Use "${best[0]}"`, edits: [{ range: lit.range, newText: quoteLike(lit.text, best[0]) }] }];
}

function discarded(ctx: RuleContext, call: PyNode, api: string, modelArg: PyNode | undefined): void {
  const arg = unparen(modelArg);
  const fixes: Fix[] | undefined =
    arg?.type === "identifier"
      ? [{ title: `Assign the result: ${arg.text} = ${api}(...)`, edits: [{ range: { start: call.start, end: call.start }, newText: `${arg.text} = ` }] }]
      : undefined;
  ctx.report(
    "QS205",
    call,
    `${api} returns a new model (inplace=False by default) and leaves its argument unchanged; the returned model is thrown away here. ` +
      `Assign it (\`model = ${api}(model)\`) or pass inplace=True.`,
    { fixes },
  );
}

function modelArgFix(modelArg: PyNode | undefined, suffix: string, title: string): Fix[] | undefined {
  const arg = unparen(modelArg);
  if (!arg || (arg.type !== "identifier" && arg.type !== "attribute" && arg.type !== "call")) return undefined;
  return [{ title, edits: [{ range: arg.range, newText: `${arg.text}${suffix}` }] }];
}

function initIsDynamic(cls: ClassInfo): boolean {
  for (let c: ClassInfo | undefined = cls; c; c = c.base) {
    if (/\bsetattr\s*\(|\.add_module\s*\(|register_module\s*\(|__dict__|__setattr__/.test(c.node.text)) return true;
  }
  return false;
}

/** `self.<name> = ...` somewhere in the class or its same-file bases, outside __init__ too. */
function assignedAnywhere(cls: ClassInfo, name: string): boolean {
  const re = new RegExp(`\\bself\\.${name.replace(/[^\w]/g, "")}\\s*(?::[^=]*)?=[^=]`);
  for (let c: ClassInfo | undefined = cls; c; c = c.base) if (re.test(c.node.text)) return true;
  return false;
}

function checkFuse(ctx: RuleContext, call: PyNode, model: ModelObj, lists: PyNode | undefined, qat: boolean, modelArg: PyNode | undefined): void {
  const args = callArgs(call);
  if (args.keyword.has("fuser_func") || args.keyword.has("fuse_custom_config_dict") || args.positional.length > 3) return;
  const cls = model.cls;
  const dynamic = initIsDynamic(cls);
  for (const group of fuseGroups(lists)) {
    const types: string[] = [];
    let known = true;
    for (const { node, value } of group.names) {
      if (value === undefined) {
        known = false;
        continue;
      }
      const first = value.split(".")[0] ?? value;
      const sub = findSubmodule(cls, value);
      if (sub === undefined) {
        if (dynamic || cls.attributes.has(first) || cls.methods.has(first) || (!value.includes(".") && assignedAnywhere(cls, first))) {
          known = false;
          continue;
        }
        const suggestion = closestPath(cls, value);
        ctx.report(
          "QS201",
          node,
          `'${cls.name}' has no submodule '${value}': fuse_modules raises "AttributeError: '${cls.name}' object has no attribute '${value.split(".").pop()}'".` +
            (suggestion ? ` Did you mean '${suggestion}'?` : ""),
          { fixes: suggestion ? [{ title: `Change to '${suggestion}'`, edits: [{ range: node.range, newText: quoteLike(node.text, suggestion) }] }] : undefined },
        );
        known = false;
        continue;
      }
      if (sub === null || model.fused.has(value)) {
        known = false;
        continue;
      }
      if (sub.kind.k !== "nn") known = false;
      types.push(kindName(sub.kind));
    }
    if (!known) continue;
    const pattern = findFusionPattern(types);
    if (!pattern) {
      const reordered = FUSION_PATTERNS.find((p) => p.types.length === types.length && [...p.types].sort().join() === [...types].sort().join());
      const fixes: Fix[] | undefined = reordered ? reorderFix(group.names, types, reordered.types) : undefined;
      ctx.report(
        "QS202",
        group.node,
        `PyTorch cannot fuse (${types.join(", ")}): fuse_modules raises "AssertionError: did not find fuser method for: (${types.map((t) => `<class 'torch.nn.${t}'>`).join(", ")})". ` +
          (reordered
            ? `The supported order is (${reordered.types.join(", ")}).`
            : `Supported sequences are conv+bn, conv+bn+relu, conv+relu, linear+relu, linear+bn1d, bn+relu and convtranspose+bn (nn.ReLU modules only).`),
        { fixes },
      );
      continue;
    }
    if (qat && pattern.types[0]?.startsWith("ConvTranspose")) {
      ctx.report("QS202", group.node, `fuse_modules_qat cannot fuse ConvTranspose with BatchNorm: PyTorch raises "Fusing ConvTranspose+BatchNorm not yet supported in QAT."`);
      continue;
    }
    if (!qat && pattern.foldsBatchNorm && model.training === true) {
      ctx.report(
        "QS203",
        group.node,
        `fuse_modules folds ${types[1]} into ${types[0]}, which only works in eval mode, but the model is in training mode here ` +
          `(modules start in training mode): PyTorch raises "AssertionError: Fusion only for eval!". Call .eval() before fusing, ` +
          `or use fuse_modules_qat for quantization-aware training.`,
        { fixes: modelArgFix(modelArg, ".eval()", "Fuse the model in eval mode (.eval())") },
      );
    }
  }
}

function reorderFix(names: Array<{ node: PyNode; value: string | undefined }>, types: string[], wanted: string[]): Fix[] | undefined {
  const used = new Set<number>();
  const order: number[] = [];
  for (const t of wanted) {
    const i = types.findIndex((x, j) => x === t && !used.has(j));
    if (i < 0) return undefined;
    used.add(i);
    order.push(i);
  }
  const edits = names.map((n, i) => ({ range: n.node.range, newText: names[order[i] ?? i]?.node.text ?? n.node.text }));
  return [{ title: `Reorder to (${wanted.join(", ")})`, edits }];
}

function quoteLike(original: string, value: string): string {
  const q = original.trim().startsWith("'") ? "'" : '"';
  return `${q}${value}${q}`;
}

/** The existing submodule path closest to a misspelled one (edit distance <= 2, or a unique prefix match). */
function closestPath(cls: ClassInfo, path: string): string | undefined {
  const parts = path.split(".");
  const parent = parts.slice(0, -1).join(".");
  const last = parts[parts.length - 1] ?? "";
  let candidates: string[];
  if (!parent) candidates = [...cls.submodules.keys()];
  else {
    const p = findSubmodule(cls, parent);
    if (!p) return undefined;
    candidates = p.kind.k === "user" ? [...p.kind.cls.submodules.keys()] : p.children.map((c) => c.name);
  }
  let best: string | undefined;
  let bestD = 3;
  let ties = 0;
  for (const c of candidates) {
    const d = editDistance(c, last);
    if (d < bestD) {
      best = c;
      bestD = d;
      ties = 0;
    } else if (d === bestD) ties++;
  }
  if (!best || ties > 0) return undefined;
  return parent ? `${parent}.${best}` : best;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (dp[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = dp[i] as number[];
      const prev = dp[i - 1] as number[];
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      let v = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, sub);
      // Transposition (rleu -> relu) counts as one edit.
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, ((dp[i - 2] as number[])[j - 2] ?? 0) + 1);
      row[j] = v;
    }
  }
  return (dp[a.length] as number[])[b.length] ?? 0;
}
