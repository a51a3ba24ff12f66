// Starts the int8 kernel thread pool on Node worker_threads (Node processes: CLI, server, tests, bench).
import { Worker } from "node:worker_threads";
import type { WasmCore } from "../wasm/core";
import { KERNEL_WORKER_SOURCE, KernelThreadPool, type KernelWorkerInit } from "../wasm/thread-pool";

/** A pool of `threads` threads (the caller plus threads - 1 workers) over `core`'s shared memory. */
export function createKernelThreadPool(core: WasmCore, threads: number): Promise<KernelThreadPool> {
  return KernelThreadPool.create(core, threads, (init: KernelWorkerInit) => {
    const worker = new Worker(KERNEL_WORKER_SOURCE, { eval: true, workerData: init });
    // Workers block in Atomics.wait between jobs; they must not keep the process alive.
    worker.unref();
    worker.on("error", () => {
      /* reported through the control block's ERROR word or the start-up timeout */
    });
    return { terminate: () => void worker.terminate() };
  });
}
