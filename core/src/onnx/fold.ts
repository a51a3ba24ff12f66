// Host-side evaluation of the small ops that shape computations are made of (any process, fs-free).
// torch.onnx.export emits Shape -> Gather -> Unsqueeze -> Concat -> Reshape chains; with a concrete input
// shape these fold to constants, so the executor never runs them per batch. The same evaluators serve as
// the executor's fallback for ops without a WASM kernel (e.g. Slice or Gather on float activations).
import { InputError } from "../errors";
import {
  allocTensorData,
  attrInt,
  attrInts,
  attrTensor,
  checkTensorSize,
  describeNode,
  elementCount,
  dtypeFromOnnx,
  makeTensor,
  tensorToFloat32,
  tensorToNumbers,
  type DType,
  type Node,
  type Tensor,
  type TensorData,
} from "./ir";

/** Evaluates one node on host tensors; `inputs[i]` is undefined for omitted optional inputs. */
export type HostEvaluator = (node: Node, inputs: (Tensor | undefined)[]) => Tensor[];

/** Normalizes a possibly negative axis against `rank`, with a clear error when out of range. */
export function normalizeAxis(node: Node, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new InputError(`${describeNode(node)}: axis ${axis} is out of range for rank ${rank}`);
  return a;
}

export function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i];
  }
  return s;
}

function need(node: Node, inputs: (Tensor | undefined)[], i: number): Tensor {
  const t = inputs[i];
  if (!t) throw new InputError(`${describeNode(node)}: input ${i} is required`);
  return t;
}

/** Values of an int64/int32 operand (axes, shapes, indices) as numbers. */
export function intValues(t: Tensor): number[] {
  const values = tensorToNumbers(t);
  // Shapes, axes and indices index arrays: a fraction or NaN would read past them. (Large integers stay
  // allowed: Slice ends of INT64_MAX, as torch exports them, mean "to the end".)
  if (!values.every((v) => Number.isInteger(v))) {
    throw new InputError(`${t.name ? `tensor '${t.name}'` : "a tensor"} of ${t.dtype} is used as shape, axes or indices but holds non-integer values`);
  }
  return values;
}

function sameData(dtype: DType, src: TensorData, length: number, pick: (i: number) => number): TensorData {
  const out = allocTensorData(dtype, length);
  for (let i = 0; i < length; i++) (out as unknown as Record<number, unknown>)[i] = src[pick(i)];
  return out;
}

function outName(node: Node, k = 0): string {
  return node.outputs[k] ?? "";
}

// ---------------------------------------------------------------------------------------------------------
// Shape arithmetic shared with shape inference

/** Output shape of Reshape, resolving 0 (copy, unless allowzero) and one -1. */
export function reshapeTarget(node: Node, inDims: readonly number[], spec: readonly number[]): number[] {
  const allowZero = attrInt(node, "allowzero", 0) === 1;
  const out = spec.map((d, i) => (d === 0 && !allowZero ? inDims[i] : d));
  if (out.some((d) => d === undefined)) {
    throw new InputError(`${describeNode(node)}: shape [${spec.join(", ")}] copies a dim the input [${inDims.join(", ")}] does not have`);
  }
  const total = elementCount(inDims);
  const minus = out.filter((d) => d === -1).length;
  if (minus > 1) throw new InputError(`${describeNode(node)}: shape [${spec.join(", ")}] has more than one -1`);
  if (minus === 1) {
    const known = out.reduce((p, d) => (d === -1 ? p : p * d), 1);
    if (known === 0 || total % known !== 0) {
      throw new InputError(`${describeNode(node)}: cannot reshape [${inDims.join(", ")}] to [${spec.join(", ")}]`);
    }
    out[out.indexOf(-1)] = total / known;
  }
  if (out.some((d) => d < 0) || elementCount(out) !== total) {
    throw new InputError(`${describeNode(node)}: cannot reshape [${inDims.join(", ")}] (${total} elements) to [${spec.join(", ")}]`);
  }
  return out;
}

/** Axes for Squeeze/Unsqueeze: the `axes` input (opset 13+) or attribute (older). */
export function axesOperand(node: Node, axesInput: Tensor | undefined): number[] | undefined {
  if (axesInput) return intValues(axesInput);
  return attrInts(node, "axes");
}

export function unsqueezeDims(node: Node, dims: readonly number[], axes: readonly number[]): number[] {
  const rank = dims.length + axes.length;
  const norm = axes.map((a) => normalizeAxis(node, a, rank)).sort((a, b) => a - b);
  if (new Set(norm).size !== norm.length) throw new InputError(`${describeNode(node)}: repeated axes [${axes.join(", ")}]`);
  const out: number[] = [];
  let src = 0;
  for (let i = 0; i < rank; i++) out.push(norm.includes(i) ? 1 : dims[src++]);
  return out;
}

