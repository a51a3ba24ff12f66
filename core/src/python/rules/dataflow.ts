// QS1xx: float and quantized tensors through an eager-mode converted model: missing QuantStub,
// missing DeQuantStub, ops without quantized kernels, FloatFunctional (any process).
import type { Fix } from "../../diagnostics";
import type { ClassInfo } from "../model";
import { Interpreter, type ModuleCallInfo, type Problem } from "../interpret";
import { behaviorOf, effectiveQconfig } from "../convert-semantics";
import { quantizedArgs } from "../flow";
import { callArgs, unparen, type PyNode } from "../syntax";
import type { RuleContext, RuleFamily } from "./registry";
import { freeAttribute, insertInInit, replaceNode, spellName } from "./fix-helpers";

export const dataflowFamily: RuleFamily = {
  name: "quant/dequant dataflow",
  rules: [
    { code: "QS101", name: "float-into-quantized", severity: "error", summary: "A float tensor reaches a module or op that convert made quantized (missing QuantStub)." },
    { code: "QS102", name: "quantized-into-float", severity: "error", summary: "A quantized tensor reaches a float module (missing DeQuantStub, or a module whose qconfig is None)." },
    { code: "QS103", name: "op-without-quantized-kernel", severity: "error", summary: "Arithmetic or an op with no quantized kernel on a quantized tensor (use FloatFunctional or dequantize)." },
    { code: "QS104", name: "quantized-into-loss", severity: "error", summary: "A quantized tensor reaches a loss function." },
    { code: "QS105", name: "cat-quantized-and-float", severity: "error", summary: "torch.cat/stack of quantized and float tensors." },
    { code: "QS106", name: "cat-of-quantized-tensors", severity: "warning", summary: "torch.cat of quantized tensors that may have different qparams (use FloatFunctional.cat)." },
    { code: "QS107", name: "quantized-model-output", severity: "warning", summary: "The converted model's forward returns a quantized tensor (no DeQuantStub at the end)." },
  ],
  check(ctx) {
    // Float (never converted) models the script calls with quantized tensors, e.g. a float head fed the
    // output of a converted backbone: their forward runs float kernels on quantized inputs.
    for (const m of ctx.flow.models) {
      if (!m.quantizedInputs || m.stage === "converted" || m.custom || (m.stage !== "float" && m.stage !== "prepared" && m.stage !== "qat-prepared")) continue;
      const problems: Problem[] = [];
      new Interpreter(ctx.file, { mode: "eager", behavior: (sub, path) => behaviorOf(m, sub, path), report: (p) => problems.push(p) }).runForward(m.cls, "", quantizedArgs(m));
      for (const p of problems) {
        if (p.code === "QS101") continue; // a float model has no quantized modules: only quantized-into-float problems apply
        ctx.report(p.code, p.node, `${p.message} (${m.cls.name} is a float model called with a quantized tensor.)`, { severity: p.severity });
      }
    }
    // qconfigs assigned to objects we do not follow (`for m in model.modules(): m.qconfig = None`) may
    // change which submodules convert swaps: module-boundary findings then become warnings.
    const untrackedQconfig = ctx.flow.events.some((e) => e.k === "qconfig" && !e.model);
    for (const e of ctx.flow.events) {
      if (e.k === "quantized-output") ctx.report(e.code, e.node, e.message);
      if (e.k !== "convert" || (e.api !== "convert" && e.api !== "quantize")) continue;
      const m = e.result;
      if (m.custom || !m.prepared) continue;
      const defaultSeverity = m.used ? undefined : "warning";
      const problems: Problem[] = [];
      const interp = new Interpreter(ctx.file, {
        mode: "eager",
        behavior: (sub, path) => behaviorOf(m, sub, path),
        report: (p) => problems.push(p),
      });
      if (m.wrapped) {
        const rootQc = effectiveQconfig(m, "");
        const active = !!rootQc && (rootQc.kind === "static" || rootQc.kind === "qat");
        interp.runForward(m.cls, "", active ? [{ k: "quant" }] : undefined);
      } else {
        const out = interp.runForward(m.cls, "", m.quantizedInputs ? quantizedArgs(m) : undefined);
        const fwd = m.cls.methods.get("forward");
        if (out.k === "quant" && m.used && fwd && problems.length === 0) {
          ctx.report(
            "QS107",
            fwd.child("name") ?? fwd,
            `After convert, ${m.cls.name}.forward returns a quantized tensor: code that uses the output as a float tensor ` +
              `(losses, arithmetic, softmax, .numpy()) fails with "Could not run '...' with arguments from the 'QuantizedCPU' backend". ` +
              `End forward with a DeQuantStub (\`return self.dequant(x)\`) unless a quantized output is intended.`,
            { fixes: dequantReturnFix(ctx, m.cls, fwd) },
          );
        }
      }
      for (const p of problems) {
        const fixes = fixFor(ctx, p);
        const uncertain = untrackedQconfig && (p.code === "QS101" || p.code === "QS102");
        const note = !m.used ? " (The converted model is not run in this file.)" : uncertain ? " (Some qconfigs are set in code QuantScope does not follow.)" : "";
        ctx.report(p.code, p.node, p.message + note, { severity: p.severity ?? (uncertain ? "warning" : defaultSeverity), fixes });
      }
    }
  },
};

