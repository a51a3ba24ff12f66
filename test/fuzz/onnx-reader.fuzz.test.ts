// Fuzz suite for the ONNX reader and shape inference (test process): random bytes, mutated valid models
// (built here and the golden models), structurally hostile graphs (huge declared dims, cycles, dangling
// inputs, duplicate outputs, absurd tensor dims) encoded through the ONNX protobuf schema. Every input must
// either load or fail with a one-line InputError, never another exception, a hang or a giant allocation.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as fc from "fast-check";
import { onnx } from "onnx-proto";
import { readModel } from "../../core/src/onnx/read";
import { writeModel } from "../../core/src/onnx/write";
import { inferShapes } from "../../core/src/onnx/shape-inference";
import type { Model } from "../../core/src/onnx/ir";
import { buildModel, attr, rng } from "../helpers/onnx-models";
import { float32Tensor, int64Tensor } from "../../core/src/onnx/ir";
import { sharedPath } from "../helpers/shared";
import { acceptOnlyInputErrors, fuzz, fuzzAsync, mutationOf } from "./fuzz-options";
import { InputError } from "../../core/src/errors";
import { loadCore } from "../../core/src/node/load-core";
import { FloatExecutor } from "../../core/src/runtime/float-executor";
import { WasmMemoryError } from "../../core/src/wasm/core";

/** Reads the bytes and, when they load, infers shapes with every symbolic or unknown dim set to 1. */
function readAndInfer(bytes: Uint8Array): void {
  const model: Model = readModel(bytes, { file: "fuzz.onnx" });
  const shapes = new Map<string, number[]>();
  for (const input of model.graph.runtimeInputs) {
    shapes.set(input.name, (input.type?.shape ?? [1]).map((d) => (typeof d === "number" ? d : 1)));
  }
  inferShapes(model.graph, shapes);
}

const outcomes = new Map<string, number>();

function check(bytes: Uint8Array): "ok" | "input-error" {
  const r = acceptOnlyInputErrors(() => readAndInfer(bytes));
  outcomes.set(r, (outcomes.get(r) ?? 0) + 1);
  if (process.env.FUZZ_TRACE && r === "input-error") {
    try {
      readAndInfer(bytes);
    } catch (e) {
      const m = (e as Error).message.replace(/'[^']*'/g, "'…'").replace(/[-\d, ]+/g, "#").slice(0, 50);
      outcomes.set(m, (outcomes.get(m) ?? 0) + 1);
    }
  }
  return r;
}

