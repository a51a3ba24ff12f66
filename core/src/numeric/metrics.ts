// Error metrics between a float reference and its quantized version (any process, fs-free): SQNR as
// torch.ao.ns defines it (20 log10(|x| / |x - y|)), mean squared error, largest absolute error and cosine
// similarity, and top-1 accuracy. Sums run in float64 so large tensors do not lose precision.

export interface ErrorMetrics {
  /** 20 log10(||ref|| / ||ref - test||) in dB; Infinity when the two agree exactly. */
  sqnr_db: number;
  mse: number;
  max_abs_error: number;
  /** <ref, test> / (||ref|| ||test||); 1 when both are zero. */
  cosine: number;
  /** Values compared. */
  count: number;
}

/** Running sums for one comparison; `add` may be called on successive chunks. */
export class MetricAccumulator {
  private signal = 0;
  private noise = 0;
  private testPower = 0;
  private dot = 0;
  private maxAbs = 0;
  private n = 0;

  add(reference: ArrayLike<number>, test: ArrayLike<number>, offset = 0, length = reference.length - offset, stride = 1): void {
    if (test.length !== reference.length) throw new RangeError(`cannot compare ${reference.length} values with ${test.length}`);
    let signal = 0;
    let noise = 0;
    let testPower = 0;
    let dot = 0;
    let maxAbs = this.maxAbs;
    for (let k = 0, i = offset; k < length; k++, i += stride) {
      const r = reference[i];
      const t = test[i];
      const d = r - t;
      signal += r * r;
      noise += d * d;
      testPower += t * t;
      dot += r * t;
      const a = d < 0 ? -d : d;
      if (a > maxAbs) maxAbs = a;
    }
    this.signal += signal;
    this.noise += noise;
    this.testPower += testPower;
    this.dot += dot;
    this.maxAbs = maxAbs;
    this.n += length;
  }

  result(): ErrorMetrics {
    return {
      sqnr_db: sqnrFromPowers(this.signal, this.noise),
      mse: this.n ? this.noise / this.n : 0,
      max_abs_error: this.maxAbs,
      cosine: cosineFrom(this.dot, this.signal, this.testPower),
      count: this.n,
    };
  }
}

function sqnrFromPowers(signal: number, noise: number): number {
  if (noise === 0) return Infinity;
  if (signal === 0) return -Infinity;
  return 10 * Math.log10(signal / noise);
}

function cosineFrom(dot: number, a: number, b: number): number {
  if (a === 0 && b === 0) return 1;
  if (a === 0 || b === 0) return 0;
  return dot / Math.sqrt(a * b);
}

/** All metrics of `test` against `reference` (same length). */
export function errorMetrics(reference: ArrayLike<number>, test: ArrayLike<number>): ErrorMetrics {
  const acc = new MetricAccumulator();
  acc.add(reference, test);
  return acc.result();
}

/** SQNR in dB, PyTorch's compute_sqnr: 20 log10(||x|| / ||x - y||). */
export function sqnrDb(reference: ArrayLike<number>, test: ArrayLike<number>): number {
  return errorMetrics(reference, test).sqnr_db;
}

/**
 * Metrics per channel of `axis` for row-major tensors of `shape` (e.g. weights [OC, ...] with axis 0,
 * activations [N, C, H, W] with axis 1).
 */
export function perChannelMetrics(reference: ArrayLike<number>, test: ArrayLike<number>, shape: readonly number[], axis: number): ErrorMetrics[] {
  if (axis < 0 || axis >= shape.length) throw new RangeError(`axis ${axis} is out of range for shape [${shape.join(", ")}]`);
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const channels = shape[axis];
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const accs = Array.from({ length: channels }, () => new MetricAccumulator());
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) accs[c].add(reference, test, (o * channels + c) * inner, inner);
  }
  return accs.map((a) => a.result());
}

/** Index of the largest of a[offset .. offset + length) (the first on ties). */
export function argmax(a: ArrayLike<number>, offset: number, length: number): number {
  let best = 0;
  for (let j = 1; j < length; j++) if (a[offset + j] > a[offset + best]) best = j;
  return best;
}

/** Top-1 accuracy of logits [N, C] against labels. */
export function top1Accuracy(logits: ArrayLike<number>, classes: number, labels: ArrayLike<number | bigint>): number {
  const n = labels.length;
  let correct = 0;
  for (let i = 0; i < n; i++) if (argmax(logits, i * classes, classes) === Number(labels[i])) correct++;
  return n ? correct / n : 0;
}

/** A JSON-safe number: Infinity/-Infinity/NaN become null (JSON has no infinities). */
export function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
