// `compareModels`: the whole numeric comparison of a float ONNX model and its int8 version (any process,
// fs-free), used by `quantscope compare` and the language server: calibrate (with statistics), convert,
// compare weights, compare activations propagated and shadowed on the comparison data, optionally rank
// layer sensitivity and suggest layers to keep in float. Returns the NumericReport and, with
// `keepSession`, a context for later what-if runs that re-use the cached float activations.
import { InputError } from "../errors";
import { readModel } from "../onnx/read";
import type { FloatTensor } from "../passes/calibrate";
import { convert, type QuantizedModel } from "../passes/convert";
import { bindInputs, type CalibrateRequest } from "../pipeline/pipeline";
import {
  NUMERIC_REPORT_VERSION,
  type NumericLayer,
  type NumericMetrics,
  type NumericReport,
  type NumericVariant,
} from "../report/numeric-schema";
import type { WasmCore } from "../wasm/core";
import type { KernelThreadPool } from "../wasm/thread-pool";
import { calibrateWithStatistics, downsampleHistogram } from "./calibration-stats";
import { compareActivations, type RunHooks } from "./compare-activations";
import { compareWeights } from "./compare-weights";
import { finiteOrNull, top1Accuracy, type ErrorMetrics } from "./metrics";
import { analyzeSensitivity, candidateLayers } from "./sensitivity";
import { scoreOutput, whatIf, type LayerNodes, type VariantContext, type VariantResult, type WhatIfChange } from "./what-if";

/** The calibration request (model, backend, calibration data, qconfig, progress) plus what to compare. */
export interface CompareRequest extends CalibrateRequest {
  /** The comparison data, and optionally its labels. */
  x: FloatTensor | ReadonlyMap<string, FloatTensor>;
  xName?: string;
  labels?: ArrayLike<number | bigint>;
  /** Shadow comparison per layer (default true). */
  shadow?: boolean;
  /** Rank layers by sensitivity (one int8 run per layer and mode). */
  sensitivity?: boolean;
  /** With sensitivity: find layers to keep in float so the drop is at most this many points. */
  targetDropPoints?: number;
  /** Bins per histogram in the report (default 128; the statistics use 2048). */
  histogramBins?: number;
  /** What-if scenarios to measure, one layer change each (implies keeping the activation cache). */
  whatIf?: readonly WhatIfChange[];
  /** Keep the cached activations for what-if runs (implied by sensitivity and whatIf). */
  keepSession?: boolean;
  pool?: KernelThreadPool;
}

export interface CompareResponse {
  report: NumericReport;
  quantized: QuantizedModel;
  /** For what-if runs (present with keepSession or sensitivity). */
  session?: { context: VariantContext; layers: LayerNodes };
}

export function toNumericMetrics(m: ErrorMetrics): NumericMetrics {
  return { sqnr_db: finiteOrNull(m.sqnr_db), mse: m.mse, max_abs_error: m.max_abs_error, cosine: m.cosine };
}

export function toNumericVariant(v: VariantResult): NumericVariant {
  return { ...v, output_sqnr_db: finiteOrNull(v.output_sqnr_db) };
}

