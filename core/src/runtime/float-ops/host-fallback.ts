// Runs ops that have no WASM kernel (Gather, Slice, Cast, ... on runtime values) with the host evaluators
// of onnx/fold.ts (any process). Inputs are copied out of WASM memory and outputs copied back, so these are
// for the light shape/indexing ops torch exports, not for heavy compute.
import { HOST_EVALUATORS } from "../../onnx/fold";
import type { Node } from "../../onnx/ir";
import type { CompileContext, FloatOp, Step } from "./types";

export const hostFallbackOp: FloatOp = {
  compile(node: Node, ctx: CompileContext): Step {
    const evaluate = HOST_EVALUATORS[node.opType];
    return () => {
      const inputs = node.inputs.map((name) => (name ? ctx.readHost(name) : undefined));
      const outputs = evaluate(node, inputs);
      outputs.forEach((t, k) => {
        const name = node.outputs[k];
        if (name) ctx.writeHost(name, t);
      });
    };
  },
};