export function squeezeDims(node: Node, dims: readonly number[], axes: readonly number[] | undefined): number[] {
  if (!axes) return dims.filter((d) => d !== 1);
  const norm = axes.map((a) => normalizeAxis(node, a, dims.length));
  for (const a of norm) {
    if (dims[a] !== 1) throw new InputError(`${describeNode(node)}: cannot squeeze axis ${a} of size ${dims[a]}`);
  }
  return dims.filter((_, i) => !norm.includes(i));
}

export interface SliceSpec {
  starts: number[];
  steps: number[];
  outDims: number[];
}

/** Resolves Slice's starts/ends/axes/steps against the input dims (ONNX clamping rules). */
export function sliceSpec(node: Node, dims: readonly number[], starts: number[], ends: number[], axes?: number[], steps?: number[]): SliceSpec {
  const rank = dims.length;
  const ax = axes ?? starts.map((_, i) => i);
  const st = steps ?? starts.map(() => 1);
  if (ends.length !== starts.length || ax.length !== starts.length || st.length !== starts.length) {
    throw new InputError(`${describeNode(node)}: starts, ends, axes and steps must have the same length`);
  }
  const outStarts = dims.map(() => 0);
  const outSteps = dims.map(() => 1);
  const outDims = [...dims];
  for (let k = 0; k < ax.length; k++) {
    const a = normalizeAxis(node, ax[k], rank);
    const d = dims[a];
    const step = st[k];
    if (step === 0) throw new InputError(`${describeNode(node)}: slice step 0`);
    let s = starts[k] < 0 ? starts[k] + d : starts[k];
    let e = ends[k] < 0 ? ends[k] + d : ends[k];
    if (step > 0) {
      s = Math.min(Math.max(s, 0), d);
      e = Math.min(Math.max(e, 0), d);
      outDims[a] = Math.max(0, Math.ceil((e - s) / step));
    } else {
      s = Math.min(Math.max(s, -1), d - 1);
      e = Math.min(Math.max(e, -1), d - 1);
      outDims[a] = Math.max(0, Math.ceil((e - s) / step));
    }
    outStarts[a] = s;
    outSteps[a] = step;
  }
  return { starts: outStarts, steps: outSteps, outDims };
}

