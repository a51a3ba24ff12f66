// Int8 elementwise ops, activations and pooling on the engine-exact kernels of core/src/wasm/qelementwise.ts
// (any process holding a WasmCore): Add/Mul (ReLU-fusable), HardSwish, Sigmoid, Tanh, LeakyRelu, Clip as
// ReLU6, Concat, MaxPool, AveragePool, GlobalAveragePool and standalone ReLU.
import { InputError } from "../../errors";
import { attrFloat, attrInt, attrInts, attrString, describeNode, tensorToNumbers, type Graph, type Node } from "../../onnx/ir";
import type { ConvertedGroup } from "../../passes/convert";
import { QuantizedElementwiseKernels, type QTensorRef } from "../../wasm/qelementwise";
import type { CompiledInt8Op, Int8CompileContext, Int8Op } from "./types";

function kernels(ctx: Int8CompileContext): QuantizedElementwiseKernels {
  return ctx.once("qelementwise", () => new QuantizedElementwiseKernels(ctx.core));
}

function inputRef(group: ConvertedGroup, ctx: Int8CompileContext, i: number): QTensorRef {
  const q = group.inputQParams[i];
  return { ptr: ctx.inputPtr(i), shape: ctx.inputShapes[i], scale: q.scale, zeroPoint: q.zeroPoint, channelsLast: ctx.inputChannelsLast[i] };
}

/** Wraps a kernel error (PyTorch would reject the op too) as a one-line InputError naming the node. */
function guarded(node: Node, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof RangeError) throw new InputError(`${describeNode(node)}: ${e.message}`);
    throw e;
  }
}

/**
 * An op whose output has the first input's shape and, unless `keepsFormat` says otherwise, its memory
 * format (PyTorch allocates these outputs with the first input's suggest_memory_format()).
 */
function sameShape(
  run: (k: QuantizedElementwiseKernels, group: ConvertedGroup, ctx: Int8CompileContext) => void,
  keepsFormat: (ctx: Int8CompileContext) => boolean = () => true,
): Int8Op["compile"] {
  return (group, _graph, ctx): CompiledInt8Op => ({
    outputShape: [...ctx.inputShapes[0]],
    channelsLast: ctx.inputChannelsLast[0] && keepsFormat(ctx),
    step: (c) => {
      const k = kernels(c);
      return () => run(k, group, c);
    },
  });
}

function binary(node: Node, graph: Graph): string | undefined {
  const [a, b] = node.inputs;
  if (graph.isInitializer(a) || graph.isInitializer(b)) return "an operand is a constant (only tensor-tensor int8 add/mul are supported)";
  const ta = graph.typeOf(a)?.shape;
  const tb = graph.typeOf(b)?.shape;
  if (ta && tb && (ta.length !== tb.length || ta.some((d, i) => typeof d === "number" && typeof tb[i] === "number" && d !== tb[i]))) {
    return "int8 add/mul need operands of the same shape (no broadcasting)";
  }
  return undefined;
}

function checkSameShapes(node: Node, ctx: Int8CompileContext): void {
  const [a, b] = ctx.inputShapes;
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
    throw new InputError(`${describeNode(node)}: int8 ${node.opType} needs operands of the same shape, got [${a.join(", ")}] and [${b.join(", ")}]`);
  }
}

const addOp: Int8Op = {
  support: binary,
  compile(group, graph, ctx) {
    checkSameShapes(group.nodes[0], ctx);
    return sameShape((k, g, c) =>
      guarded(g.nodes[0], () => k.add(c.engine, inputRef(g, c, 0), inputRef(g, c, 1), c.outputPtr(), g.outputQParams, g.relu)),
    )(group, graph, ctx);
  },
};

const mulOp: Int8Op = {
  support: binary,
  compile(group, graph, ctx) {
    checkSameShapes(group.nodes[0], ctx);
    return sameShape((k, g, c) => guarded(g.nodes[0], () => k.mul(inputRef(g, c, 0), inputRef(g, c, 1), c.outputPtr(), g.outputQParams, g.relu)))(
      group,
      graph,
      ctx,
    );
  },
};

const reluOp: Int8Op = { support: () => undefined, compile: sameShape((k, g, c) => void k.relu(inputRef(g, c, 0), c.outputPtr())) };

const hardswishOp: Int8Op = {
  support: () => undefined,
  compile: sameShape((k, g, c) => k.hardswish(c.engine, inputRef(g, c, 0), c.outputPtr(), g.outputQParams)),
};

const sigmoidOp: Int8Op = {
  support: () => undefined,
  compile: sameShape((k, g, c) => k.sigmoid(c.engine, inputRef(g, c, 0), c.outputPtr(), g.outputQParams)),
};

const tanhOp: Int8Op = {
  support: () => undefined,
  compile: sameShape((k, g, c) => void k.tanh(c.engine, inputRef(g, c, 0), c.outputPtr())),
};

const leakyReluOp: Int8Op = {
  support: () => undefined,
  compile: sameShape((k, g, c) =>
    guarded(g.nodes[0], () => k.leakyRelu(c.engine, inputRef(g, c, 0), attrFloat(g.nodes[0], "alpha", 0.01), c.outputPtr(), g.outputQParams)),
  ),
};

