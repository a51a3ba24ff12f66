// QS4xx: torch.save / torch.load of whole quantized models (any process).
import type { Fix } from "../../diagnostics";
import type { FlowEvent } from "../flow";
import { callArgs, unparen, type PyNode } from "../syntax";
import type { RuleFamily } from "./registry";

const QUANTIZED_STAGES = new Set(["converted", "dynamic", "fx-converted"]);

export const saveLoadFamily: RuleFamily = {
  name: "save and load",
  rules: [
    { code: "QS401", name: "save-whole-quantized-model", severity: "warning", summary: "torch.save of a whole quantized model object (pickle) instead of its state_dict or TorchScript." },
    { code: "QS402", name: "load-whole-model-weights-only", severity: "error", summary: "torch.load of a whole pickled model with weights_only left at its default (True since PyTorch 2.6)." },
  ],
  check(ctx) {
    const saves = ctx.flow.events.filter((e): e is Extract<FlowEvent, { k: "save" }> => e.k === "save");
    for (const s of saves) {
      if (!s.model || !QUANTIZED_STAGES.has(s.model.stage) || !s.valueNode) continue;
      const value = unparen(s.valueNode);
      const fixes: Fix[] | undefined = value
        ? [{ title: "Save the state_dict instead", edits: [{ range: value.range, newText: `${value.text}.state_dict()` }] }]
        : undefined;
      ctx.report(
        "QS401",
        s.call,
        `torch.save pickles the whole quantized model: loading it needs the same class definitions and ` +
          `torch.load(..., weights_only=False) (unsafe for untrusted files), and it breaks across PyTorch versions. ` +
          `Save model.state_dict() and rebuild by quantizing the float model before load_state_dict, or save TorchScript ` +
          `(torch.jit.save(torch.jit.script(model), path)).`,
        { fixes },
      );
    }
    for (const e of ctx.flow.events) {
      if (e.k !== "load") continue;
      const wo = unparen(e.weightsOnly);
      if (wo && wo.type !== "true") continue; // weights_only=False (or a variable): the user chose
      const savedWhole = saves.some((s) => s.model && s.pathKey !== undefined && s.pathKey === e.pathKey);
      if (!savedWhole && e.usedAsModule.length === 0) continue;
      const why = savedWhole ? "this file saved a whole model object to that path" : `its result is used as a module (line ${(e.usedAsModule[0] as PyNode).line + 1})`;
      ctx.report(
        "QS402",
        e.call,
        `torch.load defaults to weights_only=True since PyTorch 2.6, and ${why}: unpickling an nn.Module fails with ` +
          `"_pickle.UnpicklingError: Weights only load failed". Save and load a state_dict instead, or pass weights_only=False ` +
          `only for files you trust.`,
        { fixes: weightsOnlyFix(e.call, wo) },
      );
    }
  },
};

function weightsOnlyFix(call: PyNode, existing: PyNode | undefined): Fix[] | undefined {
  if (existing) return [{ title: "Pass weights_only=False (trusted files only)", edits: [{ range: existing.range, newText: "False" }] }];
  const args = call.child("arguments");
  if (!args || args.type !== "argument_list") return undefined;
  const last = [...callArgs(call).positional, ...callArgs(call).keyword.values()].pop();
  if (!last) return undefined;
  const kwNode = last.parent?.type === "keyword_argument" ? last.parent : last;
  return [{ title: "Pass weights_only=False (trusted files only)", edits: [{ range: { start: kwNode.end, end: kwNode.end }, newText: ", weights_only=False" }] }];
}