/** Numpy-style broadcast of two shapes, or an InputError naming the node. */
export function broadcastShapes(node: Node, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new InputError(
        `${describeNode(node)}: shapes [${a.join(", ")}] and [${b.join(", ")}] cannot be broadcast together`,
      );
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Evaluators

function gather(node: Node, inputs: (Tensor | undefined)[]): Tensor[] {
  const data = need(node, inputs, 0);
  const indices = need(node, inputs, 1);
  const axis = normalizeAxis(node, attrInt(node, "axis", 0), data.dims.length);
  const idx = intValues(indices).map((v) => {
    const r = v < 0 ? v + data.dims[axis] : v;
    if (r < 0 || r >= data.dims[axis]) {
      throw new InputError(`${describeNode(node)}: index ${v} is out of range for axis ${axis} of size ${data.dims[axis]}`);
    }
    return r;
  });
  const outer = elementCount(data.dims.slice(0, axis));
  const inner = elementCount(data.dims.slice(axis + 1));
  const dims = [...data.dims.slice(0, axis), ...indices.dims, ...data.dims.slice(axis + 1)];
  const n = elementCount(dims);
  const axisLen = data.dims[axis];
  const out = sameData(data.dtype, data.data, n, (i) => {
    const inn = i % inner;
    const rest = (i - inn) / inner;
    const k = rest % idx.length;
    const o = (rest - k) / idx.length;
    return (o * axisLen + idx[k]) * inner + inn;
  });
  void outer;
  return [makeTensor(outName(node), data.dtype, dims, out)];
}

function concat(node: Node, inputs: (Tensor | undefined)[]): Tensor[] {
  const parts = inputs.filter((t): t is Tensor => !!t);
  if (parts.length === 0) throw new InputError(`${describeNode(node)}: no inputs`);
  const mixed = parts.find((p) => p.dtype !== parts[0].dtype);
  if (mixed) throw new InputError(`${describeNode(node)}: inputs of types ${parts[0].dtype} and ${mixed.dtype} cannot be concatenated`);
  const rank = parts[0].dims.length;
  const axis = normalizeAxis(node, attrInt(node, "axis", 0), rank);
  const dims = [...parts[0].dims];
  dims[axis] = 0;
  for (const p of parts) {
    if (p.dims.length !== rank || p.dims.some((d, i) => i !== axis && d !== parts[0].dims[i])) {
      throw new InputError(`${describeNode(node)}: inputs of shapes ${parts.map((q) => `[${q.dims.join(", ")}]`).join(", ")} cannot be concatenated on axis ${axis}`);
    }
    dims[axis] += p.dims[axis];
  }
  const out = allocTensorData(parts[0].dtype, elementCount(dims));
  const outer = elementCount(dims.slice(0, axis));
  const inner = elementCount(dims.slice(axis + 1));
  let offset = 0;
  const rowLen = dims[axis] * inner;
  for (const p of parts) {
    const chunk = p.dims[axis] * inner;
    for (let o = 0; o < outer; o++) {
      (out as Float32Array).set((p.data as Float32Array).subarray(o * chunk, (o + 1) * chunk), o * rowLen + offset);
    }
    offset += chunk;
  }
  return [makeTensor(outName(node), parts[0].dtype, dims, out)];
}

function slice(node: Node, inputs: (Tensor | undefined)[]): Tensor[] {
  const data = need(node, inputs, 0);
  const spec = sliceSpec(
    node,
    data.dims,
    intValues(need(node, inputs, 1)),
    intValues(need(node, inputs, 2)),
    inputs[3] ? intValues(inputs[3]) : undefined,
    inputs[4] ? intValues(inputs[4]) : undefined,
  );
  const inStrides = stridesOf(data.dims);
  const outStrides = stridesOf(spec.outDims);
  const n = elementCount(spec.outDims);
  const out = sameData(data.dtype, data.data, n, (i) => {
    let src = 0;
    let rem = i;
    for (let a = 0; a < spec.outDims.length; a++) {
      const q = Math.floor(rem / outStrides[a]);
      rem -= q * outStrides[a];
      src += (spec.starts[a] + q * spec.steps[a]) * inStrides[a];
    }
    return src;
  });
  return [makeTensor(outName(node), data.dtype, spec.outDims, out)];
}

function transpose(node: Node, inputs: (Tensor | undefined)[]): Tensor[] {
  const data = need(node, inputs, 0);
  const rank = data.dims.length;
  const perm = attrInts(node, "perm") ?? data.dims.map((_, i) => rank - 1 - i);
  if (perm.length !== rank || [...perm].sort((p, q) => p - q).some((p, i) => p !== i)) {
    throw new InputError(`${describeNode(node)}: perm [${perm.join(", ")}] is not a permutation of ${rank} axes`);
  }
  const dims = perm.map((p) => data.dims[p]);
  const inStrides = stridesOf(data.dims);
  const outStrides = stridesOf(dims);
  const out = sameData(data.dtype, data.data, elementCount(dims), (i) => {
    let src = 0;
    let rem = i;
    for (let a = 0; a < rank; a++) {
      const q = Math.floor(rem / outStrides[a]);
      rem -= q * outStrides[a];
      src += q * inStrides[perm[a]];
    }
    return src;
  });
  return [makeTensor(outName(node), data.dtype, dims, out)];
}

function castTo(node: Node, t: Tensor, to: DType): Tensor {
  const out = allocTensorData(to, t.data.length);
  const big = out instanceof BigInt64Array || out instanceof BigUint64Array;
  for (let i = 0; i < t.data.length; i++) {
    const v = Number(t.data[i]);
    if (big) (out as BigInt64Array)[i] = BigInt(Math.trunc(Number.isFinite(v) ? v : 0));
    else if (to === "bool") (out as Uint8Array)[i] = v !== 0 ? 1 : 0;
    else if (to === "float32" || to === "float64") (out as Float32Array)[i] = v;
    else (out as Int32Array)[i] = Math.trunc(v);
  }
  if (to === "float16" || to === "bfloat16") throw new InputError(`${describeNode(node)}: casting to ${to} is not supported`);
  return makeTensor(outName(node), to, t.dims, out);
}

function binary(op: (a: number, b: number) => number, bigOp: (a: bigint, b: bigint) => bigint): HostEvaluator {
  return (node, inputs) => {
    const a = need(node, inputs, 0);
    const b = need(node, inputs, 1);
    if (a.dtype !== b.dtype) {
      throw new InputError(`${describeNode(node)}: operand types differ (${a.dtype} and ${b.dtype})`);
    }
    const dims = broadcastShapes(node, a.dims, b.dims);
    const n = elementCount(dims);
    const out = allocTensorData(a.dtype, n);
    const sa = broadcastStrides(a.dims, dims);
    const sb = broadcastStrides(b.dims, dims);
    const os = stridesOf(dims);
    for (let i = 0; i < n; i++) {
      let ia = 0;
      let ib = 0;
      let rem = i;
      for (let d = 0; d < dims.length; d++) {
        const q = Math.floor(rem / os[d]);
        rem -= q * os[d];
        ia += q * sa[d];
        ib += q * sb[d];
      }
      if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
        out[i] = bigOp(a.data[ia] as bigint, b.data[ib] as bigint);
      } else {
        out[i] = op(a.data[ia] as number, b.data[ib] as number);
      }
    }
    return [makeTensor(outName(node), a.dtype, dims, out)];
  };
}

