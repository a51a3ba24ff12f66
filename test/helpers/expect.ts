// Snapshot expectations for check(input, expected) helpers: compares against test/expect/NAME.txt, or
// rewrites it when UPDATE_EXPECT=1 (test process).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot } from "./shared";

export function expectSnapshot(name: string, actual: string): void {
  const file = path.join(repoRoot, "test/expect", `${name}.txt`);
  if (process.env.UPDATE_EXPECT === "1") {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, actual);
    return;
  }
  if (!fs.existsSync(file)) assert.fail(`no expectation ${path.relative(repoRoot, file)}; run with UPDATE_EXPECT=1`);
  assert.equal(actual, fs.readFileSync(file, "utf8"), `expectation ${name} differs (UPDATE_EXPECT=1 to accept)`);
}
