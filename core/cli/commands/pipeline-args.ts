// Shared plumbing of the model pipeline subcommands (calibrate, quantize, eval, compare, demo) (CLI process):
// their shared options, reading the model, data and qconfig files into the pipeline's inputs, checking dtypes
// and shapes up front, and running the WASM core with a kernel thread pool and a progress bar on a terminal.
import * as fs from "node:fs";
import * as path from "node:path";
import type { CommandContext, OptionSpec, ParsedArgs } from "../command";
import { stringOpt } from "../command";
import { ENGINES, isEngine, type Engine } from "../../src/backends/engine";
import { InputError, UsageError } from "../../src/errors";
import type { NpyArray } from "../../src/data/npy";
import type { Model } from "../../src/onnx/ir";
import type { FloatTensor } from "../../src/passes/calibrate";
import type { PipelineProgress } from "../../src/pipeline/progress";
import { parseQconfig } from "../../src/qconfig/parse";
import type { QConfigFile } from "../../src/qconfig/types";
import { createKernelThreadPool } from "../../src/node/kernel-threads";
import { loadCore } from "../../src/node/load-core";
import { readDataFile } from "../../src/node/read-data";
import { readModelFile } from "../../src/node/read-model";
import type { WasmCore } from "../../src/wasm/core";
import type { KernelThreadPool } from "../../src/wasm/thread-pool";

export const BACKEND_OPTION: OptionSpec = { backend: { type: "string" } };
export const BATCH_OPTION: OptionSpec = { "batch-size": { type: "string" } };
export const QCONFIG_OPTION: OptionSpec = { qconfig: { type: "string" } };
export const THREADS_OPTION: OptionSpec = { threads: { type: "string" } };
/** What the commands that calibrate and run the int8 model share: --calib DATA, --backend, --batch-size, --qconfig, --threads. */
export const INT8_RUN_OPTIONS: OptionSpec = { calib: { type: "string" }, ...BACKEND_OPTION, ...BATCH_OPTION, ...QCONFIG_OPTION, ...THREADS_OPTION };

/** --threads N for the int8 kernels (default 1: the calling thread only). */
export function threadsOpt(args: ParsedArgs): number {
  const v = stringOpt(args, "threads");
  if (v === undefined) return 1;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 64) throw new UsageError(`--threads must be an integer from 1 to 64, got '${v}'`);
  return n;
}

export function resolvePath(ctx: CommandContext, p: string): string {
  return path.resolve(ctx.cwd, p);
}

/** The one positional MODEL argument. */
export function modelArg(args: ParsedArgs, command: string): string {
  if (args.positionals.length === 0) throw new UsageError(`${command}: expected a MODEL.onnx argument`);
  if (args.positionals.length > 1) throw new UsageError(`${command}: expected one MODEL argument, got ${args.positionals.length}`);
  return args.positionals[0];
}

export function requireOpt(args: ParsedArgs, name: string, command: string): string {
  const v = stringOpt(args, name);
  if (v === undefined || v === "") throw new UsageError(`${command}: --${name} is required`);
  return v;
}

export function backendOpt(args: ParsedArgs, fallback?: Engine): Engine | undefined {
  const v = stringOpt(args, "backend");
  if (v === undefined) return fallback;
  if (!isEngine(v)) throw new UsageError(`--backend must be one of ${ENGINES.join(", ")}, got '${v}'`);
  return v;
}

/** --backend, else the qconfig file's backend; one of the two is required. */
export function requiredBackendOpt(args: ParsedArgs, qconfig: QConfigFile | undefined, command: string): Engine {
  const backend = backendOpt(args, qconfig?.backend);
  if (!backend) throw new UsageError(`${command}: --backend is required (x86, fbgemm, qnnpack or onednn)`);
  return backend;
}

export function batchSizeOpt(args: ParsedArgs): number | undefined {
  const v = stringOpt(args, "batch-size");
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isInteger(n) || n < 1) throw new UsageError(`--batch-size must be a positive integer, got '${v}'`);
  return n;
}

export function readModelArg(ctx: CommandContext, file: string): { model: Model; name: string } {
  const p = resolvePath(ctx, file);
  return { model: readModelFile(p), name: file };
}

export function readQconfigArg(ctx: CommandContext, args: ParsedArgs): QConfigFile | undefined {
  const file = stringOpt(args, "qconfig");
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(resolvePath(ctx, file), "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(code === "ENOENT" ? "no such file" : `cannot read: ${(e as Error).message}`, file);
  }
  return parseQconfig(text, file);
}

