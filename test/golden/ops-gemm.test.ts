// Golden tests of the quantized linear, conv and dynamic linear kernels against PyTorch (test process):
// ../shared/golden/kernels/ops.json (PyTorch 2.11, all four engines) and test/fixtures/kernels (extra
// qnnpack/onednn cases from PyTorch 1.13). Every case must pass: uint8 outputs bit-exact.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadSharedJson, repoRoot } from "../helpers/shared";
import { loadCore } from "../../core/src/node/load-core";
import { caseKind, runCase, type GoldenCase } from "../../core/src/golden/verify";

const OPS = new Set(["linear", "linear_relu", "conv2d", "conv2d_relu", "linear_dynamic"]);

async function check(file: string, cases: GoldenCase[], expectedCount: number) {
  const core = await loadCore();
  const mine = cases.filter((c) => OPS.has(caseKind(c)));
  assert.equal(mine.length, expectedCount, `${file}: number of linear/conv cases`);
  const failures: string[] = [];
  mine.forEach((c, i) => {
    const outcome = runCase(c, core);
    if (outcome.status !== "pass")
      failures.push(
        `#${i} ${caseKind(c)} [${String(c.engine)}]: ${outcome.status === "fail" ? outcome.detail : outcome.reason}`,
      );
  });
  assert.deepEqual(failures, []);
}

const shared = () => loadSharedJson<GoldenCase[]>("golden", "kernels", "ops.json");

for (const engine of ["x86", "fbgemm", "qnnpack", "onednn"]) {
  test(`ops.json linear/conv/dynamic linear under ${engine} match PyTorch 2.11`, async () => {
    const cases = shared().filter((c) => c.engine === engine);
    await check(`ops.json [${engine}]`, cases, engine === "x86" || engine === "fbgemm" ? 20 : 24);
  });
}

test("extra PyTorch 1.13 qnnpack/onednn cases (odd sizes, strides, padding, dilation) match", async () => {
  const file = path.join(repoRoot, "test/fixtures/kernels/gemm-conv-torch113.json");
  const cases = JSON.parse(fs.readFileSync(file, "utf8")) as GoldenCase[];
  await check("gemm-conv-torch113.json", cases, 19);
});
