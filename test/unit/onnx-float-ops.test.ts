// The float executor against ONNX Runtime (onnxruntime-node, in-process) op by op (test process): each case
// is a one-node model (or a short torch-style chain) written by our writer, run by both on the same random
// input. Covers padding/stride/dilation/group variants, broadcasting, ceil mode and the shape patterns.
import { test, after } from "node:test";
import * as assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { loadCore } from "../../core/src/node/load-core";
import { FloatExecutor } from "../../core/src/runtime/float-executor";
import { writeModel } from "../../core/src/onnx/write";
import { float32Tensor, int64Tensor, makeTensor, type Model, type Tensor } from "../../core/src/onnx/ir";
import { attr, buildModel, count, dynamicFlattenModel, rng, singleOp } from "../helpers/onnx-models";

const corePromise = loadCore();
const executors: FloatExecutor[] = [];
after(() => executors.forEach((e) => e.dispose()));

/** Runs `model` on input X (and optional extra inputs) in both runtimes; asserts |d| <= 1e-5 + 1e-4|want|. */
async function check(model: Model, inputs: Record<string, number[]>, seed = 3): Promise<void> {
  const r = rng(seed);
  const feeds: Record<string, ort.Tensor> = {};
  const ours: Record<string, { data: Float32Array; shape: number[] }> = {};
  for (const [name, shape] of Object.entries(inputs)) {
    const data = r.floats(count(shape), -3, 3);
    feeds[name] = new ort.Tensor("float32", data, shape);
    ours[name] = { data, shape };
  }
  const session = await ort.InferenceSession.create(writeModel(model), { graphOptimizationLevel: "disabled" });
  const want = await session.run(feeds);
  const ex = FloatExecutor.create(await corePromise, model);
  executors.push(ex);
  const got = await ex.run(ours);
  for (const o of model.graph.outputs) {
    const w = want[o.name];
    const g = got.get(o.name)!;
    assert.deepEqual(g.dims, [...w.dims], `${o.name}: shape`);
    const wd = w.data as Float32Array;
    const gd = g.data as Float32Array;
    for (let i = 0; i < wd.length; i++) {
      const tol = 1e-5 + 1e-4 * Math.abs(wd[i]);
      if (!(Math.abs(gd[i] - wd[i]) <= tol) && !(Number.isNaN(gd[i]) && Number.isNaN(wd[i]))) {
        assert.fail(`${o.name}[${i}]: got ${gd[i]}, ONNX Runtime gives ${wd[i]}`);
      }
    }
  }
}

const conv = (attrs: Record<string, ReturnType<typeof attr.int>>) => attrs;

test("Conv: dense 3x3, pads 1, stride 1, with bias", () =>
  check(singleOp("Conv", [2, 3, 9, 11], { W: [5, 3, 3, 3], B: [5] }, conv({ pads: attr.ints([1, 1, 1, 1]) })), { X: [2, 3, 9, 11] }));

test("Conv: stride 2, asymmetric pads, no bias", () =>
  check(singleOp("Conv", [1, 4, 10, 7], { W: [6, 4, 3, 3] }, { strides: attr.ints([2, 2]), pads: attr.ints([0, 1, 2, 0]) }), { X: [1, 4, 10, 7] }));

test("Conv: dilation 2, kernel 3x2, 9 output channels (not a multiple of the 4-row tile)", () =>
  check(singleOp("Conv", [1, 3, 12, 13], { W: [9, 3, 3, 2], B: [9] }, { dilations: attr.ints([2, 2]), pads: attr.ints([2, 1, 2, 1]) }), { X: [1, 3, 12, 13] }));

test("Conv: groups 2", () =>
  check(singleOp("Conv", [2, 6, 8, 8], { W: [4, 3, 3, 3], B: [4] }, { group: attr.int(2), pads: attr.ints([1, 1, 1, 1]) }), { X: [2, 6, 8, 8] }));

test("Conv: depthwise 3x3 stride 1 and stride 2, odd widths", async () => {
  await check(singleOp("Conv", [2, 5, 9, 13], { W: [5, 1, 3, 3], B: [5] }, { group: attr.int(5), pads: attr.ints([1, 1, 1, 1]) }), { X: [2, 5, 9, 13] });
  await check(singleOp("Conv", [1, 5, 15, 17], { W: [5, 1, 3, 3], B: [5] }, { group: attr.int(5), strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]) }), { X: [1, 5, 15, 17] });
});