/** Element strides of `dims` broadcast to `outDims` (0 along broadcast dims). */
export function broadcastStrides(dims: readonly number[], outDims: readonly number[]): number[] {
  const s = stridesOf(dims);
  const lead = outDims.length - dims.length;
  return outDims.map((_, i) => (i < lead || dims[i - lead] === 1 ? 0 : s[i - lead]));
}

function constantValue(node: Node): Tensor {
  const t = attrTensor(node, "value");
  if (t) return { ...t, name: outName(node) };
  const a = [...node.attributes.entries()][0];
  if (!a) throw new InputError(`${describeNode(node)}: Constant without a value`);
  const [key, attr] = a;
  if (key === "value_float" && attr.type === "float") return makeTensor(outName(node), "float32", [], Float32Array.of(attr.value));
  if (key === "value_floats" && attr.type === "floats") return makeTensor(outName(node), "float32", [attr.value.length], Float32Array.from(attr.value));
  if (key === "value_int" && attr.type === "int") return makeTensor(outName(node), "int64", [], BigInt64Array.of(BigInt(attr.value)));
  if (key === "value_ints" && attr.type === "ints") {
    return makeTensor(outName(node), "int64", [attr.value.length], BigInt64Array.from(attr.value, (v) => BigInt(v)));
  }
  throw new InputError(`${describeNode(node)}: Constant attribute '${key}' is not supported`);
}

const QUANT_RANGES: Partial<Record<DType, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  uint16: [0, 65535],
  int16: [-32768, 32767],
};

/** Round half to even, as ONNX QuantizeLinear (and numpy/PyTorch) round. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Scale/zero-point index of each element: per tensor (scalar scale) or per axis (1-D scale). */
function quantAxisIndex(node: Node, x: Tensor, scale: Tensor): (i: number) => number {
  if (attrInt(node, "block_size", 0) !== 0) throw new InputError(`${describeNode(node)}: blocked quantization is not supported`);
  if (scale.data.length === 1 && scale.dims.length <= 1) return () => 0;
  if (scale.dims.length !== 1) throw new InputError(`${describeNode(node)}: scale must be a scalar or 1-D`);
  const axis = normalizeAxis(node, attrInt(node, "axis", 1), x.dims.length);
  if (x.dims[axis] !== scale.dims[0]) {
    throw new InputError(`${describeNode(node)}: ${scale.dims[0]} scales for axis ${axis} of size ${x.dims[axis]}`);
  }
  const inner = elementCount(x.dims.slice(axis + 1));
  const len = x.dims[axis];
  return (i) => Math.floor(i / inner) % len;
}

function quantizeLinear(node: Node, inputs: (Tensor | undefined)[]): Tensor[] {
  const x = need(node, inputs, 0);
  const scale = need(node, inputs, 1);
  const zp = inputs[2];
  const dtype = zp?.dtype ?? "uint8";
  const range = QUANT_RANGES[dtype];
  if (!range) throw new InputError(`${describeNode(node)}: quantizing to ${dtype} is not supported`);
  const at = quantAxisIndex(node, x, scale);
  const xs = tensorToFloat32(x);
  const ss = tensorToFloat32(scale);
  const out = allocTensorData(dtype, xs.length) as Uint8Array;
  for (let i = 0; i < xs.length; i++) {
    const k = at(i);
    // x / scale in float32 like ONNX Runtime, then round half to even and saturate.
    const q = roundHalfEven(Math.fround(xs[i] / ss[k])) + (zp ? Number(zp.data[k]) : 0);
    out[i] = Math.min(Math.max(q, range[0]), range[1]);
  }
  return [makeTensor(outName(node), dtype, x.dims, out)];
}

