// ONNX Runtime-style calibrators offered as extras next to PyTorch's observers: Percentile and Entropy
// (KL divergence) over a histogram of the observed values (any process, fs-free). They follow the
// algorithms of onnxruntime.quantization.calibrate (HistogramCollector): a histogram of |x| for
// Percentile, a histogram over [-max|x|, max|x|] for Entropy, both re-binned as the range grows; the
// chosen range then goes through PyTorch's affine qparams formula like any other observer's.
import type { ResolvedObserver } from "../qconfig/types";

export interface RangeCalibrator {
  observe(x: Float32Array): void;
  /** The calibrated [min, max] (both 0 before any data). */
  range(): { min: number; max: number };
}

/** A histogram over [lo, hi] that widens (re-binning its counts) when new data falls outside. */
class GrowingHistogram {
  counts: Float64Array;
  lo = 0;
  hi = 0;
  private empty = true;

  constructor(
    readonly bins: number,
    private readonly symmetric: boolean,
  ) {
    this.counts = new Float64Array(bins);
  }

  add(values: Float32Array, abs: boolean): void {
    let mx = 0;
    let mn = 0;
    for (let i = 0; i < values.length; i++) {
      const v = abs ? Math.abs(values[i]) : values[i];
      if (!Number.isFinite(v)) continue;
      if (v > mx) mx = v;
      if (v < mn) mn = v;
    }
    if (this.symmetric) {
      const m = Math.max(mx, -mn);
      mn = -m;
      mx = m;
    }
    if (this.empty) {
      this.lo = mn;
      this.hi = mx;
      this.empty = false;
    } else if (mn < this.lo || mx > this.hi) {
      this.rebin(Math.min(mn, this.lo), Math.max(mx, this.hi));
    }
    const width = (this.hi - this.lo) / this.bins;
    if (!(width > 0)) {
      this.counts[0] += values.length;
      return;
    }
    for (let i = 0; i < values.length; i++) {
      const v = abs ? Math.abs(values[i]) : values[i];
      if (!Number.isFinite(v)) continue;
      let b = Math.floor((v - this.lo) / width);
      if (b >= this.bins) b = this.bins - 1;
      if (b < 0) b = 0;
      this.counts[b] += 1;
    }
  }

  private rebin(lo: number, hi: number): void {
    const old = this.counts;
    const oldWidth = (this.hi - this.lo) / this.bins;
    const width = (hi - lo) / this.bins;
    this.counts = new Float64Array(this.bins);
    for (let b = 0; b < this.bins; b++) {
      if (old[b] === 0) continue;
      const centre = this.lo + (b + 0.5) * oldWidth;
      let nb = width > 0 ? Math.floor((centre - lo) / width) : 0;
      if (nb >= this.bins) nb = this.bins - 1;
      if (nb < 0) nb = 0;
      this.counts[nb] += old[b];
    }
    this.lo = lo;
    this.hi = hi;
  }
}

/** ORT's Percentile method: the |x| percentile as the range end; the range starts at 0 for non-negative data. */
export class PercentileCalibrator implements RangeCalibrator {
  private readonly hist: GrowingHistogram;
  private sawNegative = false;
  private sawAny = false;

  constructor(
    bins: number,
    private readonly percentile: number,
  ) {
    this.hist = new GrowingHistogram(bins, false);
  }

  observe(x: Float32Array): void {
    if (x.length === 0) return;
    this.sawAny = true;
    for (let i = 0; i < x.length && !this.sawNegative; i++) if (x[i] < 0) this.sawNegative = true;
    this.hist.add(x, true);
  }

  range(): { min: number; max: number } {
    if (!this.sawAny) return { min: 0, max: 0 };
    const { counts, hi } = this.hist;
    let total = 0;
    for (const c of counts) total += c;
    const target = (this.percentile / 100) * total;
    let cumulative = 0;
    let index = counts.length - 1;
    for (let b = 0; b < counts.length; b++) {
      cumulative += counts[b];
      if (cumulative >= target) {
        index = b;
        break;
      }
    }
    const edge = ((index + 1) / counts.length) * hi;
    return { min: this.sawNegative ? -edge : 0, max: edge };
  }
}

