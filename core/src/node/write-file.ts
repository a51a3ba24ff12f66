// Atomic output writing for Node processes (CLI, server): every file goes to a temp name beside its
// target and is renamed into place, and a set of outputs is committed only once all of them were
// written, so a failed or cancelled run never leaves a partial or half-updated result.
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../errors";

function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`);
}

function describe(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === "ENOENT") return "its folder does not exist";
  if (err?.code === "EACCES") return "permission denied";
  if (err?.code === "EISDIR") return "it is a directory";
  return err?.message ?? String(e);
}

/** Writes `data` to `file` atomically (temp file + rename). Throws InputError naming the file. */
export function writeFileAtomic(file: string, data: Uint8Array | string): void {
  writeFilesAtomic([{ file, data }]);
}

/**
 * Writes several files as one unit: all temp files first, then the renames. If any write fails, every
 * temp file is removed and no target is touched.
 */
export function writeFilesAtomic(outputs: readonly { file: string; data: Uint8Array | string }[]): void {
  const temps: { tmp: string; file: string }[] = [];
  try {
    for (const { file, data } of outputs) {
      const tmp = tempName(file);
      try {
        fs.writeFileSync(tmp, data);
      } catch (e) {
        throw new InputError(`cannot write: ${describe(e)}`, file);
      }
      temps.push({ tmp, file });
    }
    for (const { tmp, file } of temps) {
      try {
        fs.renameSync(tmp, file);
      } catch (e) {
        throw new InputError(`cannot write: ${describe(e)}`, file);
      }
    }
  } finally {
    for (const { tmp } of temps) fs.rmSync(tmp, { force: true });
  }
}

/** Creates a folder (and parents) for outputs; InputError when it cannot. */
export function ensureDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new InputError(`cannot create the output folder: ${describe(e)}`, dir);
  }
}
