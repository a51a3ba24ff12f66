// Edge cases of the quantized elementwise/activation/pooling/shape kernels (test process): the fast
// paths (byte-pair and per-channel tables) against the direct paths, ATen's vectorized-body vs
// scalar-tail arithmetic, saturation, zero-size tensors and the argument errors PyTorch also raises.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { loadCore } from "../../core/src/node/load-core";
import type { Engine } from "../../core/src/backends/engine";
import {
  QuantizedElementwiseKernels,
  QKernelArgumentError,
  addScalarOutput,
  broadcastShapes,
  coalescedLoop,
  poolingOutputSize,
  withQTensors,
  type QParams,
  type QTensorRef,
  type QTensorU8,
} from "../../core/src/wasm/qelementwise";

async function kernels(): Promise<QuantizedElementwiseKernels> {
  return new QuantizedElementwiseKernels(await loadCore());
}

function tensor(shape: number[], q: QParams, fill: (i: number) => number): QTensorU8 {
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Uint8Array.from({ length: n }, (_, i) => fill(i) & 255), shape, ...q };
}

/** Runs `fn` on copies of `inputs` with an output buffer of `outBytes`; returns the output bytes. */
function check(k: QuantizedElementwiseKernels, inputs: QTensorU8[], outBytes: number, fn: (refs: QTensorRef[], out: number) => void): Uint8Array {
  return withQTensors(k.core, inputs, outBytes, (refs, out) => fn(refs, out)).out;
}

const pseudoRandom = (seed: number) => (i: number) => Math.imul(i + seed, 2654435761) >>> 24;

test("add/mul over the byte-pair table equal the direct loop, vector body and scalar tail included", async () => {
  const k = await kernels();
  const n = 65536 + 5; // 65536 in ATen's vectorized body (a multiple of 64), 5 in its scalar tail
  const qa = { scale: 0.0213, zeroPoint: 117 };
  const qb = { scale: 0.0371, zeroPoint: 30 };
  const a = tensor([n], qa, pseudoRandom(1));
  const b = tensor([n], qb, pseudoRandom(7));
  const outQ = { scale: 0.05, zeroPoint: 100 };
  const cases: [string, (x: QTensorRef, y: QTensorRef, o: number) => void][] = [
    ["add x86", (x, y, o) => k.add("x86", x, y, o, outQ)],
    ["add_relu fbgemm", (x, y, o) => k.add("fbgemm", x, y, o, outQ, true)],
    ["add qnnpack", (x, y, o) => k.add("qnnpack", x, y, o, outQ)],
    ["add_relu qnnpack", (x, y, o) => k.add("qnnpack", x, y, o, outQ, true)],
    ["mul", (x, y, o) => k.mul(x, y, o, { scale: 0.2, zeroPoint: 128 })],
  ];
  for (const [name, run] of cases) {
    const whole = check(k, [a, b], n, ([x, y], o) => run(x, y, o));
    // Pieces below the table threshold; every piece but the last is a multiple of 64 long, so each
    // element keeps the vectorized-body or scalar-tail arithmetic it had in the whole run.
    const pieces = [[0, 32000], [32000, 64000], [64000, 65536], [65536, n]];
    for (const [from, to] of pieces) {
      const slice = (t: QTensorU8): QTensorU8 => ({ ...t, data: t.data.slice(from, to), shape: [to - from] });
      const part = check(k, [slice(a), slice(b)], to - from, ([x, y], o) => run(x, y, o));
      assert.deepEqual(part, whole.subarray(from, to), `${name} [${from}, ${to})`);
    }
  }
  k.dispose();
});

test("x86 add: ATen's vectorized body dequantizes with an FMA, its scalar tail does not", async () => {
  // Parameters found by search where fma(s, q, s * -zp) and s * (q - zp) round the sum differently.
  // The FMA in the body is PyTorch 2.x's vec256_qint.h; Debian's 1.13 build gives 206 throughout.
  const k = await kernels();
  const qa = { scale: 0.06596952676773071, zeroPoint: 113 };
  const qb = { scale: 0.04320938140153885, zeroPoint: 169 };
  const outQ = { scale: 0.056025102734565735, zeroPoint: 254 };
  const n = 100; // ATen's loop: 64 in the vectorized body (two 32-byte vectors a step), 36 in the scalar tail
  const out = check(k, [tensor([n], qa, () => 91), tensor([n], qb, () => 141)], n, ([x, y], o) => k.add("onednn", x, y, o, outQ));
  assert.deepEqual([...new Set(out.subarray(0, 64))], [207]);
  assert.deepEqual([...new Set(out.subarray(64))], [206]);
  k.dispose();
});

