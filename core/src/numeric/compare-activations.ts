// Activation comparison per int8 layer, the two ways torch.ao.ns offers (any process, fs-free):
// - propagated: the int8 model runs end to end and each layer's int8 output (dequantized) is compared with
//   the float model's value at the same place, so errors accumulate from the input on;
// - shadow: each int8 layer alone is fed the float model's input of that layer (quantized with the layer's
//   input qparams), so only that layer's own error shows.
// QuantStubs (float values entering int8) are compared too: their error is the input rounding alone.
import { EVAL_BATCH_SIZE } from "../pipeline/pipeline";
import { throwIfCancelled } from "../errors";
import { Graph, type ValueInfo } from "../onnx/ir";
import type { FloatTensor } from "../passes/calibrate";
import type { ConvertedGroup, QuantizedModel } from "../passes/convert";
import { FloatExecutor } from "../runtime/float-executor";
import { Int8Executor } from "../runtime/int8-executor";
import type { WasmCore } from "../wasm/core";
import { dequantizePerTensor, quantizePerTensor } from "../wasm/quantize";
import type { KernelThreadPool } from "../wasm/thread-pool";
import { errorMetrics, type ErrorMetrics } from "./metrics";

/** A float value of every sample, [N, ...]. */
export interface CapturedValue {
  data: Float32Array;
  shape: number[];
}

export interface ActivationComparison {
  /** The ONNX value compared. */
  tensor: string;
  /**
   * "quant_stub": a float value quantized on entry to int8; "layer": an int8 layer's output; "observed": the
   * value a layer's observer sits on when that is not its output (an Add fused with the ReLU after it is
   * observed before the ReLU, as PyTorch's FloatFunctional add is; the int8 add is rerun without the ReLU).
   */
  kind: "quant_stub" | "layer" | "observed";
  /** The int8 layer producing it (its root node), or the float node / "" (graph input) for a QuantStub. */
  node: string;
  shape: number[];
  propagated: ErrorMetrics;
  /** Layers only: this layer alone in int8 on the float model's input. */
  shadow?: ErrorMetrics;
}

export interface RunHooks {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, message: string) => void;
  pool?: KernelThreadPool;
  file?: string;
}

/** Runs the float graph on `x` and returns copies of `values` (plus the graph outputs) for every sample. */
export async function captureFloat(
  core: WasmCore,
  graph: Graph,
  x: ReadonlyMap<string, FloatTensor>,
  values: Iterable<string>,
  hooks: RunHooks = {},
): Promise<Map<string, CapturedValue>> {
  const wanted = [...new Set(values)];
  const exec = FloatExecutor.create(core, graph, { file: hooks.file });
  try {
    const extra = wanted.filter((v) => !graph.isGraphOutput(v) && !x.has(v));
    const out = await exec.run(x, {
      batchSize: EVAL_BATCH_SIZE,
      extraOutputs: extra,
      signal: hooks.signal,
      onProgress: (done, total) => hooks.onProgress?.(done, total, `float model: ${done}/${total}`),
    });
    const captured = new Map<string, CapturedValue>();
    for (const [name, t] of x) captured.set(name, { data: t.data, shape: [...t.shape] });
    for (const [name, t] of out) captured.set(name, { data: Float32Array.from(t.data as Float32Array), shape: [...t.dims] });
    return captured;
  } finally {
    exec.dispose();
  }
}

/** Runs the int8 model on `x`; returns the dequantized values of `values` and of the graph outputs. */
export async function runInt8(
  core: WasmCore,
  model: QuantizedModel,
  x: ReadonlyMap<string, FloatTensor>,
  values: readonly string[],
  hooks: RunHooks = {},
): Promise<Map<string, CapturedValue>> {
  const exec = new Int8Executor(core, model, { pool: hooks.pool, file: hooks.file, extraOutputs: values });
  try {
    const out = await exec.run(x, {
      batchSize: EVAL_BATCH_SIZE,
      signal: hooks.signal,
      onProgress: (done, total) => hooks.onProgress?.(done, total, `int8 model: ${done}/${total}`),
    });
    return new Map([...out].map(([name, o]) => [name, { data: o.data, shape: o.shape }]));
  } finally {
    exec.dispose();
  }
}

/** quantize -> dequantize of a float value with per-tensor quint8 qparams (what a QuantStub hands on). */
export function fakeQuantize(core: WasmCore, x: Float32Array, scale: number, zeroPoint: number): Float32Array {
  return dequantizePerTensor(core, quantizePerTensor(core, x, scale, zeroPoint, "quint8"), scale, zeroPoint, "quint8");
}

/**
 * A model of one int8 layer: the same group (same node objects, weights and qparams) in a graph whose inputs
 * are the layer's inputs, so the int8 executor quantizes them at its QuantStubs with the layer's input qparams.
 */