function fixFor(ctx: RuleContext, p: Problem): Fix[] | undefined {
  try {
    if (p.code === "QS101") return quantStubFix(ctx, p.data?.["info"] as ModuleCallInfo | undefined);
    if (p.code === "QS102") return deQuantStubFix(ctx, p.data?.["info"] as ModuleCallInfo | undefined);
    if (p.code === "QS103") return floatFunctionalFix(ctx, p);
    if (p.code === "QS106") return catFix(ctx, p.node);
  } catch {
    return undefined;
  }
  return undefined;
}

function ownerOf(node: PyNode, ctx: RuleContext): ClassInfo | undefined {
  for (let n: PyNode | undefined = node; n; n = n.parent) {
    if (n.type === "class_definition") {
      const name = n.child("name")?.text;
      return name ? ctx.file.classes.get(name) : undefined;
    }
  }
  return undefined;
}

function quantStubFix(ctx: RuleContext, info: ModuleCallInfo | undefined): Fix[] | undefined {
  const arg = info?.argument;
  if (!info || !arg) return undefined;
  const owner = ownerOf(info.call, ctx);
  const ctor = spellName(ctx.file.names, "torch.ao.quantization", "QuantStub");
  if (!owner || !ctor) return undefined;
  const unused = [...owner.submodules.values()].find((s) => s.kind.k === "quant-stub" && !usedInClass(owner, s.name));
  const attr = unused?.name ?? freeAttribute(owner, "quant");
  const edits = [replaceNode(arg, `self.${attr}(${arg.text})`)];
  if (!unused) {
    const ins = insertInInit(owner, ctx.lines, attr, `${ctor}()`);
    if (!ins) return undefined;
    edits.push(ins);
  }
  return [{ title: `Quantize the input with a QuantStub (self.${attr})`, edits }];
}

function deQuantStubFix(ctx: RuleContext, info: ModuleCallInfo | undefined): Fix[] | undefined {
  const arg = info?.argument;
  if (!info || !arg) return undefined;
  const owner = ownerOf(info.call, ctx);
  const ctor = spellName(ctx.file.names, "torch.ao.quantization", "DeQuantStub");
  if (!owner || !ctor) return undefined;
  const existing = [...owner.submodules.values()].find((s) => s.kind.k === "dequant-stub");
  const attr = existing?.name ?? freeAttribute(owner, "dequant");
  const edits = [replaceNode(arg, `self.${attr}(${arg.text})`)];
  if (!existing) {
    const ins = insertInInit(owner, ctx.lines, attr, `${ctor}()`);
    if (!ins) return undefined;
    edits.push(ins);
  }
  return [{ title: `Dequantize the input with a DeQuantStub (self.${attr})`, edits }];
}

