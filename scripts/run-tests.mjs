// Runs the unit and golden test suites with Node's built-in test runner (TypeScript through tsx).
// Usage: node scripts/run-tests.mjs [substring-filter ...]. Needs `npm run build` first (the WASM core).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const suites = ["test/unit", "test/golden", "test/lsp"];
const filters = process.argv.slice(2);

function walk(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : e.name.endsWith(".test.ts") ? [p] : [];
  });
}

if (!fs.existsSync(path.join(root, "build/quantscope.wasm")) || !fs.existsSync(path.join(root, "dist/cli.js"))) {
  console.error("test: the build is missing; run `npm run build` first");
  process.exit(2);
}

const files = suites
  .flatMap((s) => walk(path.join(root, s)))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error("test: no test files matched");
  process.exit(2);
}
const r = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-reporter", "spec", "--test-concurrency", "2", ...files.map((f) => path.relative(root, f))],
  { cwd: root, stdio: "inherit" },
);
process.exit(r.status ?? 1);
