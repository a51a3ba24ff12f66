// Calibration with statistics for the numeric report (any process, fs-free): the same qparams as the
// pipeline's calibrate pass (`quantscope quantize`), plus (1) a histogram of every observed tensor with
// PyTorch's HistogramObserver algorithm (for a histogram observer, the observer's own histogram) and (2)
// optionally every float activation of every batch, so what-if and sensitivity runs re-calibrate without
// re-running the float model. One float run does it all.
import { getBackend } from "../backends";
import { throwIfCancelled } from "../errors";
import type { Model } from "../onnx/ir";
import { calibrate, type ActivationQParams, type CalibrationResult, type FloatTensor } from "../passes/calibrate";
import { prepare, type QuantPlan } from "../passes/prepare";
import { bindInputs, calibratedTensor, selectCalibrationSamples, DEFAULT_BATCH_SIZE, type CalibrateRequest } from "../pipeline/pipeline";
import type { CalibratedTensor, NumericCalibrationStat } from "../report/numeric-schema";
import { FloatExecutor, type RunOptions, type TensorEvent } from "../runtime/float-executor";
import { int8Support } from "../runtime/int8-ops";
import type { WasmCore } from "../wasm/core";
import { createObserver, observerSpecFromResolved, type Observer } from "../wasm/observers";

/** Bins of the statistics histograms (HistogramObserver's default). */
export const STATS_BINS = 2048;

/** Float activations of every calibration batch, replayed to observers instead of re-running the model. */
export class ActivationCache {
  readonly batches: { size: number; values: { name: string; shape: number[]; data: Float32Array }[] }[] = [];
  samples = 0;

  record(event: TensorEvent): void {
    if (event.dtype !== "float32") return;
    let b = this.batches[event.batchIndex];
    if (!b) this.batches[event.batchIndex] = b = { size: event.shape[0] ?? 1, values: [] };
    b.values.push({ name: event.name, shape: [...event.shape], data: Float32Array.from(event.data as Float32Array) });
  }

  /** Bytes held. */
  get bytes(): number {
    return this.batches.reduce((s, b) => s + b.values.reduce((t, v) => t + v.data.byteLength, 0), 0);
  }

  /**
   * An object with the float executor's `run` that replays the cached batches to `onTensor` (the calibrate
   * pass reads nothing else). The batches are the ones recorded, whatever batch size is asked for.
   */
  replayer(): Pick<FloatExecutor, "run"> {
    return {
      run: async (_inputs, options: RunOptions = {}) => {
        let done = 0;
        this.batches.forEach((b, batchIndex) => {
          throwIfCancelled(options.signal);
          for (const v of b.values) {
            options.onTensor?.({ name: v.name, node: undefined, dtype: "float32", shape: v.shape, ptr: 0, data: v.data, batchIndex, batchStart: done });
          }
          done += b.size;
          options.onProgress?.(done, this.samples);
        });
        return new Map();
      },
    };
  }
}

export interface CalibrationWithStats {
  plan: QuantPlan;
  calibration: CalibrationResult;
  batchSize: number;
  /** The calibration samples (after the qconfig's numBatches/seed selection), by graph input. */
  data: Map<string, FloatTensor>;
  statistics: NumericCalibrationStat[];
  cache?: ActivationCache;
}

/** The pipeline's calibration request, on an already-read model, with a plain progress callback. */
export interface CalibrateWithStatsRequest extends Omit<CalibrateRequest, "model" | "onProgress"> {
  model: Model;
  /** Keep every float activation for later re-calibration (what-if, sensitivity). */
  cacheActivations?: boolean;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, message: string) => void;
}

/**
 * Prepares, calibrates and collects statistics in the same float run. Observers of kinds other than
 * histogram run in the pipeline's calibrate pass, with a HistogramObserver beside each for the statistics.
 * A histogram observer's own histogram is the statistic, so those sites are observed once, here, by the same
 * WASM HistogramObserver the pipeline would create (observerSpecFromResolved), and their qparams are its
 * calculate_qparams, as in the pipeline's TensorObserver: calibrating twice would double the dominant cost.
 */