test("x86 hardswish: the vectorized body (64 elements a step) quantizes with (float)(1.0 / scale)", async () => {
  // PyTorch 1.13 under onednn gives 212 for the first 64 elements and 211 for the rest of 100: its
  // vectorized body uses (float)(1.0 / s_out) in double, the scalar tail 1.0f / (float)s_out.
  const k = await kernels();
  const x = tensor([100], { scale: 0.09624824672937393, zeroPoint: 11 }, () => 75);
  const out = check(k, [x], 100, ([t], o) => k.hardswish("x86", t, o, { scale: 0.07948242591478848, zeroPoint: 134 }));
  assert.deepEqual([...new Set(out.subarray(0, 64))], [212]);
  assert.deepEqual([...new Set(out.subarray(64))], [211]);
  k.dispose();
});

test("with atenIsa avx512 the vectorized body steps 128 elements", async () => {
  const core = await loadCore();
  const x = tensor([200], { scale: 0.09624824672937393, zeroPoint: 11 }, () => 75);
  const outQ = { scale: 0.07948242591478848, zeroPoint: 134 };
  for (const [isa, body] of [["avx2", 192], ["avx512", 128]] as const) {
    const k = new QuantizedElementwiseKernels(core, { atenIsa: isa });
    const out = check(k, [x], 200, ([t], o) => k.hardswish("fbgemm", t, o, outQ));
    assert.deepEqual([...new Set(out.subarray(0, body))], [212], isa);
    assert.deepEqual([...new Set(out.subarray(body))], [211], isa);
    k.dispose();
  }
});

test("with atenThreads, each thread chunk of ATen's loop ends in its own scalar tail", async () => {
  const core = await loadCore();
  const n = 100000; // 4 threads: ceil(100000 / 32768) = 4 chunks of 25000, each 24960 + a 40-element tail
  const x = tensor([n], { scale: 0.09624824672937393, zeroPoint: 11 }, () => 75);
  const outQ = { scale: 0.07948242591478848, zeroPoint: 134 };
  const k = new QuantizedElementwiseKernels(core, { atenThreads: 4 });
  assert.equal(k.atenChunk(n), 25000);
  assert.equal(k.atenChunk(32767), 0);
  const out = check(k, [x], n, ([t], o) => k.hardswish("x86", t, o, outQ));
  for (let i = 0; i < n; i++) {
    const expected = i % 25000 < 24960 ? 212 : 211;
    if (out[i] !== expected) assert.fail(`element ${i}: ${out[i]}, expected ${expected}`);
  }
  k.dispose();
  const single = new QuantizedElementwiseKernels(core);
  const one = check(single, [x], n, ([t], o) => single.hardswish("x86", t, o, outQ));
  assert.deepEqual([...new Set(one.subarray(0, 99968))], [212]);
  assert.deepEqual([...new Set(one.subarray(99968))], [211]);
  single.dispose();
});

