// Float ReduceMean, Resize (nearest) and Pad (any process holding a WasmCore): index-mapping ops that run as
// TypeScript loops directly over WASM memory views (no copies), for the PyTorch modules that export to them
// (torch.mean, F.interpolate(mode="nearest"), F.pad). Their shape rules live in onnx/shape-inference.ts.
import { InputError } from "../../errors";
import { attrFloat, attrInt, attrString, describeNode, tensorToFloat32, type Node } from "../../onnx/ir";
import { stridesOf } from "../../onnx/fold";
import { padSpec, reduceAxes, resizeSpec } from "../../onnx/shape-inference";
import { count, type CompileContext, type FloatOp, type Step } from "./types";

export const reduceMeanOp: FloatOp = {
  compile(node: Node, ctx: CompileContext): Step {
    const inShape = ctx.type(node.inputs[0]).shape;
    const axes = reduceAxes(node, inShape.length, node.inputs[1] ? ctx.constant(node.inputs[1]) : undefined);
    const inStrides = stridesOf(inShape);
    // Output index of each input element: the input coordinates with reduced axes dropped.
    const keptDims = inShape.map((d, i) => (axes.includes(i) ? 1 : d));
    const keptStrides = stridesOf(keptDims);
    const n = count(inShape);
    const outN = count(keptDims);
    const divisor = n / outN;
    const x = ctx.ptr(node.inputs[0]);
    const out = ctx.ptr(node.outputs[0]);
    const map = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let rem = i;
      let o = 0;
      for (let d = 0; d < inShape.length; d++) {
        const q = Math.floor(rem / inStrides[d]);
        rem -= q * inStrides[d];
        if (!axes.includes(d)) o += q * keptStrides[d];
      }
      map[i] = o;
    }
    const sums = new Float64Array(outN);
    return () => {
      const src = ctx.core.f32(x, n);
      sums.fill(0);
      for (let i = 0; i < n; i++) sums[map[i]] += src[i];
      const dst = ctx.core.f32(out, outN);
      for (let i = 0; i < outN; i++) dst[i] = sums[i] / divisor;
    };
  },
};

export const resizeOp: FloatOp = {
  compile(node: Node, ctx: CompileContext): Step {
    const inShape = ctx.type(node.inputs[0]).shape;
    const outShape = ctx.type(node.outputs[0]).shape;
    const mode = attrString(node, "mode", "nearest");
    if (mode !== "nearest") throw new InputError(`${describeNode(node)}: Resize mode '${mode}' is not supported (only nearest)`);
    if (attrInt(node, "antialias", 0) !== 0) throw new InputError(`${describeNode(node)}: antialiased Resize is not supported`);
    const spec = resizeSpec(node, inShape, (i) => (node.inputs[i] ? ctx.constant(node.inputs[i]) : undefined));
    const coordMode = attrString(node, "coordinate_transformation_mode", "half_pixel");
    const nearestMode = attrString(node, "nearest_mode", "round_prefer_floor");
    // Source index along each axis for each output index.
    const sources = outShape.map((outLen, axis) => {
      const inLen = inShape[axis];
      const scale = spec.scales[axis];
      return Int32Array.from({ length: outLen }, (_, o) => {
        const orig = sourceCoordinate(node, coordMode, o, scale, inLen, outLen);
        return Math.min(Math.max(nearestIndex(node, nearestMode, orig), 0), inLen - 1);
      });
    });
    const inStrides = stridesOf(inShape);
    const n = count(outShape);
    const map = new Int32Array(n);
    const outStrides = stridesOf(outShape);
    for (let i = 0; i < n; i++) {
      let rem = i;
      let src = 0;
      for (let d = 0; d < outShape.length; d++) {
        const q = Math.floor(rem / outStrides[d]);
        rem -= q * outStrides[d];
        src += sources[d][q] * inStrides[d];
      }
      map[i] = src;
    }
    const x = ctx.ptr(node.inputs[0]);
    const out = ctx.ptr(node.outputs[0]);
    const inN = count(inShape);
    return () => {
      const src = ctx.core.f32(x, inN);
      const dst = ctx.core.f32(out, n);
      for (let i = 0; i < n; i++) dst[i] = src[map[i]];
    };
  },
};