function seedModels(): Uint8Array[] {
  const r = rng(7);
  const conv = buildModel({
    inputs: { x: ["N", 3, 8, 8] },
    initializers: [float32Tensor("w", [4, 3, 3, 3], r.floats(108)), float32Tensor("b", [4], r.floats(4))],
    nodes: [
      { op: "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attributes: { pads: attr.ints([1, 1, 1, 1]) } },
      { op: "Relu", inputs: ["c"], outputs: ["r"] },
      { op: "Shape", inputs: ["r"], outputs: ["s"] },
      { op: "Flatten", inputs: ["r"], outputs: ["f"], attributes: { axis: attr.int(1) } },
    ],
    outputs: ["f", "s"],
  });
  const gemm = buildModel({
    inputs: { x: [2, 6] },
    initializers: [float32Tensor("w", [5, 6], r.floats(30)), float32Tensor("b", [5], r.floats(5)), int64Tensor("shape", [2], [5, -1])],
    nodes: [
      { op: "Gemm", inputs: ["x", "w", "b"], outputs: ["g"], attributes: { transB: attr.int(1) } },
      { op: "Reshape", inputs: ["g", "shape"], outputs: ["y"] },
      { op: "Softmax", inputs: ["y"], outputs: ["z"], attributes: { axis: attr.int(-1) } },
    ],
    outputs: ["z"],
  });
  const out = [writeModel(conv), writeModel(gemm)];
  for (const name of ["dwcnn.ort_minmax_pt.qdq.onnx", "mlp.ort_minmax_pc.qdq.onnx"]) {
    const p = sharedPath("golden", "models", name);
    if (fs.existsSync(p)) out.push(new Uint8Array(fs.readFileSync(p)));
  }
  return out;
}

const SEEDS = seedModels();

test("the seed models load (so mutations start from valid files)", () => {
  for (const s of SEEDS) assert.equal(check(s), "ok");
});

test("random bytes: load or a one-line InputError", () => {
  fuzz("onnx-random-bytes", fc.uint8Array({ maxLength: 2048 }), (bytes) => check(bytes));
});

test("random bytes behind a valid protobuf prefix", () => {
  const prefix = SEEDS[0].subarray(0, 40);
  fuzz("onnx-valid-prefix", fc.uint8Array({ maxLength: 512 }), (tail) => {
    const b = new Uint8Array(prefix.length + tail.length);
    b.set(prefix);
    b.set(tail, prefix.length);
    check(b);
  });
});

test("mutated valid models: load or a one-line InputError", () => {
  fuzz("onnx-mutated", fc.integer({ min: 0, max: SEEDS.length - 1 }).chain((i) => mutationOf(SEEDS[i])), (bytes) => check(bytes));
});

// Structured models: the protobuf is valid, the graph is hostile.

const hugeDim = fc.constantFrom(-1, -7, 2 ** 31, 2 ** 40, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, 0);
const dimValue = fc.oneof({ weight: 60, arbitrary: fc.integer({ min: 1, max: 6 }) }, { weight: 1, arbitrary: hugeDim });
const valueName = fc.constantFrom("x", "a", "b", "c", "d", "w", "s", "", "missing");
const opType = fc.constantFrom(
  "Relu", "Add", "Mul", "Conv", "Gemm", "MatMul", "Reshape", "Shape", "ConstantOfShape", "Expand", "Concat", "Gather",
  "Slice", "Transpose", "Flatten", "Unsqueeze", "Squeeze", "Constant", "Identity", "Cast", "QuantizeLinear",
  "DequantizeLinear", "MaxPool", "AveragePool", "GlobalAveragePool", "Softmax", "Resize", "Pad", "Div", "Sub",
  "Sigmoid", "Clip", "NoSuchOp",
);
const tensorFields = {
  name: valueName,
  dataType: fc.constantFrom(1, 7, 2, 3, 6, 11, 0, 8, 99),
  dims: fc.array(dimValue, { maxLength: 4 }),
  rawData: fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }),
  int64Data: fc.option(fc.array(fc.integer({ min: -3, max: 1 << 20 }), { maxLength: 6 }), { nil: undefined }),
  floatData: fc.option(fc.array(fc.float({ noNaN: false }), { maxLength: 6 }), { nil: undefined }),
};
/** A well-formed tensor (float32 or int64 values matching small dims), so graphs get past the reader. */
const goodTensor = (name: fc.Arbitrary<string>) =>
  fc.record({ name, dims: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }), int: fc.boolean() }).chain(({ name, dims, int }): fc.Arbitrary<Record<string, unknown>> => {
    const n = dims.reduce((a, b) => a * b, 1);
    return int
      ? fc.record({ name: fc.constant(name), dataType: fc.constant(7), dims: fc.constant(dims), int64Data: fc.array(fc.integer({ min: -3, max: 8 }), { minLength: n, maxLength: n }) })
      : fc.record({ name: fc.constant(name), dataType: fc.constant(1), dims: fc.constant(dims), floatData: fc.array(fc.float(), { minLength: n, maxLength: n }) });
  });