export async function compareModels(core: WasmCore, req: CompareRequest): Promise<CompareResponse> {
  const timing: Record<string, number> = {};
  let t0 = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timing[name] = Math.round(now - t0);
    t0 = now;
  };
  const model = req.model instanceof Uint8Array ? readModel(req.model, { file: req.modelName }) : req.model;
  const x = bindInputs(model, req.x, req.xName);
  const samples = [...x.values()][0].shape[0];
  if (req.labels && req.labels.length !== samples) throw new InputError(`${req.labels.length} labels for ${samples} samples`, req.xName);
  if (req.targetDropPoints !== undefined && !(req.targetDropPoints >= 0)) throw new InputError(`the target drop must be a non-negative number of points, got ${req.targetDropPoints}`);
  const keep = req.keepSession || req.sensitivity || (req.whatIf?.length ?? 0) > 0;
  const progress = (phase: "calibrate" | "evaluate-float" | "evaluate-int8" | "convert") => (done: number, total: number, message: string) =>
    req.onProgress?.({ phase, done, total, message });

  const calibrated = await calibrateWithStatistics(core, {
    model,
    modelName: req.modelName,
    backend: req.backend,
    calib: req.calib,
    calibName: req.calibName,
    qconfig: req.qconfig,
    batchSize: req.batchSize,
    cacheActivations: keep,
    signal: req.signal,
    onProgress: progress("calibrate"),
  });
  lap("calibrate_ms");
  const quantized = convert(core, calibrated.plan, calibrated.calibration, calibrated.batchSize);
  lap("convert_ms");
  const weights = compareWeights(quantized);
  lap("weights_ms");
  const hooks: RunHooks = { pool: req.pool, signal: req.signal, file: req.modelName, onProgress: progress("evaluate-int8") };
  const activations = await compareActivations(core, quantized, x, { ...hooks, shadow: req.shadow });
  lap("activations_ms");

  const outputName = model.graph.outputs[0].name;
  const floatOutput = activations.float.get(outputName)!;
  const int8Output = activations.int8.get(outputName)!;
  const context: VariantContext = {
    core,
    model,
    backend: req.backend,
    qconfig: req.qconfig,
    batchSize: calibrated.batchSize,
    cache: calibrated.cache!,
    calibData: calibrated.data,
    x,
    floatOutput,
    outputName,
    labels: req.labels,
    pool: req.pool,
    signal: req.signal,
    file: req.modelName,
  };
  const result = scoreOutput(context, int8Output.data);
  const layersOf = candidateLayers(quantized);
  const sensitivity = req.sensitivity
    ? await analyzeSensitivity(context, quantized, { targetDropPoints: req.targetDropPoints, onProgress: progress("evaluate-int8") })
    : undefined;
  if (sensitivity) lap("sensitivity_ms");
  const whatIfResults: NonNullable<NumericReport["what_if"]> = [];
  for (const change of req.whatIf ?? []) {
    const result = await whatIf(context, layersOf, [change]);
    whatIfResults.push({
      node: change.node,
      change: {
        ...(change.observer !== undefined ? { observer: change.observer } : {}),
        ...(change.perChannel !== undefined ? { per_channel: change.perChannel } : {}),
        ...(change.float ? { float: true } : {}),
      },
      result: toNumericVariant(result),
    });
  }
  if (whatIfResults.length) lap("what_if_ms");

  const weightOf = new Map(weights.map((w) => [w.node, w]));
  const byTensor = new Map(activations.comparisons.map((c) => [`${c.kind}:${c.tensor}`, c]));
  const sens = new Map(sensitivity?.layers.map((l) => [l.node, l]));
  const layers: NumericLayer[] = quantized.groups.map((g) => {
    const w = weightOf.get(g.id);
    const a = byTensor.get(`layer:${g.output}`)!;
    const o = g.observedTensor ? byTensor.get(`observed:${g.observedTensor}`) : undefined;
    const s = sens.get(g.id);
    return {
      node: g.id,
      ops: g.nodes.map((n) => n.opType),
      torch: g.torchEquivalent,
      output: g.output,
      scale: g.outputQParams.scale,
      zero_point: g.outputQParams.zeroPoint,
      weight_sqnr_db: w ? finiteOrNull(w.metrics.sqnr_db) : null,
      activation_sqnr_db: finiteOrNull(a.propagated.sqnr_db),
      shadow_sqnr_db: a.shadow ? finiteOrNull(a.shadow.sqnr_db) : null,
      ...(w
        ? { weight: { tensor: w.tensor, qscheme: w.qscheme, shape: w.shape, metrics: toNumericMetrics(w.metrics), per_channel: w.per_channel.map(toNumericMetrics) } }
        : {}),
      activation: { propagated: toNumericMetrics(a.propagated), ...(a.shadow ? { shadow: toNumericMetrics(a.shadow) } : {}) },
      ...(o
        ? { observed: { tensor: o.tensor, activation_sqnr_db: finiteOrNull(o.propagated.sqnr_db), shadow_sqnr_db: o.shadow ? finiteOrNull(o.shadow.sqnr_db) : null } }
        : {}),
      ...(s
        ? {
            sensitivity: {
              rank: s.rank,
              gain_points: s.gain_points,
              gain_sqnr_db: finiteOrNull(s.gain_sqnr_db),
              only_this_int8: toNumericVariant(s.only_this_int8),
              all_but_this: toNumericVariant(s.all_but_this),
            },
          }
        : {}),
    };
  });
  const bins = req.histogramBins ?? 128;
  const report: NumericReport = {
    version: NUMERIC_REPORT_VERSION,
    kind: "quantscope.numeric-report",
    ...(req.modelName !== undefined ? { model: req.modelName } : {}),
    backend: req.backend,
    calibration: { samples: calibrated.calibration.samples, batch_size: calibrated.batchSize, batches: calibrated.calibration.batches },
    data: { samples, labeled: req.labels !== undefined },
    result: {
      ...toNumericVariant(result),
      ...(req.labels ? { float_accuracy: top1Accuracy(floatOutput.data, floatOutput.shape[floatOutput.shape.length - 1], req.labels) } : {}),
    },
    layers,
    quant_stubs: activations.comparisons
      .filter((c) => c.kind === "quant_stub")
      .map((c) => ({ tensor: c.tensor, node: c.node, activation_sqnr_db: finiteOrNull(c.propagated.sqnr_db), metrics: toNumericMetrics(c.propagated) })),
    calibration_stats: calibrated.statistics.map((s) => ({ ...s, histogram: downsampleHistogram(s.histogram, bins) })),
    float_nodes: calibrated.plan.floatNodes.map(({ node, reason }) => ({ node: node.name || node.outputs[0], op: node.opType, reason })),
    ...(sensitivity
      ? {
          sensitivity: {
            metric: sensitivity.metric,
            ranking: sensitivity.layers.map((l) => l.node),
            ...(sensitivity.suggestion ? { suggestion: { ...sensitivity.suggestion, result: toNumericVariant(sensitivity.suggestion.result) } } : {}),
          },
        }
      : {}),
    ...(whatIfResults.length ? { what_if: whatIfResults } : {}),
    timing_ms: timing,
  };
  return { report, quantized, ...(keep ? { session: { context, layers: layersOf } } : {}) };
}