test("Conv: depthwise with channel multiplier 2, stride 3, dilation 2", () =>
  check(singleOp("Conv", [1, 3, 20, 21], { W: [6, 1, 3, 3] }, { group: attr.int(3), strides: attr.ints([3, 3]), dilations: attr.ints([2, 2]), pads: attr.ints([2, 2, 2, 2]) }), { X: [1, 3, 20, 21] }));

test("Conv: 1x1 pointwise (direct GEMM path) and auto_pad SAME_UPPER stride 2", async () => {
  await check(singleOp("Conv", [2, 16, 7, 7], { W: [24, 16, 1, 1], B: [24] }, {}), { X: [2, 16, 7, 7] });
  await check(singleOp("Conv", [1, 3, 11, 10], { W: [8, 3, 3, 3], B: [8] }, { auto_pad: attr.string("SAME_UPPER"), strides: attr.ints([2, 2]) }), { X: [1, 3, 11, 10] });
});

test("Conv: 1-D", () =>
  check(singleOp("Conv", [2, 3, 17], { W: [4, 3, 5], B: [4] }, { pads: attr.ints([2, 1]), strides: attr.ints([2]) }), { X: [2, 3, 17] }));

test("Gemm: transB with a bias row, transA with alpha/beta and a full C", async () => {
  await check(singleOp("Gemm", [3, 7], { W: [5, 7], B: [5] }, { transB: attr.int(1) }), { X: [3, 7] });
  await check(singleOp("Gemm", [7, 3], { W: [7, 5], C: [3, 5] }, { transA: attr.int(1), alpha: attr.float(0.5), beta: attr.float(2) }), { X: [7, 3] });
  await check(singleOp("Gemm", [4, 9], { W: [9, 10], C: [1] }, {}), { X: [4, 9] });
});

test("MatMul: batched with broadcasting, 2-D weight, 1-D operands", async () => {
  await check(singleOp("MatMul", [2, 3, 4, 5], { W: [5, 6] }), { X: [2, 3, 4, 5] });
  await check(singleOp("MatMul", [2, 1, 3, 4], { W: [5, 4, 6] }), { X: [2, 1, 3, 4] });
  await check(singleOp("MatMul", [4, 5], { W: [5] }), { X: [4, 5] });
  await check(singleOp("MatMul", [5], { W: [5, 3] }), { X: [5] });
});

test("Add/Sub/Mul/Div broadcast in every direction", async () => {
  for (const op of ["Add", "Sub", "Mul", "Div"]) {
    await check(singleOp(op, [2, 3, 4, 5], { B: [3, 1, 1] }), { X: [2, 3, 4, 5] });
    await check(singleOp(op, [5], { B: [2, 3, 4, 5] }), { X: [5] });
    await check(singleOp(op, [2, 1, 4], { B: [1, 3, 1] }), { X: [2, 1, 4] });
  }
  const twoInputs = buildModel({ inputs: { X: [2, 3, 6], Z: [2, 3, 6] }, nodes: [{ op: "Add", inputs: ["X", "Z"], outputs: ["Y"] }], outputs: ["Y"] });
  await check(twoInputs, { X: [2, 3, 6], Z: [2, 3, 6] });
});

test("activations: Relu, Clip (both, min only), HardSwish, HardSigmoid, Sigmoid, Tanh", async () => {
  for (const op of ["Relu", "HardSwish", "Sigmoid", "Tanh"]) await check(singleOp(op, [3, 37], {}), { X: [3, 37] });
  await check(singleOp("HardSigmoid", [3, 37], {}, { alpha: attr.float(0.3), beta: attr.float(0.4) }), { X: [3, 37] });
  const lo = float32Tensor("lo", [], [-0.5]);
  const hi = float32Tensor("hi", [], [1.25]);
  await check(buildModel({ inputs: { X: [4, 9] }, initializers: [lo, hi], nodes: [{ op: "Clip", inputs: ["X", "lo", "hi"], outputs: ["Y"] }], outputs: ["Y"] }), { X: [4, 9] });
  await check(buildModel({ inputs: { X: [4, 9] }, initializers: [lo], nodes: [{ op: "Clip", inputs: ["X", "lo"], outputs: ["Y"] }], outputs: ["Y"] }), { X: [4, 9] });
});

test("Softmax on the last and a middle axis", async () => {
  await check(singleOp("Softmax", [3, 10], {}), { X: [3, 10] });
  await check(singleOp("Softmax", [2, 5, 3], {}, { axis: attr.int(1) }), { X: [2, 5, 3] });
});

