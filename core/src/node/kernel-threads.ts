// Starts the int8 kernel thread pool on Node worker_threads (Node processes: CLI, server, tests, bench).
import { Worker } from "node:worker_threads";
import type { WasmCore } from "../wasm/core";
import {
  CONTROL,
  KernelThreadPool,
  type KernelThreadPoolOptions,
  type KernelWorkerInit,
} from "../wasm/thread-pool";

/** A pool of `threads` threads (the caller plus threads - 1 workers) over `core`'s shared memory. */
export function createKernelThreadPool(
  core: WasmCore,
  threads: number,
  options: KernelThreadPoolOptions = {},
): Promise<KernelThreadPool> {
  return KernelThreadPool.create(
    core,
    threads,
    (init: KernelWorkerInit) => {
      const worker = new Worker(KERNEL_WORKER_SOURCE, { eval: true, workerData: init });
      // Workers block in Atomics.wait between jobs; they must not keep the process alive.
      worker.unref();
      worker.on("error", () => {
        /* reported through the control block's ERROR word or the start-up timeout */
      });
      return { terminate: () => void worker.terminate() };
    },
    options,
  );
}

/**
 * Source of the worker (plain JavaScript, CommonJS, runs in a Node worker_threads Worker with
 * `eval: true`). It instantiates the module on the shared memory without calling `_initialize`, then
 * loops: wait for a new sequence number, run its share, count down PENDING.
 */
const KERNEL_WORKER_SOURCE = `
"use strict";
const { workerData } = require("node:worker_threads");
const { module, memory, control, index, kernels } = workerData;
const env = { memory };
for (const imp of WebAssembly.Module.imports(module)) {
  if (imp.module === "env" && imp.kind === "function" && !(imp.name in env)) {
    env[imp.name] = () => { throw new Error("the WASM core aborted in a kernel worker (" + imp.name + ")"); };
  }
}
const instance = new WebAssembly.Instance(module, { env });
const fns = kernels.map((k) => instance.exports[k]);
const ctl = new Int32Array(memory.buffer, control, ${CONTROL.WORDS});
let seen = Atomics.load(ctl, ${CONTROL.SEQ});
Atomics.add(ctl, ${CONTROL.PENDING}, 1);
for (;;) {
  Atomics.wait(ctl, ${CONTROL.SEQ}, seen);
  const seq = Atomics.load(ctl, ${CONTROL.SEQ});
  if (seq === seen) continue;
  seen = seq;
  if (Atomics.load(ctl, ${CONTROL.STOP}) !== 0) break;
  const threads = Atomics.load(ctl, ${CONTROL.THREADS});
  if (index < threads) {
    try {
      fns[Atomics.load(ctl, ${CONTROL.FN})](Atomics.load(ctl, ${CONTROL.DESC}), index, threads);
    } catch (e) {
      Atomics.store(ctl, ${CONTROL.ERROR}, 1);
    }
  }
  if (Atomics.sub(ctl, ${CONTROL.PENDING}, 1) === 1) Atomics.notify(ctl, ${CONTROL.PENDING});
}
`;
