// Static shape inference with constant folding for a concrete input shape (any process, fs-free).
// Given the graph and the shapes of its runtime inputs, computes the dtype and concrete shape of every value,
// and folds shape computations (Shape/Gather/Unsqueeze/Concat/... on known values) into constants.
// Used by the float executor to plan buffers, and by passes/reports that need tensor shapes.
import { InputError } from "../errors";
import {
  attrInt,
  attrInts,
  attrString,
  checkTensorSize,
  describeNode,
  dtypeFromOnnx,
  elementCount,
  isDefaultDomain,
  tensorToNumbers,
  type DType,
  type Graph,
  type Node,
  type Tensor,
} from "./ir";
import {
  HOST_EVALUATORS,
  axesOperand,
  broadcastShapes,
  canFold,
  intValues,
  normalizeAxis,
  reshapeTarget,
  sliceSpec,
  squeezeDims,
  unsqueezeDims,
} from "./fold";

/** A value's concrete static type. */
export interface ValueType {
  dtype: DType;
  shape: number[];
}

/** Computes output types from input types; `constant(i)` gives input i's value when known. */
export type ShapeRule = (node: Node, inputs: (ValueType | undefined)[], constant: (i: number) => Tensor | undefined) => ValueType[];

export interface ShapeInferenceResult {
  /** Type of every value (graph inputs, initializers, node outputs). */
  types: Map<string, ValueType>;
  /** Values known before running: initializers, Constant outputs and everything folded from them. */
  constants: Map<string, Tensor>;
  /** Nodes whose outputs are all constants (the executor skips them). */
  folded: Set<Node>;
  /**
   * Constants whose values depend on the input shapes (computed from Shape/Size of runtime values), so
   * they differ between input shapes; every other constant is the same for any input shape.
   */
  shapeDependent: Set<string>;
}

export interface ShapeInferenceOptions {
  /** Largest tensor (elements) produced by folding; bigger results stay runtime values. Default 1<<24. */
  maxFoldElements?: number;
  /** Replacement values for initializers (e.g. fake-quantized weights); same shapes required. */
  initializerOverrides?: ReadonlyMap<string, Tensor>;
  /** Accept any size for dim 0 of runtime inputs even where the model declares a fixed one. */
  relaxBatchDim?: boolean;
}

function fail(node: Node, message: string): never {
  throw new InputError(`${describeNode(node)}: ${message}`);
}

function input(node: Node, inputs: (ValueType | undefined)[], i: number): ValueType {
  const t = inputs[i];
  if (!t) fail(node, `input ${i} is required`);
  return t;
}

function same(node: Node, inputs: (ValueType | undefined)[]): ValueType[] {
  const t = input(node, inputs, 0);
  return [{ dtype: t.dtype, shape: [...t.shape] }];
}

function broadcastRule(node: Node, inputs: (ValueType | undefined)[]): ValueType[] {
  const a = input(node, inputs, 0);
  const b = input(node, inputs, 1);
  if (a.dtype !== b.dtype) fail(node, `operand types differ (${a.dtype} and ${b.dtype})`);
  return [{ dtype: a.dtype, shape: broadcastShapes(node, a.shape, b.shape) }];
}

/** Spatial pads (begin..., end...) after auto_pad, for kernel `k`, strides, dilations over `spatial` dims. */
export function resolvePads(
  node: Node,
  spatial: readonly number[],
  kernel: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
): number[] {
  const n = spatial.length;
  const autoPad = attrString(node, "auto_pad", "NOTSET");
  if (autoPad === "NOTSET") {
    const pads = attrInts(node, "pads", new Array(2 * n).fill(0));
    if (pads.length !== 2 * n) fail(node, `pads has ${pads.length} values, expected ${2 * n}`);
    if (pads.some((p) => p < 0)) fail(node, `negative pads [${pads.join(", ")}] are not supported`);
    return pads;
  }
  if (autoPad === "VALID") return new Array(2 * n).fill(0);
  if (autoPad !== "SAME_UPPER" && autoPad !== "SAME_LOWER") fail(node, `unknown auto_pad '${autoPad}'`);
  const pads = new Array(2 * n).fill(0);
  for (let i = 0; i < n; i++) {
    const out = Math.ceil(spatial[i] / strides[i]);
    const total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - spatial[i]);
    const small = Math.floor(total / 2);
    pads[i] = autoPad === "SAME_UPPER" ? small : total - small;
    pads[i + n] = total - pads[i];
  }
  return pads;
}