function floatArray(a: NpyArray, what: string, file: string): FloatTensor {
  if (a.dtype !== "float32") throw new InputError(`${what} must be float32, got ${a.dtype}`, file);
  if (a.shape.length === 0) throw new InputError(`${what} must have a sample dimension, got a scalar`, file);
  return { data: a.data as Float32Array, shape: [...a.shape] };
}

/**
 * Reads model inputs from .npy (one array: the model's only input) or .npz (arrays named after the model's
 * inputs), checking dtype float32 and each shape against the model's declared input shape.
 */
export function readInputData(ctx: CommandContext, file: string, model: Model, what: string): Map<string, FloatTensor> {
  const arrays = readDataFile(resolvePath(ctx, file));
  const inputs = model.graph.runtimeInputs;
  const out = new Map<string, FloatTensor>();
  if (arrays.size === 1 && inputs.length === 1) {
    const [, a] = [...arrays][0];
    out.set(inputs[0].name, floatArray(a, what, file));
  } else {
    for (const input of inputs) {
      const a = arrays.get(input.name);
      if (!a) throw new InputError(`no array named '${input.name}' (the model's input) in ${what}; it holds: ${[...arrays.keys()].join(", ")}`, file);
      out.set(input.name, floatArray(a, `${what} '${input.name}'`, file));
    }
  }
  for (const input of inputs) {
    const t = out.get(input.name)!;
    const want = input.type?.shape;
    if (!want) continue;
    const ok = t.shape.length === want.length && want.every((d, i) => i === 0 || typeof d !== "number" || d === t.shape[i]);
    if (!ok) {
      const fmt = ["N", ...want.slice(1).map((d) => (typeof d === "number" ? String(d) : (d ?? "?")))].join(", ");
      throw new InputError(`${what} has shape (${t.shape.join(", ")}), the model's input '${input.name}' needs (${fmt})`, file);
    }
    if (t.shape[0] === 0) throw new InputError(`${what} holds no samples`, file);
  }
  return out;
}

/** Labels: a 1-D integer .npy with one label per sample. */
export function readLabels(ctx: CommandContext, file: string, samples: number): ArrayLike<number | bigint> {
  const arrays = readDataFile(resolvePath(ctx, file));
  if (arrays.size !== 1) throw new InputError(`expected one array of labels, found ${arrays.size}`, file);
  const [, a] = [...arrays][0];
  if (!["int64", "int32", "int8", "uint8"].includes(a.dtype)) throw new InputError(`labels must be integers, got ${a.dtype}`, file);
  if (a.shape.length !== 1) throw new InputError(`labels must be 1-D, got shape (${a.shape.join(", ")})`, file);
  if (a.shape[0] !== samples) throw new InputError(`${a.shape[0]} labels for ${samples} samples`, file);
  return a.data as ArrayLike<number | bigint>;
}

/** Draws a one-line progress bar on stderr when it is a terminal; silent otherwise. */
export function progressPrinter(ctx: CommandContext): { onProgress: (p: PipelineProgress) => void; done: () => void } {
  let drawn = false;
  let last = 0;
  const width = 24;
  return {
    onProgress(p) {
      if (!ctx.interactive) return;
      const now = Date.now();
      if (now - last < 50 && p.done < p.total) return;
      last = now;
      const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
      const filled = Math.round(frac * width);
      const bar = "#".repeat(filled) + "-".repeat(width - filled);
      process.stderr.write(`\r\x1b[2K[${bar}] ${String(Math.round(frac * 100)).padStart(3)}% ${p.message}`);
      drawn = true;
    },
    done() {
      if (drawn) process.stderr.write("\r\x1b[2K");
      drawn = false;
    },
  };
}

/**
 * Loads the WASM core and runs `work` with a kernel thread pool (when threads > 1) and the terminal progress
 * bar, clearing the bar and closing the pool however it ends.
 */
export async function withKernelRun<T>(
  ctx: CommandContext,
  threads: number,
  work: (core: WasmCore, pool: KernelThreadPool | undefined, onProgress: (p: PipelineProgress) => void) => Promise<T>,
): Promise<T> {
  const core = await loadCore();
  const pool = threads > 1 ? await createKernelThreadPool(core, threads) : undefined;
  const progress = progressPrinter(ctx);
  try {
    return await work(core, pool, progress.onProgress);
  } finally {
    progress.done();
    pool?.close();
  }
}

/** The first dimension of the first input tensor. */
export function sampleCount(data: ReadonlyMap<string, FloatTensor>): number {
  return [...data.values()][0].shape[0];
}

export function formatPct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}