function sourceCoordinate(node: Node, mode: string, o: number, scale: number, inLen: number, outLen: number): number {
  switch (mode) {
    case "half_pixel":
      return (o + 0.5) / scale - 0.5;
    case "pytorch_half_pixel":
      return outLen > 1 ? (o + 0.5) / scale - 0.5 : 0;
    case "asymmetric":
      return o / scale;
    case "half_pixel_symmetric": {
      // Opset 19: half_pixel, re-centred when the output size was rounded from in * scale.
      const adjustment = outLen / (scale * inLen);
      const offset = (inLen / 2) * (1 - adjustment);
      return offset + (o + 0.5) / scale - 0.5;
    }
    case "align_corners":
      return outLen > 1 ? (o * (inLen - 1)) / (outLen - 1) : 0;
    case "tf_half_pixel_for_nn":
      return (o + 0.5) / scale;
    default:
      throw new InputError(`${describeNode(node)}: coordinate_transformation_mode '${mode}' is not supported`);
  }
}

function nearestIndex(node: Node, mode: string, x: number): number {
  switch (mode) {
    case "round_prefer_floor":
      return x === Math.floor(x) + 0.5 ? Math.floor(x) : Math.round(x);
    case "round_prefer_ceil":
      return Math.round(x);
    case "floor":
      return Math.floor(x);
    case "ceil":
      return Math.ceil(x);
    default:
      throw new InputError(`${describeNode(node)}: nearest_mode '${mode}' is not supported`);
  }
}

export const padOp: FloatOp = {
  compile(node: Node, ctx: CompileContext): Step {
    const inShape = ctx.type(node.inputs[0]).shape;
    const outShape = ctx.type(node.outputs[0]).shape;
    const mode = attrString(node, "mode", "constant");
    const { begins } = padSpec(node, inShape, (i) => (node.inputs[i] ? ctx.constant(node.inputs[i]) : undefined));
    const valueTensor = node.inputs[2] ? ctx.constant(node.inputs[2]) : undefined;
    if (node.inputs[2] && !valueTensor) throw new InputError(`${describeNode(node)}: constant_value must be a constant`);
    const value = valueTensor ? tensorToFloat32(valueTensor)[0] : attrFloat(node, "value", 0);
    if (!["constant", "reflect", "edge", "wrap"].includes(mode)) throw new InputError(`${describeNode(node)}: Pad mode '${mode}' is not supported`);
    const inStrides = stridesOf(inShape);
    const outStrides = stridesOf(outShape);
    const n = count(outShape);
    // Source element of each output element, or -1 for the constant.
    const map = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let rem = i;
      let src = 0;
      for (let d = 0; d < outShape.length && src >= 0; d++) {
        const q = Math.floor(rem / outStrides[d]);
        rem -= q * outStrides[d];
        const len = inShape[d];
        let j = q - begins[d];
        if (j < 0 || j >= len) {
          if (mode === "constant") src = -1;
          else if (mode === "edge") j = Math.min(Math.max(j, 0), len - 1);
          else if (mode === "wrap") j = ((j % len) + len) % len;
          else {
            if (len === 1) j = 0;
            const period = 2 * (len - 1);
            while (j < 0 || j >= len) j = j < 0 ? -j : period - j;
          }
        }
        if (src >= 0) src += j * inStrides[d];
      }
      map[i] = src;
    }
    const x = ctx.ptr(node.inputs[0]);
    const out = ctx.ptr(node.outputs[0]);
    const inN = count(inShape);
    return () => {
      const srcView = ctx.core.f32(x, inN);
      const dst = ctx.core.f32(out, n);
      for (let i = 0; i < n; i++) dst[i] = map[i] < 0 ? value : srcView[map[i]];
    };
  },
};