/** Window geometry shared by Conv and the pools. */
export interface WindowGeometry {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** begin pads then end pads, one per spatial dim. */
  pads: number[];
  outSpatial: number[];
}

export function windowGeometry(node: Node, spatial: readonly number[], kernel: readonly number[], ceilMode = false): WindowGeometry {
  const n = spatial.length;
  const strides = attrInts(node, "strides", new Array(n).fill(1));
  const dilations = attrInts(node, "dilations", new Array(n).fill(1));
  if (strides.length !== n || dilations.length !== n) fail(node, `strides/dilations must have ${n} values`);
  if (strides.some((s) => s < 1) || dilations.some((d) => d < 1)) fail(node, `strides and dilations must be positive`);
  const pads = resolvePads(node, spatial, kernel, strides, dilations);
  const outSpatial = spatial.map((size, i) => {
    const span = (kernel[i] - 1) * dilations[i] + 1;
    const avail = size + pads[i] + pads[i + n] - span;
    if (avail < 0) fail(node, `the window (${span}) is larger than the padded input (${size + pads[i] + pads[i + n]})`);
    let out = (ceilMode ? Math.ceil(avail / strides[i]) : Math.floor(avail / strides[i])) + 1;
    // Ceil mode: the last window must start inside the input or left padding (PyTorch/ONNX rule).
    if (ceilMode && (out - 1) * strides[i] >= size + pads[i]) out--;
    return out;
  });
  return { kernel: [...kernel], strides, dilations, pads, outSpatial };
}

function convRule(node: Node, inputs: (ValueType | undefined)[]): ValueType[] {
  const x = input(node, inputs, 0);
  const w = input(node, inputs, 1);
  if (x.shape.length < 3) fail(node, `input must be [N, C, spatial...], got [${x.shape.join(", ")}]`);
  if (w.shape.length !== x.shape.length) {
    fail(node, `weight rank ${w.shape.length} does not match input rank ${x.shape.length}`);
  }
  const group = attrInt(node, "group", 1);
  const [n, c] = x.shape;
  const [m, cPerGroup] = w.shape;
  if (c !== cPerGroup * group) {
    fail(node, `input has ${c} channels but the weight expects ${cPerGroup} per group x ${group} group(s)`);
  }
  if (m % group !== 0) fail(node, `${m} output channels are not divisible by group ${group}`);
  const b = inputs[2];
  if (b && (b.shape.length !== 1 || b.shape[0] !== m)) fail(node, `bias shape [${b.shape.join(", ")}] should be [${m}]`);
  const kernel = attrInts(node, "kernel_shape", w.shape.slice(2));
  if (kernel.some((k, i) => k !== w.shape[2 + i])) fail(node, `kernel_shape [${kernel.join(", ")}] does not match the weight`);
  const geo = windowGeometry(node, x.shape.slice(2), kernel);
  return [{ dtype: x.dtype, shape: [n, m, ...geo.outSpatial] }];
}

function poolRule(node: Node, inputs: (ValueType | undefined)[]): ValueType[] {
  const x = input(node, inputs, 0);
  if (x.shape.length < 3) fail(node, `input must be [N, C, spatial...], got [${x.shape.join(", ")}]`);
  const kernel = attrInts(node, "kernel_shape");
  if (!kernel || kernel.length !== x.shape.length - 2) fail(node, `kernel_shape must have ${x.shape.length - 2} values`);
  if (node.outputs.length > 1 && node.outputs[1]) fail(node, `the Indices output of MaxPool is not supported`);
  const geo = windowGeometry(node, x.shape.slice(2), kernel, attrInt(node, "ceil_mode", 0) === 1);
  return [{ dtype: x.dtype, shape: [x.shape[0], x.shape[1], ...geo.outSpatial] }];
}

