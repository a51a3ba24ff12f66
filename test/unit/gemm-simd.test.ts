// The SIMD int8 GEMM, conv and depthwise kernels against the scalar reference kernels (test process):
// random shapes including sizes that are not multiples of the 4x8 tile (GEMM, implicit GEMM, im2col,
// pointwise, Winograd, depthwise), every engine's constants,
// per-tensor/per-channel weights with non-zero weight zero points, relu, saturation, 1 and 3 threads.
import { test, after } from "node:test";
import * as assert from "node:assert/strict";
import { loadCore } from "../../core/src/node/load-core";
import { createKernelThreadPool } from "../../core/src/node/kernel-threads";
import { ENGINES, type Engine } from "../../core/src/backends/engine";
import {
  PackedLinear,
  threadsFor,
  type LinearRequant,
  type QuantizedWeights,
} from "../../core/src/wasm/qlinear";
import { PackedConv2d, type Conv2dGeometry } from "../../core/src/wasm/qconv";
import type { KernelThreadPool } from "../../core/src/wasm/thread-pool";
import { rng } from "../helpers/onnx-models";


type Rng = ReturnType<typeof rng>;

function randomWeights(r: Rng, n: number, per: number, perChannel: boolean): QuantizedWeights {
  const data = Int8Array.from({ length: n * per }, () => r.int(-128, 127));
  const count = perChannel ? n : 1;
  return {
    data,
    scales: Array.from({ length: count }, () => 0.001 + r.next() * 0.01),
    // Non-zero weight zero points exercise the (w - zp) packing; fbgemm accepts them.
    zeroPoints: Array.from({ length: count }, () => r.int(-3, 3)),
  };
}

function randomRequant(r: Rng, relu: boolean, saturating = false): LinearRequant {
  return {
    inScale: 0.01 + r.next() * 0.05,
    inZeroPoint: r.int(0, 255),
    outScale: saturating ? 1e-4 : 0.05 + r.next() * 0.5,
    outZeroPoint: r.int(0, 255),
    relu,
  };
}

let pool: KernelThreadPool | undefined;
async function threads3(): Promise<KernelThreadPool> {
  // minWorkPerThread 0: every job uses all 3 threads, however small, so the worker paths are tested.
  pool ??= await createKernelThreadPool(await loadCore(), 3, { minWorkPerThread: 0 });
  return pool;
}
after(() => pool?.close());

async function checkLinear(
  engine: Engine,
  m: number,
  k: number,
  n: number,
  seed: number,
  opts: { perChannel: boolean; relu: boolean; saturating?: boolean },
) {
  const core = await loadCore();
  const r = rng(seed);
  const w = randomWeights(r, n, k, opts.perChannel);
  const bias = Float32Array.from({ length: n }, () => (r.next() - 0.5) * 4);
  const x = Uint8Array.from({ length: m * k }, () => r.int(0, 255));
  const q = randomRequant(r, opts.relu, opts.saturating);
  const packed = new PackedLinear(core, engine, n, k, w, bias);
  try {
    const expected = packed.runArrays(x, m, q, undefined, true);
    const single = packed.runArrays(x, m, q);
    const multi = packed.runArrays(x, m, q, await threads3());
    const label = `${engine} linear ${m}x${k}x${n}`;
    assert.deepEqual(single, expected, `${label}, 1 thread`);
    assert.deepEqual(multi, expected, `${label}, 3 threads`);
    if (opts.saturating)
      assert.ok(
        expected.some((v) => v === 255) && expected.some((v) => v === (opts.relu ? q.outZeroPoint : 0)),
        `${label} saturates`,
      );
    const xf = Float32Array.from({ length: m * k }, () => (r.next() - 0.3) * 6);
    const dynRef = packed.runDynamic(xf, m, true, undefined, true);
    assert.deepEqual(packed.runDynamic(xf, m, true), dynRef, `${label} dynamic, 1 thread`);
    assert.deepEqual(packed.runDynamic(xf, m, true, await threads3()), dynRef, `${label} dynamic, 3 threads`);
  } finally {
    packed.dispose();
  }
}

