// Checks the quantized elementwise/activation/pooling/shape/softmax/batch-norm kernels against extra
// PyTorch 1.13 reference cases (test process): test/fixtures/elementwise/torch113-cases.json, made by
// generate-torch113.py under the qnnpack and onednn engines with random shapes and arguments (odd
// vector/tail splits, channels-last-contiguous shapes, padding, dilation, ceil mode, saturation).
// onednn cases also run as x86 and fbgemm: PyTorch uses the same ATen kernels for all three.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../helpers/shared";
import { loadCore } from "../../core/src/node/load-core";
import type { Engine } from "../../core/src/backends/engine";
import {
  QuantizedElementwiseKernels,
  withQTensors,
  elementCount,
  type QParams,
  type QTensorRef,
  type QTensorU8,
} from "../../core/src/wasm/qelementwise";

interface Encoded {
  shape: number[];
  data: number[];
  scale: number;
  zero_point: number;
}

interface FixtureCase {
  op: string;
  engine: "qnnpack" | "onednn";
  args: Record<string, unknown>;
  inputs: Encoded[];
  out: Encoded;
}

// QUANTSCOPE_ELEMENTWISE_FIXTURE points a stress run at a larger file from the same generator.
const fixturePath = process.env.QUANTSCOPE_ELEMENTWISE_FIXTURE ?? path.join(repoRoot, "test/fixtures/elementwise/torch113-cases.json");
const fixture = JSON.parse(fs.readFileSync(fixturePath, "utf8")) as { cases: FixtureCase[] };

const decode = (e: Encoded): QTensorU8 => ({ data: Uint8Array.from(e.data), shape: e.shape, scale: e.scale, zeroPoint: e.zero_point });
const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [v[0] as number, v[1] as number] : [v as number, v as number]);
const outQ = (args: Record<string, unknown>, fallback: QParams): QParams =>
  Array.isArray(args.out) ? { scale: args.out[0] as number, zeroPoint: args.out[1] as number } : fallback;

