// Row scheduling of the threaded quantized linear (test process): threads claim chunks of rows from a
// shared counter; every row must be computed exactly once, whatever the chunking, and the chunk size
// must stay a multiple of the 4-row tile within one L2 block.
import { test, after } from "node:test";
import * as assert from "node:assert/strict";
import { loadCore } from "../../core/src/node/load-core";
import { createKernelThreadPool } from "../../core/src/node/kernel-threads";
import { PackedLinear, chunkRowsFor } from "../../core/src/wasm/qlinear";
import type { KernelThreadPool } from "../../core/src/wasm/thread-pool";
import { rng } from "../helpers/onnx-models";

const pools = new Map<number, KernelThreadPool>();
async function poolOf(threads: number): Promise<KernelThreadPool> {
  let pool = pools.get(threads);
  // minWorkPerThread 0: every job uses every thread, however small.
  pool ??= await createKernelThreadPool(await loadCore(), threads, { minWorkPerThread: 0 });
  pools.set(threads, pool);
  return pool;
}
after(() => pools.forEach((p) => p.close()));

function checkChunk(m: number, threads: number, blockRows: number, expected: number) {
  const rows = chunkRowsFor(m, threads, blockRows);
  assert.equal(rows, expected, `chunkRowsFor(${m}, ${threads}, ${blockRows})`);
  assert.equal(rows % 4, 0, "a whole number of 4-row tiles");
  assert.ok(rows >= 4 && rows <= blockRows, "between one tile and one L2 block");
}

test("chunk rows: about 8 claims per thread, multiples of 4, capped by the L2 block", () => {
  checkChunk(1024, 2, 96, 64);
  checkChunk(3136, 2, 168, 168);
  checkChunk(300, 3, 256, 16);
  checkChunk(5, 4, 256, 4);
  checkChunk(1, 2, 4, 4);
  checkChunk(1000, 1, 96, 96);
});

async function checkThreadedLinear(m: number, k: number, n: number, threads: number, seed: number) {
  const core = await loadCore();
  const r = rng(seed);
  const w = Int8Array.from({ length: n * k }, () => r.int(-128, 127));
  const bias = Float32Array.from({ length: n }, () => (r.next() - 0.5) * 4);
  const x = Uint8Array.from({ length: m * k }, () => r.int(0, 255));
  const q = {
    inScale: 0.03,
    inZeroPoint: r.int(0, 255),
    outScale: 0.2,
    outZeroPoint: r.int(0, 255),
    relu: false,
  };
  const packed = new PackedLinear(core, "x86", n, k, { data: w, scales: [0.004], zeroPoints: [0] }, bias);
  try {
    const one = packed.runArrays(x, m, q);
    const many = packed.runArrays(x, m, q, await poolOf(threads));
    assert.deepEqual(many, one, `${m}x${k}x${n}, ${threads} threads`);
  } finally {
    packed.dispose();
  }
}

test("threaded linear computes every row once: many chunks, a ragged last chunk, more threads than chunks", async () => {
  await checkThreadedLinear(1001, 40, 24, 2, 1); // 16 chunks of 64 rows, the last 41 rows long
  await checkThreadedLinear(777, 18, 13, 3, 2); // 22 chunks of 36 rows; N not a multiple of 8: staged rows
  await checkThreadedLinear(6, 70, 16, 4, 3); // 2 chunks for 4 threads
});
