// What-if runs (any process, fs-free): re-calibrate and re-convert the model with one layer changed
// (another activation observer, per-channel or per-tensor weights, kept in float) and measure the effect,
// without re-running the float model: calibration replays the float activations cached by the first
// calibration, and the float model's outputs on the evaluation data are cached too. Only the int8 model runs.
import type { Engine } from "../backends";
import { InputError, throwIfCancelled } from "../errors";
import type { Model } from "../onnx/ir";
import { calibrate, type FloatTensor } from "../passes/calibrate";
import { convert, type QuantizedModel } from "../passes/convert";
import { prepare } from "../passes/prepare";
import { getBackend } from "../backends";
import type { ObserverKind, QConfigEntry, QConfigFile } from "../qconfig/types";
import type { FloatExecutor } from "../runtime/float-executor";
import { int8Support } from "../runtime/int8-ops";
import type { WasmCore } from "../wasm/core";
import type { KernelThreadPool } from "../wasm/thread-pool";
import type { ActivationCache } from "./calibration-stats";
import { runInt8, type CapturedValue } from "./compare-activations";
import { argmax, errorMetrics, top1Accuracy } from "./metrics";

/** One change to one layer (its root node). */
export interface WhatIfChange {
  node: string;
  /** Calibrate the layer's output with this observer instead. */
  observer?: ObserverKind;
  /** Quantize the layer's weight per channel (true) or per tensor (false). */
  perChannel?: boolean;
  /** Keep the layer in float. */
  float?: boolean;
}

/** How a model variant does on the evaluation data, against the float model. */
export interface VariantResult {
  /** SQNR of the variant's output (graph output 0) against the float model's, dB. */
  output_sqnr_db: number;
  /** Top-1 accuracy in [0, 1] against the labels (absent without labels). */
  accuracy?: number;
  /** Share of samples whose top-1 class equals the float model's. */
  agreement: number;
  /** Points lost against the float model: (float accuracy - accuracy) * 100 with labels, else (1 - agreement) * 100. */
  drop_points: number;
}

export interface VariantContext {
  core: WasmCore;
  model: Model;
  backend: Engine;
  qconfig?: QConfigFile;
  batchSize: number;
  cache: ActivationCache;
  /** The calibration samples the cache was recorded from (only their count is read). */
  calibData: ReadonlyMap<string, FloatTensor>;
  /** Evaluation inputs and the float model's graph output 0 on them. */
  x: ReadonlyMap<string, FloatTensor>;
  floatOutput: CapturedValue;
  outputName: string;
  labels?: ArrayLike<number | bigint>;
  pool?: KernelThreadPool;
  signal?: AbortSignal;
  file?: string;
}

/** The layer's nodes (a fused group's every node) by its root node's name. */
export type LayerNodes = ReadonlyMap<string, readonly string[]>;

/** The qconfig with `changes` applied on top (each as a node-level entry). */
export function applyChanges(base: QConfigFile | undefined, changes: readonly WhatIfChange[], layers: LayerNodes, backend: Engine): QConfigFile {
  const file: QConfigFile = { ...(base ?? {}), nodes: { ...(base?.nodes ?? {}) } };
  for (const c of changes) {
    const nodes = layers.get(c.node);
    if (!nodes) throw new InputError(`'${c.node}' is not an int8 layer of the model (layers: ${[...layers.keys()].join(", ")})`);
    if (c.float) {
      for (const n of nodes) file.nodes![n] = null;
      continue;
    }
    const entry: QConfigEntry = { ...(file.nodes![c.node] ?? {}) };
    if (c.observer) entry.activation = { ...(entry.activation ?? {}), observer: c.observer };
    if (c.perChannel !== undefined) {
      entry.weight = c.perChannel
        ? { ...(entry.weight ?? {}), observer: "per_channel_minmax", qscheme: "per_channel_symmetric", chAxis: 0 }
        : { ...(entry.weight ?? {}), observer: "minmax", qscheme: "per_tensor_symmetric" };
    }
    file.nodes![c.node] = entry;
  }
  if (!file.backend) file.backend = backend;
  return file;
}

/** Calibrates (replaying the cache) and converts the model under `qconfig`. */
export async function quantizeVariant(ctx: VariantContext, qconfig: QConfigFile): Promise<QuantizedModel> {
  const plan = prepare(ctx.model.graph, { backend: getBackend(ctx.backend), qconfig, int8Support });
  const replay = ctx.cache.replayer() as FloatExecutor;
  const calibration = await calibrate(ctx.core, plan, replay, ctx.calibData, { batchSize: ctx.batchSize, signal: ctx.signal });
  return convert(ctx.core, plan, calibration, ctx.batchSize);
}

/**
 * Scores a model's output against the float model's. Top-1 is the argmax of each sample's whole output row
 * (the logits of an [N, classes] output); labels need such an output.
 */
export function scoreOutput(ctx: Pick<VariantContext, "floatOutput" | "labels" | "file">, output: Float32Array): VariantResult {
  const f = ctx.floatOutput;
  const n = f.shape[0];
  const row = n ? f.data.length / n : 0;
  let agree = 0;
  for (let i = 0; i < n; i++) if (argmax(f.data, i * row, row) === argmax(output, i * row, row)) agree++;
  const agreement = n ? agree / n : 1;
  const result: VariantResult = { output_sqnr_db: errorMetrics(f.data, output).sqnr_db, agreement, drop_points: (1 - agreement) * 100 };
  if (ctx.labels) {
    if (f.shape.length !== 2) throw new InputError(`labels need a model output of shape [N, classes]; the first output has shape [${f.shape.join(", ")}]`, ctx.file);
    const acc = top1Accuracy(output, row, ctx.labels);
    result.accuracy = acc;
    result.drop_points = (top1Accuracy(f.data, row, ctx.labels) - acc) * 100;
  }
  return result;
}

/** Quantizes under `qconfig`, runs the int8 model on the evaluation data and scores it. */
export async function evaluateVariant(ctx: VariantContext, qconfig: QConfigFile): Promise<VariantResult & { quantized: QuantizedModel }> {
  throwIfCancelled(ctx.signal);
  const quantized = await quantizeVariant(ctx, qconfig);
  const out = await runInt8(ctx.core, quantized, ctx.x, [], { pool: ctx.pool, signal: ctx.signal, file: ctx.file });
  return { ...scoreOutput(ctx, out.get(ctx.outputName)!.data), quantized };
}

/** What one set of changes does: the variant's score next to the unchanged model's. */
export async function whatIf(ctx: VariantContext, layers: LayerNodes, changes: readonly WhatIfChange[]): Promise<VariantResult> {
  const { quantized: _q, ...result } = await evaluateVariant(ctx, applyChanges(ctx.qconfig, changes, layers, ctx.backend));
  return result;
}
