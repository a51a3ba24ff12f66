// Checks the memory-format-dependent quantized kernels (avg_pool2d, adaptive_avg_pool2d, cat, cat_relu)
// against PyTorch 1.13 on channels-last inputs (test process): test/fixtures/elementwise/
// channels-last-torch113-cases.json, made by generate-channels-last-torch113.py under the qnnpack and
// onednn engines with ATen's AVX2 kernels (AVX512 too in a file made with ISAS=avx2,avx512). Every case runs twice: with `channelsLast` set
// as PyTorch held each input (must give "out") and with every input contiguous (must give PyTorch's
// contiguous result, "out_contiguous" where it differs), so the fixture proves the flag matters.
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
  type AtenIsa,
  type QParams,
  type QTensorRef,
  type QTensorU8,
} from "../../core/src/wasm/qelementwise";

interface Encoded {
  shape: number[];
  /** quint8 bytes in logical (NCHW) order, base64. */
  b64: string;
  scale: number;
  zero_point: number;
  /** Whether PyTorch held the 4-D tensor channels-last. */
  channels_last?: boolean;
}

type Op = "avg_pool2d" | "adaptive_avg_pool2d" | "cat" | "cat_relu";

interface FixtureCase {
  op: Op;
  engine: "qnnpack" | "onednn";
  isa: AtenIsa;
  args: Record<string, unknown>;
  inputs: Encoded[];
  out: Encoded;
  /** PyTorch's output for the same inputs made contiguous; absent when it equals `out`. */
  out_contiguous?: Encoded;
}

const OPS: readonly Op[] = ["avg_pool2d", "adaptive_avg_pool2d", "cat", "cat_relu"];
const fixturePath = process.env.QUANTSCOPE_CHANNELS_LAST_FIXTURE ?? path.join(repoRoot, "test/fixtures/elementwise/channels-last-torch113-cases.json");
const fixture = JSON.parse(fs.readFileSync(fixturePath, "utf8")) as { cases: FixtureCase[] };

const bytes = (e: Encoded): Uint8Array => new Uint8Array(Buffer.from(e.b64, "base64"));
const decode = (e: Encoded): QTensorU8 => ({ data: bytes(e), shape: e.shape, scale: e.scale, zeroPoint: e.zero_point });
const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [v[0] as number, v[1] as number] : [v as number, v as number]);

/** How the inputs' memory format is described to the kernels. */
type Layout = "as-pytorch-held" | "contiguous";

/** Runs one fixture case under `engine`; returns the output shape and bytes. */
function compute(k: QuantizedElementwiseKernels, engine: Engine, c: FixtureCase, layout: Layout) {
  const outBytes = Math.max(elementCount(c.out.shape), ...c.inputs.map((t) => elementCount(t.shape)));
  const args = c.args;
  const { result: shape, out } = withQTensors(k.core, c.inputs.map(decode), outBytes, (plain: QTensorRef[], o: number): number[] => {
    const refs = plain.map((r, i) => ({ ...r, channelsLast: layout === "as-pytorch-held" && c.inputs[i].channels_last === true }));
    const x = refs[0];
    switch (c.op) {
      case "avg_pool2d": {
        const opts = {
          kernel: pair(args.kernel),
          stride: pair(args.stride),
          padding: pair(args.padding),
          ceilMode: args.ceil_mode as boolean,
          countIncludePad: args.count_include_pad as boolean,
          divisorOverride: (args.divisor_override as number | null) ?? undefined,
        };
        return k.avgPool2d(engine, x, opts, o);
      }
      case "adaptive_avg_pool2d":
        return k.adaptiveAvgPool2d(engine, x, pair(args.output_size), o);
      case "cat":
      case "cat_relu": {
        const [scale, zeroPoint] = args.out as [number, number];
        const outQ: QParams = { scale, zeroPoint };
        return k.cat(refs, args.dim as number, o, outQ, c.op === "cat_relu");
      }
    }
  });
  return { shape, data: out.subarray(0, elementCount(shape)) };
}

function check(k: QuantizedElementwiseKernels, engine: Engine, c: FixtureCase, index: number, layout: Layout): string | undefined {
  const expected = layout === "contiguous" ? (c.out_contiguous ?? c.out) : c.out;
  const got = compute(k, engine, c, layout);
  const where = `#${index} ${c.op} [${engine}, ${c.isa}, ${layout}] ${c.inputs.map((t) => `[${t.shape}]`).join(" ")} ${JSON.stringify(c.args)}`;
  if (got.shape.join(",") !== expected.shape.join(",")) return `${where}: shape [${got.shape}] expected [${expected.shape}]`;
  const want = bytes(expected);
  let wrong = 0;
  let first = -1;
  for (let i = 0; i < want.length; i++) {
    if (got.data[i] !== want[i]) {
      wrong++;
      if (first < 0) first = i;
    }
  }
  return wrong === 0 ? undefined : `${where}: ${wrong} of ${want.length} differ, first out[${first}] = ${got.data[first]}, expected ${want[first]}`;
}

const isas = [...new Set(fixture.cases.map((c) => c.isa))];

test("channels-last fixture covers every op and engine, and tells the two layouts apart", () => {
  assert.ok(isas.includes("avx2"), "no AVX2 cases");
  const kinds = new Set(fixture.cases.map((c) => `${c.op}/${c.engine}/${c.isa}`));
  assert.equal(kinds.size, OPS.length * 2 * isas.length);
  for (const c of fixture.cases) assert.ok(OPS.includes(c.op), `unknown op ${c.op}`);
  // PyTorch's own channels-last and contiguous integers differ in a good share of the cases, for
  // each op family, so running them with the wrong layout cannot pass.
  const differing = fixture.cases.filter((c) => c.out_contiguous !== undefined);
  assert.ok(differing.length * 4 >= fixture.cases.length, `only ${differing.length} of ${fixture.cases.length} cases depend on the layout`);
  for (const family of ["avg_pool2d", "adaptive_avg_pool2d", "cat"]) {
    assert.ok(differing.some((c) => c.op.startsWith(family)), `no ${family} case depends on the layout`);
  }
  assert.ok(
    fixture.cases.some((c) => c.inputs.some((t) => t.channels_last === true) && c.inputs.some((t) => t.channels_last === false)),
    "no cat mixes channels-last and contiguous inputs",
  );
});

for (const isa of isas) {
  for (const [fixtureEngine, engines] of [["qnnpack", ["qnnpack"]], ["onednn", ["onednn", "x86", "fbgemm"]]] as const) {
    for (const engine of engines) {
      test(`PyTorch 1.13 ${fixtureEngine} ${isa} channels-last cases match under ${engine}`, async (t) => {
        const k = new QuantizedElementwiseKernels(await loadCore(), { atenIsa: isa });
        try {
          const cases = fixture.cases.map((c, i) => [c, i] as const).filter(([c]) => c.engine === fixtureEngine && c.isa === isa);
          assert.ok(cases.length > 0);
          for (const layout of ["as-pytorch-held", "contiguous"] as const) {
            const failures: string[] = [];
            for (const [c, i] of cases) {
              const f = check(k, engine, c, i, layout);
              if (f) failures.push(f);
            }
            t.diagnostic(`${layout}: ${cases.length - failures.length} of ${cases.length} passed`);
            assert.deepEqual(failures, [], `inputs ${layout}`);
          }
        } finally {
          k.dispose();
        }
      });
    }
  }
}
