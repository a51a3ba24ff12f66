// Observer behaviour the golden data lacks: PyTorch class/kwargs mapping and the backends' default
// observers, empty and NaN batches, SIMD reductions on large tensors, channel axes other than 0,
// observing in place, histogram corner cases, and the memory cap (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { createCore } from "../../core/src/node/load-core";
import { WasmMemoryError } from "../../core/src/wasm/core";
import {
  FLOAT32_EPS,
  createObserver,
  observerSpecFromResolved,
  observerSpecFromTorch,
  observerSpecToTorch,
  qparamsFromStatistics,
  resolveQuantRange,
  type ObserverSpec,
} from "../../core/src/wasm/observers";
import { loadSharedJson } from "../helpers/shared";

const corePromise = createCore();

const f = Math.fround;

/** Observes the batches and checks min/max and qparams. */
async function check(
  spec: ObserverSpec,
  batches: { x: number[]; shape: number[] }[],
  expected: { min: number | number[]; max: number | number[]; scales?: number[]; zeroPoints?: number[] },
): Promise<void> {
  const core = await corePromise;
  const o = createObserver(core, spec);
  try {
    for (const b of batches) o.observe(Float32Array.from(b.x), b.shape);
    const asList = (v: number | Float32Array) => (typeof v === "number" ? v : Array.from(v));
    assert.deepEqual(asList(o.minVal), expected.min, "min_val");
    assert.deepEqual(asList(o.maxVal), expected.max, "max_val");
    const q = o.calculateQParams();
    if (expected.scales) assert.deepEqual(Array.from(q.scales), expected.scales, "scales");
    if (expected.zeroPoints) assert.deepEqual(Array.from(q.zeroPoints), expected.zeroPoints, "zero points");
  } finally {
    o.dispose();
  }
}

interface QconfigObserver {
  class: string;
  dtype: string;
  qscheme: string;
  reduce_range?: string;
  quant_min: string;
  quant_max: string;
  ch_axis?: string;
}

test("every backend's default PTQ observers map to specs with PyTorch's quant range", () => {
  const defaults = loadSharedJson<Record<string, { ptq: Record<string, QconfigObserver> }>>(
    "golden",
    "qconfig_defaults.json",
  );
  for (const [backend, d] of Object.entries(defaults)) {
    for (const role of ["activation_obj", "weight_obj"]) {
      const o = d.ptq[role];
      const kwargs: Record<string, unknown> = {
        dtype: o.dtype,
        qscheme: o.qscheme,
        reduce_range: o.reduce_range,
      };
      if (o.ch_axis !== undefined) kwargs.ch_axis = o.ch_axis;
      const spec = observerSpecFromTorch(o.class, kwargs);
      const range = resolveQuantRange(spec);
      assert.deepEqual(
        [range.quantMin, range.quantMax],
        [Number(o.quant_min), Number(o.quant_max)],
        `${backend} ${role} ${o.class}`,
      );
    }
  }
});

test("PyTorch class names and kwargs round-trip through specs; bad ones are refused as PyTorch does", () => {
  const spec = observerSpecFromTorch("torch.ao.quantization.observer.PerChannelMinMaxObserver", {
    dtype: "torch.qint8",
    qscheme: "torch.per_channel_symmetric",
    ch_axis: 1,
  });
  assert.deepEqual(spec, {
    kind: "per_channel_minmax",
    dtype: "qint8",
    qscheme: "per_channel_symmetric",
    chAxis: 1,
  });
  assert.deepEqual(observerSpecToTorch(spec), {
    className: "PerChannelMinMaxObserver",
    kwargs: { dtype: "torch.qint8", qscheme: "torch.per_channel_symmetric", ch_axis: 1 },
  });
  assert.deepEqual(observerSpecFromTorch("HistogramObserver", { reduce_range: "True" }), {
    kind: "histogram",
    dtype: "quint8",
    qscheme: "per_tensor_affine",
    reduceRange: true,
  });
  assert.throws(
    () => observerSpecFromTorch("MinMaxObserver", { qscheme: "torch.per_channel_affine" }),
    /only supports per_tensor/,
  );
  assert.throws(
    () =>
      observerSpecFromTorch("MinMaxObserver", { qscheme: "torch.per_tensor_symmetric", reduce_range: true }),
    /cannot reduce range for symmetric quantization for quint8/,
  );
  assert.throws(
    () => observerSpecFromTorch("HistogramObserver", { upsample_rate: 128 }),
    /unexpected keyword argument 'upsample_rate'/,
  );
  assert.throws(() => observerSpecFromTorch("FooObserver", {}), /unsupported observer class 'FooObserver'/);
  assert.throws(
    () => observerSpecFromTorch("MinMaxObserver", { quant_min: 1, quant_max: 10 }),
    /must include 0/,
  );
});