/**
 * ORT's Entropy method: the symmetric threshold whose quantized distribution (numQuantizedBins levels)
 * has the smallest KL divergence from the observed one; non-negative data keeps 0 as its lower end.
 */
export class EntropyCalibrator implements RangeCalibrator {
  private readonly hist: GrowingHistogram;
  private sawNegative = false;
  private sawAny = false;

  constructor(
    bins: number,
    private readonly numQuantizedBins = 128,
  ) {
    // An odd bin count keeps zero at a bin centre, as ORT's collector does.
    this.hist = new GrowingHistogram(bins % 2 === 0 ? bins + 1 : bins, true);
  }

  observe(x: Float32Array): void {
    if (x.length === 0) return;
    this.sawAny = true;
    for (let i = 0; i < x.length && !this.sawNegative; i++) if (x[i] < 0) this.sawNegative = true;
    this.hist.add(x, false);
  }

  range(): { min: number; max: number } {
    if (!this.sawAny) return { min: 0, max: 0 };
    const { counts, hi } = this.hist;
    const bins = counts.length;
    const zeroBin = Math.floor(bins / 2);
    const half = Math.floor(this.numQuantizedBins / 2);
    let bestKl = Infinity;
    let bestI = zeroBin;
    const width = (2 * hi) / bins;
    for (let i = half; i <= zeroBin; i++) {
      const start = zeroBin - i;
      const end = Math.min(zeroBin + i + 1, bins);
      const p = Array.from(counts.subarray(start, end));
      let leftOut = 0;
      for (let b = 0; b < start; b++) leftOut += counts[b];
      let rightOut = 0;
      for (let b = end; b < bins; b++) rightOut += counts[b];
      p[0] += leftOut;
      p[p.length - 1] += rightOut;
      const q = quantizeDistribution(p, this.numQuantizedBins, counts.subarray(start, end));
      const kl = klDivergence(p, q);
      if (kl < bestKl) {
        bestKl = kl;
        bestI = i;
      }
    }
    const threshold = (bestI + 0.5) * width;
    return { min: this.sawNegative ? -threshold : 0, max: threshold };
  }
}

function quantizeDistribution(p: number[], levels: number, original: Float64Array): number[] {
  const n = p.length;
  const q = new Array<number>(n).fill(0);
  const per = n / levels;
  for (let j = 0; j < levels; j++) {
    const start = Math.floor(j * per);
    const end = j === levels - 1 ? n : Math.floor((j + 1) * per);
    let sum = 0;
    let nonZero = 0;
    for (let k = start; k < end; k++) {
      sum += original[k];
      if (original[k] !== 0) nonZero++;
    }
    if (nonZero === 0) continue;
    for (let k = start; k < end; k++) if (original[k] !== 0) q[k] = sum / nonZero;
  }
  return q;
}

function klDivergence(p: number[], q: number[]): number {
  let ps = 0;
  let qs = 0;
  for (let i = 0; i < p.length; i++) {
    ps += p[i];
    qs += q[i];
  }
  if (ps === 0 || qs === 0) return Infinity;
  let kl = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === 0) continue;
    const pi = p[i] / ps;
    const qi = q[i] / qs;
    kl += qi === 0 ? pi * 20 : pi * Math.log(pi / qi); // smoothed: an unreachable level costs a lot
  }
  return kl;
}

export function createRangeCalibrator(observer: ResolvedObserver): RangeCalibrator {
  if (observer.observer === "percentile") return new PercentileCalibrator(observer.bins ?? 2048, observer.percentile ?? 99.999);
  return new EntropyCalibrator(observer.bins ?? 128);
}
