// Reads an .onnx file from disk into the IR, resolving external data files beside it (Node processes:
// CLI, server, tests). Every problem becomes an InputError naming the file.
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError } from "../errors";
import type { Model } from "../onnx/ir";
import { readModel, type ReadOptions } from "../onnx/read";

/** Reads and decodes `file`; external tensors are read from files in the model's folder. */
export function readModelFile(file: string, options: Omit<ReadOptions, "file" | "readExternal"> = {}): Model {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new InputError(`cannot read the model: ${describeFsError(e)}`, file);
  }
  const dir = path.dirname(path.resolve(file));
  const open = new Map<string, number>();
  const readExternal = (location: string, offset: number, length: number | undefined): Uint8Array => {
    const p = path.join(dir, location);
    let fd = open.get(p);
    try {
      if (fd === undefined) {
        // The reader refuses '..' and absolute locations; a symbolic link could still point elsewhere.
        const real = fs.realpathSync(p);
        const realDir = fs.realpathSync(dir);
        if (real !== realDir && !real.startsWith(realDir + path.sep)) {
          throw new InputError(`external data file '${location}' resolves outside the model's folder, which is not allowed`, file);
        }
        open.set(p, (fd = fs.openSync(p, "r")));
      }
      const size = fs.fstatSync(fd).size;
      const n = length ?? size - offset;
      if (offset + n > size) {
        throw new InputError(`external data file '${location}' is ${size} bytes, too short for ${n} bytes at offset ${offset}`, file);
      }
      const buf = new Uint8Array(n);
      let done = 0;
      while (done < n) {
        const got = fs.readSync(fd, buf, done, n - done, offset + done);
        if (got === 0) break;
        done += got;
      }
      return buf;
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(`cannot read external data file '${location}': ${describeFsError(e)}`, file);
    }
  };
  try {
    return readModel(bytes, { ...options, file, readExternal });
  } finally {
    for (const fd of open.values()) fs.closeSync(fd);
  }
}

function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === "ENOENT") return "no such file";
  if (err?.code === "EISDIR") return "it is a directory";
  if (err?.code === "EACCES") return "permission denied";
  return err?.message ?? String(e);
}
