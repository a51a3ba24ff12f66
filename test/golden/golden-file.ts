// Shared runner for the golden kernel tests: runs one ../shared/golden/kernels file through the same
// handlers as `quantscope verify-golden`, one subtest per case, and asserts the exact skip set
// (test process).
import type { TestContext } from "node:test";
import * as assert from "node:assert/strict";
import { loadSharedJson } from "../helpers/shared";
import { createCore } from "../../core/src/node/load-core";
import { caseKind, runCase, type GoldenCase } from "../../core/src/golden/verify";

export interface GoldenExpectations {
  /** Case index -> the reason its skip must give; every other case must pass. */
  expectedSkips: Record<number, RegExp>;
}

export async function checkGoldenFile(
  t: TestContext,
  file: string,
  expect: GoldenExpectations,
): Promise<void> {
  await checkCases(t, file, loadSharedJson<GoldenCase[]>("golden", "kernels", file), expect);
}

/** Runs cases in the golden format through the verify-golden handlers, one subtest each. */
export async function checkCases(
  t: TestContext,
  file: string,
  cases: GoldenCase[],
  expect: GoldenExpectations,
): Promise<void> {
  assert.ok(Array.isArray(cases) && cases.length > 0, `${file} has no cases`);
  const core = await createCore();
  let passed = 0;
  let skipped = 0;
  for (const [index, c] of cases.entries()) {
    await t.test(`#${index} ${caseKind(c)}`, () => {
      const outcome = runCase(c, core);
      const skipReason = expect.expectedSkips[index];
      if (skipReason) {
        assert.equal(
          outcome.status,
          "skip",
          `case ${index} should be a documented divergence: ${JSON.stringify(outcome)}`,
        );
        assert.match(outcome.status === "skip" ? outcome.reason : "", skipReason);
        skipped++;
        return;
      }
      assert.deepEqual(outcome, { status: "pass" });
      passed++;
    });
  }
  t.diagnostic(`${file}: ${passed} passed, 0 failed, ${skipped} skipped`);
  assert.equal(passed + skipped, cases.length);
}