async function checkConv(
  engine: Engine,
  g: Conv2dGeometry,
  batch: number,
  h: number,
  w: number,
  seed: number,
  relu: boolean,
) {
  const core = await loadCore();
  const r = rng(seed);
  const per = (g.inChannels / g.groups) * g.kernel[0] * g.kernel[1];
  const weights = randomWeights(r, g.outChannels, per, seed % 2 === 0);
  const bias = Float32Array.from({ length: g.outChannels }, () => (r.next() - 0.5) * 2);
  const x = Uint8Array.from({ length: batch * g.inChannels * h * w }, () => r.int(0, 255));
  const q = randomRequant(r, relu);
  const packed = new PackedConv2d(core, engine, g, weights, bias);
  try {
    const expected = packed.runArrays(x, batch, h, w, q, undefined, true);
    const label = `${engine} conv ${JSON.stringify(g)} on ${batch}x${g.inChannels}x${h}x${w}${packed.depthwise ? " (depthwise)" : ""}`;
    assert.deepEqual(packed.runArrays(x, batch, h, w, q), expected, `${label}, 1 thread`);
    assert.deepEqual(packed.runArrays(x, batch, h, w, q, await threads3()), expected, `${label}, 3 threads`);
  } finally {
    packed.dispose();
  }
}

function geometry(
  inChannels: number,
  outChannels: number,
  k: [number, number],
  stride: [number, number],
  padding: [number, number],
  dilation: [number, number],
  groups: number,
): Conv2dGeometry {
  return { inChannels, outChannels, kernel: k, stride, padding, dilation, groups };
}

test("SIMD linear equals the scalar reference on ragged shapes, every engine, 1 and 3 threads", async () => {
  let seed = 1;
  for (const engine of ENGINES) {
    for (const [m, k, n] of [
      [1, 1, 1],
      [3, 5, 7],
      [4, 16, 8],
      [5, 17, 9],
      [13, 64, 31],
      [37, 129, 20],
      [64, 256, 64],
      [300, 33, 3],
    ]) {
      await checkLinear(engine, m, k, n, seed++, { perChannel: seed % 2 === 0, relu: seed % 3 === 0 });
    }
  }
});

test("SIMD linear saturates like the reference (tiny output scale, relu and not)", async () => {
  for (const engine of ENGINES) {
    await checkLinear(engine, 9, 40, 12, 77, { perChannel: true, relu: false, saturating: true });
    await checkLinear(engine, 9, 40, 12, 78, { perChannel: false, relu: true, saturating: true });
  }
});

test("SIMD conv (im2col GEMM, pointwise, grouped) equals the scalar reference", async () => {
  const cases: [Conv2dGeometry, number, number, number][] = [
    [geometry(3, 8, [3, 3], [1, 1], [1, 1], [1, 1], 1), 2, 9, 9],
    [geometry(5, 13, [3, 2], [2, 1], [1, 2], [1, 1], 1), 1, 11, 7],
    [geometry(6, 10, [3, 3], [1, 1], [2, 2], [2, 2], 2), 2, 8, 9],
    [geometry(8, 12, [1, 1], [1, 1], [0, 0], [1, 1], 1), 2, 7, 5], // pointwise fast path
    [geometry(7, 9, [1, 1], [2, 2], [0, 0], [1, 1], 1), 1, 9, 9], // 1x1 stride 2: im2col
    [geometry(16, 32, [3, 3], [1, 1], [1, 1], [1, 1], 1), 1, 14, 14],
    [geometry(8, 16, [3, 3], [1, 1], [1, 1], [1, 1], 8), 1, 6, 6], // grouped, multiplier 2
    // 16 or more output channels and pixels: the 16x16 transposing NCHW store, across image borders.
    [geometry(6, 40, [1, 1], [1, 1], [0, 0], [1, 1], 1), 2, 9, 9], // pointwise (transposed GEMM)
    [geometry(7, 9, [1, 1], [1, 1], [0, 0], [1, 1], 1), 2, 4, 4], // pointwise, odd channels, full panels
    [geometry(6, 20, [3, 3], [1, 1], [1, 1], [1, 1], 1), 2, 10, 10], // implicit GEMM
    [geometry(5, 24, [3, 3], [2, 2], [1, 1], [1, 1], 1), 1, 20, 20], // im2col
  ];
  let seed = 100;
  for (const engine of ENGINES) {
    for (const [g, b, h, w] of cases) await checkConv(engine, g, b, h, w, seed++, seed % 2 === 0);
  }
});

