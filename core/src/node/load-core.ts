// Finds and loads build/quantscope.wasm from disk for Node processes (CLI, server, tests).
// Kept out of core/src proper so the library itself stays free of fs.
import * as fs from "node:fs";
import * as path from "node:path";
import { WasmCore, type CoreOptions } from "../wasm/core";

let shared: Promise<WasmCore> | undefined;

/** Where the compiled core lives: beside the bundle (dist/) or in the repo's build/ folder. */
export function findWasmFile(): string {
  const candidates = [
    path.join(__dirname, "quantscope.wasm"),
    path.resolve(__dirname, "../../../build/quantscope.wasm"),
    path.resolve(__dirname, "../build/quantscope.wasm"),
  ];
  for (const c of candidates) if (fs.existsSync(c)) return c;
  throw new Error(`quantscope.wasm not found (looked in ${candidates.join(", ")}); run \`npm run build\``);
}

/** The memory cap from QUANTSCOPE_MEMORY_CAP_MIB, when set to a positive number. */
function capFromEnvironment(): CoreOptions {
  const mib = Number(process.env.QUANTSCOPE_MEMORY_CAP_MIB);
  return Number.isFinite(mib) && mib > 0 ? { memoryCapBytes: mib * 1048576 } : {};
}

/** The process-wide core instance, created on first use. */
export function loadCore(options: CoreOptions = {}): Promise<WasmCore> {
  shared ??= WasmCore.create(fs.readFileSync(findWasmFile()), { ...capFromEnvironment(), ...options });
  return shared;
}

/** A fresh instance (tests of the memory cap, isolated runs). */
export function createCore(options: CoreOptions = {}): Promise<WasmCore> {
  return WasmCore.create(fs.readFileSync(findWasmFile()), options);
}
