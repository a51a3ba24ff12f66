// Decodes the array encoding of ../shared/golden ({shape, dtype, data}) into typed arrays (any process).
import { InputError } from "../errors";

export type DType = "uint8" | "int8" | "int32" | "float32" | "int64";

export interface EncodedArray {
  shape: number[];
  dtype: DType;
  data: number[];
}

export type TypedArray = Uint8Array | Int8Array | Int32Array | Float32Array | Float64Array;

export interface Tensor<T extends TypedArray = TypedArray> {
  shape: number[];
  dtype: DType;
  data: T;
}

export function isEncodedArray(v: unknown): v is EncodedArray {
  return (
    typeof v === "object" &&
    v !== null &&
    Array.isArray((v as EncodedArray).shape) &&
    typeof (v as EncodedArray).dtype === "string" &&
    Array.isArray((v as EncodedArray).data)
  );
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Decodes one encoded array; int64 becomes Float64Array (exact for the values the golden holds). */
export function decodeArray(v: unknown, where = "array"): Tensor {
  if (!isEncodedArray(v)) throw new InputError(`${where} is not an encoded array {shape, dtype, data}`);
  const n = elementCount(v.shape);
  if (v.data.length !== n) {
    throw new InputError(`${where} has ${v.data.length} values but shape [${v.shape.join(", ")}] needs ${n}`);
  }
  let data: TypedArray;
  switch (v.dtype) {
    case "uint8":
      data = Uint8Array.from(v.data);
      break;
    case "int8":
      data = Int8Array.from(v.data);
      break;
    case "int32":
      data = Int32Array.from(v.data);
      break;
    case "float32":
      data = Float32Array.from(v.data);
      break;
    case "int64":
      data = Float64Array.from(v.data);
      break;
    default:
      throw new InputError(`${where} has unknown dtype ${String((v as EncodedArray).dtype)}`);
  }
  return { shape: v.shape.slice(), dtype: v.dtype, data };
}

export function decodeFloat32(v: unknown, where = "array"): Tensor<Float32Array> {
  const t = decodeArray(v, where);
  if (!(t.data instanceof Float32Array)) throw new InputError(`${where} should be float32, got ${t.dtype}`);
  return t as Tensor<Float32Array>;
}
