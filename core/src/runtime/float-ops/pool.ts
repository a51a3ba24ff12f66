// Float pooling ops on the WASM kernels (any process holding a WasmCore): MaxPool, AveragePool (1-D/2-D,
// ceil_mode, count_include_pad, asymmetric pads) and GlobalAveragePool.
import { InputError } from "../../errors";
import { attrInt, attrInts, describeNode, type Node } from "../../onnx/ir";
import { conv2dGeometry } from "./conv";
import { count, type CompileContext, type FloatOp, type Step } from "./types";

export const poolOps: Record<string, FloatOp> = {
  MaxPool: {
    compile(node: Node, ctx: CompileContext): Step {
      const xShape = ctx.type(node.inputs[0]).shape;
      if (attrInt(node, "storage_order", 0) !== 0) throw new InputError(`${describeNode(node)}: storage_order=1 is not supported`);
      const g = conv2dGeometry(node, xShape, attrInts(node, "kernel_shape", []), attrInt(node, "ceil_mode", 0) === 1);
      const x = ctx.ptr(node.inputs[0]);
      const out = ctx.ptr(node.outputs[0]);
      const planes = xShape[0] * xShape[1];
      return () => ctx.kernels.maxPool2d(x, out, planes, g);
    },
  },
  AveragePool: {
    compile(node: Node, ctx: CompileContext): Step {
      const xShape = ctx.type(node.inputs[0]).shape;
      const g = conv2dGeometry(node, xShape, attrInts(node, "kernel_shape", []), attrInt(node, "ceil_mode", 0) === 1);
      if (g.dh !== 1 || g.dw !== 1) throw new InputError(`${describeNode(node)}: dilated AveragePool is not supported`);
      const includePad = attrInt(node, "count_include_pad", 0) === 1;
      const x = ctx.ptr(node.inputs[0]);
      const out = ctx.ptr(node.outputs[0]);
      const planes = xShape[0] * xShape[1];
      return () => ctx.kernels.avgPool2d(x, out, planes, g, includePad);
    },
  },
  GlobalAveragePool: {
    compile(node: Node, ctx: CompileContext): Step {
      const xShape = ctx.type(node.inputs[0]).shape;
      const x = ctx.ptr(node.inputs[0]);
      const out = ctx.ptr(node.outputs[0]);
      const planes = xShape[0] * xShape[1];
      const size = count(xShape.slice(2));
      return () => ctx.kernels.globalAvgPool(x, out, planes, size);
    },
  },
};
