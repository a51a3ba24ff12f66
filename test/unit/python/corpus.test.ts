// The dev corpus contract: every script PyTorch failed on gets an error finding on the line PyTorch
// reports, and no script that ran gets an error finding (test process; reads ../shared/corpus-dev).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { sharedPath } from "../../helpers/shared";
import { lint } from "./helpers";

interface Result {
  status: "ok" | "error";
  line?: number;
  error_type?: string;
}

const dir = sharedPath("corpus-dev");
const results = JSON.parse(fs.readFileSync(path.join(dir, "pytorch-results.json"), "utf8")) as Record<string, Result>;

for (const [file, result] of Object.entries(results)) {
  test(`${file}: ${result.status === "ok" ? "no error finding" : `error on line ${result.line} (${result.error_type})`}`, async () => {
    const findings = await lint(fs.readFileSync(path.join(dir, file), "utf8"));
    const errors = findings.filter((f) => f.severity === "error").map((f) => f.range.start.line + 1);
    if (result.status === "ok") assert.deepEqual(errors, [], `false error(s) on ${file}`);
    else assert.ok(errors.includes(result.line as number), `expected an error on line ${result.line} of ${file}, got lines [${errors.join(", ")}]`);
  });
}

test("the corpus covers both outcomes", () => {
  const statuses = new Set(Object.values(results).map((r) => r.status));
  assert.deepEqual([...statuses].sort(), ["error", "ok"]);
});