test("MaxPool: 3x3 stride 2 pad 1, ceil mode, dilation", async () => {
  await check(singleOp("MaxPool", [2, 3, 9, 10], {}, { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]) }), { X: [2, 3, 9, 10] });
  await check(singleOp("MaxPool", [1, 2, 8, 9], {}, { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]), ceil_mode: attr.int(1) }), { X: [1, 2, 8, 9] });
  await check(singleOp("MaxPool", [1, 2, 9, 9], {}, { kernel_shape: attr.ints([2, 2]), dilations: attr.ints([2, 2]) }), { X: [1, 2, 9, 9] });
});

test("AveragePool: count_include_pad on and off, ceil mode, asymmetric pads", async () => {
  for (const include of [0, 1]) {
    await check(singleOp("AveragePool", [2, 3, 9, 10], {}, { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), pads: attr.ints([1, 0, 1, 2]), count_include_pad: attr.int(include) }), { X: [2, 3, 9, 10] });
    await check(singleOp("AveragePool", [1, 2, 7, 8], {}, { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]), ceil_mode: attr.int(1), count_include_pad: attr.int(include) }), { X: [1, 2, 7, 8] });
  }
});

test("GlobalAveragePool and BatchNormalization", async () => {
  await check(singleOp("GlobalAveragePool", [2, 5, 7, 6], {}), { X: [2, 5, 7, 6] });
  const r = rng(11);
  const bn = buildModel({
    inputs: { X: [2, 4, 5, 5] },
    initializers: [
      float32Tensor("s", [4], r.floats(4, 0.5, 2)),
      float32Tensor("b", [4], r.floats(4)),
      float32Tensor("m", [4], r.floats(4)),
      float32Tensor("v", [4], r.floats(4, 0.1, 3)),
    ],
    nodes: [{ op: "BatchNormalization", inputs: ["X", "s", "b", "m", "v"], outputs: ["Y"], attributes: { epsilon: attr.float(1e-3) } }],
    outputs: ["Y"],
  });
  await check(bn, { X: [2, 4, 5, 5] });
});

test("Transpose, Concat, Flatten, Reshape, Squeeze/Unsqueeze", async () => {
  await check(singleOp("Transpose", [2, 3, 4, 5], {}, { perm: attr.ints([0, 2, 3, 1]) }), { X: [2, 3, 4, 5] });
  await check(singleOp("Transpose", [3, 4, 5], {}), { X: [3, 4, 5] });
  await check(singleOp("Concat", [2, 3, 4], { A: [2, 2, 4], B: [2, 1, 4] }, { axis: attr.int(1) }), { X: [2, 3, 4] });
  await check(singleOp("Flatten", [2, 3, 4, 5], {}, { axis: attr.int(2) }), { X: [2, 3, 4, 5] });
  await check(singleOp("Dropout", [2, 3], {}), { X: [2, 3] });
  await check(singleOp("Reshape", [2, 3, 4], { S: int64Tensor("S", [2], [0, -1]) }), { X: [2, 3, 4] });
  const axes = int64Tensor("axes", [1], [1]);
  const sq = buildModel({
    inputs: { X: [2, 3] },
    initializers: [axes],
    nodes: [
      { op: "Unsqueeze", inputs: ["X", "axes"], outputs: ["U"] },
      { op: "Relu", inputs: ["U"], outputs: ["R"] },
      { op: "Squeeze", inputs: ["R", "axes"], outputs: ["Y"] },
    ],
    outputs: ["Y", "U"],
  });
  await check(sq, { X: [2, 3] });
});

test("torch.onnx.export's dynamic flatten: Shape -> Gather -> Unsqueeze -> Concat -> Reshape", async () => {
  await check(dynamicFlattenModel([3, 4, 2, 2]), { X: [3, 4, 2, 2] });
});

