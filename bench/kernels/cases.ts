// Benchmark cases of the int8 kernel benchmark and the shared timing helper (bench processes).
import * as fs from "node:fs";
import * as os from "node:os";

export type BenchCase =
  | { name: string; kind: "gemm"; m: number; k: number; n: number }
  | {
      name: string;
      kind: "conv";
      c: number;
      h: number;
      w: number;
      oc: number;
      k: number;
      pad: number;
      groups: number;
    };

export const CASES: BenchCase[] = [
  { name: "gemm 256^3", kind: "gemm", m: 256, k: 256, n: 256 },
  { name: "gemm 512^3", kind: "gemm", m: 512, k: 512, n: 512 },
  { name: "gemm 1024^3", kind: "gemm", m: 1024, k: 1024, n: 1024 },
  { name: "gemm 3136x576x64", kind: "gemm", m: 3136, k: 576, n: 64 },
  { name: "conv3x3 1x64x56x56->64", kind: "conv", c: 64, h: 56, w: 56, oc: 64, k: 3, pad: 1, groups: 1 },
  { name: "depthwise3x3 1x64x56x56", kind: "conv", c: 64, h: 56, w: 56, oc: 64, k: 3, pad: 1, groups: 64 },
];

/** Integer operations of one run (2 per multiply-accumulate). */
export function opsOf(c: BenchCase): number {
  if (c.kind === "gemm") return 2 * c.m * c.k * c.n;
  const oh = c.h + 2 * c.pad - c.k + 1;
  const ow = c.w + 2 * c.pad - c.k + 1;
  return 2 * c.oc * oh * ow * (c.c / c.groups) * c.k * c.k;
}

export interface BenchResult {
  case: string;
  threads: number;
  gops: number;
  cpuGops: number;
  /** Ops per second of the busiest thread's CPU time (null where /proc is unavailable). */
  busiestThreadGops: number | null;
  /** Ours, several threads: wall-clock speedup over 1 thread, median of interleaved rounds. */
  speedup?: number | null;
}

/** Deterministic bytes for inputs and weights. */
export function pseudoRandomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s & 255;
  }
  return out;
}

/**
 * GOPS of one case: median wall clock; median CPU time of the whole process (all threads); and median
 * CPU time of the busiest thread. The last is the run's critical path when every thread has a core of
 * its own: on cores shared with other jobs, wall-clock time includes waiting for a core, while
 * ops / busiest-thread CPU time still shows how evenly and how well the work splits across threads.
 */
export interface Measured {
  gops: number;
  cpuGops: number;
  busiestThreadGops: number | null;
}

/** Nanoseconds each thread of this process has run (Linux /proc/self/task/<tid>/schedstat), or null. */
function threadCpuNs(): Map<string, number> | null {
  try {
    const out = new Map<string, number>();
    for (const tid of fs.readdirSync("/proc/self/task")) {
      const fields = fs.readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8").split(" ");
      out.set(tid, Number(fields[0]));
    }
    return out;
  } catch {
    return null;
  }
}

/** Largest per-thread CPU time (ns) spent between two threadCpuNs snapshots. */
function busiestThreadNs(
  before: Map<string, number> | null,
  after: Map<string, number> | null,
): number | null {
  if (!before || !after) return null;
  let most = 0;
  for (const [tid, ns] of after) most = Math.max(most, ns - (before.get(tid) ?? 0));
  return most;
}

/**
 * Raises this process's scheduling priority by `niceness` (e.g. -15; root only) when the bench's
 * --nice option asked for it through QS_BENCH_NICE. Threads started afterwards (our kernel workers,
 * onnxruntime-web's pthreads) inherit it, so on a shared machine the runtimes get the cores more often
 * and wall-clock figures, thread scaling included, mean something. Call before creating any thread.
 */
export function applyBenchPriority(): void {
  const value = process.env.QS_BENCH_NICE;
  if (value === undefined || value === "") return;
  try {
    os.setPriority(Number(value));
  } catch (e) {
    // Not permitted (raising priority needs root): measure at the normal priority and say so.
    process.stderr.write(`bench:kernels: niceness ${value} not applied (${(e as Error).message})\n`);
  }
}

/**
 * Median of 5 samples after warm-up; each sample repeats the run until it lasts at least 40 ms so small
 * cases are not dominated by timer resolution. Wall-clock GOPS is the headline; CPU-time GOPS (ops per
 * CPU-second of the process) stays meaningful when other processes compete for the cores.
 */
export async function measure(ops: number, run: () => unknown | Promise<unknown>): Promise<Measured> {
  const t0 = performance.now();
  await run();
  const once = Math.max(performance.now() - t0, 0.01);
  const reps = Math.max(1, Math.ceil(40 / once));
  for (let i = 0; i < Math.min(reps, 20); i++) await run();
  const wall: number[] = [];
  const cpu: number[] = [];
  const busiest: number[] = [];
  for (let s = 0; s < 5; s++) {
    const threadsBefore = threadCpuNs();
    const start = performance.now();
    const startCpu = process.cpuUsage();
    for (let i = 0; i < reps; i++) await run();
    const used = process.cpuUsage(startCpu);
    const ms = (performance.now() - start) / reps;
    const busiestNs = busiestThreadNs(threadsBefore, threadCpuNs());
    const cpuMs = (used.user + used.system) / 1000 / reps;
    wall.push(ops / (ms * 1e6));
    cpu.push(ops / (Math.max(cpuMs, 1e-3) * 1e6));
    if (busiestNs !== null) busiest.push(ops / (Math.max(busiestNs / 1e6 / reps, 1e-3) * 1e6));
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[2];
  return {
    gops: median(wall),
    cpuGops: median(cpu),
    busiestThreadGops: busiest.length === 5 ? median(busiest) : null,
  };
}

/**
 * Wall-clock speedup of `many` over `one` (the same job on more threads): rounds alternate a batch of
 * each, and the median of the per-round ratios is returned. Interleaving cancels most of the slow
 * drift of a shared machine's load, which separate 1- and 2-thread medians minutes apart do not.
 */
export function interleavedSpeedup(one: () => void, many: () => void, rounds = 9): number {
  const batch = (f: () => void, reps: number) => {
    const start = performance.now();
    for (let i = 0; i < reps; i++) f();
    return performance.now() - start;
  };
  one();
  many();
  const t0 = performance.now();
  one();
  const reps = Math.max(1, Math.ceil(40 / Math.max(performance.now() - t0, 0.01)));
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) ratios.push(batch(one, reps) / batch(many, reps));
  ratios.sort((a, b) => a - b);
  return ratios[rounds >> 1];
}
