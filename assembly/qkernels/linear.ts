// Quantized linear (static uint8 -> uint8, and the float-output GEMM of dynamic linear) on the SIMD
// GEMM core (WASM). One call runs one thread; the host's thread pool runs the other threads on workers
// sharing this memory. With several threads, each claims chunks of contiguous rows from a shared
// counter in the descriptor until none are left, so a thread whose core is busier (shared machines,
// background load) simply takes fewer chunks instead of holding everyone up.
import {
  dget,
  D_MODE,
  D_M,
  D_K,
  D_N,
  D_KP,
  D_NP,
  D_WEIGHTS,
  D_EPI_BINT,
  D_EPI_A,
  D_EPI_BF,
  D_EPI_C,
  D_INPUT,
  D_IN_ZP,
  D_OUTPUT,
  D_OUT_ZP,
  D_OUT_LO,
  D_OUT_HI,
  D_SCRATCH,
  D_SCRATCH_STRIDE,
  D_BLOCK_ROWS,
  D_NEXT_ROW,
  D_CHUNK_ROWS,
} from "../util/qgemm-desc";
import { gemmBlock, widenTiles } from "./gemm";

/** Thread `t` of `threads` computes its share of rows of the linear layer described at `desc`. */
export function qlinear_thread(desc: usize, t: i32, threads: i32): void {
  const m = dget(desc, D_M);
  if (threads <= 1) {
    qlinearRows(desc, t, 0, m);
    return;
  }
  const chunk = dget(desc, D_CHUNK_ROWS);
  const counter = desc + (<usize>D_NEXT_ROW << 2);
  for (;;) {
    const start = atomic.add<i32>(counter, chunk);
    if (start >= m) break;
    qlinearRows(desc, t, start, min(m, start + chunk));
  }
}

/** Rows [r0, r1) of the linear layer at `desc`, using thread `t`'s scratch; r0 is a multiple of 4. */
function qlinearRows(desc: usize, t: i32, r0: i32, r1: i32): void {
  const k = dget(desc, D_K);
  const n = dget(desc, D_N);
  const kp = dget(desc, D_KP);
  const np = dget(desc, D_NP);
  const mode = dget(desc, D_MODE);
  const blockRows = dget(desc, D_BLOCK_ROWS);
  const input = <usize>dget(desc, D_INPUT);
  const output = <usize>dget(desc, D_OUTPUT);
  const elem: usize = mode == 0 ? 1 : 4;
  const scratch = <usize>dget(desc, D_SCRATCH) + <usize>t * <usize>dget(desc, D_SCRATCH_STRIDE);
  const tiles = scratch;
  const tmp = tiles + <usize>blockRows * kp * 4;
  const rowBytes = <usize>n * elem;
  // With N a multiple of 8 the tile rows are the output rows: write in place.
  const direct = n == np;
  for (let rb = r0; rb < r1; rb += blockRows) {
    const rows = min(blockRows, r1 - rb);
    const dst = direct ? output + <usize>rb * rowBytes : tmp;
    widenTiles(input + <usize>rb * k, k, rows, k, kp, dget(desc, D_IN_ZP), tiles);
    gemmBlock(
      tiles,
      rows,
      kp,
      <usize>dget(desc, D_WEIGHTS),
      np,
      mode,
      <usize>dget(desc, D_EPI_BINT),
      <usize>dget(desc, D_EPI_A),
      <usize>dget(desc, D_EPI_BF),
      <usize>dget(desc, D_EPI_C),
      dget(desc, D_OUT_ZP),
      dget(desc, D_OUT_LO),
      dget(desc, D_OUT_HI),
      dst,
    );
    if (direct) continue;
    for (let r = 0; r < rows; r++) {
      memory.copy(output + <usize>(rb + r) * rowBytes, tmp + <usize>r * np * elem, rowBytes);
    }
  }
}