test("Slice and Gather on float activations (host fallback), Cast of a constant", async () => {
  const starts = int64Tensor("starts", [2], [1, 0]);
  const ends = int64Tensor("ends", [2], [3, 100]);
  const axes = int64Tensor("axes", [2], [1, 2]);
  const steps = int64Tensor("steps", [2], [1, 2]);
  await check(
    buildModel({ inputs: { X: [2, 4, 6] }, initializers: [starts, ends, axes, steps], nodes: [{ op: "Slice", inputs: ["X", "starts", "ends", "axes", "steps"], outputs: ["Y"] }], outputs: ["Y"] }),
    { X: [2, 4, 6] },
  );
  const idx = makeTensor("idx", "int64", [2], BigInt64Array.of(2n, -1n));
  await check(
    buildModel({ inputs: { X: [2, 4, 3] }, initializers: [idx], nodes: [{ op: "Gather", inputs: ["X", "idx"], outputs: ["Y"], attributes: { axis: attr.int(1) } }], outputs: ["Y"] }),
    { X: [2, 4, 3] },
  );
  const half: Tensor = makeTensor("half", "int32", [1], Int32Array.of(2));
  await check(
    buildModel({
      inputs: { X: [3, 4] },
      initializers: [half],
      nodes: [
        { op: "Cast", inputs: ["half"], outputs: ["halfF"], attributes: { to: attr.int(1) } },
        { op: "Mul", inputs: ["X", "halfF"], outputs: ["Y"] },
      ],
      outputs: ["Y"],
    }),
    { X: [3, 4] },
  );
});

test("QuantizeLinear -> DequantizeLinear: uint8 per tensor and int8 per channel (axis 1)", async () => {
  const qdq = (scale: Tensor, zp: Tensor, axis?: number) =>
    buildModel({
      inputs: { X: [2, 3, 4, 5] },
      initializers: [scale, zp],
      nodes: [
        { op: "QuantizeLinear", inputs: ["X", "s", "zp"], outputs: ["q"], attributes: axis === undefined ? {} : { axis: attr.int(axis) } },
        { op: "DequantizeLinear", inputs: ["q", "s", "zp"], outputs: ["Y"], attributes: axis === undefined ? {} : { axis: attr.int(axis) } },
      ],
      outputs: ["Y"],
    });
  await check(qdq(float32Tensor("s", [], [0.0173]), makeTensor("zp", "uint8", [], Uint8Array.of(131))), { X: [2, 3, 4, 5] });
  await check(qdq(float32Tensor("s", [3], [0.01, 0.025, 0.5]), makeTensor("zp", "int8", [3], Int8Array.of(0, -3, 5)), 1), { X: [2, 3, 4, 5] });
});

test("LeakyRelu and ReduceMean (axes attribute at opset 17, axes input at opset 18, keepdims off)", async () => {
  await check(singleOp("LeakyRelu", [3, 37], {}, { alpha: attr.float(0.1) }), { X: [3, 37] });
  await check(singleOp("ReduceMean", [2, 3, 4, 5], {}, { axes: attr.ints([2, 3]) }), { X: [2, 3, 4, 5] });
  await check(singleOp("ReduceMean", [2, 3, 4, 5], {}, { axes: attr.ints([-3]), keepdims: attr.int(0) }), { X: [2, 3, 4, 5] });
  const v18 = buildModel({
    inputs: { X: [2, 3, 4] },
    initializers: [int64Tensor("axes", [2], [0, 2])],
    nodes: [{ op: "ReduceMean", inputs: ["X", "axes"], outputs: ["Y"] }],
    outputs: ["Y"],
    opset: 18,
  });
  await check(v18, { X: [2, 3, 4] });
});

test("Resize nearest as torch exports it (asymmetric/floor with scales) and with sizes and half_pixel", async () => {
  const scales = float32Tensor("scales", [4], [1, 1, 2, 2]);
  const torchStyle = buildModel({
    inputs: { X: [1, 2, 3, 4] },
    initializers: [scales],
    nodes: [
      {
        op: "Resize",
        inputs: ["X", "", "scales"],
        outputs: ["Y"],
        attributes: { mode: attr.string("nearest"), coordinate_transformation_mode: attr.string("asymmetric"), nearest_mode: attr.string("floor") },
      },
    ],
    outputs: ["Y"],
  });
  await check(torchStyle, { X: [1, 2, 3, 4] });
  const sizes = int64Tensor("sizes", [4], [1, 2, 7, 5]);
  const bySize = buildModel({
    inputs: { X: [1, 2, 3, 4] },
    initializers: [sizes],
    nodes: [{ op: "Resize", inputs: ["X", "", "", "sizes"], outputs: ["Y"], attributes: { mode: attr.string("nearest") } }],
    outputs: ["Y"],
  });
  await check(bySize, { X: [1, 2, 3, 4] });
  for (const coord of ["align_corners", "pytorch_half_pixel", "half_pixel_symmetric"]) {
    for (const nearest of ["round_prefer_ceil", "ceil"]) {
      const m = buildModel({
        opset: 19,
        inputs: { X: [1, 2, 3, 4] },
        initializers: [sizes],
        nodes: [{ op: "Resize", inputs: ["X", "", "", "sizes"], outputs: ["Y"], attributes: { mode: attr.string("nearest"), coordinate_transformation_mode: attr.string(coord), nearest_mode: attr.string(nearest) } }],
        outputs: ["Y"],
      });
      await check(m, { X: [1, 2, 3, 4] });
    }
  }
});