function gemmRule(node: Node, inputs: (ValueType | undefined)[]): ValueType[] {
  const a = input(node, inputs, 0);
  const b = input(node, inputs, 1);
  if (a.shape.length !== 2 || b.shape.length !== 2) {
    fail(node, `Gemm needs 2-D operands, got [${a.shape.join(", ")}] and [${b.shape.join(", ")}]`);
  }
  const [m, k] = attrInt(node, "transA", 0) ? [a.shape[1], a.shape[0]] : a.shape;
  const [k2, n] = attrInt(node, "transB", 0) ? [b.shape[1], b.shape[0]] : b.shape;
  if (k !== k2) fail(node, `inner dimensions differ: A gives ${k}, B gives ${k2}`);
  const c = inputs[2];
  if (c) broadcastShapes(node, c.shape, [m, n]);
  return [{ dtype: a.dtype, shape: [m, n] }];
}

/** MatMul shapes with numpy semantics (1-D operands promoted then squeezed, batch dims broadcast). */
export function matmulShape(node: Node, a: readonly number[], b: readonly number[]): number[] {
  if (a.length === 0 || b.length === 0) fail(node, `MatMul operands must have rank >= 1`);
  const aa = a.length === 1 ? [1, a[0]] : [...a];
  const bb = b.length === 1 ? [b[0], 1] : [...b];
  const k = aa[aa.length - 1];
  const k2 = bb[bb.length - 2];
  if (k !== k2) fail(node, `inner dimensions differ: [${a.join(", ")}] x [${b.join(", ")}]`);
  const batch = broadcastShapes(node, aa.slice(0, -2), bb.slice(0, -2));
  const out = [...batch, aa[aa.length - 2], bb[bb.length - 1]];
  if (a.length === 1) out.splice(out.length - 2, 1);
  if (b.length === 1) out.splice(out.length - 1, 1);
  return out;
}

function constInts(node: Node, constant: (i: number) => Tensor | undefined, i: number, what: string): number[] | undefined {
  if (!node.inputs[i]) return undefined;
  const t = constant(i);
  if (!t) fail(node, `${what} (input ${i}) must be a constant or computable from input shapes`);
  return intValues(t);
}

/** Reduced axes of a Reduce* node: the axes attribute (opset < 18) or input, all axes when absent. */
export function reduceAxes(node: Node, rank: number, axesInput: Tensor | undefined): number[] {
  if (node.inputs[1] && !axesInput) fail(node, `axes (input 1) must be a constant`);
  const given = axesInput ? intValues(axesInput) : attrInts(node, "axes");
  if (!given || given.length === 0) {
    return attrInt(node, "noop_with_empty_axes", 0) === 1 ? [] : Array.from({ length: rank }, (_, i) => i);
  }
  const axes = given.map((a) => normalizeAxis(node, a, rank));
  if (new Set(axes).size !== axes.length) fail(node, `repeated axes [${given.join(", ")}]`);
  return axes.sort((a, b) => a - b);
}

export interface ResizeSpec {
  scales: number[];
  outShape: number[];
}

/** Output shape and per-axis scales of Resize from its scales or sizes input (and the axes attribute). */
export function resizeSpec(node: Node, inShape: readonly number[], constant: (i: number) => Tensor | undefined): ResizeSpec {
  const rank = inShape.length;
  const axes = (attrInts(node, "axes") ?? Array.from({ length: rank }, (_, i) => i)).map((a) => normalizeAxis(node, a, rank));
  if (attrString(node, "keep_aspect_ratio_policy", "stretch") !== "stretch") fail(node, `keep_aspect_ratio_policy other than stretch is not supported`);
  const operand = (i: number) => {
    if (!node.inputs[i]) return undefined;
    const t = constant(i);
    if (!t) fail(node, `input ${i} (${i === 2 ? "scales" : "sizes"}) must be a constant`);
    return t.data.length ? t : undefined;
  };
  const sizes = operand(3);
  const scalesT = operand(2);
  const scales = inShape.map(() => 1);
  const outShape = [...inShape];
  if (sizes) {
    const v = intValues(sizes);
    if (v.length !== axes.length) fail(node, `sizes has ${v.length} values for ${axes.length} axes`);
    axes.forEach((a, k) => {
      outShape[a] = v[k];
      scales[a] = v[k] / inShape[a];
    });
  } else if (scalesT) {
    const v = Array.from(scalesT.data as Float32Array, Number);
    if (v.length !== axes.length) fail(node, `scales has ${v.length} values for ${axes.length} axes`);
    axes.forEach((a, k) => {
      if (!(v[k] > 0)) fail(node, `scale ${v[k]} must be positive`);
      scales[a] = v[k];
      outShape[a] = Math.floor(inShape[a] * v[k]);
    });
  } else {
    fail(node, `Resize needs scales or sizes`);
  }
  return { scales, outShape };
}