function dequantizeLinear(node: Node, inputs: (Tensor | undefined)[]): Tensor[] {
  const x = need(node, inputs, 0);
  const scale = need(node, inputs, 1);
  const zp = inputs[2];
  if (scale.dtype !== "float32") throw new InputError(`${describeNode(node)}: only float32 scales are supported`);
  const at = quantAxisIndex(node, x, scale);
  const ss = tensorToFloat32(scale);
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const k = at(i);
    out[i] = Math.fround(Number(x.data[i]) - (zp ? Number(zp.data[k]) : 0)) * ss[k];
  }
  return [makeTensor(outName(node), "float32", x.dims, out)];
}

/** Host evaluators by op type (default ONNX domain). */
export const HOST_EVALUATORS: Readonly<Record<string, HostEvaluator>> = {
  Constant: (node) => [constantValue(node)],
  Identity: (node, inputs) => [{ ...need(node, inputs, 0), name: outName(node) }],
  Shape: (node, inputs) => {
    const dims = need(node, inputs, 0).dims;
    const rank = dims.length;
    let start = attrInt(node, "start", 0);
    let end = attrInt(node, "end", rank);
    start = Math.min(Math.max(start < 0 ? start + rank : start, 0), rank);
    end = Math.min(Math.max(end < 0 ? end + rank : end, 0), rank);
    const picked = dims.slice(start, Math.max(start, end));
    return [makeTensor(outName(node), "int64", [picked.length], BigInt64Array.from(picked, (v) => BigInt(v)))];
  },
  Size: (node, inputs) => [
    makeTensor(outName(node), "int64", [], BigInt64Array.of(BigInt(elementCount(need(node, inputs, 0).dims)))),
  ],
  Gather: gather,
  Concat: concat,
  Slice: slice,
  Transpose: transpose,
  Unsqueeze: (node, inputs) => {
    const t = need(node, inputs, 0);
    const axes = axesOperand(node, inputs[1]);
    if (!axes) throw new InputError(`${describeNode(node)}: Unsqueeze needs axes`);
    return [{ ...t, name: outName(node), dims: unsqueezeDims(node, t.dims, axes) }];
  },
  Squeeze: (node, inputs) => {
    const t = need(node, inputs, 0);
    return [{ ...t, name: outName(node), dims: squeezeDims(node, t.dims, axesOperand(node, inputs[1])) }];
  },
  Reshape: (node, inputs) => {
    const t = need(node, inputs, 0);
    return [{ ...t, name: outName(node), dims: reshapeTarget(node, t.dims, intValues(need(node, inputs, 1))) }];
  },
  Flatten: (node, inputs) => {
    const t = need(node, inputs, 0);
    const axis = attrInt(node, "axis", 1);
    const a = axis < 0 ? axis + t.dims.length : axis;
    return [{ ...t, name: outName(node), dims: [elementCount(t.dims.slice(0, a)), elementCount(t.dims.slice(a))] }];
  },
  Cast: (node, inputs) => {
    const to = dtypeFromOnnx(attrInt(node, "to", 0));
    if (!to) throw new InputError(`${describeNode(node)}: unsupported target type ${attrInt(node, "to", 0)}`);
    return [castTo(node, need(node, inputs, 0), to)];
  },
  ConstantOfShape: (node, inputs) => {
    const dims = intValues(need(node, inputs, 0));
    const v = attrTensor(node, "value");
    const dtype = v?.dtype ?? "float32";
    if (v && v.data.length !== 1) throw new InputError(`${describeNode(node)}: value must hold one element, got ${v.data.length}`);
    const out = allocTensorData(dtype, checkTensorSize(dims, `${describeNode(node)}: output`));
    if (v) (out as unknown as { fill(x: unknown): void }).fill(v.data[0]);
    return [makeTensor(outName(node), dtype, dims, out)];
  },
  QuantizeLinear: quantizeLinear,
  DequantizeLinear: dequantizeLinear,
  Add: binary((a, b) => a + b, (a, b) => a + b),
  Sub: binary((a, b) => a - b, (a, b) => a - b),
  Mul: binary((a, b) => a * b, (a, b) => a * b),
  // Integer Div truncates toward zero, like ONNX Runtime and numpy's C semantics for int64.
  Div: (node, inputs) => {
    const a = need(node, inputs, 0);
    const isInt = !(a.data instanceof Float32Array || a.data instanceof Float64Array);
    const divide = (x: bigint, y: bigint) => {
      if (y === 0n) throw new InputError(`${describeNode(node)}: integer division by zero`);
      return x / y;
    };
    return binary((x, y) => (isInt ? Math.trunc(x / y) : x / y), divide)(node, inputs);
  },
};

/** True when the node can be evaluated on the host when all its inputs are known. */
export function canFold(node: Node): boolean {
  return (node.domain === "" || node.domain === "ai.onnx") && node.opType in HOST_EVALUATORS;
}
