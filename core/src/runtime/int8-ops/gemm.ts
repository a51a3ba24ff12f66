// Int8 Conv and Linear (Gemm/MatMul) with optional fused ReLU on the engine-exact packed kernels
// (core/src/wasm/qconv.ts, qlinear.ts) (any process holding a WasmCore).
import { InputError } from "../../errors";
import { attrInt, attrInts, attrString, describeNode, type Graph, type Node } from "../../onnx/ir";
import type { ConvertedGroup } from "../../passes/convert";
import { PackedConv2d } from "../../wasm/qconv";
import { PackedLinear, type LinearRequant } from "../../wasm/qlinear";
import type { CompiledInt8Op, Int8Op } from "./types";

function requant(group: ConvertedGroup): LinearRequant {
  const inq = group.inputQParams[0];
  return {
    inScale: inq.scale,
    inZeroPoint: inq.zeroPoint,
    outScale: group.outputQParams.scale,
    outZeroPoint: group.outputQParams.zeroPoint,
    relu: group.relu,
  };
}

function convGeometry(node: Node, inChannels: number, outChannels: number, kernel: number[]) {
  const pads = attrInts(node, "pads", [0, 0, 0, 0]);
  if (pads[0] !== pads[2] || pads[1] !== pads[3]) {
    throw new InputError(`${describeNode(node)}: asymmetric padding [${pads.join(", ")}] has no int8 kernel (PyTorch pads symmetrically)`);
  }
  const strides = attrInts(node, "strides", [1, 1]);
  const dilations = attrInts(node, "dilations", [1, 1]);
  return {
    inChannels,
    outChannels,
    kernel: [kernel[0], kernel[1]] as [number, number],
    stride: [strides[0], strides[1]] as [number, number],
    padding: [pads[0], pads[1]] as [number, number],
    dilation: [dilations[0], dilations[1]] as [number, number],
    groups: attrInt(node, "group", 1),
  };
}

export const conv2dOp: Int8Op = {
  support(node: Node, graph: Graph) {
    const w = graph.getInitializer(node.inputs[1]);
    if (!w) return "its weight is not a constant";
    if (w.dims.length !== 4) return `only 2-D convolutions have int8 kernels (weight rank ${w.dims.length})`;
    if (node.inputs[2] && !graph.isInitializer(node.inputs[2])) return "its bias is not a constant";
    const autoPad = attrString(node, "auto_pad", "NOTSET");
    if (autoPad !== "NOTSET" && autoPad !== "VALID") return `auto_pad ${autoPad} is not supported in int8`;
    const pads = attrInts(node, "pads", [0, 0, 0, 0]);
    if (pads[0] !== pads[2] || pads[1] !== pads[3]) return "asymmetric padding has no int8 kernel";
    return undefined;
  },
  compile(group, _graph, ctx): CompiledInt8Op {
    const node = group.nodes[0];
    const w = group.weight!;
    const shape = ctx.inputShapes[0];
    if (shape.length !== 4) throw new InputError(`${describeNode(node)}: int8 Conv needs an NCHW input, got shape [${shape.join(", ")}]`);
    const [n, c, h, wd] = shape;
    const geometry = convGeometry(node, c, w.dims[0], [w.dims[2], w.dims[3]]);
    if (w.dims[1] * geometry.groups !== c) {
      throw new InputError(`${describeNode(node)}: input has ${c} channels but the weight expects ${w.dims[1] * geometry.groups}`);
    }
    const packed = ctx.once(`conv:${group.id}`, () => new PackedConv2d(ctx.core, ctx.engine, geometry, { data: w.data, scales: w.scales, zeroPoints: w.zeroPoints }, group.bias));
    const [oh, ow] = packed.outputSize(h, wd);
    const q = requant(group);
    return {
      outputShape: [n, geometry.outChannels, oh, ow],
      // fbgemm, oneDNN and QNNPACK all allocate the quantized conv output channels-last.
      channelsLast: true,
      step: (c2) => {
        const input = c2.inputPtr(0);
        const output = c2.outputPtr();
        return () => packed.run(input, output, n, h, wd, q, c2.pool);
      },
    };
  },
};

export const linearOp: Int8Op = {
  support(node: Node, graph: Graph) {
    const w = graph.getInitializer(node.inputs[1]);
    if (!w) return "its weight is not a constant";
    if (w.dims.length !== 2) return `its weight must be 2-D, got rank ${w.dims.length}`;
    if (node.opType === "Gemm") {
      if (attrInt(node, "transA", 0) !== 0) return "Gemm with transA=1 has no int8 kernel";
      const c = node.inputs[2];
      if (c && !graph.isInitializer(c)) return "its bias is not a constant";
    }
    return undefined;
  },
  compile(group, _graph, ctx): CompiledInt8Op {
    const node = group.nodes[0];
    const w = group.weight!;
    const [nOut, k] = w.dims;
    const shape = ctx.inputShapes[0];
    if (shape[shape.length - 1] !== k || (node.opType === "Gemm" && shape.length !== 2)) {
      throw new InputError(`${describeNode(node)}: input shape [${shape.join(", ")}] does not match its weight (${k} input features)`);
    }
    const m = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const packed = ctx.once(`linear:${group.id}`, () => new PackedLinear(ctx.core, ctx.engine, nOut, k, { data: w.data, scales: w.scales, zeroPoints: w.zeroPoints }, group.bias));
    const q = requant(group);
    return {
      outputShape: [...shape.slice(0, -1), nOut],
      step: (c2) => {
        const input = c2.inputPtr(0);
        const output = c2.outputPtr();
        return () => packed.run(input, output, m, q, c2.pool);
      },
    };
  },
};
