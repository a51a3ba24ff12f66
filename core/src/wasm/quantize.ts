// Typed host API over the WASM core's quantize/dequantize kernels (any process): per-tensor,
// per-channel and dynamic quantization with PyTorch's exact CPU arithmetic. Arrays are copied into
// linear memory once per call; the *Ptr variants work on buffers that already live there.
import type { WasmCore } from "./core";

export const QUANT_DTYPES = ["quint8", "qint8", "qint32"] as const;
export type QuantDtype = (typeof QUANT_DTYPES)[number];

/** Dtype codes of the WASM ABI (assembly/util/qparams.ts). */
export const QUANT_DTYPE_CODE: Record<QuantDtype, number> = { quint8: 0, qint8: 1, qint32: 2 };

export type QuantArray = Uint8Array | Int8Array | Int32Array;

export function isQuantDtype(s: unknown): s is QuantDtype {
  return typeof s === "string" && (QUANT_DTYPES as readonly string[]).includes(s);
}

/** The full integer range of a quantized dtype. */
export function dtypeRange(dtype: QuantDtype): { min: number; max: number } {
  switch (dtype) {
    case "quint8":
      return { min: 0, max: 255 };
    case "qint8":
      return { min: -128, max: 127 };
    case "qint32":
      return { min: -2147483648, max: 2147483647 };
  }
}

export function bytesPerElement(dtype: QuantDtype): number {
  return dtype === "qint32" ? 4 : 1;
}

function newQuantArray(dtype: QuantDtype, length: number): QuantArray {
  if (dtype === "quint8") return new Uint8Array(length);
  if (dtype === "qint8") return new Int8Array(length);
  return new Int32Array(length);
}

function viewQuant(core: WasmCore, dtype: QuantDtype, ptr: number, length: number): QuantArray {
  if (dtype === "quint8") return core.u8(ptr, length);
  if (dtype === "qint8") return core.i8(ptr, length);
  return core.i32(ptr, length);
}

function checkScale(scale: number, what = "scale"): void {
  if (!(Number.isFinite(scale) && scale > 0))
    throw new RangeError(`${what} must be a positive finite number, got ${scale}`);
}

function checkZeroPoint(zeroPoint: number, dtype: QuantDtype, what = "zero point"): void {
  const { min, max } = dtypeRange(dtype);
  if (!Number.isInteger(zeroPoint) || zeroPoint < min || zeroPoint > max) {
    throw new RangeError(`${what} ${zeroPoint} is outside ${dtype}'s range [${min}, ${max}]`);
  }
}

/** A contiguous tensor seen as [outer, channels, inner] around `axis` (negative counts from the end). */
export interface ChannelSplit {
  axis: number;
  outer: number;
  channels: number;
  inner: number;
}

