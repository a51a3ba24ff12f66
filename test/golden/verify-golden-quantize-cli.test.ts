// The acceptance check of the quantize/observer/fake-quant work, through the CLI exactly as users run
// it: `quantscope verify-golden` on the three golden files (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { repoRoot, sharedPath } from "../helpers/shared";

test("verify-golden passes quantize.json, observers.json and fake_quant.json (2 documented skips)", () => {
  const files = ["quantize.json", "observers.json", "fake_quant.json"].map((f) =>
    sharedPath("golden", "kernels", f),
  );
  const r = spawnSync(
    process.execPath,
    [path.join(repoRoot, "bin/quantscope.js"), "verify-golden", ...files],
    {
      cwd: repoRoot,
      encoding: "utf8",
      timeout: 120_000,
    },
  );
  assert.equal(r.stderr, "");
  assert.equal(r.status, 0, r.stdout);
  assert.equal(r.stdout.trim(), "57 passed, 0 failed, 2 skipped");
});
