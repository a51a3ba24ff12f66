// Convert: turns a calibrated QuantPlan into a QuantizedModel: int8 weights quantized with the backend's
// weight observer (PyTorch's convert: weight observer -> quantize_per_channel/per_tensor), float bias,
// and the input/output qparams of every int8 op (any process, fs-free). The int8 executor runs it; the
// QDQ and QOperator exporters write it as ONNX.
import { InputError } from "../errors";
import { attrFloat, attrInt, describeNode, tensorToFloat32, type Graph, type Node } from "../onnx/ir";
import type { ResolvedObserver } from "../qconfig/types";
import type { WasmCore } from "../wasm/core";
import { createObserver } from "../wasm/observers";
import { quantizePerChannel, quantizePerTensor } from "../wasm/quantize";
import type { ActivationQParams, CalibrationResult } from "./calibrate";
import type { QuantGroup, QuantPlan } from "./prepare";

export interface QParams {
  scale: number;
  zeroPoint: number;
}

export interface QuantizedWeight {
  /** The float initializer's name. */
  tensor: string;
  node: string;
  /** int8 values in PyTorch's layout: Conv [OC, C/g, KH, KW]; Gemm/MatMul [N, K]. */
  data: Int8Array;
  dims: number[];
  qscheme: ResolvedObserver["qscheme"];
  /** One per output channel (per-channel) or one. */
  scales: Float32Array;
  zeroPoints: Int32Array;
  axis?: number;
  /** The float weight in the same layout (for the QDQ export and the numeric report). */
  float: Float32Array;
}

export interface ConvertedGroup extends QuantGroup {
  /** Qparams of each entry of `inputs`. */
  inputQParams: QParams[];
  outputQParams: QParams;
  weight?: QuantizedWeight;
  /** Float32 bias, one per output channel. */
  bias?: Float32Array;
}

export interface QuantizedModel {
  plan: QuantPlan;
  groups: ConvertedGroup[];
  /** Qparams of every int8 value (observed or inherited). */
  qparams: Map<string, QParams>;
  activations: ActivationQParams[];
  calibration: { samples: number; batches: number; batchSize: number };
}

/** Ops whose second input is a weight quantized at convert time. */
const WEIGHTED = new Set(["Conv", "Gemm", "MatMul"]);

function transpose2d(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
  return out;
}

/** The float weight of a Conv/Gemm/MatMul in PyTorch's layout ([OC, ...] / [N, K]). */
export function floatWeight(graph: Graph, node: Node): { data: Float32Array; dims: number[]; name: string } {
  const name = node.inputs[1];
  const t = graph.getInitializer(name);
  if (!t) throw new InputError(`${describeNode(node)}: its weight '${name}' is computed at run time; only constant weights can be quantized`);
  const data = tensorToFloat32(t);
  if (node.opType === "Conv") return { data, dims: [...t.dims], name };
  if (t.dims.length !== 2) throw new InputError(`${describeNode(node)}: weight '${name}' must be 2-D, got [${t.dims.join(", ")}]`);
  const [r, c] = t.dims;
  if (node.opType === "Gemm" && attrInt(node, "transB", 0) === 1) return { data, dims: [r, c], name };
  // Gemm without transB and MatMul hold [K, N]: PyTorch's Linear weight is [N, K].
  return { data: transpose2d(data, r, c), dims: [c, r], name };
}

function floatBias(graph: Graph, node: Node, channels: number): Float32Array | undefined {
  const name = node.opType === "MatMul" ? "" : node.inputs[2];
  if (!name) return undefined;
  const t = graph.getInitializer(name);
  if (!t) throw new InputError(`${describeNode(node)}: its bias '${name}' is computed at run time; only constant biases are supported`);
  const b = tensorToFloat32(t);
  if (b.length === channels) return Float32Array.from(b);
  if (b.length === 1) return new Float32Array(channels).fill(b[0]);
  throw new InputError(`${describeNode(node)}: bias '${name}' has ${b.length} values for ${channels} output channels`);
}