/** Runs one fixture case under `engine`; returns the output bytes, shape and quantization. */
function compute(k: QuantizedElementwiseKernels, engine: Engine, c: FixtureCase) {
  const inputs = c.inputs.map(decode);
  const a = inputs[0];
  const expectedQ = { scale: c.out.scale, zeroPoint: c.out.zero_point };
  const inQ = { scale: a.scale, zeroPoint: a.zeroPoint };
  const outBytes = Math.max(elementCount(c.out.shape), ...inputs.map((t) => t.data.length));
  const args = c.args;
  const { result, out } = withQTensors(k.core, inputs, outBytes, (refs: QTensorRef[], o: number): { shape: number[]; q: QParams } => {
    const x = refs[0];
    switch (c.op) {
      case "add":
      case "add_relu":
        return { shape: k.add(engine, x, refs[1], o, expectedQ, c.op === "add_relu"), q: expectedQ };
      case "mul":
        return { shape: k.mul(x, refs[1], o, expectedQ), q: expectedQ };
      case "cat":
        return { shape: k.cat(refs, args.dim as number, o, expectedQ), q: expectedQ };
      case "add_scalar":
        return { shape: a.shape, q: k.addScalar(x, args.scalar as number, o) };
      case "relu":
        return { shape: a.shape, q: k.relu(x, o) };
      case "relu6":
        return { shape: a.shape, q: k.relu6(x, o) };
      case "hardswish":
        k.hardswish(engine, x, o, outQ(args, expectedQ));
        return { shape: a.shape, q: outQ(args, expectedQ) };
      case "sigmoid":
        k.sigmoid(engine, x, o, outQ(args, { scale: 1 / 256, zeroPoint: 0 }));
        return { shape: a.shape, q: outQ(args, { scale: 1 / 256, zeroPoint: 0 }) };
      case "tanh":
        return { shape: a.shape, q: k.tanh(engine, x, o) };
      case "leaky_relu":
        k.leakyRelu(engine, x, args.negative_slope as number, o, outQ(args, expectedQ));
        return { shape: a.shape, q: outQ(args, expectedQ) };
      case "max_pool2d": {
        const opts = { kernel: pair(args.kernel), stride: pair(args.stride), padding: pair(args.padding), dilation: pair(args.dilation), ceilMode: args.ceil_mode as boolean };
        return { shape: k.maxPool2d(engine, x, opts, o), q: inQ };
      }
      case "avg_pool2d": {
        const opts = {
          kernel: pair(args.kernel),
          stride: pair(args.stride),
          padding: pair(args.padding),
          ceilMode: args.ceil_mode as boolean,
          countIncludePad: args.count_include_pad as boolean,
          divisorOverride: (args.divisor_override as number | null) ?? undefined,
        };
        return { shape: k.avgPool2d(engine, x, opts, o), q: inQ };
      }
      case "adaptive_avg_pool2d":
        return { shape: k.adaptiveAvgPool2d(engine, x, pair(args.output_size), o), q: inQ };
      case "mean":
        return { shape: k.meanHW(engine, x, args.keepdim as boolean, o), q: inQ };
      case "upsample_nearest":
        return {
          shape: k.upsampleNearest2d(x, args.size ? { size: pair(args.size) } : { scaleFactor: pair(args.scale_factor) }, o),
          q: inQ,
        };
      case "softmax":
        k.softmax(engine, x, args.dim as number, o, outQ(args, expectedQ));
        return { shape: a.shape, q: outQ(args, expectedQ) };
      case "batch_norm2d": {
        const f = (key: string) => Float32Array.from(args[key] as number[]);
        const params = { weight: f("weight"), bias: f("bias"), runningMean: f("running_mean"), runningVar: f("running_var"), eps: args.eps as number };
        k.batchNorm2d(x, params, o, outQ(args, expectedQ));
        return { shape: a.shape, q: outQ(args, expectedQ) };
      }
      default:
        throw new Error(`no runner for ${c.op}`);
    }
  });
  return { shape: result.shape, q: result.q, data: out.subarray(0, elementCount(result.shape)) };
}

function check(k: QuantizedElementwiseKernels, engine: Engine, c: FixtureCase, index: number): string | undefined {
  const got = compute(k, engine, c);
  const where = `#${index} ${c.op} [${engine}] ${JSON.stringify(c.args).slice(0, 120)}`;
  if (got.shape.join(",") !== c.out.shape.join(",")) return `${where}: shape [${got.shape}] expected [${c.out.shape}]`;
  if (got.q.scale !== c.out.scale || got.q.zeroPoint !== c.out.zero_point) {
    return `${where}: quantization (${got.q.scale}, ${got.q.zeroPoint}) expected (${c.out.scale}, ${c.out.zero_point})`;
  }
  for (let i = 0; i < got.data.length; i++) {
    if (got.data[i] !== c.out.data[i]) return `${where}: out[${i}] = ${got.data[i]}, expected ${c.out.data[i]}`;
  }
  return undefined;
}

test("fixture covers every op under both engines", () => {
  const kinds = new Set(fixture.cases.map((c) => `${c.op}/${c.engine}`));
  assert.equal(kinds.size, 18 * 2);
});

for (const [fixtureEngine, engines] of [["qnnpack", ["qnnpack"]], ["onednn", ["onednn", "x86", "fbgemm"]]] as const) {
  for (const engine of engines) {
    test(`PyTorch 1.13 ${fixtureEngine} cases match under ${engine}`, async (t) => {
      const k = new QuantizedElementwiseKernels(await loadCore());
      try {
        const failures: string[] = [];
        const cases = fixture.cases.map((c, i) => [c, i] as const).filter(([c]) => c.engine === fixtureEngine);
        for (const [c, i] of cases) {
          const f = check(k, engine, c, i);
          if (f) failures.push(f);
        }
        t.diagnostic(`${cases.length - failures.length} of ${cases.length} passed`);
        assert.deepEqual(failures, []);
      } finally {
        k.dispose();
      }
    });
  }
}
