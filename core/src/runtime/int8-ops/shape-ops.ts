// Int8 shape ops that keep their input's qparams and bytes: Flatten, Reshape, Identity (the output aliases
// the input buffer; no step runs) (any process holding a WasmCore).
import { InputError } from "../../errors";
import { attrInt, describeNode, tensorToNumbers, type Graph, type Node } from "../../onnx/ir";
import { count, type CompiledInt8Op, type Int8Op } from "./types";

export const flattenOp: Int8Op = {
  support: () => undefined,
  compile(group, _graph, ctx): CompiledInt8Op {
    const shape = ctx.inputShapes[0];
    let axis = attrInt(group.nodes[0], "axis", 1);
    if (axis < 0) axis += shape.length;
    const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
    return { outputShape: [outer, count(shape) / outer], aliasInput: 0 };
  },
};

export const identityOp: Int8Op = {
  support: () => undefined,
  compile: (_group, _graph, ctx): CompiledInt8Op => ({ outputShape: [...ctx.inputShapes[0]], aliasInput: 0, channelsLast: ctx.inputChannelsLast[0] }),
};

export const reshapeOp: Int8Op = {
  support(node: Node, graph: Graph) {
    return graph.isInitializer(node.inputs[1]) ? undefined : "its target shape is computed at run time";
  },
  compile(group, graph, ctx): CompiledInt8Op {
    const node = group.nodes[0];
    const target = tensorToNumbers(graph.getInitializer(node.inputs[1])!);
    const shape = ctx.inputShapes[0];
    const allowZero = attrInt(node, "allowzero", 0) === 1;
    const out = target.map((d, i) => (d === 0 && !allowZero ? shape[i] : d));
    const known = out.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const resolved = out.map((d) => (d === -1 ? count(shape) / known : d));
    if (count(resolved) !== count(shape) || !resolved.every(Number.isInteger)) {
      throw new InputError(`${describeNode(node)}: cannot reshape [${shape.join(", ")}] to [${target.join(", ")}]`);
    }
    return { outputShape: resolved, aliasInput: 0 };
  },
};