export function splitAtAxis(shape: readonly number[], axis: number): ChannelSplit {
  const rank = shape.length;
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new RangeError(`channel axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < a; i++) outer *= shape[i];
  for (let i = a + 1; i < rank; i++) inner *= shape[i];
  return { axis: a, outer, channels: shape[a], inner };
}

export function elementCountOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new RangeError(`bad dimension ${d} in shape [${shape.join(", ")}]`);
    n *= d;
  }
  return n;
}

function checkShape(length: number, shape: readonly number[]): void {
  const n = elementCountOf(shape);
  if (n !== length)
    throw new RangeError(`${length} values do not fill shape [${shape.join(", ")}] (${n} elements)`);
}

/** quantize_per_tensor on buffers already in linear memory (dst holds n elements of the dtype). */
export function quantizePerTensorPtr(
  core: WasmCore,
  srcPtr: number,
  dstPtr: number,
  length: number,
  scale: number,
  zeroPoint: number,
  dtype: QuantDtype,
): void {
  checkScale(scale);
  checkZeroPoint(zeroPoint, dtype);
  core.exports.quantizePerTensor(srcPtr, dstPtr, length, scale, zeroPoint, QUANT_DTYPE_CODE[dtype]);
}

/** Per-tensor dequantize of a buffer in linear memory into a float32 buffer there. */
export function dequantizePerTensorPtr(
  core: WasmCore,
  srcPtr: number,
  dstPtr: number,
  length: number,
  scale: number,
  zeroPoint: number,
  dtype: QuantDtype,
): void {
  checkScale(scale);
  checkZeroPoint(zeroPoint, dtype);
  core.exports.dequantizePerTensor(srcPtr, dstPtr, length, scale, zeroPoint, QUANT_DTYPE_CODE[dtype]);
}

/** torch.quantize_per_tensor(x, scale, zero_point, dtype).int_repr(). */
export function quantizePerTensor(
  core: WasmCore,
  x: Float32Array,
  scale: number,
  zeroPoint: number,
  dtype: QuantDtype,
): QuantArray {
  checkScale(scale);
  checkZeroPoint(zeroPoint, dtype);
  return core.scoped((alloc) => {
    const src = alloc(x.byteLength);
    core.f32(src, x.length).set(x);
    const dst = alloc(x.length * bytesPerElement(dtype));
    core.exports.quantizePerTensor(src, dst, x.length, scale, zeroPoint, QUANT_DTYPE_CODE[dtype]);
    const out = newQuantArray(dtype, x.length);
    out.set(viewQuant(core, dtype, dst, x.length));
    return out;
  });
}

/** Per-tensor dequantize: (float)(q - zero_point) * (float)scale. */
export function dequantizePerTensor(
  core: WasmCore,
  q: QuantArray,
  scale: number,
  zeroPoint: number,
  dtype: QuantDtype,
): Float32Array {
  checkScale(scale);
  checkZeroPoint(zeroPoint, dtype);
  return core.scoped((alloc) => {
    const src = alloc(q.byteLength);
    viewQuant(core, dtype, src, q.length).set(q);
    const dst = alloc(q.length * 4);
    core.exports.dequantizePerTensor(src, dst, q.length, scale, zeroPoint, QUANT_DTYPE_CODE[dtype]);
    return core.copyOut(Float32Array, dst, q.length);
  });
}

function checkChannelParams(
  split: ChannelSplit,
  scales: ArrayLike<number>,
  zeroPoints: ArrayLike<number>,
  dtype: QuantDtype,
): void {
  if (scales.length !== split.channels || zeroPoints.length !== split.channels) {
    throw new RangeError(
      `axis ${split.axis} has ${split.channels} channels but ${scales.length} scales and ${zeroPoints.length} zero points were given`,
    );
  }
  for (let c = 0; c < split.channels; c++) {
    checkScale(scales[c], `scale of channel ${c}`);
    checkZeroPoint(zeroPoints[c], dtype, `zero point of channel ${c}`);
  }
}

function perChannel(
  core: WasmCore,
  x: Float32Array | QuantArray,
  shape: readonly number[],
  scales: ArrayLike<number>,
  zeroPoints: ArrayLike<number>,
  axis: number,
  dtype: QuantDtype,
  quantizing: boolean,
): Float32Array | QuantArray {
  checkShape(x.length, shape);
  const split = splitAtAxis(shape, axis);
  checkChannelParams(split, scales, zeroPoints, dtype);
  return core.scoped((alloc) => {
    const src = alloc(x.byteLength);
    core.u8(src, x.byteLength).set(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    const scalesPtr = alloc(split.channels * 8);
    core.view(Float64Array, scalesPtr, split.channels).set(Array.from(scales));
    const zpPtr = alloc(split.channels * 4);
    core.i32(zpPtr, split.channels).set(Array.from(zeroPoints));
    const code = QUANT_DTYPE_CODE[dtype];
    if (quantizing) {
      const dst = alloc(x.length * bytesPerElement(dtype));
      core.exports.quantizePerChannel(
        src,
        dst,
        split.outer,
        split.channels,
        split.inner,
        scalesPtr,
        zpPtr,
        code,
      );
      const out = newQuantArray(dtype, x.length);
      out.set(viewQuant(core, dtype, dst, x.length));
      return out;
    }
    const dst = alloc(x.length * 4);
    core.exports.dequantizePerChannel(
      src,
      dst,
      split.outer,
      split.channels,
      split.inner,
      scalesPtr,
      zpPtr,
      code,
    );
    return core.copyOut(Float32Array, dst, x.length);
  });
}

/** torch.quantize_per_channel(x, scales, zero_points, axis, dtype).int_repr() for a contiguous tensor. */
export function quantizePerChannel(
  core: WasmCore,
  x: Float32Array,
  shape: readonly number[],
  scales: ArrayLike<number>,
  zeroPoints: ArrayLike<number>,
  axis: number,
  dtype: QuantDtype,
): QuantArray {
  return perChannel(core, x, shape, scales, zeroPoints, axis, dtype, true) as QuantArray;
}

/** Per-channel dequantize: (float)(q - zp[c]) * scale[c], the product in double as ATen. */
export function dequantizePerChannel(
  core: WasmCore,
  q: QuantArray,
  shape: readonly number[],
  scales: ArrayLike<number>,
  zeroPoints: ArrayLike<number>,
  axis: number,
  dtype: QuantDtype,
): Float32Array {
  return perChannel(core, q, shape, scales, zeroPoints, axis, dtype, false) as Float32Array;
}

export interface DynamicQuantized {
  data: Uint8Array | Int8Array;
  /** The scale PyTorch stores (a double, not rounded to float32). */
  scale: number;
  zeroPoint: number;
}

/**
 * torch.quantize_per_tensor_dynamic(x, dtype, reduce_range): qparams from the tensor's min/max with
 * ATen's ChooseQuantizationParams, then quantize. Like PyTorch, reduce_range is ignored under the
 * qnnpack engine.
 */
export function quantizePerTensorDynamic(
  core: WasmCore,
  x: Float32Array,
  dtype: "quint8" | "qint8",
  reduceRange: boolean,
  engine?: string,
): DynamicQuantized {
  if (dtype !== "quint8" && dtype !== "qint8") {
    throw new RangeError(`dynamic quantization supports quint8 and qint8, not ${String(dtype)}`);
  }
  if (x.length === 0) throw new RangeError("dynamic quantization of an empty tensor has no min/max");
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) throw new RangeError(`dynamic quantization input has ${x[i]} at index ${i}`);
  }
  const reduce = reduceRange && engine !== "qnnpack";
  return core.scoped((alloc) => {
    const src = alloc(x.byteLength);
    core.f32(src, x.length).set(x);
    const dst = alloc(x.length);
    const params = alloc(16);
    core.exports.quantizePerTensorDynamic(
      src,
      dst,
      x.length,
      QUANT_DTYPE_CODE[dtype],
      reduce,
      params,
      params + 8,
    );
    const scale = core.view(Float64Array, params, 1)[0];
    const zeroPoint = core.i32(params + 8, 1)[0];
    const data =
      dtype === "quint8" ? core.copyOut(Uint8Array, dst, x.length) : core.copyOut(Int8Array, dst, x.length);
    return { data, scale, zeroPoint };
  });
}