test("the qconfig layer's resolved observers map to specs with the same effective range", () => {
  assert.deepEqual(
    observerSpecFromResolved({
      observer: "histogram",
      dtype: "quint8",
      qscheme: "per_tensor_affine",
      reduceRange: true,
      quantMin: 0,
      quantMax: 127,
      customRange: false,
      bins: 2048,
    }),
    { kind: "histogram", dtype: "quint8", qscheme: "per_tensor_affine", reduceRange: true, bins: 2048 },
  );
  // An explicit 0..255 with reduce_range is 0..127, customized (zero point of symmetric quint8 = 63).
  const custom = observerSpecFromResolved({
    observer: "moving_average_minmax",
    dtype: "quint8",
    qscheme: "per_tensor_affine",
    reduceRange: true,
    quantMin: 0,
    quantMax: 127,
    customRange: true,
  });
  assert.deepEqual(resolveQuantRange(custom), { quantMin: 0, quantMax: 127, customized: true });
  assert.throws(
    () => observerSpecFromResolved({ observer: "percentile", dtype: "quint8", qscheme: "per_tensor_affine" }),
    /'percentile' is not one of PyTorch's uniform observers/,
  );
  assert.throws(
    () =>
      observerSpecFromResolved({
        observer: "minmax",
        dtype: "qint8",
        qscheme: "per_tensor_affine",
        quantMin: -128,
        quantMax: 127,
        reduceRange: true,
      }),
    /disagrees with PyTorch's \[-64, 63\]/,
  );
});

test("custom quant ranges: reduce_range halves them, symmetric quint8 centres on their midpoint", async () => {
  assert.deepEqual(
    resolveQuantRange({
      kind: "minmax",
      dtype: "quint8",
      qscheme: "per_tensor_affine",
      quantMin: 0,
      quantMax: 255,
      reduceRange: true,
    }),
    { quantMin: 0, quantMax: 127, customized: true },
  );
  await check(
    { kind: "minmax", dtype: "quint8", qscheme: "per_tensor_symmetric", quantMin: 0, quantMax: 127 },
    [{ x: [-1, 2], shape: [2] }],
    { min: -1, max: 2, scales: [f(2 / 63.5)], zeroPoints: [63] },
  );
  await check(
    { kind: "minmax", dtype: "quint8", qscheme: "per_tensor_symmetric" },
    [{ x: [-1, 2], shape: [2] }],
    {
      min: -1,
      max: 2,
      scales: [f(2 / 127.5)],
      zeroPoints: [128],
    },
  );
});

test("before any data, and after empty batches, qparams are PyTorch's defaults (1.0, 0)", async () => {
  const empty = { x: [], shape: [0, 4] };
  await check({ kind: "minmax", dtype: "quint8", qscheme: "per_tensor_affine" }, [empty], {
    min: Infinity,
    max: -Infinity,
    scales: [1],
    zeroPoints: [0],
  });
  await check({ kind: "per_channel_minmax", dtype: "qint8", qscheme: "per_channel_symmetric" }, [empty], {
    min: [],
    max: [],
    scales: [1],
    zeroPoints: [0],
  });
  await check({ kind: "histogram", dtype: "quint8", qscheme: "per_tensor_affine" }, [empty], {
    min: Infinity,
    max: -Infinity,
    scales: [1],
    zeroPoints: [0],
  });
});

test("an all-zero tensor gives the eps scale", async () => {
  await check(
    { kind: "minmax", dtype: "quint8", qscheme: "per_tensor_affine" },
    [{ x: [0, 0, 0], shape: [3] }],
    {
      min: 0,
      max: 0,
      scales: [f(FLOAT32_EPS)],
      zeroPoints: [0],
    },
  );
});

test("NaN propagates to min/max like torch.aminmax, and calculate_qparams refuses it", async () => {
  const core = await corePromise;
  for (const at of [5, 98]) {
    const x = Float32Array.from({ length: 99 }, (_, i) => (i === at ? NaN : i));
    const o = createObserver(core, { kind: "minmax", dtype: "quint8", qscheme: "per_tensor_affine" });
    o.observe(x, [99]);
    assert.ok(Number.isNaN(o.minVal) && Number.isNaN(o.maxVal), `NaN at ${at}`);
    assert.throws(() => o.calculateQParams(), /NaN in the observed data/);
    o.dispose();
  }
});

test("SIMD min/max over a large tensor equals a plain reduction", async () => {
  let seed = 12345;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 20;
  const x = Array.from({ length: 100_003 }, next);
  x[100_002] = -30; // the minimum sits in the scalar tail
  x[40_001] = 31;
  await check(
    { kind: "minmax", dtype: "qint8", qscheme: "per_tensor_symmetric" },
    [{ x, shape: [100_003] }],
    {
      min: -30,
      max: 31,
      scales: [f(31 / 127.5)],
      zeroPoints: [0],
    },
  );
});

