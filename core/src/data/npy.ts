// NumPy .npy reader and writer over bytes (any process, fs-free): format versions 1.0, 2.0 and 3.0, C order,
// little- or big-endian float32/float64/int64/int32/int8/uint8/bool. Fortran order and other dtypes are
// refused with a clear InputError. core/src/node/read-data.ts reads the files.
import { InputError } from "../errors";

export type NpyDType = "float32" | "float64" | "int64" | "int32" | "int8" | "uint8" | "bool";

export type NpyData = Float32Array | Float64Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;

export interface NpyArray {
  dtype: NpyDType;
  shape: number[];
  /** Row-major (C order) elements; bool is stored as Uint8Array of 0/1. */
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DESCR: Record<string, { dtype: NpyDType; bytes: number }> = {
  f4: { dtype: "float32", bytes: 4 },
  f8: { dtype: "float64", bytes: 8 },
  i8: { dtype: "int64", bytes: 8 },
  i4: { dtype: "int32", bytes: 4 },
  i1: { dtype: "int8", bytes: 1 },
  u1: { dtype: "uint8", bytes: 1 },
  b1: { dtype: "bool", bytes: 1 },
};

const DESCR_OUT: Record<NpyDType, string> = {
  float32: "<f4",
  float64: "<f8",
  int64: "<i8",
  int32: "<i4",
  int8: "|i1",
  uint8: "|u1",
  bool: "|b1",
};

function allocData(dtype: NpyDType, n: number): NpyData {
  switch (dtype) {
    case "float32":
      return new Float32Array(n);
    case "float64":
      return new Float64Array(n);
    case "int64":
      return new BigInt64Array(n);
    case "int32":
      return new Int32Array(n);
    case "int8":
      return new Int8Array(n);
    case "uint8":
    case "bool":
      return new Uint8Array(n);
  }
}

/** Parses .npy bytes. `file` names the source in error messages. */
export function parseNpy(bytes: Uint8Array, file?: string): NpyArray {
  const fail = (msg: string): never => {
    throw new InputError(msg, file);
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail("not a .npy file (missing the \\x93NUMPY magic)");
  const major = bytes[6];
  const minor = bytes[7];
  let headerLen: number;
  let start: number;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail("truncated .npy header");
    headerLen = dv.getUint32(8, true);
    start = 12;
  } else {
    return fail(`unsupported .npy format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  }
  if (start + headerLen > bytes.length) fail("truncated .npy header");
  const headerBytes = bytes.subarray(start, start + headerLen);
  const header = major === 3 ? new TextDecoder("utf-8").decode(headerBytes) : latin1(headerBytes);
  const dict = parseHeader(header, fail);
  const descr = dict.descr;
  if (typeof descr !== "string") return fail(`the .npy header has no dtype ('descr'): ${quote(header.trim()).replace(/^'(.*)'$/, "$1")}`);
  if (dict.fortran_order === true) {
    fail("the array is stored in Fortran order; save it in C order (np.ascontiguousarray) and try again");
  }
  if (dict.fortran_order !== false) fail("the .npy header has no valid 'fortran_order'");
  const shape = dict.shape;
  if (!Array.isArray(shape) || shape.some((d) => typeof d !== "number" || !Number.isSafeInteger(d) || d < 0)) {
    return fail("the .npy header has no valid 'shape'");
  }
  const order = descr[0];
  const kind = DESCR[descr.slice(1)];
  if (!kind || !"<>|=".includes(order)) {
    return fail(`unsupported dtype ${quote(descr)} (supported: float32, float64, int64, int32, int8, uint8, bool)`);
  }
  const n = (shape as number[]).reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  const need = n * kind.bytes;
  if (bytes.length - dataStart < need) {
    fail(`truncated .npy data: shape (${shape.join(", ")}) of ${kind.dtype} needs ${need} bytes, the file has ${bytes.length - dataStart}`);
  }
  const data = allocData(kind.dtype, n);
  const out = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  out.set(bytes.subarray(dataStart, dataStart + need));
  if (order === ">" && kind.bytes > 1) {
    // Big-endian on disk: swap each element's bytes in place.
    for (let i = 0; i < need; i += kind.bytes) out.subarray(i, i + kind.bytes).reverse();
  }
  return { dtype: kind.dtype, shape: shape as number[], data };
}

/** Header text as it appears in a message: 'quoted', JSON-escaped if it holds control characters (one line), cut short. */
function quote(text: string, max = 120): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return /^[\x20-\x26\x28-\x7e…]*$/.test(cut) ? `'${cut}'` : JSON.stringify(cut);
}

/** Tuples and dicts nest at most this deep in a header (real ones nest 2 deep). */
const MAX_HEADER_DEPTH = 32;

function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

type HeaderValue = string | number | boolean | null | HeaderValue[] | { [k: string]: HeaderValue };

/** Parses the Python dict literal of a .npy header (strings, ints, booleans, tuples, dicts). */
function parseHeader(text: string, fail: (msg: string) => never): Record<string, HeaderValue> {
  let i = 0;
  let depth = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const value = (): HeaderValue => {
    ws();
    const c = text[i];
    if ((c === "(" || c === "[" || c === "{") && ++depth > MAX_HEADER_DEPTH) fail("malformed .npy header (nested too deeply)");
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail("malformed .npy header (unterminated string)");
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    if (c === "(" || c === "[") {
      const close = c === "(" ? ")" : "]";
      i++;
      const items: HeaderValue[] = [];
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          depth--;
          return items;
        }
        items.push(value());
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== close) fail("malformed .npy header (bad tuple)");
      }
    }
    if (c === "{") {
      i++;
      const obj: Record<string, HeaderValue> = {};
      for (;;) {
        ws();
        if (text[i] === "}") {
          i++;
          depth--;
          return obj;
        }
        const k = value();
        if (typeof k !== "string") fail("malformed .npy header (non-string key)");
        ws();
        if (text[i] !== ":") fail("malformed .npy header (missing ':')");
        i++;
        obj[k as string] = value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== "}") fail("malformed .npy header (bad dict)");
      }
    }
    const m = /^(True|False|None|-?\d+L?)/.exec(text.slice(i));
    if (!m) fail(`malformed .npy header near ${quote(text.slice(i, i + 20))}`);
    i += m![0].length;
    if (m![0] === "True") return true;
    if (m![0] === "False") return false;
    if (m![0] === "None") return null;
    return parseInt(m![0], 10);
  };
  const v = value();
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail("malformed .npy header (not a dict)");
  return v as Record<string, HeaderValue>;
}

function dtypeOf(data: NpyData, hint?: NpyDType): NpyDType {
  if (hint) return hint;
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof BigInt64Array) return "int64";
  if (data instanceof Int32Array) return "int32";
  if (data instanceof Int8Array) return "int8";
  return "uint8";
}

/** Serializes an array as .npy (format 1.0, or 2.0 when the header is too long), little-endian, C order. */
export function writeNpy(array: { shape: readonly number[]; data: NpyData; dtype?: NpyDType }): Uint8Array {
  const n = array.shape.reduce((a, b) => a * b, 1);
  if (n !== array.data.length) {
    throw new InputError(`cannot write .npy: shape (${array.shape.join(", ")}) needs ${n} values, got ${array.data.length}`);
  }
  const dtype = dtypeOf(array.data, array.dtype);
  const shapeText = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(", ")})`;
  let header = `{'descr': '${DESCR_OUT[dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad with spaces so the data starts on a 64-byte boundary, ending the header with a newline.
  let major = 1;
  let prefix = 10;
  if (header.length + 1 + prefix > 65535) {
    major = 2;
    prefix = 12;
  }
  const total = Math.ceil((prefix + header.length + 1) / 64) * 64;
  header = header.padEnd(total - prefix - 1, " ") + "\n";
  const body = new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  const out = new Uint8Array(total + body.length);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, header.length, true);
  else dv.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  out.set(body, total);
  return out;
}

/** The elements as Float32Array (a copy unless already float32). */
export function npyToFloat32(a: NpyArray): Float32Array {
  if (a.data instanceof Float32Array) return a.data;
  const out = new Float32Array(a.data.length);
  for (let i = 0; i < a.data.length; i++) out[i] = Number(a.data[i]);
  return out;
}

/**
 * Checks an array against an expected shape (numbers must match, strings/null match anything), e.g. a
 * model input's [batch, 3, 224, 224]. `what` names the array in the message.
 */
export function checkShape(a: NpyArray, expected: readonly (number | string | null)[], what: string, file?: string): void {
  const ok = a.shape.length === expected.length && expected.every((d, i) => typeof d !== "number" || d === a.shape[i]);
  if (!ok) {
    const want = expected.map((d) => (typeof d === "number" ? String(d) : (d ?? "?"))).join(", ");
    throw new InputError(`${what} has shape (${a.shape.join(", ")}), expected (${want})`, file);
  }
}
