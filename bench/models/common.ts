// Shared pieces of the model benchmark (bench processes): the model path, deterministic input images and
// the latency measurement (warm-up, then the median of timed runs).
import * as path from "node:path";

export const MOBILENET = path.resolve(__dirname, "../../../shared/golden/models/mobilenet_v2.onnx");
export const INPUT_SHAPE = [1, 3, 224, 224];
export const CALIBRATION_IMAGES = 32;

/** `count` images [count, 3, 224, 224] of roughly standard-normal pixels (a fixed LCG + Box-Muller). */
export function images(count: number, seed = 12345): Float32Array {
  const n = count * 3 * 224 * 224;
  const out = new Float32Array(n);
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 1) / 4294967297;
  };
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(next()));
    const t = 2 * Math.PI * next();
    out[i] = r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

export interface Latency {
  median_ms: number;
  min_ms: number;
  runs: number;
}

/** Runs `fn` a few times to warm up, then `runs` timed times; reports the median and the best. */
export async function measureLatency(fn: () => Promise<unknown> | unknown, runs = 30, warmup = 5): Promise<Latency> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { median_ms: times[Math.floor(runs / 2)], min_ms: times[0], runs };
}