/** Begin/end pads per axis of Pad (pads input, optional axes input) and the output shape. */
export function padSpec(node: Node, inShape: readonly number[], constant: (i: number) => Tensor | undefined): { begins: number[]; ends: number[]; outShape: number[] } {
  const rank = inShape.length;
  const padsT = node.inputs[1] ? constant(1) : undefined;
  if (!padsT) fail(node, `pads (input 1) must be a constant`);
  const pads = intValues(padsT);
  const axesT = node.inputs[3] ? constant(3) : undefined;
  if (node.inputs[3] && !axesT) fail(node, `axes (input 3) must be a constant`);
  const axes = axesT ? intValues(axesT).map((a) => normalizeAxis(node, a, rank)) : Array.from({ length: rank }, (_, i) => i);
  if (pads.length !== 2 * axes.length) fail(node, `pads has ${pads.length} values for ${axes.length} axes`);
  const begins = inShape.map(() => 0);
  const ends = inShape.map(() => 0);
  axes.forEach((a, k) => {
    begins[a] = pads[k];
    ends[a] = pads[k + axes.length];
  });
  const outShape = inShape.map((d, i) => d + begins[i] + ends[i]);
  if (outShape.some((d) => d < 0)) fail(node, `pads [${pads.join(", ")}] crop more than the input [${inShape.join(", ")}]`);
  const mode = attrString(node, "mode", "constant");
  if (mode === "reflect" && inShape.some((d, i) => (begins[i] > d - 1 || ends[i] > d - 1) && (begins[i] > 0 || ends[i] > 0))) {
    fail(node, `reflect padding must be smaller than the input [${inShape.join(", ")}]`);
  }
  return { begins, ends, outShape };
}

