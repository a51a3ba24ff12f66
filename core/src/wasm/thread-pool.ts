// Thread pool for the int8 kernels over shared WASM memory (runs in the process that owns the core).
// Workers instantiate the same WebAssembly.Module with the same shared memory and never run the start
// function: the main instance owns the allocator, workers only execute kernels on pointers the main
// thread allocated. Dispatch goes through a small control block in linear memory with Atomics
// (wait/notify), so a job costs microseconds, not a message round trip.
// This file is environment-neutral: the caller passes a `spawn` function that starts a worker running
// the loop described at CONTROL (Node: core/src/node/kernel-threads.ts).
import type { WasmCore } from "./core";

/** Kernel entry points a pool can run; each has the signature (desc, thread, threads). */
export const POOL_KERNELS = [
  "qlinear_thread",
  "qconv_nhwc_thread",
  "qconv_gemm_thread",
  "qdepthwise_thread",
  "qwinograd_thread",
  "qpointwise_thread",
] as const;
export type PoolKernel = (typeof POOL_KERNELS)[number];

/**
 * Control block words (Int32Array over linear memory), shared with the worker loop. A worker waits for
 * SEQ to change, runs POOL_KERNELS[FN](DESC, its index, THREADS) when its index < THREADS, sets ERROR
 * if that threw, and decrements PENDING (notifying at zero); STOP ends the loop. At start-up each
 * worker increments PENDING once it has instantiated the module.
 */
export const CONTROL = {
  SEQ: 0,
  FN: 1,
  DESC: 2,
  THREADS: 3,
  PENDING: 4,
  ERROR: 5,
  STOP: 6,
  WORDS: 16,
} as const;
const { SEQ, FN, DESC, THREADS, PENDING, ERROR, STOP } = CONTROL;
const CONTROL_WORDS = CONTROL.WORDS;

/** What a worker receives at start-up. */
export interface KernelWorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
  index: number;
  kernels: readonly string[];
}

export interface KernelWorkerHandle {
  terminate(): void;
}

export interface KernelThreadPoolOptions {
  /**
   * Multiply-accumulates a job needs per thread before the packed layers use another thread (waking
   * a worker costs tens of microseconds, about 1M MACs of work). Default 1,000,000; 0 uses every
   * thread for every job (tests of the threaded paths).
   */
  minWorkPerThread?: number;
}

export type SpawnKernelWorker = (init: KernelWorkerInit) => KernelWorkerHandle;

/**
 * Runs kernels on `threads` threads: the calling thread plus `threads - 1` workers. `run` blocks the
 * caller until every thread finished (Atomics.wait: fine in Node's main thread and in workers).
 */
export class KernelThreadPool {
  private closed = false;

  private constructor(
    private readonly core: WasmCore,
    private readonly control: number,
    private readonly workers: KernelWorkerHandle[],
    /** Smallest job (multiply-accumulates) worth one more thread; 0 always uses every thread. */
    readonly minWorkPerThread: number,
  ) {}

  /** Starts `threads - 1` workers; resolves once all of them instantiated the module. */
  static async create(
    core: WasmCore,
    threads: number,
    spawn: SpawnKernelWorker,
    options: KernelThreadPoolOptions = {},
  ): Promise<KernelThreadPool> {
    if (!Number.isInteger(threads) || threads < 1)
      throw new RangeError(`threads must be a positive integer, got ${threads}`);
    const control = core.alloc(CONTROL_WORDS * 4);
    core.i32(control, CONTROL_WORDS).fill(0);
    const workers: KernelWorkerHandle[] = [];
    for (let i = 1; i < threads; i++) {
      workers.push(
        spawn({ module: core.module, memory: core.memory, control, index: i, kernels: POOL_KERNELS }),
      );
    }
    const pool = new KernelThreadPool(core, control, workers, options.minWorkPerThread ?? 1_000_000);
    // Each worker bumps PENDING once ready; wait (asynchronously) until all have.
    const ctl = pool.ctl();
    const deadline = Date.now() + 30000;
    while (Atomics.load(ctl, PENDING) < workers.length) {
      if (Date.now() > deadline) {
        pool.close();
        throw new Error("kernel worker threads did not start within 30 s");
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    Atomics.store(ctl, PENDING, 0);
    return pool;
  }

  /** Threads a job runs on (the caller included). */
  get threads(): number {
    return this.workers.length + 1;
  }

  private ctl(): Int32Array {
    return new Int32Array(this.core.memory.buffer, this.control, CONTROL_WORDS);
  }

  /** Runs `kernel(desc, t, T)` for t = 0..T-1, T = min(threads, this.threads); returns when all are done. */
  run(kernel: PoolKernel, desc: number, threads = this.threads): void {
    const exports = this.core.exports as unknown as Record<string, (d: number, t: number, n: number) => void>;
    const fn = exports[kernel];
    const total = Math.max(1, Math.min(threads, this.threads));
    if (total === 1 || this.closed) {
      this.core.guard(() => fn(desc, 0, 1));
      return;
    }
    const ctl = this.ctl();
    Atomics.store(ctl, FN, POOL_KERNELS.indexOf(kernel));
    Atomics.store(ctl, DESC, desc);
    Atomics.store(ctl, THREADS, total);
    Atomics.store(ctl, ERROR, 0);
    Atomics.store(ctl, PENDING, this.workers.length);
    Atomics.add(ctl, SEQ, 1);
    Atomics.notify(ctl, SEQ);
    let failure: unknown;
    try {
      this.core.guard(() => fn(desc, 0, total));
    } catch (e) {
      failure = e;
    }
    for (;;) {
      const left = Atomics.load(ctl, PENDING);
      if (left === 0) break;
      Atomics.wait(ctl, PENDING, left, 1000);
    }
    if (failure) throw failure;
    if (Atomics.load(ctl, ERROR) !== 0) throw new Error(`${kernel} failed on a worker thread`);
  }

  /** Stops the workers; later runs execute on the calling thread only. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const ctl = this.ctl();
    Atomics.store(ctl, STOP, 1);
    Atomics.add(ctl, SEQ, 1);
    Atomics.notify(ctl, SEQ);
    for (const w of this.workers) w.terminate();
  }
}