export async function calibrateWithStatistics(core: WasmCore, req: CalibrateWithStatsRequest): Promise<CalibrationWithStats> {
  const bound = bindInputs(req.model, req.calib, req.calibName);
  const batchSize = req.batchSize ?? req.qconfig?.calibration?.batchSize ?? DEFAULT_BATCH_SIZE;
  const data = selectCalibrationSamples(bound, batchSize, req.qconfig?.calibration?.numBatches, req.qconfig?.calibration?.seed);
  const plan = prepare(req.model.graph, { backend: getBackend(req.backend), qconfig: req.qconfig, int8Support });
  const executor = FloatExecutor.create(core, plan.graph, { file: req.modelName });
  /** Per observed tensor: the histogram the statistics come from, and whether it is the site's own observer. */
  const histograms = new Map<string, { observer: Observer; own: boolean }>();
  const cache = req.cacheActivations ? new ActivationCache() : undefined;
  try {
    for (const site of plan.observers) {
      const own = site.observer.observer === "histogram";
      const spec = own ? observerSpecFromResolved(site.observer) : { kind: "histogram" as const, dtype: "quint8" as const, qscheme: "per_tensor_affine" as const, bins: STATS_BINS };
      histograms.set(site.tensor, { observer: createObserver(core, spec), own });
    }
    const delegated: QuantPlan = { ...plan, observers: plan.observers.filter((o) => !histograms.get(o.tensor)!.own) };
    // Tee: the calibrate pass's observers see every tensor first, then the histograms and the cache.
    const run = executor.run.bind(executor);
    const tee: Pick<FloatExecutor, "run"> = {
      run: (inputs, options = {}) =>
        run(inputs, {
          ...options,
          onTensor: (e) => {
            options.onTensor?.(e);
            if (e.dtype !== "float32") return;
            const h = histograms.get(e.name)?.observer;
            if (h) {
              if (e.ptr) h.observePtr(e.ptr, e.data.length, e.shape);
              else h.observe(e.data as Float32Array, e.shape);
            }
            cache?.record(e);
          },
        }),
    };
    const partial = await calibrate(core, delegated, tee as FloatExecutor, data, {
      batchSize,
      signal: req.signal,
      onProgress: (p) => req.onProgress?.(p.samples, p.totalSamples, `calibrating: batch ${p.batch}/${p.batches}`),
    });
    const activations = new Map<string, ActivationQParams>();
    for (const site of plan.observers) {
      const h = histograms.get(site.tensor)!;
      if (!h.own) {
        activations.set(site.tensor, partial.activations.get(site.tensor)!);
        continue;
      }
      const q = h.observer.calculateQParams();
      activations.set(site.tensor, {
        tensor: site.tensor,
        producerNode: site.producerNode,
        role: site.role,
        observer: site.observer,
        min: Number(h.observer.minVal),
        max: Number(h.observer.maxVal),
        scale: q.scales[0],
        zeroPoint: q.zeroPoints[0],
      });
    }
    const calibration: CalibrationResult = { ...partial, activations };
    if (cache) cache.samples = calibration.samples;
    const statistics = plan.observers.map((site) => statisticsOf(calibration, site.tensor, histograms.get(site.tensor)!.observer));
    return { plan, calibration, batchSize, data, statistics, cache };
  } finally {
    for (const h of histograms.values()) h.observer.dispose();
    executor.dispose();
  }
}

function statisticsOf(calibration: CalibrationResult, tensor: string, h: Observer): NumericCalibrationStat {
  const a = calibration.activations.get(tensor)!;
  const state = h.histogram!();
  const { quantMin, quantMax } = a.observer;
  return describeRange({ ...calibratedTensor(a), min: state.min, max: state.max, quant_min: quantMin, quant_max: quantMax, bins: state.bins });
}

/** Clipping range, clipped share and grid use of a tensor's qparams against its histogram. */
export function describeRange(s: CalibratedTensor & { quant_min: number; quant_max: number; bins: Float32Array }): NumericCalibrationStat {
  const clipMin = (s.quant_min - s.zero_point) * s.scale;
  const clipMax = (s.quant_max - s.zero_point) * s.scale;
  const empty = !(s.min <= s.max);
  const lo = empty ? 0 : s.min;
  const hi = empty ? 0 : s.max;
  const total = s.bins.reduce((a, b) => a + b, 0);
  return {
    tensor: s.tensor,
    producer_node: s.producer_node,
    role: s.role,
    observer: s.observer,
    min: lo,
    max: hi,
    scale: s.scale,
    zero_point: s.zero_point,
    quant_min: s.quant_min,
    quant_max: s.quant_max,
    clip_min: clipMin,
    clip_max: clipMax,
    clipped_fraction: total > 0 ? massOutside(s.bins, lo, hi, clipMin, clipMax) / total : 0,
    range_used: levelsUsed(lo, hi, s.scale, s.zero_point, s.quant_min, s.quant_max) / (s.quant_max - s.quant_min + 1),
    int8_levels_used: levelsUsed(lo, hi, s.scale, s.zero_point, s.quant_min, s.quant_max) / 256,
    histogram: { lo, hi, counts: Array.from(s.bins) },
  };
}

/** Histogram mass below clipMin or above clipMax; a bin cut by a bound counts in proportion. */
function massOutside(bins: Float32Array, lo: number, hi: number, clipMin: number, clipMax: number): number {
  const n = bins.length;
  const width = (hi - lo) / n;
  if (!(width > 0)) return lo < clipMin || hi > clipMax ? bins.reduce((a, b) => a + b, 0) : 0;
  let out = 0;
  for (let i = 0; i < n; i++) {
    if (bins[i] === 0) continue;
    const a = lo + i * width;
    const b = a + width;
    const below = Math.max(0, Math.min(b, clipMin) - a);
    const above = Math.max(0, b - Math.max(a, clipMax));
    out += (bins[i] * Math.min(width, below + above)) / width;
  }
  return out;
}

/** Integer levels between the quantized min and max (inclusive), clamped to the grid. */
function levelsUsed(min: number, max: number, scale: number, zeroPoint: number, quantMin: number, quantMax: number): number {
  const q = (v: number) => Math.min(quantMax, Math.max(quantMin, Math.round(v / scale) + zeroPoint));
  return q(max) - q(min) + 1;
}

/** Averages a histogram down to `bins` bins (for reports). */
export function downsampleHistogram(h: { lo: number; hi: number; counts: number[] }, bins: number): { lo: number; hi: number; counts: number[] } {
  if (h.counts.length <= bins || h.counts.length % bins !== 0) return h;
  const k = h.counts.length / bins;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < h.counts.length; i++) counts[Math.floor(i / k)] += h.counts[i];
  return { lo: h.lo, hi: h.hi, counts };
}