test("per-channel min/max along axis 1 and -1, over two batches", async () => {
  const shape = [2, 3, 4];
  const a = Array.from({ length: 24 }, (_, i) => ((i * 7) % 11) - 5);
  const b = Array.from({ length: 24 }, (_, i) => ((i * 5) % 13) - 6);
  const reduce = (axis: number, channels: number) => {
    const mins = new Array<number>(channels).fill(Infinity);
    const maxs = new Array<number>(channels).fill(-Infinity);
    for (const x of [a, b]) {
      x.forEach((v, i) => {
        const c = axis === 1 ? Math.floor(i / 4) % 3 : i % 4;
        mins[c] = Math.min(mins[c], v);
        maxs[c] = Math.max(maxs[c], v);
      });
    }
    return { mins, maxs };
  };
  for (const [axis, channels] of [
    [1, 3],
    [-1, 4],
  ]) {
    const { mins, maxs } = reduce(axis, channels);
    await check(
      { kind: "per_channel_minmax", dtype: "qint8", qscheme: "per_channel_affine", chAxis: axis },
      [
        { x: a, shape },
        { x: b, shape },
      ],
      { min: mins, max: maxs },
    );
  }
});

test("observePtr reads a tensor already in linear memory and gives what observe gives", async () => {
  const core = await corePromise;
  const x = Float32Array.from({ length: 50 }, (_, i) => Math.sin(i) * 3);
  const spec: ObserverSpec = { kind: "histogram", dtype: "quint8", qscheme: "per_tensor_affine", bins: 256 };
  const copied = createObserver(core, spec);
  const inPlace = createObserver(core, spec);
  copied.observe(x, [5, 10]);
  const ptr = core.alloc(x.byteLength);
  core.f32(ptr, x.length).set(x);
  inPlace.observePtr(ptr, x.length, [5, 10]);
  core.free(ptr);
  assert.deepEqual(inPlace.calculateQParams(), copied.calculateQParams());
  assert.deepEqual(inPlace.histogram?.(), copied.histogram?.());
  assert.throws(() => inPlace.observePtr(ptr, 50, [7, 7]), /50 values do not fill shape \[7, 7\]/);
  copied.dispose();
  inPlace.dispose();
  assert.throws(() => inPlace.calculateQParams(), /disposed/);
});

test("a per-channel observer refuses a tensor with another channel count until it is reset", async () => {
  const core = await corePromise;
  const o = createObserver(core, {
    kind: "per_channel_minmax",
    dtype: "qint8",
    qscheme: "per_channel_symmetric",
  });
  o.observe(new Float32Array(6), [3, 2]);
  assert.throws(() => o.observe(new Float32Array(8), [4, 2]), /saw 3 channels before and 4 now/);
  o.reset();
  assert.deepEqual(o.calculateQParams(), { scales: Float32Array.of(1), zeroPoints: Int32Array.of(0) });
  o.observe(Float32Array.of(-1, 1, -2, 2, -3, 3, -4, 4), [4, 2]);
  assert.deepEqual(Array.from(o.maxVal as Float32Array), [1, 2, 3, 4]);
  o.dispose();
});

test("reset forgets a histogram and its range", async () => {
  const core = await corePromise;
  const o = createObserver(core, {
    kind: "histogram",
    dtype: "quint8",
    qscheme: "per_tensor_affine",
    bins: 16,
  });
  o.observe(Float32Array.of(-5, 5), [2]);
  o.reset();
  assert.deepEqual([o.minVal, o.maxVal], [Infinity, -Infinity]);
  assert.ok(o.histogram?.().bins.every((v) => v === 0));
  o.observe(Float32Array.of(1, 2), [2]);
  assert.deepEqual([o.minVal, o.maxVal], [1, 2]);
  o.dispose();
});

test("moving averages move by the averaging constant in float32", async () => {
  const c = 0.3;
  const move = (r: number, cur: number) => f(r + f(f(c) * f(cur - r)));
  await check(
    { kind: "moving_average_minmax", dtype: "quint8", qscheme: "per_tensor_affine", averagingConstant: c },
    [
      { x: [-1.1, 2.3], shape: [2] },
      { x: [-3.7, 0.9], shape: [2] },
    ],
    { min: move(f(-1.1), f(-3.7)), max: move(f(2.3), f(0.9)) },
  );
  await check(
    {
      kind: "moving_average_per_channel_minmax",
      dtype: "qint8",
      qscheme: "per_channel_symmetric",
      averagingConstant: c,
    },
    [
      { x: [-1.1, 2.3, 0.5, 0.7], shape: [2, 2] },
      { x: [-3.7, 0.9, -0.25, 4], shape: [2, 2] },
    ],
    { min: [move(f(-1.1), f(-3.7)), move(f(0.5), -0.25)], max: [move(f(2.3), f(0.9)), move(f(0.7), 4)] },
  );
});

