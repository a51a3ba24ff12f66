// Host mirror of the job descriptor read by the quantized linear/conv/depthwise kernels (any process).
// Slot numbers must match assembly/util/qgemm-desc.ts.
import type { WasmCore } from "./core";

export const D = {
  MODE: 0,
  M: 1,
  K: 2,
  N: 3,
  KP: 4,
  NP: 5,
  WEIGHTS: 6,
  EPI_BINT: 7,
  EPI_A: 8,
  EPI_BF: 9,
  EPI_C: 10,
  INPUT: 11,
  IN_ZP: 12,
  OUTPUT: 13,
  OUT_ZP: 14,
  OUT_LO: 15,
  OUT_HI: 16,
  SCRATCH: 17,
  SCRATCH_STRIDE: 18,
  BLOCK_ROWS: 19,
  C: 20,
  H: 21,
  W: 22,
  OC: 23,
  OH: 24,
  OW: 25,
  KH: 26,
  KW: 27,
  SH: 28,
  SW: 29,
  PH: 30,
  PW: 31,
  DH: 32,
  DW: 33,
  GROUPS: 34,
  BATCH: 35,
  NHWC: 36,
  WEIGHT_ZPS: 37,
  NHWC_HP: 38,
  NHWC_WP: 39,
  NEXT_ROW: 40,
  CHUNK_ROWS: 41,
} as const;

export const DESC_WORDS = 42;

/** Writes `slots` into the descriptor at `ptr`; other slots keep their values. */
export function writeDesc(core: WasmCore, ptr: number, slots: Partial<Record<keyof typeof D, number>>): void {
  const view = core.i32(ptr, DESC_WORDS);
  for (const [name, value] of Object.entries(slots)) {
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < -2147483648 || value > 4294967295) {
      throw new RangeError(`descriptor slot ${name} = ${value} does not fit 32 bits`);
    }
    view[D[name as keyof typeof D]] = value | 0;
  }
}

/** Rows per L2 block: about 192 KiB of widened activations, a multiple of 4, between 4 and 256. */
export function blockRowsFor(kp: number): number {
  const rows = Math.floor((192 * 1024) / (kp * 4)) & ~3;
  return Math.max(4, Math.min(256, rows));
}
