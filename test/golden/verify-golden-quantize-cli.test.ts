// The acceptance check of the quantize/observer/fake-quant work, through the CLI exactly as users run
// it: `quantscope verify-golden` on the three golden files (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { runCli } from "../helpers/cli";
import { sharedPath } from "../helpers/shared";

test("verify-golden passes quantize.json, observers.json and fake_quant.json (2 documented skips)", () => {
  const files = ["quantize.json", "observers.json", "fake_quant.json"].map((f) =>
    sharedPath("golden", "kernels", f),
  );
  const r = runCli(["verify-golden", ...files]);
  assert.equal(r.stderr, "");
  assert.equal(r.code, 0, r.stdout);
  assert.equal(r.stdout.trim(), "57 passed, 0 failed, 2 skipped");
});
