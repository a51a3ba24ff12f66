// Int8 ops that keep their input's qparams and need no requantization: Flatten, Reshape, Identity (the
// output aliases the input buffer), standalone ReLU (clamp at the zero point) and MaxPool (max over the
// window: the max of quantized values is the quantized max) (any process holding a WasmCore).
import { InputError } from "../../errors";
import { attrInt, attrInts, attrString, describeNode, tensorToNumbers, type Graph, type Node } from "../../onnx/ir";
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
  compile: (_group, _graph, ctx): CompiledInt8Op => ({ outputShape: [...ctx.inputShapes[0]], aliasInput: 0 }),
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

/** quantized relu: max(q, zero_point), the input's qparams kept. */
export const reluOp: Int8Op = {
  support: () => undefined,
  compile(group, _graph, ctx): CompiledInt8Op {
    const shape = ctx.inputShapes[0];
    const n = count(shape);
    const zp = group.inputQParams[0].zeroPoint;
    return {
      outputShape: [...shape],
      step: (c) => {
        const inPtr = c.inputPtr(0);
        const outPtr = c.outputPtr();
        return () => {
          const src = c.core.u8(inPtr, n);
          const dst = c.core.u8(outPtr, n);
          for (let i = 0; i < n; i++) dst[i] = src[i] < zp ? zp : src[i];
        };
      },
    };
  },
};

/** quantized max_pool2d: the window max of uint8 values (padding never wins), same qparams. */
export const maxPoolOp: Int8Op = {
  support(node: Node) {
    if (attrString(node, "auto_pad", "NOTSET") !== "NOTSET") return "auto_pad is not supported in int8";
    if (node.outputs.length > 1 && node.outputs[1]) return "MaxPool with an indices output has no int8 kernel";
    if (attrInt(node, "storage_order", 0) !== 0) return "storage_order 1 is not supported";
    if (attrInts(node, "kernel_shape", []).length !== 2) return "only 2-D pooling has an int8 kernel";
    return undefined;
  },
  compile(group, _graph, ctx): CompiledInt8Op {
    const node = group.nodes[0];
    const shape = ctx.inputShapes[0];
    if (shape.length !== 4) throw new InputError(`${describeNode(node)}: int8 MaxPool needs NCHW input, got [${shape.join(", ")}]`);
    const [n, c, h, w] = shape;
    const [kh, kw] = attrInts(node, "kernel_shape", []);
    const [sh, sw] = attrInts(node, "strides", [1, 1]);
    const [dh, dw] = attrInts(node, "dilations", [1, 1]);
    const [pt, pl, pb, pr] = attrInts(node, "pads", [0, 0, 0, 0]);
    const ceil = attrInt(node, "ceil_mode", 0) === 1;
    const outDim = (size: number, k: number, s: number, d: number, p0: number, p1: number) => {
      const span = size + p0 + p1 - d * (k - 1) - 1;
      let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
      if (ceil && (o - 1) * s >= size + p0) o--; // the last window must start inside the input or left padding
      return o;
    };
    const oh = outDim(h, kh, sh, dh, pt, pb);
    const ow = outDim(w, kw, sw, dw, pl, pr);
    return {
      outputShape: [n, c, oh, ow],
      step: (cx) => {
        const inPtr = cx.inputPtr(0);
        const outPtr = cx.outputPtr();
        return () => {
          const src = cx.core.u8(inPtr, n * c * h * w);
          const dst = cx.core.u8(outPtr, n * c * oh * ow);
          for (let p = 0; p < n * c; p++) {
            const base = p * h * w;
            for (let y = 0; y < oh; y++) {
              for (let x = 0; x < ow; x++) {
                let m = 0;
                for (let i = 0; i < kh; i++) {
                  const iy = y * sh - pt + i * dh;
                  if (iy < 0 || iy >= h) continue;
                  for (let j = 0; j < kw; j++) {
                    const ix = x * sw - pl + j * dw;
                    if (ix < 0 || ix >= w) continue;
                    const v = src[base + iy * w + ix];
                    if (v > m) m = v;
                  }
                }
                dst[(p * oh + y) * ow + x] = m;
              }
            }
          }
        };
      },
    };
  },
};
