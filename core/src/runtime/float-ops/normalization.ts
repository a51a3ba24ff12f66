// Float BatchNormalization (inference form, folded to a per-channel affine) and Softmax on the WASM kernels
// (any process holding a WasmCore).
import { InputError } from "../../errors";
import { attrFloat, attrInt, describeNode, tensorToFloat32, type Node } from "../../onnx/ir";
import { normalizeAxis } from "../../onnx/fold";
import { count, type CompileContext, type FloatOp, type Step } from "./types";

export const normalizationOps: Record<string, FloatOp> = {
  BatchNormalization: {
    compile(node: Node, ctx: CompileContext): Step {
      const [xName, scaleName, biasName, meanName, varName] = node.inputs;
      const xShape = ctx.type(xName).shape;
      const eps = attrFloat(node, "epsilon", 1e-5);
      const params = [scaleName, biasName, meanName, varName].map((name) => {
        const t = ctx.constant(name);
        if (!t) throw new InputError(`${describeNode(node)}: '${name}' must be a constant (export in eval mode)`);
        return tensorToFloat32(t);
      });
      const [gamma, beta, mean, variance] = params;
      const C = xShape[1];
      // y = (x - mean) / sqrt(var + eps) * gamma + beta = x * s + t.
      const s = new Float32Array(C);
      const t = new Float32Array(C);
      for (let c = 0; c < C; c++) {
        s[c] = gamma[c] / Math.sqrt(variance[c] + eps);
        t[c] = beta[c] - mean[c] * s[c];
      }
      const key = node.outputs[0];
      const sPtr = ctx.persistent(`bn-scale:${key}`, C, (p) => ctx.core.f32(p, C).set(s));
      const tPtr = ctx.persistent(`bn-shift:${key}`, C, (p) => ctx.core.f32(p, C).set(t));
      const x = ctx.ptr(xName);
      const out = ctx.ptr(node.outputs[0]);
      const size = count(xShape.slice(2));
      return () => ctx.kernels.channelAffine(x, out, xShape[0], C, size, sPtr, tPtr);
    },
  },
  Softmax: {
    compile(node: Node, ctx: CompileContext): Step {
      const shape = ctx.type(node.inputs[0]).shape;
      const axis = normalizeAxis(node, attrInt(node, "axis", -1), shape.length);
      const outer = count(shape.slice(0, axis));
      const inner = count(shape.slice(axis + 1));
      const x = ctx.ptr(node.inputs[0]);
      const out = ctx.ptr(node.outputs[0]);
      return () => ctx.kernels.softmax(x, out, outer, shape[axis], inner);
    },
  },
};