const RULES: Record<string, ShapeRule> = {
  Conv: convRule,
  MaxPool: poolRule,
  AveragePool: poolRule,
  GlobalAveragePool: (node, inputs) => {
    const x = input(node, inputs, 0);
    if (x.shape.length < 3) fail(node, `input must be [N, C, spatial...], got [${x.shape.join(", ")}]`);
    return [{ dtype: x.dtype, shape: [x.shape[0], x.shape[1], ...x.shape.slice(2).map(() => 1)] }];
  },
  Gemm: gemmRule,
  MatMul: (node, inputs) => {
    const a = input(node, inputs, 0);
    const b = input(node, inputs, 1);
    return [{ dtype: a.dtype, shape: matmulShape(node, a.shape, b.shape) }];
  },
  Add: broadcastRule,
  Sub: broadcastRule,
  Mul: broadcastRule,
  Div: broadcastRule,
  Relu: same,
  LeakyRelu: same,
  ReduceMean: (node, inputs, constant) => {
    const x = input(node, inputs, 0);
    const axes = reduceAxes(node, x.shape.length, constant(1));
    const keep = attrInt(node, "keepdims", 1) === 1;
    const shape = keep ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
    return [{ dtype: x.dtype, shape }];
  },
  Resize: (node, inputs, constant) => {
    const x = input(node, inputs, 0);
    return [{ dtype: x.dtype, shape: resizeSpec(node, x.shape, constant).outShape }];
  },
  Pad: (node, inputs, constant) => {
    const x = input(node, inputs, 0);
    return [{ dtype: x.dtype, shape: padSpec(node, x.shape, constant).outShape }];
  },
  Clip: same,
  HardSwish: same,
  HardSigmoid: same,
  Sigmoid: same,
  Tanh: same,
  Identity: same,
  Dropout: (node, inputs) => {
    if (node.outputs[1]) fail(node, `the mask output of Dropout is not supported (export in eval mode)`);
    if (node.inputs[2]) fail(node, `training_mode is not supported (export in eval mode)`);
    return same(node, inputs);
  },
  Softmax: (node, inputs) => {
    const x = input(node, inputs, 0);
    normalizeAxis(node, attrInt(node, "axis", -1), x.shape.length);
    return same(node, inputs);
  },
  BatchNormalization: (node, inputs) => {
    const x = input(node, inputs, 0);
    if (attrInt(node, "training_mode", 0) !== 0) fail(node, `training_mode=1 is not supported (export in eval mode)`);
    if (x.shape.length < 2) fail(node, `input must be [N, C, ...]`);
    const c = x.shape[1];
    for (let i = 1; i <= 4; i++) {
      const p = input(node, inputs, i);
      if (p.shape.length !== 1 || p.shape[0] !== c) fail(node, `parameter ${i} has shape [${p.shape.join(", ")}], expected [${c}]`);
    }
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
  Flatten: (node, inputs) => {
    const x = input(node, inputs, 0);
    const axis = attrInt(node, "axis", 1);
    const a = axis < 0 ? axis + x.shape.length : axis;
    if (a < 0 || a > x.shape.length) fail(node, `axis ${axis} is out of range for rank ${x.shape.length}`);
    return [{ dtype: x.dtype, shape: [elementCount(x.shape.slice(0, a)), elementCount(x.shape.slice(a))] }];
  },
  Reshape: (node, inputs, constant) => {
    const x = input(node, inputs, 0);
    const spec = constInts(node, constant, 1, "the target shape");
    if (!spec) fail(node, `Reshape needs a shape input`);
    return [{ dtype: x.dtype, shape: reshapeTarget(node, x.shape, spec) }];
  },
  Transpose: (node, inputs) => {
    const x = input(node, inputs, 0);
    const rank = x.shape.length;
    const perm = attrInts(node, "perm") ?? x.shape.map((_, i) => rank - 1 - i);
    if (perm.length !== rank || [...perm].sort((p, q) => p - q).some((p, i) => p !== i)) {
      fail(node, `perm [${perm.join(", ")}] is not a permutation of ${rank} axes`);
    }
    return [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]) }];
  },
  Concat: (node, inputs) => {
    const parts = inputs.filter((t): t is ValueType => !!t);
    if (!parts.length) fail(node, `Concat needs inputs`);
    const rank = parts[0].shape.length;
    const axis = normalizeAxis(node, attrInt(node, "axis", 0), rank);
    const shape = [...parts[0].shape];
    shape[axis] = 0;
    for (const p of parts) {
      if (p.dtype !== parts[0].dtype) fail(node, `inputs have different types`);
      if (p.shape.length !== rank || p.shape.some((d, i) => i !== axis && d !== parts[0].shape[i])) {
        fail(node, `shapes ${parts.map((q) => `[${q.shape.join(", ")}]`).join(", ")} cannot be concatenated on axis ${axis}`);
      }
      shape[axis] += p.shape[axis];
    }
    return [{ dtype: parts[0].dtype, shape }];
  },
  Shape: (node, inputs) => {
    const rank = input(node, inputs, 0).shape.length;
    const clampAxis = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
    const start = clampAxis(attrInt(node, "start", 0));
    const end = clampAxis(attrInt(node, "end", rank));
    return [{ dtype: "int64", shape: [Math.max(0, end - start)] }];
  },
  Size: () => [{ dtype: "int64", shape: [] }],
  Gather: (node, inputs) => {
    const x = input(node, inputs, 0);
    const idx = input(node, inputs, 1);
    const axis = normalizeAxis(node, attrInt(node, "axis", 0), x.shape.length);
    return [{ dtype: x.dtype, shape: [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)] }];
  },
  Unsqueeze: (node, inputs, constant) => {
    const x = input(node, inputs, 0);
    const axes = node.inputs[1] ? constInts(node, constant, 1, "axes") : attrInts(node, "axes");
    if (!axes) fail(node, `Unsqueeze needs axes`);
    return [{ dtype: x.dtype, shape: unsqueezeDims(node, x.shape, axes) }];
  },
  Squeeze: (node, inputs, constant) => {
    const x = input(node, inputs, 0);
    const axesTensor = node.inputs[1] ? constant(1) : undefined;
    if (node.inputs[1] && !axesTensor) fail(node, `axes (input 1) must be a constant`);
    return [{ dtype: x.dtype, shape: squeezeDims(node, x.shape, axesOperand(node, axesTensor)) }];
  },
  Slice: (node, inputs, constant) => {
    const x = input(node, inputs, 0);
    const starts = constInts(node, constant, 1, "starts");
    const ends = constInts(node, constant, 2, "ends");
    if (!starts || !ends) fail(node, `Slice needs starts and ends inputs`);
    const spec = sliceSpec(node, x.shape, starts, ends, constInts(node, constant, 3, "axes"), constInts(node, constant, 4, "steps"));
    return [{ dtype: x.dtype, shape: spec.outDims }];
  },
  Cast: (node, inputs) => {
    const x = input(node, inputs, 0);
    const to = dtypeFromOnnx(attrInt(node, "to", 0));
    if (!to) fail(node, `unsupported target type ${attrInt(node, "to", 0)}`);
    return [{ dtype: to, shape: [...x.shape] }];
  },
  ConstantOfShape: (node, _inputs, constant) => {
    const dims = constInts(node, constant, 0, "the shape");
    if (!dims) fail(node, `ConstantOfShape needs a shape`);
    checkTensorSize(dims, `${describeNode(node)}: output`);
    const v = node.attributes.get("value");
    return [{ dtype: v?.type === "tensor" ? v.value.dtype : "float32", shape: dims }];
  },
  QuantizeLinear: (node, inputs) => {
    const x = input(node, inputs, 0);
    return [{ dtype: inputs[2]?.dtype ?? "uint8", shape: [...x.shape] }];
  },
  DequantizeLinear: (node, inputs) => {
    const x = input(node, inputs, 0);
    return [{ dtype: input(node, inputs, 1).dtype, shape: [...x.shape] }];
  },
  Constant: (node) => {
    const t = HOST_EVALUATORS.Constant(node, [])[0];
    return [{ dtype: t.dtype, shape: [...t.dims] }];
  },
};