test("broadcasting add/mul run ATen's loop per row: equal to row-by-row same-shape calls", async () => {
  const k = await kernels();
  const [N, C, HW] = [2, 3, 100]; // rows of 100: 64 in the vectorized body, 36 in the scalar tail
  const qa = { scale: 0.06596952676773071, zeroPoint: 113 };
  const qb = { scale: 0.04320938140153885, zeroPoint: 169 };
  const outQ = { scale: 0.056025102734565735, zeroPoint: 254 };
  const a = tensor([N, C, 10, 10], qa, pseudoRandom(2));
  const b = tensor([N, C, 1, 1], qb, pseudoRandom(9));
  for (const [name, run] of [
    ["add", (x: QTensorRef, y: QTensorRef, o: number) => k.add("qnnpack", x, y, o, outQ)],
    ["add_relu", (x: QTensorRef, y: QTensorRef, o: number) => k.add("x86", x, y, o, outQ, true)],
    ["mul", (x: QTensorRef, y: QTensorRef, o: number) => k.mul(x, y, o, outQ)],
  ] as const) {
    const whole = withQTensors(k.core, [a, b], N * C * HW, ([x, y], o) => run(x, y, o));
    assert.deepEqual(whole.result, [N, C, 10, 10]);
    for (let row = 0; row < N * C; row++) {
      const aRow = { ...a, data: a.data.slice(row * HW, (row + 1) * HW), shape: [HW] };
      const bRow = { ...b, data: new Uint8Array(HW).fill(b.data[row]), shape: [HW] };
      // qnnpack runs ATen's kernel for broadcasting operands; the same-shape reference must too.
      const engineFree = name === "add" ? (x: QTensorRef, y: QTensorRef, o: number) => k.add("onednn", x, y, o, outQ) : run;
      const part = check(k, [aRow, bRow], HW, ([x, y], o) => engineFree(x, y, o));
      assert.deepEqual(part, whole.out.subarray(row * HW, (row + 1) * HW), `${name} row ${row}`);
    }
  }
  k.dispose();
});

test("TensorIterator-style loop coalescing", () => {
  assert.deepEqual(coalescedLoop([2, 3, 4, 5], [[2, 3, 4, 5], [2, 3, 1, 1]]), {
    sizes: [20, 6, 1],
    strides: [[1, 20, 0], [0, 1, 0]],
  });
  assert.deepEqual(coalescedLoop([2, 3, 4, 5], [[2, 3, 4, 5], [1, 3, 1, 1]]), {
    sizes: [20, 3, 2],
    strides: [[1, 20, 60], [0, 1, 0]],
  });
  assert.deepEqual(coalescedLoop([2, 3, 4, 5], [[2, 3, 4, 5], [1]]).sizes, [120, 1, 1]);
  assert.deepEqual(broadcastShapes([3, 1, 5], [2, 1, 4, 1]), [2, 3, 4, 5]);
  assert.throws(() => coalescedLoop([2, 3, 4, 5], [[2, 1, 4, 1], [1, 3, 1, 5]]), /at most 3/);
});

test("x86 sigmoid's vectorized body uses Sleef's expf, not the correctly rounded exp", async () => {
  // PyTorch 1.13 gives these integers; a correctly rounded exp would give 63, 152 and 200.
  const k = await kernels();
  for (const [scale, zeroPoint, byte, expected] of [
    [0.1883518397808075, 162, 156, 62],
    [0.053056906908750534, 128, 135, 151],
    [0.022936273366212845, 108, 164, 201],
  ]) {
    const x = tensor([64], { scale, zeroPoint }, () => byte);
    const out = check(k, [x], 64, ([t], o) => k.sigmoid("onednn", t, o));
    assert.deepEqual([...new Set(out)], [expected], `scale ${scale}`);
  }
  k.dispose();
});

test("a 4-D tensor with C == 1 takes PyTorch's NHWC average-pool arithmetic, a 3-D one does not", async () => {
  // PyTorch 1.13: adaptive_avg_pool2d of [100, 101] (scale 0.05, zero point 1) gives 101 as
  // [1, 1, 2, 1] (channels-last contiguous: zero point subtracted before rounding 99.5 -> 100) and
  // 100 as [1, 2, 1] (NCHW kernel: 100.5 rounds to even).
  const k = await kernels();
  const q = { scale: 0.05, zeroPoint: 1 };
  for (const [shape, expected] of [[[1, 1, 2, 1], 101], [[1, 2, 1], 100]] as const) {
    const x = tensor([...shape], q, (i) => 100 + i);
    const out = check(k, [x], 1, ([t], o) => k.adaptiveAvgPool2d("x86", t, [1, 1], o));
    assert.equal(out[0], expected, `shape [${shape.join(", ")}]`);
  }
  k.dispose();
});

