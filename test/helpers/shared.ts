// Test helper: locates ../shared (the ground truth beside the checkout) and loads golden JSON into typed
// arrays. Fails with a clear message when ../shared is missing (test process).
import * as fs from "node:fs";
import * as path from "node:path";
import { decodeArray, type Tensor } from "../../core/src/golden/arrays";

export const repoRoot = path.resolve(__dirname, "../..");

/** The shared ground-truth folder: $QUANTSCOPE_SHARED, or ../shared beside the checkout. */
export function sharedDir(): string {
  const dir = process.env.QUANTSCOPE_SHARED ?? path.resolve(repoRoot, "../shared");
  if (!fs.existsSync(path.join(dir, "golden"))) {
    throw new Error(
      `the shared ground truth was not found at ${dir}: these tests compare against ../shared/golden ` +
        `(PyTorch's results). Put the shared folder beside the checkout or set QUANTSCOPE_SHARED.`,
    );
  }
  return dir;
}

export function sharedPath(...parts: string[]): string {
  return path.join(sharedDir(), ...parts);
}

const jsonCache = new Map<string, unknown>();

/** Parses a JSON file under ../shared (cached: the golden files are large). */
export function loadSharedJson<T = unknown>(...parts: string[]): T {
  const p = sharedPath(...parts);
  if (!jsonCache.has(p)) jsonCache.set(p, JSON.parse(fs.readFileSync(p, "utf8")));
  return jsonCache.get(p) as T;
}

/** Decodes a golden array ({shape, dtype, data}) into a typed array. */
export function goldenTensor(v: unknown, where?: string): Tensor {
  return decodeArray(v, where);
}
