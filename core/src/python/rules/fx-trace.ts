// QS3xx: FX traceability under symbolic_trace / prepare_fx / prepare_qat_fx / fuse_fx: control flow,
// bool(), iteration and len/int/float/range on traced values, in forward, helpers and submodule
// forwards (any process).
import type { Fix } from "../../diagnostics";
import { Interpreter, type Problem } from "../interpret";
import { callArgs, unparen, type PyNode } from "../syntax";
import type { RuleFamily } from "./registry";

export const fxTraceFamily: RuleFamily = {
  name: "FX traceability",
  rules: [
    { code: "QS301", name: "fx-control-flow", severity: "error", summary: "if/while/assert/conditional expression on a traced value under FX tracing." },
    { code: "QS302", name: "fx-bool", severity: "error", summary: "bool(), and/or/not, or builtin min/max on a traced value under FX tracing." },
    { code: "QS303", name: "fx-iteration", severity: "error", summary: "Iterating over a traced value (for, comprehension, * unpacking, list/zip/enumerate) under FX tracing." },
    { code: "QS304", name: "fx-concrete-builtin", severity: "error", summary: "len/int/float/range of a traced value under FX tracing." },
    { code: "QS305", name: "fx-fuse-bn-in-training", severity: "error", summary: "prepare_fx / fuse_fx folds conv+bn while the model is in training mode." },
  ],
  check(ctx) {
    for (const e of ctx.flow.events) {
      if (e.k !== "trace") continue;
      const problems: Problem[] = [];
      const foldsBatchNorm = (e.api === "prepare_fx" || e.api === "fuse_fx") && e.model.training === true;
      let reportedFusion = false;
      const interp = new Interpreter(ctx.file, {
        mode: "trace",
        isLeaf: (sub, path) => e.leafNames.has(path) || (sub.kind.k === "user" && e.leafClasses.has(sub.kind.cls.name)),
        report: (p) => problems.push(p),
        fusionPair: (first, bn) => {
          if (!foldsBatchNorm || reportedFusion) return;
          reportedFusion = true;
          ctx.report(
            "QS305",
            e.call,
            `${e.api} fuses \`${first.path}\` (${first.cls}) with \`${bn.path}\` (${bn.cls}); for post-training quantization that folds the ` +
              `BatchNorm, which only works in eval mode, but the model is in training mode here (modules start in training mode): ` +
              `PyTorch raises "AssertionError: Fusion only for eval!". Call .eval() on the model first, or use prepare_qat_fx for QAT.`,
            { fixes: evalFix(e.call) },
          );
        },
      });
      interp.runForward(e.model.cls, "", undefined, e.concrete);
      const api = e.api === "symbolic_trace" ? "torch.fx.symbolic_trace" : e.api;
      for (const p of problems) {
        ctx.report(p.code, p.node, `${p.message} (traced by ${api} on line ${e.call.line + 1})`, { fixes: fixFor(p) });
      }
    }
  },
};

function evalFix(call: PyNode): Fix[] | undefined {
  const arg = unparen(callArgs(call).positional[0]);
  if (!arg || (arg.type !== "identifier" && arg.type !== "call" && arg.type !== "attribute")) return undefined;
  return [{ title: "Prepare the model in eval mode (.eval())", edits: [{ range: arg.range, newText: `${arg.text}.eval()` }] }];
}

function fixFor(p: Problem): Fix[] | undefined {
  if (p.code !== "QS304") return undefined;
  const builtin = p.data?.["builtin"] as string | undefined;
  const arg = p.data?.["argument"] as PyNode | undefined;
  if (!arg) return undefined;
  if (builtin === "int" || builtin === "float") {
    return [{ title: `Remove the ${builtin}() conversion (sizes stay traced values)`, edits: [{ range: p.node.range, newText: arg.text }] }];
  }
  if (builtin === "len" && /^[\w.]+$/.test(arg.text)) {
    const base = arg.text.endsWith(".shape") ? arg.text.slice(0, -".shape".length) : undefined;
    const newText = base !== undefined ? `${base}.dim()` : `${arg.text}.size(0)`;
    return [{ title: `Use ${newText} instead of len()`, edits: [{ range: p.node.range, newText }] }];
  }
  return undefined;
}
