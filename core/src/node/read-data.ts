// Reads .npy and .npz data files from disk for Node processes (CLI, server, tests); parsing lives in
// core/src/data/. Errors are InputErrors naming the file.
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../errors";
import { parseNpy, type NpyArray } from "../data/npy";
import { parseNpz } from "../data/npz";

function readBytes(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException)?.code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : String((e as Error)?.message ?? e);
    throw new InputError(`cannot read: ${why}`, file);
  }
}

/** Reads one .npy file. */
export function readNpyFile(file: string): NpyArray {
  return parseNpy(readBytes(file), file);
}

/** Reads an .npz file into arrays by name. */
export function readNpzFile(file: string): Map<string, NpyArray> {
  return parseNpz(readBytes(file), file);
}

/**
 * Reads a data file by extension: .npy gives one array named after the file (without extension), .npz
 * every array in it.
 */
export function readDataFile(file: string): Map<string, NpyArray> {
  const ext = path.extname(file).toLowerCase();
  if (ext === ".npy") return new Map([[path.basename(file, ext), readNpyFile(file)]]);
  if (ext === ".npz") return readNpzFile(file);
  throw new InputError(`unsupported data file type '${ext || "(none)"}' (expected .npy or .npz)`, file);
}

/** Writes bytes atomically (temp file + rename) so readers never see a partial file. */
export function writeFileAtomic(file: string, bytes: Uint8Array): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new InputError(`cannot write: ${(e as Error)?.message ?? e}`, file);
  }
}