test("batch_norm2d per-channel tables equal direct evaluation", async () => {
  const k = await kernels();
  const C = 5;
  const q = { scale: 0.04, zeroPoint: 90 };
  const x = tensor([4, C, 16, 16], q, pseudoRandom(3));
  const params = {
    weight: Float32Array.from([1.5, -0.7, 0.2, 2.1, 1]),
    bias: Float32Array.from([0.1, -0.3, 0.5, 0, 1]),
    runningMean: Float32Array.from([0.2, 0.1, -0.4, 0.3, 0]),
    runningVar: Float32Array.from([0.9, 1.7, 0.3, 2.5, 1]),
    eps: 1e-5,
  };
  const outQ = { scale: 0.06, zeroPoint: 120 };
  const whole = check(k, [x], x.data.length, ([t], o) => k.batchNorm2d(t, params, o, outQ)); // 4 * 256 elements per channel: tables
  const image = C * 256;
  for (let n = 0; n < 4; n++) {
    const one = { ...x, data: x.data.slice(n * image, (n + 1) * image), shape: [1, C, 16, 16] }; // 256: direct
    const part = check(k, [one], image, ([t], o) => k.batchNorm2d(t, params, o, outQ));
    assert.deepEqual(part, whole.subarray(n * image, (n + 1) * image));
  }
  k.dispose();
});

test("saturation: outputs clamp to [0, 255] and ReLU floors at the zero point", async () => {
  const k = await kernels();
  const big = { scale: 1, zeroPoint: 0 };
  const a = tensor([64], big, (i) => (i < 32 ? 255 : 0));
  const out = check(k, [a, a], 64, ([x, y], o) => k.add("x86", x, y, o, { scale: 0.01, zeroPoint: 128 }));
  assert.deepEqual([...new Set(out.subarray(0, 32))], [255]);
  assert.deepEqual([...new Set(out.subarray(32))], [128]);
  const neg = tensor([48], { scale: 0.5, zeroPoint: 200 }, () => 0);
  for (const engine of ["x86", "qnnpack"] as Engine[]) {
    const low = check(k, [neg, neg], 48, ([x, y], o) => k.add(engine, x, y, o, { scale: 0.01, zeroPoint: 30 }));
    assert.deepEqual([...new Set(low)], [0], engine);
    const relu = check(k, [neg, neg], 48, ([x, y], o) => k.add(engine, x, y, o, { scale: 0.01, zeroPoint: 30 }, true));
    assert.deepEqual([...new Set(relu)], [30], engine);
  }
  const mul = check(k, [a, a], 64, ([x, y], o) => k.mul(x, y, o, { scale: 0.001, zeroPoint: 5 }));
  assert.deepEqual([...new Set(mul.subarray(0, 32))], [255]);
  assert.deepEqual([...new Set(mul.subarray(32))], [5]);
  k.dispose();
});

test("relu6 clamps between the zero point and quantize(6.0)", async () => {
  const k = await kernels();
  const x = tensor([300], { scale: 0.05, zeroPoint: 10 }, (i) => i);
  const out = check(k, [x], 300, ([t], o) => k.relu6(t, o));
  for (let i = 0; i < 300; i++) assert.equal(out[i], Math.min(Math.max(i & 255, 10), 130), `byte ${i & 255}`);
  k.dispose();
});

test("add_scalar shifts the zero point, or requantizes when the shift leaves [0, 255]", async () => {
  const k = await kernels();
  const q = { scale: 0.1, zeroPoint: 128 };
  assert.deepEqual(addScalarOutput(q, 0.7).out, { scale: 0.1, zeroPoint: 121 });
  const plan = addScalarOutput(q, 40); // round(40 / 0.1) = 400 > 128: zero point pinned at 0
  assert.equal(plan.requantize, true);
  assert.equal(plan.out.zeroPoint, 0);
  assert.ok(Math.abs(plan.out.scale - ((255 + 272) / 255) * 0.1) < 1e-15);
  const x = tensor([4], q, (i) => [0, 128, 200, 255][i]);
  const { result, out } = withQTensors(k.core, [x], 4, ([t], o) => k.addScalar(t, 40, o));
  assert.deepEqual(result, plan.out);
  // (q - 128 + 400) * (0.1 / s') with s' = 0.2067: 272 -> 132, 400 -> 194, 472 -> 228, 527 -> 255.
  assert.deepEqual([...out], [132, 194, 228, 255]);
  k.dispose();
});