export function singleLayerModel(model: QuantizedModel, group: ConvertedGroup, inputShapes: ReadonlyMap<string, readonly number[]>): QuantizedModel {
  const full = model.plan.graph;
  const inputs: ValueInfo[] = group.inputs.map((name) => ({
    name,
    type: { dtype: "float32", shape: ["batch", ...inputShapes.get(name)!.slice(1)] },
  }));
  const graph = new Graph({ name: `layer ${group.id}`, nodes: [...group.nodes], inputs, outputs: [{ name: group.output }] });
  for (const node of group.nodes) {
    for (const i of node.inputs) {
      const t = i ? full.getInitializer(i) : undefined;
      if (t && !graph.isInitializer(i)) graph.addInitializer(t);
    }
  }
  return { ...model, plan: { ...model.plan, graph }, groups: [group] };
}

/** The shadow output of one layer: its int8 kernel on the float model's inputs. */
export async function shadowLayer(
  core: WasmCore,
  model: QuantizedModel,
  group: ConvertedGroup,
  floatValues: ReadonlyMap<string, CapturedValue>,
  hooks: RunHooks = {},
): Promise<CapturedValue> {
  const feed = new Map<string, FloatTensor>();
  for (const name of group.inputs) {
    const v = floatValues.get(name);
    if (!v) throw new Error(`internal: no float value captured for '${name}'`);
    feed.set(name, { data: v.data, shape: v.shape });
  }
  const layer = singleLayerModel(model, group, new Map([...feed].map(([k, v]) => [k, v.shape])));
  const out = await runInt8(core, layer, feed, [], { ...hooks, onProgress: undefined });
  return out.get(group.output)!;
}

/** The layer's root op alone, ending at its observed value (an add_relu group as a plain add). */
export function observedLayer(group: ConvertedGroup): ConvertedGroup | undefined {
  const observed = group.observedTensor;
  if (!observed || observed === group.output || group.nodes[0].outputs[0] !== observed) return undefined;
  return { ...group, nodes: [group.nodes[0]], output: observed, relu: false, pattern: undefined };
}

export interface ActivationComparisonResult {
  comparisons: ActivationComparison[];
  /** The float model's values (graph inputs, every layer's inputs and outputs, graph outputs). */
  float: Map<string, CapturedValue>;
  /** The int8 model's values, dequantized. */
  int8: Map<string, CapturedValue>;
}

/**
 * Compares every QuantStub and every int8 layer output, propagated and (with `shadow`) shadowed. Pass
 * `float` to reuse a float run captured earlier (it must hold every layer's inputs and outputs).
 */
export async function compareActivations(
  core: WasmCore,
  model: QuantizedModel,
  x: ReadonlyMap<string, FloatTensor>,
  options: RunHooks & { shadow?: boolean; float?: Map<string, CapturedValue> } = {},
): Promise<ActivationComparisonResult> {
  const plan = model.plan;
  const stubs = plan.observers.filter((o) => o.role === "input");
  const layerOutputs = model.groups.map((g) => g.output);
  const observed = model.groups.map(observedLayer).filter((g): g is ConvertedGroup => g !== undefined);
  const needed = [...stubs.map((s) => s.tensor), ...layerOutputs, ...observed.map((g) => g.output), ...model.groups.flatMap((g) => g.inputs)];
  const float = options.float ?? (await captureFloat(core, plan.graph, x, needed, options));
  throwIfCancelled(options.signal);
  const int8 = await runInt8(core, model, x, [...new Set(layerOutputs)], options);
  const comparisons: ActivationComparison[] = [];
  for (const site of stubs) {
    const f = float.get(site.tensor)!;
    const q = model.qparams.get(site.tensor)!;
    const fq = fakeQuantize(core, f.data, q.scale, q.zeroPoint);
    int8.set(site.tensor, { data: fq, shape: f.shape });
    comparisons.push({ tensor: site.tensor, kind: "quant_stub", node: site.producerNode, shape: f.shape, propagated: errorMetrics(f.data, fq) });
  }
  let done = 0;
  for (const group of model.groups) {
    throwIfCancelled(options.signal);
    const f = float.get(group.output)!;
    const q = int8.get(group.output)!;
    const entry: ActivationComparison = { tensor: group.output, kind: "layer", node: group.id, shape: f.shape, propagated: errorMetrics(f.data, q.data) };
    if (options.shadow !== false) {
      const s = await shadowLayer(core, model, group, float, options);
      entry.shadow = errorMetrics(f.data, s.data);
    }
    comparisons.push(entry);
    const pre = observedLayer(group);
    if (pre) {
      // Propagated: the int8 add on the int8 model's inputs (requantizing them with their own qparams is exact).
      const fo = float.get(pre.output)!;
      const po = await shadowLayer(core, model, pre, int8, options);
      int8.set(pre.output, po);
      const o: ActivationComparison = { tensor: pre.output, kind: "observed", node: group.id, shape: fo.shape, propagated: errorMetrics(fo.data, po.data) };
      if (options.shadow !== false) o.shadow = errorMetrics(fo.data, (await shadowLayer(core, model, pre, float, options)).data);
      comparisons.push(o);
    }
    options.onProgress?.(++done, model.groups.length, `shadow: layer ${done}/${model.groups.length}`);
  }
  return { comparisons, float, int8 };
}
