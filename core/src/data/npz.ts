// NumPy .npz archives over bytes (any process, fs-free): unzipped with fflate (stored or deflated
// members), each member parsed as .npy. Also writes .npz for shipping demo data.
import { unzipSync, zipSync, type Zippable } from "fflate";
import { InputError } from "../errors";
import { parseNpy, writeNpy, type NpyArray } from "./npy";

/** Uncompressed bytes an archive may hold in all (2 GiB: a JS process cannot hold much more). */
export const MAX_NPZ_BYTES = 2 ** 31;

/** Parses an .npz archive into arrays by name (member names without the .npy suffix). */
export function parseNpz(bytes: Uint8Array, file?: string): Map<string, NpyArray> {
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    throw new InputError("not an .npz file (not a zip archive)", file);
  }
  let members: Record<string, Uint8Array>;
  let total = 0;
  try {
    // Sizes come from the archive's directory before anything is inflated: a zip bomb stops here.
    members = unzipSync(bytes, {
      filter: (f) => {
        total += f.originalSize;
        if (total > MAX_NPZ_BYTES) {
          throw new InputError(`the .npz archive unpacks to over ${MAX_NPZ_BYTES} bytes, more than QuantScope reads`, file);
        }
        return true;
      },
    });
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`corrupt .npz archive (${e instanceof Error ? e.message : String(e)})`, file);
  }
  const out = new Map<string, NpyArray>();
  for (const [name, data] of Object.entries(members)) {
    if (name.endsWith("/")) continue;
    if (!name.endsWith(".npy")) throw new InputError(`.npz member ${JSON.stringify(name)} is not an .npy array`, file);
    const key = name.slice(0, -4);
    try {
      out.set(key, parseNpy(data));
    } catch (e) {
      if (e instanceof InputError) throw new InputError(`member ${JSON.stringify(key)}: ${e.message}`, file);
      throw e;
    }
  }
  if (out.size === 0) throw new InputError("the .npz archive holds no arrays", file);
  return out;
}

/** Writes arrays as an .npz archive (deflated, like np.savez_compressed when `compress` is true). */
export function writeNpz(arrays: ReadonlyMap<string, NpyArray> | Record<string, NpyArray>, compress = true): Uint8Array {
  const entries = arrays instanceof Map ? [...arrays] : Object.entries(arrays);
  const zip: Zippable = {};
  for (const [name, a] of entries) zip[`${name}.npy`] = [writeNpy(a), { level: compress ? 6 : 0 }];
  return zipSync(zip);
}
