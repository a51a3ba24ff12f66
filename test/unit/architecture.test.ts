// Enforces the architecture invariants of ARCHITECTURE.md on the real tree, and proves the checker
// catches a planted violation (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../helpers/shared";

async function checker(): Promise<(dir?: string) => string[]> {
  const mod = await import(path.join(repoRoot, "scripts/check-imports.mjs"));
  return mod.checkImports;
}

test("the tree keeps the import invariants", async () => {
  const check = await checker();
  assert.deepEqual(check(), []);
});

test("importing vscode from core/ is caught", async () => {
  const check = await checker();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qs-arch-"));
  fs.mkdirSync(path.join(dir, "core/src"), { recursive: true });
  fs.mkdirSync(path.join(dir, "assembly"), { recursive: true });
  fs.writeFileSync(path.join(dir, "core/src/bad.ts"), 'import * as vscode from "vscode";\nimport * as fs from "node:fs";\n');
  fs.writeFileSync(path.join(dir, "assembly/bad.ts"), 'import { x } from "../core/src/bad";\n');
  const v = check(dir);
  assert.equal(v.length, 3, v.join("\n"));
  assert.match(v.join("\n"), /only extension\/ may import vscode/);
  assert.match(v.join("\n"), /core\/src does no I\/O/);
  assert.match(v.join("\n"), /assembly\/ imports nothing outside/);
});
