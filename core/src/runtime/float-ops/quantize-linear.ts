// QuantizeLinear / DequantizeLinear on the WASM kernels (any process holding a WasmCore), so QDQ models run
// in float simulation without host copies: int8/uint8 values stay in WASM buffers between the two. Other
// element types (int16, int32 bias inputs) use the host evaluators of onnx/fold.ts.
import { InputError } from "../../errors";
import { attrInt, describeNode, tensorToFloat32, type Node } from "../../onnx/ir";
import { normalizeAxis } from "../../onnx/fold";
import { hostFallbackOp } from "./host-fallback";
import { count, type CompileContext, type FloatOp, type Step } from "./types";

interface QuantLayout {
  outer: number;
  axisLen: number;
  inner: number;
  scales: number;
  zeroPoints: number;
}

/** Uploads scale/zero-point constants and views the tensor as [outer, axisLen, inner]. */
function layout(node: Node, ctx: CompileContext, shape: readonly number[]): QuantLayout | undefined {
  const [, scaleName, zpName] = node.inputs;
  const scale = ctx.constant(scaleName);
  const zp = zpName ? ctx.constant(zpName) : undefined;
  if (!scale || (zpName && !zp)) return undefined; // runtime qparams: host path
  if (scale.dtype !== "float32") return undefined;
  if (attrInt(node, "block_size", 0) !== 0) throw new InputError(`${describeNode(node)}: blocked quantization is not supported`);
  const perTensor = scale.data.length === 1 && scale.dims.length <= 1;
  let outer = count(shape);
  let axisLen = 1;
  let inner = 1;
  if (!perTensor) {
    const axis = normalizeAxis(node, attrInt(node, "axis", 1), shape.length);
    if (scale.dims.length !== 1 || scale.dims[0] !== shape[axis]) {
      throw new InputError(`${describeNode(node)}: ${scale.data.length} scales for axis ${axis} of size ${shape[axis]}`);
    }
    outer = count(shape.slice(0, axis));
    axisLen = shape[axis];
    inner = count(shape.slice(axis + 1));
  }
  const scales = tensorToFloat32(scale);
  const zps = Int32Array.from({ length: axisLen }, (_, i) => (zp ? Number(zp.data[i]) : 0));
  const key = `${scaleName}|${zpName ?? ""}`;
  return {
    outer,
    axisLen,
    inner,
    scales: ctx.persistent(`q-scales:${key}`, axisLen, (p) => ctx.core.f32(p, axisLen).set(scales)),
    zeroPoints: ctx.persistent(`q-zps:${key}`, axisLen, (p) => ctx.core.i32(p, axisLen).set(zps)),
  };
}

export const quantizeLinearOp: FloatOp = {
  compile(node: Node, ctx: CompileContext): Step {
    const xType = ctx.type(node.inputs[0]);
    const outType = ctx.type(node.outputs[0]);
    const q = xType.dtype === "float32" && (outType.dtype === "int8" || outType.dtype === "uint8") ? layout(node, ctx, xType.shape) : undefined;
    if (!q) return hostFallbackOp.compile(node, ctx);
    const x = ctx.ptr(node.inputs[0]);
    const out = ctx.ptr(node.outputs[0]);
    const signed = outType.dtype === "int8";
    return () => ctx.kernels.quantizeLinear(x, out, q.outer, q.axisLen, q.inner, q.scales, q.zeroPoints, signed);
  },
};

export const dequantizeLinearOp: FloatOp = {
  compile(node: Node, ctx: CompileContext): Step {
    const xType = ctx.type(node.inputs[0]);
    const q = xType.dtype === "int8" || xType.dtype === "uint8" ? layout(node, ctx, xType.shape) : undefined;
    if (!q || ctx.constant(node.inputs[0])) return hostFallbackOp.compile(node, ctx);
    const x = ctx.ptr(node.inputs[0]);
    const out = ctx.ptr(node.outputs[0]);
    const signed = xType.dtype === "int8";
    return () => ctx.kernels.dequantizeLinear(x, out, q.outer, q.axisLen, q.inner, q.scales, q.zeroPoints, signed);
  },
};