test("histogram: a constant first batch is carried into a wider range, infinities are ignored, mass is kept", async () => {
  const core = await corePromise;
  const o = createObserver(core, {
    kind: "histogram",
    dtype: "quint8",
    qscheme: "per_tensor_affine",
    bins: 128,
  });
  o.observe(Float32Array.of(2, 2, 2, 2), [4]);
  assert.equal(o.minVal, 2);
  assert.equal(o.maxVal, 2);
  o.observe(Float32Array.of(Infinity, -1, 3, -Infinity, 0.5), [5]);
  assert.equal(o.minVal, -1);
  assert.equal(o.maxVal, 3);
  const h = o.histogram?.();
  assert.ok(h);
  assert.equal(h.bins.length, 128);
  assert.equal(
    h.bins.reduce((s, v) => s + v, 0),
    7,
    "4 earlier values + 3 finite new ones",
  );
  // The four 2s sit in the bin of 2 within [-1, 3].
  assert.equal(h.bins[Math.floor(((2 - -1) * 128) / 4)], 4);
  const q = o.calculateQParams();
  assert.ok(q.scales[0] > 0 && Number.isFinite(q.scales[0]));
  o.observe(Float32Array.of(Infinity, NaN), [2]);
  assert.equal(
    o.histogram?.().bins.reduce((s, v) => s + v, 0),
    7,
    "a batch without finite values changes nothing",
  );
  o.dispose();
});

test("an observed tensor past the memory cap raises WasmMemoryError and the observer keeps working", async () => {
  const core = await createCore({ memoryCapBytes: 4 * 1024 * 1024 });
  const o = createObserver(core, { kind: "minmax", dtype: "quint8", qscheme: "per_tensor_affine" });
  assert.throws(() => o.observe(new Float32Array(2_000_000), [2_000_000]), WasmMemoryError);
  o.observe(Float32Array.of(-1, 3), [2]);
  assert.deepEqual([o.minVal, o.maxVal], [-1, 3]);
  o.dispose();
});

test("one calibration pass gives the qparams of other configurations through its statistics", async () => {
  const core = await corePromise;
  const batches = [0.5, 3, 1.5].map((spread) =>
    Float32Array.from({ length: 300 }, (_, i) => Math.max(0, Math.sin(i * 0.7) * spread) - 0.1 * spread),
  );
  const pairs: [ObserverSpec, ObserverSpec][] = [
    [
      { kind: "histogram", dtype: "quint8", qscheme: "per_tensor_affine", reduceRange: true },
      { kind: "histogram", dtype: "qint8", qscheme: "per_tensor_symmetric" },
    ],
    [
      { kind: "per_channel_minmax", dtype: "qint8", qscheme: "per_channel_symmetric", chAxis: 1 },
      {
        kind: "per_channel_minmax",
        dtype: "quint8",
        qscheme: "per_channel_affine",
        chAxis: 1,
        reduceRange: true,
      },
    ],
    [
      {
        kind: "moving_average_minmax",
        dtype: "quint8",
        qscheme: "per_tensor_affine",
        averagingConstant: 0.2,
      },
      {
        kind: "moving_average_minmax",
        dtype: "qint8",
        qscheme: "per_tensor_affine",
        averagingConstant: 0.2,
        quantMin: -8,
        quantMax: 7,
      },
    ],
  ];
  for (const [calibrated, other] of pairs) {
    const a = createObserver(core, calibrated);
    const b = createObserver(core, other);
    for (const x of batches) {
      a.observe(x, [3, 100]);
      b.observe(x, [3, 100]);
    }
    assert.deepEqual(qparamsFromStatistics(core, other, a.statistics()), b.calculateQParams(), other.kind);
    a.dispose();
    b.dispose();
  }
  const h = createObserver(core, {
    kind: "histogram",
    dtype: "quint8",
    qscheme: "per_tensor_affine",
    bins: 64,
  });
  h.observe(batches[0], [300]);
  assert.throws(
    () =>
      qparamsFromStatistics(
        core,
        { kind: "histogram", dtype: "quint8", qscheme: "per_tensor_affine" },
        h.statistics(),
      ),
    /statistics come from an observer with bins 64, not 2048/,
  );
  assert.throws(
    () =>
      qparamsFromStatistics(
        core,
        { kind: "minmax", dtype: "quint8", qscheme: "per_tensor_affine" },
        h.statistics(),
      ),
    /kind histogram, not minmax/,
  );
  h.dispose();
});