const tensorProto = fc.oneof({ weight: 4, arbitrary: goodTensor(valueName) }, { weight: 1, arbitrary: fc.record(tensorFields) });
const attribute = fc.oneof(
  fc.record({ name: fc.constantFrom("axis", "perm", "pads", "kernel_shape", "strides", "to", "transB"), type: fc.constant(7), ints: fc.array(fc.integer({ min: -5, max: 1 << 30 }), { maxLength: 5 }) }),
  fc.record({ name: fc.constantFrom("axis", "to", "transB", "group", "keepdims"), type: fc.constant(2), i: fc.integer({ min: -5, max: 1 << 30 }) }),
  fc.record({ name: fc.constantFrom("value", "value_float"), type: fc.constant(4), t: tensorProto }),
  fc.record({ name: fc.constantFrom("mode", "auto_pad"), type: fc.constant(3), s: fc.constantFrom("constant", "SAME_UPPER", "nearest", "\u0000").map((v) => new TextEncoder().encode(v)) }),
);
/** Node i writes `v{i}` and mostly reads earlier values; sometimes a later one (a cycle) or an undefined one. */
function chainNodes(count: number) {
  return fc.tuple(
    ...Array.from({ length: count }, (_, i) =>
      fc.record({
        name: fc.constantFrom(`n${i}`, ""),
        opType,
        domain: fc.constantFrom("", "", "", "", "ai.onnx", "com.microsoft"),
        input: fc.array(
          fc.oneof(
            { weight: 8, arbitrary: fc.constantFrom("x", "w", "s", ...Array.from({ length: i }, (_, k) => `v${k}`)) },
            { weight: 1, arbitrary: fc.constantFrom(`v${i}`, `v${i + 1}`, `v${count - 1}`, "missing", "") },
          ),
          { maxLength: 3 },
        ),
        output: fc.oneof({ weight: 9, arbitrary: fc.constant([`v${i}`]) }, { weight: 1, arbitrary: fc.constant([`v${Math.max(0, i - 1)}`, ""]) }),
        attribute: fc.array(attribute, { maxLength: 2 }),
      }),
    ),
  );
}
const valueInfo = (name: fc.Arbitrary<string>) =>
  fc.record({
    name,
    type: fc.record({
      tensorType: fc.record({
        elemType: fc.oneof({ weight: 10, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constantFrom(7, 0, 2, 16) }),
        shape: fc.record({ dim: fc.array(fc.oneof({ weight: 6, arbitrary: fc.record({ dimValue }) }, { weight: 1, arbitrary: fc.record({ dimParam: fc.constantFrom("N", "batch", "") }) }), { maxLength: 4 }) }),
      }),
    }),
  });
const modelProto = fc.integer({ min: 1, max: 6 }).chain((count) =>
  fc.record({
    irVersion: fc.oneof({ weight: 20, arbitrary: fc.constantFrom(7, 8) }, { weight: 1, arbitrary: fc.constantFrom(0, 3, 21) }),
    opsetImport: fc.oneof(
      { weight: 20, arbitrary: fc.constantFrom([{ domain: "", version: 17 }], [{ domain: "", version: 13 }], [{ domain: "", version: 21 }]) },
      { weight: 1, arbitrary: fc.constantFrom([{ domain: "com.microsoft", version: 1 }], [{ domain: "", version: 99 }]) },
    ),
    graph: fc.record({
      name: fc.constant("g"),
      input: fc.tuple(valueInfo(fc.constant("x"))).map((t) => [...t]),
      output: fc.array(valueInfo(fc.constantFrom(`v${count - 1}`, `v${count - 1}`, "v0", "x", "nowhere")), { minLength: 1, maxLength: 2 }),
      initializer: fc.tuple(
        fc.oneof({ weight: 6, arbitrary: goodTensor(fc.constant("w")) }, { weight: 1, arbitrary: fc.record({ ...tensorFields, name: fc.constant("w") }) }),
        fc.oneof({ weight: 6, arbitrary: goodTensor(fc.constant("s")) }, { weight: 1, arbitrary: fc.record({ ...tensorFields, name: fc.constantFrom("s", "w") }) }),
      ),
      node: chainNodes(count).map((t) => [...t]),
      valueInfo: fc.array(valueInfo(fc.constantFrom("v0", "v1", "x")), { maxLength: 2 }),
    }),
  }),
);

function encode(obj: unknown): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.fromObject(obj as Record<string, unknown>)).finish();
}

test("structured hostile graphs (huge dims, cycles, dangling inputs, unknown ops): load or a one-line InputError", () => {
  outcomes.clear();
  fuzz("onnx-structured", modelProto, (m) => check(encode(m)));
  // The generator must reach shape inference often, or it only tests the first validation checks.
  assert.ok((outcomes.get("ok") ?? 0) > 0, `no generated model loaded: ${JSON.stringify([...outcomes])}`);
  if (process.env.FUZZ_VERBOSE) console.log(`onnx-structured outcomes: ${JSON.stringify([...outcomes])}`);
});