/** Quantizes one weight as PyTorch's convert does: observe it, then quantize with the observer's qparams. */
export function quantizeWeight(core: WasmCore, node: Node, w: { data: Float32Array; dims: number[]; name: string }, o: ResolvedObserver): QuantizedWeight {
  if (o.dtype !== "qint8") throw new InputError(`${describeNode(node)}: weights must be qint8 for the int8 kernels, the qconfig asks for ${o.dtype}`);
  if (o.observer === "histogram" || o.observer === "percentile" || o.observer === "entropy") {
    throw new InputError(`${describeNode(node)}: weight observer '${o.observer}' is not supported; use minmax or per_channel_minmax`);
  }
  const perChannel = o.qscheme.startsWith("per_channel");
  const kind = perChannel
    ? o.observer.startsWith("moving_average")
      ? "moving_average_per_channel_minmax"
      : "per_channel_minmax"
    : o.observer.startsWith("moving_average")
      ? "moving_average_minmax"
      : "minmax";
  const axis = perChannel ? (o.chAxis ?? 0) : undefined;
  if (axis !== undefined && axis !== 0) throw new InputError(`${describeNode(node)}: per-channel weights must use ch_axis 0 (output channels), got ${axis}`);
  const observer = createObserver(core, {
    kind,
    dtype: "qint8",
    qscheme: o.qscheme,
    reduceRange: o.customRange ? false : o.reduceRange,
    ...(o.customRange ? { quantMin: o.quantMin, quantMax: o.quantMax } : {}),
    ...(perChannel ? { chAxis: 0 } : {}),
    ...(o.averagingConstant !== undefined && kind.startsWith("moving_average") ? { averagingConstant: o.averagingConstant } : {}),
  });
  try {
    observer.observe(w.data, w.dims);
    const q = observer.calculateQParams();
    const data = perChannel
      ? (quantizePerChannel(core, w.data, w.dims, q.scales, q.zeroPoints, 0, "qint8") as Int8Array)
      : (quantizePerTensor(core, w.data, q.scales[0], q.zeroPoints[0], "qint8") as Int8Array);
    return {
      tensor: w.name,
      node: node.name || node.outputs[0],
      data,
      dims: [...w.dims],
      qscheme: o.qscheme,
      scales: Float32Array.from(q.scales),
      zeroPoints: Int32Array.from(q.zeroPoints),
      axis,
      float: w.data,
    };
  } finally {
    observer.dispose();
  }
}

/** Builds the QuantizedModel from a plan and its calibration. */
export function convert(core: WasmCore, plan: QuantPlan, calibration: CalibrationResult, batchSize: number): QuantizedModel {
  const graph = plan.graph;
  const qparams = new Map<string, QParams>();
  for (const [value, source] of plan.qparamsOf) {
    const fixed = plan.fixed.get(source);
    if (fixed) {
      qparams.set(value, { scale: fixed.scale, zeroPoint: fixed.zeroPoint });
      continue;
    }
    const a = calibration.activations.get(source);
    if (!a) throw new Error(`internal: no calibration result for '${source}'`);
    qparams.set(value, { scale: a.scale, zeroPoint: a.zeroPoint });
  }
  const groups: ConvertedGroup[] = plan.groups.map((g) => {
    const root = g.nodes[0];
    const converted: ConvertedGroup = {
      ...g,
      inputQParams: g.inputs.map((i) => qparams.get(i)!),
      outputQParams: qparams.get(g.output)!,
    };
    if (WEIGHTED.has(root.opType)) {
      if (root.opType === "Gemm" && (attrFloat(root, "alpha", 1) !== 1 || attrFloat(root, "beta", 1) !== 1 || attrInt(root, "transA", 0) !== 0)) {
        throw new InputError(`${describeNode(root)}: only Gemm with alpha=1, beta=1, transA=0 can be quantized`);
      }
      if (!g.qconfig.weight) throw new InputError(`${describeNode(root)}: the qconfig leaves its weight unquantized, which the int8 kernels need`);
      const w = floatWeight(graph, root);
      converted.weight = quantizeWeight(core, root, w, g.qconfig.weight);
      converted.bias = floatBias(graph, root, w.dims[0]);
    }
    return converted;
  });
  return {
    plan,
    groups,
    qparams,
    activations: [...calibration.activations.values()],
    calibration: { samples: calibration.samples, batches: calibration.batches, batchSize },
  };
}