function usedInClass(cls: ClassInfo, attr: string): boolean {
  for (const [name, m] of cls.methods) {
    if (name === "__init__") continue;
    if (new RegExp(`\\bself\\.${attr}\\b`).test(m.text)) return true;
  }
  return false;
}

function floatFunctionalFix(ctx: RuleContext, p: Problem): Fix[] | undefined {
  const ff = p.data?.["ff"] as string | undefined;
  if (!ff) return undefined;
  const owner = ownerOf(p.node, ctx);
  const ctor = spellName(ctx.file.names, "torch.ao.nn.quantized", "FloatFunctional");
  if (!owner || !ctor) return undefined;
  const attr = freeAttribute(owner, `ff_${ff.replace("_scalar", "")}`);
  let replacement: string | undefined;
  let target: PyNode = p.node;
  const n = p.node;
  if (n.type === "binary_operator" || n.type === "augmented_assignment") {
    const left = n.child("left");
    const right = n.child("right");
    if (!left || !right) return undefined;
    let [a, b] = [left.text, right.text];
    if (ff.endsWith("_scalar") && /^[\d.+-]/.test(a)) [a, b] = [b, a];
    replacement = `self.${attr}.${ff}(${a}, ${b})`;
    if (n.type === "augmented_assignment") replacement = `${left.text} = ${replacement}`;
  } else if (n.type === "call") {
    const args = callArgs(n);
    if (args.positional.length !== 2 || args.keyword.size > 0) return undefined;
    let [a, b] = args.positional.map((x) => x.text);
    if (ff.endsWith("_scalar") && /^[\d.+-]/.test(a ?? "")) [a, b] = [b, a];
    replacement = `self.${attr}.${ff}(${a}, ${b})`;
    target = n;
  }
  if (!replacement) return undefined;
  const ins = insertInInit(owner, ctx.lines, attr, `${ctor}()`);
  if (!ins) return undefined;
  return [{ title: `Use a FloatFunctional (self.${attr}.${ff})`, edits: [replaceNode(target, replacement), ins] }];
}

/** Wraps forward's single `return <expr>` in the class's DeQuantStub (added when there is none). */
function dequantReturnFix(ctx: RuleContext, cls: ClassInfo, fwd: PyNode): Fix[] | undefined {
  const returns = fwd.descendantsOfType("return_statement").filter((r) => {
    for (let n = r.parent; n; n = n.parent) if (n.type === "function_definition" || n.type === "lambda") return n === fwd;
    return false;
  });
  const value = returns.length === 1 ? returns[0]?.namedChildren[0] : undefined;
  const ctor = spellName(ctx.file.names, "torch.ao.quantization", "DeQuantStub");
  if (!value || !ctor || value.type === "tuple" || value.type === "expression_list") return undefined;
  const existing = [...cls.submodules.values()].find((s) => s.kind.k === "dequant-stub");
  const attr = existing?.name ?? freeAttribute(cls, "dequant");
  const edits = [replaceNode(value, `self.${attr}(${value.text})`)];
  if (!existing) {
    const ins = insertInInit(cls, ctx.lines, attr, `${ctor}()`);
    if (!ins) return undefined;
    edits.push(ins);
  }
  return [{ title: `Dequantize the output (self.${attr})`, edits }];
}

function catFix(ctx: RuleContext, call: PyNode): Fix[] | undefined {
  const owner = ownerOf(call, ctx);
  const ctor = spellName(ctx.file.names, "torch.ao.nn.quantized", "FloatFunctional");
  const fn = unparen(call.child("function"));
  if (!owner || !ctor || !fn) return undefined;
  const attr = freeAttribute(owner, "ff_cat");
  const ins = insertInInit(owner, ctx.lines, attr, `${ctor}()`);
  if (!ins) return undefined;
  return [{ title: `Use a FloatFunctional (self.${attr}.cat)`, edits: [replaceNode(fn, `self.${attr}.cat`), ins] }];
}