/** Models the float executor should mostly accept: a chain of supported ops over one float input. */
const RUNNABLE_OPS = [
  "Relu", "Sigmoid", "Tanh", "HardSwish", "HardSigmoid", "LeakyRelu", "Clip", "Softmax", "Identity", "Dropout",
  "Add", "Sub", "Mul", "Div", "MatMul", "Gemm", "Conv", "MaxPool", "AveragePool", "GlobalAveragePool",
  "BatchNormalization", "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Concat", "ReduceMean", "Pad",
  "Resize", "Shape", "Gather", "Slice", "Cast", "QuantizeLinear", "DequantizeLinear",
];
const smallInts = fc.array(fc.integer({ min: -2, max: 4 }), { maxLength: 4 });
const runnableAttribute = fc.oneof(
  fc.record({ name: fc.constantFrom("perm", "pads", "kernel_shape", "strides", "dilations", "axes"), type: fc.constant(7), ints: smallInts }),
  fc.record({ name: fc.constantFrom("axis", "transA", "transB", "group", "keepdims", "ceil_mode", "to"), type: fc.constant(2), i: fc.integer({ min: -2, max: 3 }) }),
  fc.record({ name: fc.constantFrom("alpha", "beta", "epsilon", "min", "max"), type: fc.constant(1), f: fc.constantFrom(0, 0.5, -1, 1e30, Number.NaN) }),
  fc.record({ name: fc.constantFrom("mode", "auto_pad", "coordinate_transformation_mode"), type: fc.constant(3), s: fc.constantFrom("constant", "reflect", "nearest", "linear", "SAME_UPPER", "VALID", "bogus").map((v) => new TextEncoder().encode(v)) }),
);
const runnableModel = fc
  .record({
    shape: fc.constantFrom([2, 3], [2, 6], [1, 3, 4, 4], [2, 2, 5, 5], [2, 4, 3]),
    count: fc.integer({ min: 1, max: 5 }),
    w: goodTensor(fc.constant("w")),
    k: goodTensor(fc.constant("k")),
  })
  .chain(({ shape, count, w, k }) =>
    fc.record({
      irVersion: fc.constant(8),
      opsetImport: fc.constantFrom([{ domain: "", version: 17 }], [{ domain: "", version: 13 }]),
      graph: fc.record({
        name: fc.constant("g"),
        input: fc.constant([{ name: "x", type: { tensorType: { elemType: 1, shape: { dim: shape.map((d, i) => (i === 0 ? { dimParam: "N" } : { dimValue: d })) } } } }]),
        output: fc.constant([{ name: `v${count - 1}`, type: { tensorType: { elemType: 1 } } }]),
        initializer: fc.constant([w, k]),
        node: fc.tuple(
          ...Array.from({ length: count }, (_, i) =>
            fc.record({
              name: fc.constant(`n${i}`),
              opType: fc.constantFrom(...RUNNABLE_OPS),
              input: fc.tuple(fc.constant(i === 0 ? "x" : `v${i - 1}`), fc.array(fc.constantFrom("w", "k", "x", ""), { maxLength: 2 })).map(([a, rest]) => [a, ...rest]),
              output: fc.constant([`v${i}`]),
              attribute: fc.uniqueArray(runnableAttribute, { maxLength: 3, selector: (a) => a.name }),
            }),
          ),
        ).map((t) => [...t]),
      }),
    }),
  );

test("structured graphs that load also run on the float executor, or fail with a one-line InputError", async () => {
  const core = await loadCore();
  const reasons = new Map<string, number>();
  let ran = 0;
  await fuzzAsync("onnx-execute", runnableModel, async (m) => {
    let model: Model;
    try {
      model = readModel(encode(m), { file: "fuzz.onnx" });
    } catch (e) {
      if (e instanceof InputError) return;
      throw e;
    }
    let executor: FloatExecutor | undefined;
    try {
      executor = FloatExecutor.create(core, model, { batchDim: "any" });
      const inputs = new Map(
        model.graph.runtimeInputs.map((i) => {
          const shape = (i.type?.shape ?? [1]).map((d) => (typeof d === "number" ? d : 2));
          return [i.name, { shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, k) => (k % 7) - 3) }];
        }),
      );
      await executor.run(inputs);
      ran++;
    } catch (e) {
      if (!(e instanceof InputError || e instanceof WasmMemoryError)) throw e;
      if (e.message.includes("\n")) throw new Error(`multi-line message: ${JSON.stringify(e.message)}`);
      if (process.env.FUZZ_TRACE) {
        const k = e.message.replace(/'[^']*'/g, "'…'").replace(/[-\d, ]+/g, "#").slice(0, 60);
        reasons.set(k, (reasons.get(k) ?? 0) + 1);
      }
    } finally {
      executor?.dispose();
    }
  });
  if (process.env.FUZZ_VERBOSE) console.log(`onnx-execute: ${ran} models ran`);
  if (process.env.FUZZ_TRACE) console.log([...reasons].sort((a, b) => b[1] - a[1]).slice(0, 12));
});