test("SIMD depthwise (stride 1, 2 and the scalar stride-3 path) equals the scalar reference", async () => {
  const cases: [Conv2dGeometry, number, number, number][] = [
    [geometry(8, 8, [3, 3], [1, 1], [1, 1], [1, 1], 8), 2, 7, 7],
    [geometry(5, 5, [3, 3], [2, 2], [1, 1], [1, 1], 5), 1, 13, 11],
    [geometry(4, 4, [5, 5], [2, 2], [2, 2], [1, 1], 4), 2, 10, 19],
    [geometry(3, 3, [3, 3], [1, 1], [2, 2], [2, 2], 3), 1, 9, 17],
    [geometry(6, 6, [3, 3], [3, 3], [1, 1], [1, 1], 6), 1, 10, 10],
    [geometry(16, 16, [3, 3], [1, 1], [0, 0], [1, 1], 16), 1, 20, 23],
  ];
  let seed = 200;
  for (const engine of ENGINES) {
    for (const [g, b, h, w] of cases) await checkConv(engine, g, b, h, w, seed++, seed % 3 === 0);
  }
});

test("a kernel that traps on the pool throws, and the pool keeps working", async () => {
  const core = await loadCore();
  const p = await threads3();
  const r = rng(999);
  const packed = new PackedLinear(core, "qnnpack", 8, 16, randomWeights(r, 8, 16, false));
  try {
    const x = Uint8Array.from({ length: 12 * 16 }, () => r.int(0, 255));
    const q = randomRequant(r, false);
    const expected = packed.runArrays(x, 12, q, undefined, true);
    // Rows far past the end of memory make every thread's loads trap.
    assert.throws(() => packed.run(0x7ff00000, 0x7ff00000, 4096, q, p));
    assert.deepEqual(packed.runArrays(x, 12, q, p), expected);
  } finally {
    packed.dispose();
  }
});

test("exact integer Winograd F(2x2, 3x3) equals the scalar reference (odd sizes, padding, batch)", async () => {
  const cases: [Conv2dGeometry, number, number, number][] = [
    [geometry(8, 5, [3, 3], [1, 1], [1, 1], [1, 1], 1), 2, 7, 9],
    [geometry(8, 13, [3, 3], [1, 1], [0, 0], [1, 1], 1), 1, 9, 6],
    [geometry(24, 16, [3, 3], [1, 1], [2, 2], [1, 1], 1), 1, 5, 5],
    [geometry(16, 8, [3, 3], [1, 1], [0, 1], [1, 1], 1), 3, 3, 12],
  ];
  let seed = 300;
  for (const engine of ENGINES) {
    for (const [g, b, h, w] of cases) await checkConv(engine, g, b, h, w, seed++, seed % 2 === 0);
  }
  const core = await loadCore();
  const packed = new PackedConv2d(core, "x86", cases[0][0], randomWeights(rng(1), 5, 72, true));
  assert.ok(packed.winograd, "3x3 stride-1 convs with 8k channels take the Winograd path");
  packed.dispose();
});

test("Winograd stays exact at the largest accumulators it accepts (904 channels, extreme codes)", async () => {
  const core = await loadCore();
  const c = 904;
  const g = geometry(c, 3, [3, 3], [1, 1], [1, 1], [1, 1], 1);
  // |x - zp| = 255 and |w - zp| = 255 everywhere, same sign: the accumulator's largest magnitude.
  const weights = { data: new Int8Array(3 * c * 9).fill(-128), scales: [1e-3], zeroPoints: [127] };
  const packed = new PackedConv2d(core, "qnnpack", g, weights);
  try {
    assert.ok(packed.winograd);
    const x = new Uint8Array(c * 4 * 5).fill(255);
    for (const outScale of [2116, 3000]) {
      const q = { inScale: 1, inZeroPoint: 0, outScale, outZeroPoint: 255, relu: false };
      const expected = packed.runArrays(x, 1, 4, 5, q, undefined, true);
      assert.ok(new Set(expected).size > 1, "the reference output is not saturated flat");
      assert.deepEqual(packed.runArrays(x, 1, 4, 5, q), expected);
    }
  } finally {
    packed.dispose();
  }
});

test("small jobs stay on the calling thread; large ones use the pool", () => {
  const pool = { threads: 3, minWorkPerThread: 1_000_000 } as KernelThreadPool;
  assert.equal(threadsFor(undefined, 1e9), 1);
  assert.equal(threadsFor(pool, 500_000), 1);
  assert.equal(threadsFor(pool, 2_500_000), 2);
  assert.equal(threadsFor(pool, 1e9), 3);
  assert.equal(threadsFor({ threads: 3, minWorkPerThread: 0 } as KernelThreadPool, 10), 3);
});