/** Clip(0, 6) is ReLU6 (quantized hardtanh keeps the input's qparams); other bounds stay float. */
const clipOp: Int8Op = {
  support(node: Node, graph: Graph) {
    const lo = node.inputs[1] ? graph.getInitializer(node.inputs[1]) : undefined;
    const hi = node.inputs[2] ? graph.getInitializer(node.inputs[2]) : undefined;
    const min = lo ? tensorToNumbers(lo)[0] : attrFloat(node, "min");
    const max = hi ? tensorToNumbers(hi)[0] : attrFloat(node, "max");
    if ((node.inputs[1] && !lo) || (node.inputs[2] && !hi)) return "its bounds are computed at run time";
    return min === 0 && max === 6 ? undefined : `only Clip(0, 6) (ReLU6) has an int8 kernel, got Clip(${min}, ${max})`;
  },
  // QNNPACK's relu6 writes a contiguous output (PyTorch 1.13); ATen's keeps the input's format.
  compile: sameShape(
    (k, g, c) => void k.relu6(inputRef(g, c, 0), c.outputPtr()),
    (c) => c.engine !== "qnnpack",
  ),
};

function poolOptions(node: Node) {
  const kernel = attrInts(node, "kernel_shape", []);
  const pads = attrInts(node, "pads", [0, 0, 0, 0]);
  return {
    kernel: [kernel[0], kernel[1]] as [number, number],
    stride: attrInts(node, "strides", [1, 1]).slice(0, 2) as [number, number],
    padding: [pads[0], pads[1]] as [number, number],
    dilation: attrInts(node, "dilations", [1, 1]).slice(0, 2) as [number, number],
    ceilMode: attrInt(node, "ceil_mode", 0) === 1,
  };
}

function poolSupport(node: Node): string | undefined {
  if (attrString(node, "auto_pad", "NOTSET") !== "NOTSET") return "auto_pad is not supported in int8";
  if (attrInts(node, "kernel_shape", []).length !== 2) return "only 2-D pooling has an int8 kernel";
  const pads = attrInts(node, "pads", [0, 0, 0, 0]);
  if (pads[0] !== pads[2] || pads[1] !== pads[3]) return "asymmetric padding has no int8 kernel";
  if (node.outputs.length > 1 && node.outputs[1]) return "MaxPool with an indices output has no int8 kernel";
  return undefined;
}

const maxPoolOp: Int8Op = {
  support: poolSupport,
  compile(group, _graph, ctx): CompiledInt8Op {
    const node = group.nodes[0];
    const k0 = kernels(ctx);
    const opts = poolOptions(node);
    const probe = { ptr: 0, shape: ctx.inputShapes[0], ...group.inputQParams[0] };
    let outputShape: number[] = [];
    guarded(node, () => (outputShape = k0.pool2dOutputShape(probe, opts)));
    return {
      outputShape,
      channelsLast: ctx.inputChannelsLast[0],
      step: (c) => () => void k0.maxPool2d(c.engine, inputRef(group, c, 0), opts, c.outputPtr()),
    };
  },
};

const avgPoolOp: Int8Op = {
  support: poolSupport,
  compile(group, _graph, ctx): CompiledInt8Op {
    const node = group.nodes[0];
    const k0 = kernels(ctx);
    const opts = { ...poolOptions(node), countIncludePad: attrInt(node, "count_include_pad", 0) === 1 };
    const probe = { ptr: 0, shape: ctx.inputShapes[0], ...group.inputQParams[0] };
    let outputShape: number[] = [];
    guarded(node, () => (outputShape = k0.pool2dOutputShape(probe, opts)));
    return {
      outputShape,
      channelsLast: ctx.inputChannelsLast[0],
      step: (c) => () => void k0.avgPool2d(c.engine, inputRef(group, c, 0), opts, c.outputPtr()),
    };
  },
};

/** GlobalAveragePool is PyTorch's AdaptiveAvgPool2d(1) on a quantized tensor. */
const globalAvgPoolOp: Int8Op = {
  support: () => undefined,
  compile(group, _graph, ctx): CompiledInt8Op {
    const shape = ctx.inputShapes[0];
    if (shape.length !== 4) throw new InputError(`${describeNode(group.nodes[0])}: int8 GlobalAveragePool needs NCHW input, got [${shape.join(", ")}]`);
    return {
      outputShape: [shape[0], shape[1], 1, 1],
      channelsLast: ctx.inputChannelsLast[0],
      step: (c) => {
        const k = kernels(c);
        return () => void k.adaptiveAvgPool2d(c.engine, inputRef(group, c, 0), [1, 1], c.outputPtr());
      },
    };
  },
};

const concatOp: Int8Op = {
  support(node: Node, graph: Graph) {
    return node.inputs.some((i) => graph.isInitializer(i)) ? "a constant operand (only tensor inputs are supported in int8)" : undefined;
  },
  compile(group, _graph, ctx): CompiledInt8Op {
    const node = group.nodes[0];
    const rank = ctx.inputShapes[0].length;
    let axis = attrInt(node, "axis", 0);
    if (axis < 0) axis += rank;
    const outputShape = [...ctx.inputShapes[0]];
    outputShape[axis] = ctx.inputShapes.reduce((a, s) => a + s[axis], 0);
    return {
      outputShape,
      // Channels-last when every input is (qcat_nhwc_kernel along dim 1, else at::cat's format rule).
      channelsLast: ctx.inputChannelsLast.every((cl) => cl),
      step: (c) => {
        const k = kernels(c);
        return () =>
          guarded(node, () => void k.cat(group.inputs.map((_, i) => inputRef(group, c, i)), axis, c.outputPtr(), group.outputQParams, group.relu));
      },
    };
  },
};

export const elementwiseInt8Ops: Readonly<Record<string, Int8Op>> = {
  Add: addOp,
  Mul: mulOp,
  Relu: reluOp,
  HardSwish: hardswishOp,
  Sigmoid: sigmoidOp,
  Tanh: tanhOp,
  LeakyRelu: leakyReluOp,
  Clip: clipOp,
  MaxPool: maxPoolOp,
  AveragePool: avgPoolOp,
  GlobalAveragePool: globalAvgPoolOp,
  Concat: concatOp,
};
