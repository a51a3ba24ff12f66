// The model pipeline's public API, shared by the CLI and the language server (any process, fs-free):
// calibrateModel, quantizeModel and evaluate take the model as bytes or IR and data as typed arrays, and
// return plain objects and bytes. Long runs report progress through a callback and stop on an AbortSignal.
import { getBackend } from "../backends";
import type { Engine } from "../backends/engine";
import { InputError, throwIfCancelled } from "../errors";
import { type Model } from "../onnx/ir";
import { readModel } from "../onnx/read";
import { calibrate, type ActivationQParams, type CalibrationResult, type FloatTensor } from "../passes/calibrate";
import { convert, type QuantizedModel } from "../passes/convert";
import { exportQdq } from "../passes/export-qdq";
import { exportQOperator } from "../passes/export-qoperator";
import { prepare, type QuantPlan } from "../passes/prepare";
import { sqnrDb, top1Accuracy } from "../numeric/metrics";
import type { QConfigFile } from "../qconfig/types";
import { buildReport } from "../report/build";
import type { CalibratedTensor } from "../report/numeric-schema";
import type { QuantizationReport } from "../report/schema";
import { FloatExecutor } from "../runtime/float-executor";
import { Int8Executor } from "../runtime/int8-executor";
import { int8Support } from "../runtime/int8-ops";
import type { WasmCore } from "../wasm/core";
import type { KernelThreadPool } from "../wasm/thread-pool";
import type { ProgressCallback } from "./progress";

/** Calibration batch size when neither the caller nor the qconfig file gives one. */
export const DEFAULT_BATCH_SIZE = 256;
/** Evaluation batch size: accuracy does not depend on it, memory does (every activation of a batch is live). */
export const EVAL_BATCH_SIZE = 64;

export interface ModelSource {
  /** ONNX bytes, or an already-read model. */
  model: Uint8Array | Model;
  /** File name for messages and the report. */
  modelName?: string;
}

export interface CalibrateRequest extends ModelSource {
  backend: Engine;
  /** Calibration data: one tensor for single-input models, or tensors by graph input name. */
  calib: FloatTensor | ReadonlyMap<string, FloatTensor>;
  /** Name of the calibration data for messages. */
  calibName?: string;
  qconfig?: QConfigFile;
  batchSize?: number;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

export interface CalibrateResponse {
  plan: QuantPlan;
  calibration: CalibrationResult;
  batchSize: number;
  /** The calibration statistics as written by `quantscope calibrate --stats`. */
  stats: CalibrationStats;
}

export interface CalibrationStats {
  version: 1;
  backend: Engine;
  model?: string;
  calibration: { samples: number; batch_size: number; batches: number };
  activations: CalibratedTensor[];
}

export type ExportFormat = "qdq" | "qoperator";

export interface QuantizeRequest extends CalibrateRequest {
  format?: ExportFormat;
  /** Labelled data for the report's accuracy (optional). */
  evalData?: { x: FloatTensor | ReadonlyMap<string, FloatTensor>; labels: ArrayLike<number | bigint> };
  pool?: KernelThreadPool;
}

export interface QuantizeResponse extends CalibrateResponse {
  quantized: QuantizedModel;
  /** The exported ONNX model. */
  onnx: Uint8Array;
  report: QuantizationReport;
}

function loadModel(src: ModelSource): Model {
  return src.model instanceof Uint8Array ? readModel(src.model, { file: src.modelName }) : src.model;
}

/** Names each calibration tensor by graph input and checks shapes and counts. */
export function bindInputs(model: Model, data: FloatTensor | ReadonlyMap<string, FloatTensor>, dataName?: string): Map<string, FloatTensor> {
  const inputs = model.graph.runtimeInputs;
  let bound: Map<string, FloatTensor>;
  if (data instanceof Map) bound = new Map(data);
  else {
    if (inputs.length !== 1) {
      throw new InputError(`the model has ${inputs.length} inputs (${inputs.map((i) => i.name).join(", ")}); give one array per input (an .npz keyed by input name)`, dataName);
    }
    bound = new Map([[inputs[0].name, data as FloatTensor]]);
  }
  let samples: number | undefined;
  for (const input of inputs) {
    const t = bound.get(input.name);
    if (!t) throw new InputError(`no array for model input '${input.name}'`, dataName);
    const want = input.type?.shape;
    if (want) {
      const ok = t.shape.length === want.length && want.every((d, i) => i === 0 || typeof d !== "number" || d === t.shape[i]);
      if (!ok) {
        const fmt = want.map((d) => (typeof d === "number" ? String(d) : (d ?? "?"))).join(", ");
        throw new InputError(`array for input '${input.name}' has shape [${t.shape.join(", ")}], the model expects [${fmt}] (N samples first)`, dataName);
      }
    }
    if (samples !== undefined && t.shape[0] !== samples) throw new InputError(`arrays disagree on the number of samples (${t.shape[0]} vs ${samples})`, dataName);
    samples = t.shape[0];
  }
  for (const name of bound.keys()) {
    if (!inputs.some((i) => i.name === name)) throw new InputError(`array '${name}' matches no model input (inputs: ${inputs.map((i) => i.name).join(", ")})`, dataName);
  }
  if (!samples) throw new InputError("the data holds no samples", dataName);
  return bound;
}

/** Prepares the model for the backend and calibrates its observers. */
export async function calibrateModel(core: WasmCore, req: CalibrateRequest): Promise<CalibrateResponse> {
  const model = loadModel(req);
  const backend = getBackend(req.backend);
  if (req.qconfig?.backend && req.qconfig.backend !== req.backend) {
    throw new InputError(`the qconfig file targets backend '${req.qconfig.backend}' but '${req.backend}' was asked for`);
  }
  const bound = bindInputs(model, req.calib, req.calibName);
  const requested = req.batchSize ?? req.qconfig?.calibration?.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(requested) || requested < 1) throw new InputError(`batch size must be a positive integer, got ${requested}`);
  // A model exported with a fixed batch dimension runs that many samples per pass whatever was asked.
  const declared = model.graph.runtimeInputs[0]?.type?.shape?.[0];
  const batchSize = typeof declared === "number" && declared > 0 ? declared : requested;
  const options = req.qconfig?.calibration;
  const data = selectCalibrationSamples(bound, batchSize, options?.numBatches, options?.seed);
  req.onProgress?.({ phase: "prepare", done: 0, total: 1, message: "preparing: folding, fusing, placing observers" });
  const plan = prepare(model.graph, { backend, qconfig: req.qconfig, int8Support });
  throwIfCancelled(req.signal);
  const executor = FloatExecutor.create(core, plan.graph, { file: req.modelName });
  try {
    const calibration = await calibrate(core, plan, executor, data, {
      batchSize,
      signal: req.signal,
      onProgress: (p) =>
        req.onProgress?.({ phase: "calibrate", done: p.samples, total: p.totalSamples, message: `calibrating: batch ${p.batch}/${p.batches}` }),
    });
    return { plan, calibration, batchSize, stats: statsOf(req, calibration, batchSize) };
  } finally {
    executor.dispose();
  }
}