test("zero-size tensors produce empty outputs without touching memory", async () => {
  const k = await kernels();
  const q = { scale: 0.1, zeroPoint: 3 };
  const empty = tensor([0, 4], q, () => 0);
  for (const engine of ["x86", "qnnpack"] as Engine[]) {
    check(k, [empty, empty], 0, ([x, y], o) => k.add(engine, x, y, o, q));
    check(k, [empty], 0, ([x], o) => k.hardswish(engine, x, o, q));
    check(k, [empty], 0, ([x], o) => k.softmax(engine, x, 1, o, { scale: 1 / 256, zeroPoint: 0 }));
  }
  check(k, [empty], 0, ([x], o) => assert.deepEqual(k.relu(x, o), q));
  const images = tensor([0, 3, 4, 4], q, () => 0);
  check(k, [images], 0, ([x], o) => assert.deepEqual(k.maxPool2d("x86", x, { kernel: [2, 2] }, o), [0, 3, 2, 2]));
  check(k, [images], 0, ([x], o) => assert.deepEqual(k.meanHW("x86", x, true, o), [0, 3, 1, 1]));
  k.dispose();
});

test("arguments PyTorch rejects are reported, not computed", async () => {
  const k = await kernels();
  const q = { scale: 0.1, zeroPoint: 3 };
  const x = tensor([2, 3, 4, 4], q, pseudoRandom(5));
  const y = tensor([2, 3, 4, 3], q, pseudoRandom(6));
  const rejects = (fn: (refs: QTensorRef[], o: number) => void, message: RegExp) =>
    assert.throws(() => check(k, [x, y], 4096, fn), (e: unknown) => e instanceof QKernelArgumentError && message.test(e.message));
  rejects(([a, b], o) => k.add("x86", a, b, o, q), /do not broadcast/);
  rejects(([a], o) => k.add("qnnpack", a, a, o, { scale: 10000, zeroPoint: 0 }), /scale ratios .* \[2\^-14, 2\^8\)/);
  rejects(([a], o) => k.sigmoid("qnnpack", a, o, { scale: 0.01, zeroPoint: 0 }), /qnnpack sigmoid only supports/);
  rejects(([a], o) => k.maxPool2d("qnnpack", a, { kernel: [1, 1] }, o), /1x1 pooling/);
  rejects(([a], o) => k.avgPool2d("qnnpack", a, { kernel: [1, 1] }, o), /1x1 pooling/);
  rejects(([a], o) => k.maxPool2d("x86", a, { kernel: [2, 2], padding: [2, 2] }, o), /at most half the kernel/);
  rejects(([a], o) => k.add("x86", a, a, o, { scale: 0.1, zeroPoint: 300 }), /zero point 300 is outside/);
  rejects(([a], o) => k.leakyRelu("qnnpack", a, 0, o, q), /slope in \(0, 1\]/);
  rejects(([a, b], o) => k.cat([a, b], 1, o, q), /incompatible/);
  rejects(([a], o) => k.softmax("x86", a, 4, o, q), /out of range/);
  // Under x86 the 1x1 window and a 1x1 ceil-mode qnnpack window are fine (ATen kernels).
  check(k, [x], 4096, ([a], o) => k.maxPool2d("x86", a, { kernel: [1, 1] }, o));
  check(k, [x], 4096, ([a], o) => k.maxPool2d("qnnpack", a, { kernel: [1, 1], ceilMode: true }, o));
  k.dispose();
});

test("pooling output sizes follow ATen (floor, ceil, dilation)", () => {
  assert.equal(poolingOutputSize(5, 2, 0, 2, 1, false), 2);
  assert.equal(poolingOutputSize(5, 2, 0, 2, 1, true), 3);
  assert.equal(poolingOutputSize(6, 3, 1, 2, 1, true), 4);
  assert.equal(poolingOutputSize(5, 2, 1, 2, 1, true), 3); // a 4th window would start in the right padding
  assert.equal(poolingOutputSize(8, 3, 1, 1, 2, false), 6);
});