test("Pad: constant with a value, reflect and edge", async () => {
  const pads = int64Tensor("pads", [8], [0, 0, 1, 2, 0, 0, 2, 1]);
  for (const mode of ["constant", "reflect", "edge"]) {
    const inputs = mode === "constant" ? ["X", "pads", "v"] : ["X", "pads"];
    const m = buildModel({
      inputs: { X: [1, 2, 4, 5] },
      initializers: [pads, float32Tensor("v", [], [0.75])],
      nodes: [{ op: "Pad", inputs, outputs: ["Y"], attributes: { mode: attr.string(mode) } }],
      outputs: ["Y"],
    });
    await check(m, { X: [1, 2, 4, 5] });
  }
});

test("Conv and Gemm whose weights are runtime inputs (repacked every batch)", async () => {
  // A runtime weight's dim 0 shares the batch: both inputs have 2 rows, so one batch covers them.
  const conv = buildModel({
    inputs: { X: [2, 4, 6, 6], W: [2, 2, 3, 3] },
    nodes: [{ op: "Conv", inputs: ["X", "W"], outputs: ["Y"], attributes: { group: attr.int(2), pads: attr.ints([1, 1, 1, 1]) } }],
    outputs: ["Y"],
  });
  await check(conv, { X: [2, 4, 6, 6], W: [2, 2, 3, 3] });
  const gemm = buildModel({
    inputs: { X: [3, 5], W: [3, 5] },
    nodes: [{ op: "Gemm", inputs: ["X", "W"], outputs: ["Y"], attributes: { transB: attr.int(1) } }],
    outputs: ["Y"],
  });
  await check(gemm, { X: [3, 5], W: [3, 5] });
});

test("one chain at every opset 13-21 (axes as attributes or inputs as each opset wants)", async () => {
  const r = rng(31);
  for (let opset = 13; opset <= 21; opset++) {
    const axesAsInput = opset >= 18; // ReduceMean takes axes as an input from opset 18
    const model = buildModel({
      opset,
      inputs: { X: [2, 3, 6, 6] },
      initializers: [
        float32Tensor("W", [4, 3, 3, 3], r.floats(108, -1, 1)),
        float32Tensor("lo", [], [0]),
        float32Tensor("hi", [], [6]),
        int64Tensor("ax0", [1], [0]),
        int64Tensor("hw", [2], [2, 3]),
        float32Tensor("F", [5, 4], r.floats(20, -1, 1)),
        float32Tensor("scales", [4], [1, 1, 2, 2]),
      ],
      nodes: [
        { op: "Conv", inputs: ["X", "W"], outputs: ["c"], attributes: { pads: attr.ints([1, 1, 1, 1]) } },
        { op: "Clip", inputs: ["c", "lo", "hi"], outputs: ["r6"] },
        { op: "Resize", inputs: ["r6", "", "scales"], outputs: ["up"], attributes: { mode: attr.string("nearest"), coordinate_transformation_mode: attr.string(opset >= 19 ? "half_pixel_symmetric" : "half_pixel") } },
        { op: "Unsqueeze", inputs: ["up", "ax0"], outputs: ["u"] },
        { op: "Squeeze", inputs: ["u", "ax0"], outputs: ["s"] },
        axesAsInput
          ? { op: "ReduceMean", inputs: ["s", "hw"], outputs: ["m"] }
          : { op: "ReduceMean", inputs: ["s"], outputs: ["m"], attributes: { axes: attr.ints([2, 3]) } },
        { op: "Flatten", inputs: ["m"], outputs: ["f"] },
        { op: "Gemm", inputs: ["f", "F"], outputs: ["g"], attributes: { transB: attr.int(1) } },
        { op: "Softmax", inputs: ["g"], outputs: ["Y"] },
      ],
      outputs: ["Y"],
    });
    await check(model, { X: [2, 3, 6, 6] }, opset);
  }
});