/**
 * The qconfig file's calibration options: `seed` shuffles the samples (the same permutation for every input),
 * `numBatches` keeps the first numBatches * batchSize of them.
 */
export function selectCalibrationSamples(
  data: Map<string, FloatTensor>,
  batchSize: number,
  numBatches: number | undefined,
  seed: number | undefined,
): Map<string, FloatTensor> {
  const total = [...data.values()][0].shape[0];
  const keep = numBatches === undefined ? total : Math.min(total, numBatches * batchSize);
  if (seed === undefined && keep === total) return data;
  const order = Array.from({ length: total }, (_, i) => i);
  if (seed !== undefined) {
    let s = seed >>> 0 || 1;
    for (let i = total - 1; i > 0; i--) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const j = s % (i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
  }
  const out = new Map<string, FloatTensor>();
  for (const [name, t] of data) {
    const row = t.shape.slice(1).reduce((a, b) => a * b, 1);
    const picked = new Float32Array(keep * row);
    for (let i = 0; i < keep; i++) picked.set(t.data.subarray(order[i] * row, (order[i] + 1) * row), i * row);
    out.set(name, { data: picked, shape: [keep, ...t.shape.slice(1)] });
  }
  return out;
}

function statsOf(req: CalibrateRequest, c: CalibrationResult, batchSize: number): CalibrationStats {
  return {
    version: 1,
    backend: req.backend,
    model: req.modelName,
    calibration: { samples: c.samples, batch_size: batchSize, batches: c.batches },
    activations: [...c.activations.values()].map(calibratedTensor),
  };
}

/** An activation's calibrated range and qparams as the JSON outputs spell them. */
export function calibratedTensor(a: ActivationQParams): CalibratedTensor {
  return {
    tensor: a.tensor,
    producer_node: a.producerNode,
    role: a.role,
    observer: a.observer.observer,
    min: a.min,
    max: a.max,
    scale: a.scale,
    zero_point: a.zeroPoint,
  };
}

/** Calibrates, converts and exports; evaluates float and int8 accuracy when labelled data is given. */
export async function quantizeModel(core: WasmCore, req: QuantizeRequest): Promise<QuantizeResponse> {
  const calibrated = await calibrateModel(core, req);
  throwIfCancelled(req.signal);
  req.onProgress?.({ phase: "convert", done: 0, total: 1, message: "converting: quantizing weights" });
  const quantized = convert(core, calibrated.plan, calibrated.calibration, calibrated.batchSize);
  req.onProgress?.({ phase: "export", done: 0, total: 1, message: `exporting ${req.format ?? "qdq"}` });
  const source = loadModel(req);
  const onnx = (req.format ?? "qdq") === "qdq" ? exportQdq(quantized, source) : exportQOperator(quantized, source);
  let accuracy: QuantizationReport["accuracy"];
  let sqnr: Map<string, number> | undefined;
  if (req.evalData) {
    const acc = await evaluateQuantized(core, source, quantized, req.evalData.x, req.evalData.labels, { ...req, pool: req.pool });
    accuracy = { float_acc: acc.float_acc, int8_acc: acc.int8_acc!, samples: acc.samples };
    sqnr = acc.layerSqnr;
  }
  const report = buildReport(quantized, { model: req.modelName, accuracy, sqnr });
  return { ...calibrated, quantized, onnx, report };
}

export interface EvaluateRequest extends ModelSource {
  x: FloatTensor | ReadonlyMap<string, FloatTensor>;
  xName?: string;
  labels: ArrayLike<number | bigint>;
  /** With a backend and calibration data, the int8 model is evaluated too. */
  backend?: Engine;
  calib?: FloatTensor | ReadonlyMap<string, FloatTensor>;
  calibName?: string;
  qconfig?: QConfigFile;
  batchSize?: number;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  pool?: KernelThreadPool;
}

export interface EvaluateResponse {
  float_acc: number;
  int8_acc?: number;
  samples: number;
  /** Logits of both models (graph output 0), [N, classes]. */
  floatLogits: Float32Array;
  int8Logits?: Float32Array;
  quantized?: QuantizedModel;
  /** Per int8 group output: SQNR of the int8 value against the float model's, in dB. */
  layerSqnr?: Map<string, number>;
}

function checkLabels(x: Map<string, FloatTensor>, labels: ArrayLike<number | bigint>, name?: string): void {
  const n = [...x.values()][0].shape[0];
  if (labels.length !== n) throw new InputError(`${labels.length} labels for ${n} samples`, name);
}

async function runFloat(
  core: WasmCore,
  model: Model,
  x: Map<string, FloatTensor>,
  req: { signal?: AbortSignal; onProgress?: ProgressCallback; modelName?: string },
  extraOutputs: readonly string[] = [],
  graph = model.graph,
) {
  const exec = FloatExecutor.create(core, graph, { file: req.modelName });
  try {
    const out = await exec.run(x, {
      batchSize: EVAL_BATCH_SIZE,
      extraOutputs: extraOutputs.filter((name) => !graph.isGraphOutput(name)),
      signal: req.signal,
      onProgress: (done, total) => req.onProgress?.({ phase: "evaluate-float", done, total, message: `float model: ${done}/${total}` }),
    });
    // Copies: the executor's results may view WASM memory that later runs reuse.
    const t = out.get(model.graph.outputs[0].name)!;
    const extra = new Map(extraOutputs.map((name) => [name, Float32Array.from(out.get(name)!.data as Float32Array)]));
    return { data: Float32Array.from(t.data as Float32Array), classes: t.dims[t.dims.length - 1], extra };
  } finally {
    exec.dispose();
  }
}

async function evaluateQuantized(
  core: WasmCore,
  model: Model,
  quantized: QuantizedModel,
  xIn: FloatTensor | ReadonlyMap<string, FloatTensor>,
  labels: ArrayLike<number | bigint>,
  req: { signal?: AbortSignal; onProgress?: ProgressCallback; modelName?: string; pool?: KernelThreadPool },
): Promise<EvaluateResponse> {
  const x = bindInputs(model, xIn);
  checkLabels(x, labels);
  // Per-layer SQNR compares each int8 group output with the same value in the prepared float graph.
  const layerOutputs = [...new Set(quantized.groups.map((g) => g.output))];
  const f = await runFloat(core, model, x, req, layerOutputs, quantized.plan.graph);
  const exec = new Int8Executor(core, quantized, { pool: req.pool, file: req.modelName, extraOutputs: layerOutputs });
  try {
    const out = await exec.run(x, {
      batchSize: EVAL_BATCH_SIZE,
      signal: req.signal,
      onProgress: (done, total) => req.onProgress?.({ phase: "evaluate-int8", done, total, message: `int8 model: ${done}/${total}` }),
    });
    const q = out.get(model.graph.outputs[0].name)!;
    const layerSqnr = new Map(layerOutputs.map((name) => [name, sqnrDb(f.extra.get(name)!, out.get(name)!.data)]));
    return {
      layerSqnr,
      float_acc: top1Accuracy(f.data, f.classes, labels),
      int8_acc: top1Accuracy(q.data, f.classes, labels),
      samples: labels.length,
      floatLogits: f.data,
      int8Logits: q.data,
      quantized,
    };
  } finally {
    exec.dispose();
  }
}

/** Top-1 accuracy of the float model and, with a backend and calibration data, of its int8 version. */
export async function evaluate(core: WasmCore, req: EvaluateRequest): Promise<EvaluateResponse> {
  const model = loadModel(req);
  const x = bindInputs(model, req.x, req.xName);
  checkLabels(x, req.labels, req.xName);
  if (!req.backend) {
    const f = await runFloat(core, model, x, req);
    return { float_acc: top1Accuracy(f.data, f.classes, req.labels), samples: req.labels.length, floatLogits: f.data };
  }
  if (!req.calib) throw new InputError("evaluating the int8 model needs calibration data (--calib)");
  const calibrated = await calibrateModel(core, { ...req, model, backend: req.backend, calib: req.calib });
  const quantized = convert(core, calibrated.plan, calibrated.calibration, calibrated.batchSize);
  return evaluateQuantized(core, model, quantized, x, req.labels, req);
}
