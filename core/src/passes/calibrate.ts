// Calibration: runs the float model over calibration batches and feeds every observed tensor to its
// observer, then turns the observers' statistics into qparams (any process, fs-free). PyTorch's observers
// run in the WASM core (core/src/wasm/observers.ts); ORT's Percentile and Entropy are extras in
// histogram-calibrators.ts. HistogramObserver depends on how data is batched, so batch boundaries are
// exactly the caller's batch size: one batch of 256 reproduces PyTorch's single-batch calibration.
import { throwIfCancelled } from "../errors";
import type { FloatExecutor, TensorEvent } from "../runtime/float-executor";
import type { WasmCore } from "../wasm/core";
import { createObserver, type Observer, type ObserverSpec } from "../wasm/observers";
import type { ResolvedObserver } from "../qconfig/types";
import { createRangeCalibrator, type RangeCalibrator } from "./histogram-calibrators";
import type { ObserverSite, QuantPlan } from "./prepare";

/** A float32 tensor, row-major. */
export interface FloatTensor {
  data: Float32Array;
  shape: number[];
}

export interface CalibrationProgress {
  /** Batches done so far and in total. */
  batch: number;
  batches: number;
  samples: number;
  totalSamples: number;
}

export interface CalibrateOptions {
  /** Samples per batch (the last batch may be smaller). */
  batchSize: number;
  onProgress?: (p: CalibrationProgress) => void;
  signal?: AbortSignal;
}

/** The calibrated qparams of one observed tensor. */
export interface ActivationQParams {
  tensor: string;
  producerNode: string;
  role: ObserverSite["role"];
  observer: ResolvedObserver;
  /** The range the qparams were computed from (histogram: the searched range; percentile/entropy: the chosen range). */
  min: number;
  max: number;
  scale: number;
  zeroPoint: number;
}

export interface CalibrationResult {
  activations: Map<string, ActivationQParams>;
  batches: number;
  samples: number;
}

/** PyTorch observer kinds run by the WASM core; the others are range calibrators. */
function toObserverSpec(o: ResolvedObserver): ObserverSpec | undefined {
  if (o.observer === "percentile" || o.observer === "entropy") return undefined;
  const spec: ObserverSpec = { kind: o.observer, dtype: o.dtype, qscheme: o.qscheme, reduceRange: o.customRange ? false : o.reduceRange };
  if (o.customRange) {
    spec.quantMin = o.quantMin;
    spec.quantMax = o.quantMax;
  }
  if (o.chAxis !== undefined && (o.observer === "per_channel_minmax" || o.observer === "moving_average_per_channel_minmax")) spec.chAxis = o.chAxis;
  if (o.averagingConstant !== undefined) spec.averagingConstant = o.averagingConstant;
  if (o.bins !== undefined && o.observer === "histogram") spec.bins = o.bins;
  return spec;
}

/** One observer per tensor: a PyTorch observer in WASM, or an ORT-style range calibrator. */
export class TensorObserver {
  private readonly wasm?: Observer;
  private readonly calibrator?: RangeCalibrator;

  constructor(
    private readonly core: WasmCore,
    readonly site: ObserverSite,
  ) {
    const spec = toObserverSpec(site.observer);
    if (spec) this.wasm = createObserver(core, spec);
    else this.calibrator = createRangeCalibrator(site.observer);
  }

  observe(event: TensorEvent): void {
    const data = event.data as Float32Array;
    if (this.wasm) {
      if (event.ptr) this.wasm.observePtr(event.ptr, data.length, event.shape);
      else this.wasm.observe(data, event.shape);
    } else this.calibrator!.observe(data);
  }

  result(): ActivationQParams {
    const base = { tensor: this.site.tensor, producerNode: this.site.producerNode, role: this.site.role, observer: this.site.observer };
    if (this.wasm) {
      // Running min/max, as PyTorch's min_val/max_val buffers (HistogramObserver included).
      const q = this.wasm.calculateQParams();
      return { ...base, min: Number(this.wasm.minVal), max: Number(this.wasm.maxVal), scale: q.scales[0], zeroPoint: q.zeroPoints[0] };
    }
    const { min, max } = this.calibrator!.range();
    // PyTorch's affine formula on the chosen range, through a MinMax observer with the same dtype/range.
    const o = this.site.observer;
    const mm = createObserver(this.core, {
      kind: "minmax",
      dtype: o.dtype,
      qscheme: o.qscheme.startsWith("per_channel") ? "per_tensor_affine" : o.qscheme,
      quantMin: o.quantMin,
      quantMax: o.quantMax,
    });
    try {
      mm.observe(Float32Array.of(min, max), [2]);
      const q = mm.calculateQParams();
      return { ...base, min, max, scale: q.scales[0], zeroPoint: q.zeroPoints[0] };
    } finally {
      mm.dispose();
    }
  }

  dispose(): void {
    this.wasm?.dispose();
  }
}

/**
 * Calibrates every observer of `plan` on `data` (inputs by graph input name, each [N, ...] with the same
 * N), running `executor` (built on plan.graph) batch by batch. Throws CancelledError when `signal` fires.
 */
export async function calibrate(
  core: WasmCore,
  plan: QuantPlan,
  executor: FloatExecutor,
  data: ReadonlyMap<string, FloatTensor>,
  options: CalibrateOptions,
): Promise<CalibrationResult> {
  const first = [...data.values()][0];
  const total = first ? first.shape[0] : 0;
  const batchSize = Math.max(1, Math.floor(options.batchSize));
  const observers = new Map<string, TensorObserver>();
  try {
    for (const site of plan.observers) observers.set(site.tensor, new TensorObserver(core, site));
    let batches = 0;
    await executor.run(data, {
      batchSize,
      signal: options.signal,
      onTensor: (event) => {
        if (event.dtype === "float32") observers.get(event.name)?.observe(event);
      },
      onProgress: (done, all) => {
        batches++;
        options.onProgress?.({ batch: batches, batches: Math.max(batches, Math.ceil(all / batchSize)), samples: done, totalSamples: all });
      },
    });
    throwIfCancelled(options.signal);
    const activations = new Map<string, ActivationQParams>();
    for (const [name, o] of observers) activations.set(name, o.result());
    return { activations, batches, samples: total };
  } finally {
    for (const o of observers.values()) o.dispose();
  }
}
