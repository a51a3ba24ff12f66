// Slot numbers of the job descriptor the host fills for quantized linear/conv/depthwise kernels (WASM).
// The descriptor is an array of 32-bit words in linear memory; core/src/wasm/qgemm-desc.ts mirrors
// these numbers on the host side. Keep the two in step.

// Output and requantization
export const D_MODE: i32 = 0; // 0: uint8 output, 1: float32 output (dynamic linear)
export const D_M: i32 = 1; // GEMM rows (linear: batch rows; conv: batch * OH * OW)
export const D_K: i32 = 2; // reduction length per group
export const D_N: i32 = 3; // output columns (channels) per group
export const D_KP: i32 = 4; // ceil(K / 2): i16 pairs per row
export const D_NP: i32 = 5; // N rounded up to 8
export const D_WEIGHTS: i32 = 6; // packed weights (see gemm.ts), groups one after another
export const D_EPI_BINT: i32 = 7; // i32[G * NP] added to the accumulator (qnnpack's quantized bias)
export const D_EPI_A: i32 = 8; // f32[G * NP] multiplier of the accumulator
export const D_EPI_BF: i32 = 9; // f32[G * NP] float bias added after the multiply
export const D_EPI_C: i32 = 10; // f32[G * NP] final multiplier (uint8 mode only)
export const D_INPUT: i32 = 11; // uint8 input
export const D_IN_ZP: i32 = 12;
export const D_OUTPUT: i32 = 13; // uint8 or float32 output
export const D_OUT_ZP: i32 = 14;
export const D_OUT_LO: i32 = 15; // clamp bounds of the uint8 output (relu: lo = zero point)
export const D_OUT_HI: i32 = 16;
export const D_SCRATCH: i32 = 17; // per-thread scratch, thread t at SCRATCH + t * SCRATCH_STRIDE
export const D_SCRATCH_STRIDE: i32 = 18;
export const D_BLOCK_ROWS: i32 = 19; // rows per L2 block (multiple of 4)
// Convolution geometry
export const D_C: i32 = 20;
export const D_H: i32 = 21;
export const D_W: i32 = 22;
export const D_OC: i32 = 23;
export const D_OH: i32 = 24;
export const D_OW: i32 = 25;
export const D_KH: i32 = 26;
export const D_KW: i32 = 27;
export const D_SH: i32 = 28;
export const D_SW: i32 = 29;
export const D_PH: i32 = 30;
export const D_PW: i32 = 31;
export const D_DH: i32 = 32;
export const D_DW: i32 = 33;
export const D_GROUPS: i32 = 34;
export const D_BATCH: i32 = 35;
export const D_NHWC: i32 = 36; // i16 NHWC copy of the input, zero point removed, spatially padded
export const D_WEIGHT_ZPS: i32 = 37; // reference kernels: i32 zero point per output channel of raw int8 weights
export const D_NHWC_HP: i32 = 38; // rows of the NHWC copy (>= H + 2PH; extra rows are zero)
export const D_NHWC_WP: i32 = 39; // columns of the NHWC copy (>= W + 2PW; extra columns are zero)
// Dynamic row scheduling (linear): the next unclaimed row, claimed with an atomic add; the host sets
// it to 0 before every job. D_CHUNK_ROWS rows per claim (a multiple of 4, <= D_BLOCK_ROWS).
export const D_NEXT_ROW: i32 = 40;
export const D_CHUNK_ROWS: i32 = 41;
export const D_WORDS: i32 = 42;

/** Reads slot `slot` of the descriptor at `desc`. */
// @ts-ignore: decorator
@inline
export function dget(desc: usize, slot: i32): i32 {
  return load<i32>(desc + (<usize>slot << 2));
}

/** Rows [start, end) of `total` that thread `t` of `threads` owns, in multiples of `align`. */
// @ts-ignore: decorator
@inline
export function threadRangeStart(total: i32, t: i32, threads: i32, align: i32): i32 {
  const units = (total + align - 1) / align;
  const s = <i32>((<i64>units * t) / threads) * align;
  return s < total ? s : total;
}
