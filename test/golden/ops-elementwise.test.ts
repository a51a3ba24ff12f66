// Golden tests of the quantized elementwise, activation, pooling, shape, softmax and batch-norm kernels
// against PyTorch 2.11 (test process): every such case of ../shared/golden/kernels/ops.json, under all
// four engines, through the same handlers as `quantscope verify-golden`. Outputs must be bit-exact,
// including the output shape and quantization parameters.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { loadSharedJson } from "../helpers/shared";
import { loadCore } from "../../core/src/node/load-core";
import { caseKind, runCase, type GoldenCase } from "../../core/src/golden/verify";
import { handlers } from "../../core/src/golden/op-cases-elementwise";

const OPS = [
  "add", "add_relu", "mul", "cat", "add_scalar", "relu", "relu6", "hardswish", "sigmoid", "tanh", "leaky_relu",
  "max_pool2d", "max_pool2d_pad", "avg_pool2d", "adaptive_avg_pool2d", "flatten", "upsample_nearest", "mean",
  "softmax", "batch_norm2d",
];

test("every elementwise/pool/shape op kind of ops.json has a handler", () => {
  assert.deepEqual(Object.keys(handlers).sort(), [...OPS].sort());
});

for (const engine of ["x86", "fbgemm", "qnnpack", "onednn"]) {
  test(`ops.json elementwise, activation, pooling and shape ops under ${engine} match PyTorch 2.11`, async (t) => {
    const core = await loadCore();
    const cases = loadSharedJson<GoldenCase[]>("golden", "kernels", "ops.json").filter(
      (c) => c.engine === engine && OPS.includes(caseKind(c)),
    );
    assert.deepEqual(cases.map(caseKind).sort(), [...OPS].sort(), `one case per op under ${engine}`);
    const failures: string[] = [];
    for (const c of cases) {
      const outcome = runCase(c, core);
      if (outcome.status !== "pass") failures.push(`${caseKind(c)}: ${outcome.status === "fail" ? outcome.detail : outcome.reason}`);
    }
    t.diagnostic(`${engine}: ${cases.length - failures.length} of ${cases.length} passed`);
    assert.deepEqual(failures, []);
  });
}
