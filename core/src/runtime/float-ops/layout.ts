// Float data-movement ops (any process holding a WasmCore): Identity/Dropout/Flatten/Reshape/Squeeze/Unsqueeze
// (a copy: every value owns its buffer so observers may edit one in place), Transpose, Concat.
import { attrInt, attrInts, type Node } from "../../onnx/ir";
import { normalizeAxis } from "../../onnx/fold";
import { count, type CompileContext, type FloatOp, type Step } from "./types";

function copyBytes(ctx: CompileContext, src: number, dst: number, bytes: number): void {
  if (src === dst || bytes === 0) return;
  ctx.core.u8(0, ctx.core.memory.buffer.byteLength).copyWithin(dst, src, src + bytes);
}

const copyOp: FloatOp = {
  compile(node: Node, ctx: CompileContext): Step {
    const x = ctx.ptr(node.inputs[0]);
    const out = ctx.ptr(node.outputs[0]);
    const bytes = count(ctx.type(node.outputs[0]).shape) * 4;
    return () => copyBytes(ctx, x, out, bytes);
  },
};

export const layoutOps: Record<string, FloatOp> = {
  Identity: copyOp,
  // Inference-mode Dropout is the identity (shape inference refuses the mask output and training mode).
  Dropout: copyOp,
  Flatten: copyOp,
  Reshape: copyOp,
  Squeeze: copyOp,
  Unsqueeze: copyOp,
  Transpose: {
    compile(node: Node, ctx: CompileContext): Step {
      const shape = ctx.type(node.inputs[0]).shape;
      const perm = attrInts(node, "perm") ?? shape.map((_, i) => shape.length - 1 - i);
      const x = ctx.ptr(node.inputs[0]);
      const out = ctx.ptr(node.outputs[0]);
      return () => ctx.kernels.transpose(x, out, shape, perm);
    },
  },
  Concat: {
    compile(node: Node, ctx: CompileContext): Step {
      const outShape = ctx.type(node.outputs[0]).shape;
      const axis = normalizeAxis(node, attrInt(node, "axis", 0), outShape.length);
      const outer = count(outShape.slice(0, axis));
      const inner = count(outShape.slice(axis + 1));
      const rowBytes = outShape[axis] * inner * 4;
      const parts = node.inputs
        .filter((n) => n)
        .map((name) => ({ ptr: ctx.ptr(name), chunk: ctx.type(name).shape[axis] * inner * 4 }));
      const out = ctx.ptr(node.outputs[0]);
      return () => {
        let offset = 0;
        for (const p of parts) {
          for (let o = 0; o < outer; o++) copyBytes(ctx, p.ptr + o * p.chunk, out + o * rowBytes + offset, p.chunk);
          offset += p.chunk;
        }
      };
    },
  },
};