/** Op types shape inference understands (default domain). */
export const SHAPE_INFERENCE_OPS: ReadonlySet<string> = new Set(Object.keys(RULES));

/** Output types of one node. Throws InputError for unsupported ops and shape mismatches. */
export function inferNodeTypes(
  node: Node,
  inputs: (ValueType | undefined)[],
  constant: (i: number) => Tensor | undefined = () => undefined,
): ValueType[] {
  const rule = isDefaultDomain(node.domain) ? RULES[node.opType] : undefined;
  if (!rule) {
    throw new InputError(`${describeNode(node)}: op ${node.domain ? `${node.domain}.` : ""}${node.opType} is not supported`);
  }
  return rule(node, inputs, constant);
}

/**
 * Types for every value given concrete shapes of the graph's runtime inputs, folding constant subgraphs.
 * Throws InputError naming the node on unsupported ops, missing input shapes and shape mismatches.
 */
export function inferShapes(
  graph: Graph,
  inputShapes: ReadonlyMap<string, readonly number[]> | Record<string, readonly number[]>,
  options: ShapeInferenceOptions = {},
): ShapeInferenceResult {
  const shapes = inputShapes instanceof Map ? inputShapes : new Map(Object.entries(inputShapes));
  const maxFold = options.maxFoldElements ?? 1 << 24;
  const types = new Map<string, ValueType>();
  const constants = new Map<string, Tensor>();
  const folded = new Set<Node>();
  const shapeDependent = new Set<string>();
  for (const [name, t] of graph.initializers) {
    const v = options.initializerOverrides?.get(name) ?? t;
    if (v.dims.join() !== t.dims.join() || v.dtype !== t.dtype) {
      throw new InputError(`replacement for initializer '${name}' is ${v.dtype}[${v.dims.join(", ")}], expected ${t.dtype}[${t.dims.join(", ")}]`);
    }
    constants.set(name, v);
    types.set(name, { dtype: t.dtype, shape: [...t.dims] });
  }
  for (const inp of graph.runtimeInputs) {
    const given = shapes.get(inp.name);
    if (!given) throw new InputError(`no shape given for graph input '${inp.name}'`);
    const declared = inp.type?.shape;
    if (declared) {
      if (declared.length !== given.length) {
        throw new InputError(`graph input '${inp.name}' has rank ${declared.length} ([${declared.join(", ")}]) but the data has shape [${given.join(", ")}]`);
      }
      declared.forEach((d, i) => {
        if (typeof d === "number" && d !== given[i] && !(i === 0 && options.relaxBatchDim)) {
          throw new InputError(`graph input '${inp.name}' expects shape [${declared.join(", ")}] but the data has shape [${given.join(", ")}]`);
        }
      });
    }
    types.set(inp.name, { dtype: inp.type?.dtype ?? "float32", shape: [...given] });
  }
  for (const node of graph.topologicalOrder()) {
    const inTypes = node.inputs.map((name) => {
      if (!name) return undefined;
      const t = types.get(name);
      if (!t) throw new InputError(`${describeNode(node)} reads '${name}', whose shape is unknown`);
      return t;
    });
    const constant = (i: number) => (node.inputs[i] ? constants.get(node.inputs[i]) : undefined);
    if ((node.opType === "Shape" || node.opType === "Size") && isDefaultDomain(node.domain) && inTypes[0]) {
      // Only the input's shape matters, and that is known: fold even when the data is a runtime value.
      const stub: Tensor = { name: node.inputs[0], dtype: inTypes[0].dtype, dims: inTypes[0].shape, data: new Float32Array(0) };
      const [t] = HOST_EVALUATORS[node.opType](node, [stub]);
      constants.set(node.outputs[0], { ...t, name: node.outputs[0] });
      types.set(node.outputs[0], { dtype: t.dtype, shape: [...t.dims] });
      if (!constants.has(node.inputs[0]) || shapeDependent.has(node.inputs[0])) shapeDependent.add(node.outputs[0]);
      folded.add(node);
      continue;
    }
    const allConst = node.inputs.every((name) => !name || constants.has(name));
    if (allConst && canFold(node) && !(node.opType === "ConstantOfShape" && constantOfShapeSize(node, constants) > maxFold)) {
      const outs = HOST_EVALUATORS[node.opType](node, node.inputs.map((name) => (name ? constants.get(name) : undefined)));
      // Constant and Identity only name existing data, so they fold whatever their size.
      const cheap = node.opType === "Constant" || node.opType === "Identity";
      if (cheap || outs.every((t) => elementCount(t.dims) <= maxFold)) {
        const dependent = node.inputs.some((name) => shapeDependent.has(name));
        outs.forEach((t, k) => {
          const name = node.outputs[k];
          if (!name) return;
          constants.set(name, { ...t, name });
          types.set(name, { dtype: t.dtype, shape: [...t.dims] });
          if (dependent) shapeDependent.add(name);
        });
        folded.add(node);
        continue;
      }
    }
    const outTypes = inferNodeTypes(node, inTypes, constant);
    outTypes.forEach((t, k) => {
      const name = node.outputs[k];
      if (name) types.set(name, t);
    });
  }
  for (const o of graph.outputs) {
    if (!types.has(o.name)) throw new InputError(`graph output '${o.name}' has no computable shape`);
  }
  return { types, constants, folded, shapeDependent };
}

/** Elements a ConstantOfShape would make (Infinity when its shape is not a valid size), checked before folding. */
function constantOfShapeSize(node: Node, constants: ReadonlyMap<string, Tensor>): number {
  const shape = node.inputs[0] ? constants.get(node.inputs[0]) : undefined;
  if (!shape) return 0;
  const dims = tensorToNumbers(shape);
  return dims.every((d) => Number.isSafeInteger(d) && d >= 0) ? elementCount(dims) : Infinity;
}
