// Float elementwise ops on the WASM kernels (any process holding a WasmCore): Add/Sub/Mul/Div with numpy
// broadcasting, and the activations Relu, LeakyRelu, Clip, HardSwish, HardSigmoid, Sigmoid, Tanh.
import { InputError } from "../../errors";
import { attrFloat, describeNode, tensorToFloat32, type Node } from "../../onnx/ir";
import type { BinaryOp } from "../../wasm/fkernels";
import { count, type CompileContext, type FloatOp, type Step } from "./types";

function binaryOp(op: BinaryOp): FloatOp {
  return {
    compile(node: Node, ctx: CompileContext): Step {
      const [aName, bName] = node.inputs;
      const aShape = ctx.type(aName).shape;
      const bShape = ctx.type(bName).shape;
      const outShape = ctx.type(node.outputs[0]).shape;
      const a = ctx.ptr(aName);
      const b = ctx.ptr(bName);
      const out = ctx.ptr(node.outputs[0]);
      const k = ctx.kernels;
      return () => k.binary(op, a, aShape, b, bShape, out, outShape);
    },
  };
}

type UnaryKernel = (x: number, out: number, n: number) => void;

function unaryOp(make: (node: Node, ctx: CompileContext) => UnaryKernel): FloatOp {
  return {
    compile(node: Node, ctx: CompileContext): Step {
      const x = ctx.ptr(node.inputs[0]);
      const out = ctx.ptr(node.outputs[0]);
      const n = count(ctx.type(node.outputs[0]).shape);
      const kernel = make(node, ctx);
      return () => kernel(x, out, n);
    },
  };
}

/** Clip bound from input `i` (opset 11+), which must be a known scalar; undefined when omitted. */
function clipBound(node: Node, ctx: CompileContext, i: number): number | undefined {
  const name = node.inputs[i];
  if (!name) return undefined;
  const t = ctx.constant(name);
  if (!t) throw new InputError(`${describeNode(node)}: the ${i === 1 ? "min" : "max"} bound must be a constant`);
  if (t.data.length !== 1) throw new InputError(`${describeNode(node)}: the ${i === 1 ? "min" : "max"} bound must be a scalar`);
  return tensorToFloat32(t)[0];
}

export const elementwiseOps: Record<string, FloatOp> = {
  Add: binaryOp("add"),
  Sub: binaryOp("sub"),
  Mul: binaryOp("mul"),
  Div: binaryOp("div"),
  Relu: unaryOp((_n, ctx) => (x, out, n) => ctx.kernels.relu(x, out, n)),
  Clip: unaryOp((node, ctx) => {
    const lo = clipBound(node, ctx, 1) ?? -Infinity;
    const hi = clipBound(node, ctx, 2) ?? Infinity;
    return (x, out, n) => ctx.kernels.clip(x, out, n, lo, hi);
  }),
  HardSwish: unaryOp((_n, ctx) => (x, out, n) => ctx.kernels.hardswish(x, out, n)),
  HardSigmoid: unaryOp((node, ctx) => {
    const alpha = attrFloat(node, "alpha", 0.2);
    const beta = attrFloat(node, "beta", 0.5);
    return (x, out, n) => ctx.kernels.hardsigmoid(x, out, n, alpha, beta);
  }),
  LeakyRelu: unaryOp((node, ctx) => {
    const alpha = attrFloat(node, "alpha", 0.01);
    return (x, out, n) => ctx.kernels.leakyRelu(x, out, n, alpha);
  }),
  Sigmoid: unaryOp((_n, ctx) => (x, out, n) => ctx.kernels.sigmoid(x, out, n)),
  Tanh: unaryOp((_n, ctx) => (x, out, n) => ctx.kernels.tanh(x, out, n)),
};
