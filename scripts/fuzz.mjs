// Runs the fuzz and robustness suites in test/fuzz/ with a time budget and a fixed seed (Node, CI and local).
// Usage: node scripts/fuzz.mjs [--budget-seconds N] [--seed S] [FILTER...]
//   --budget-seconds N  time shared by the randomized properties (default 60: the CI budget; try 1800 locally)
//   --seed S            the seed of every property (default 20261127); the same seed replays the same inputs
//   FILTER              only test files whose path contains one of these substrings
// Fixed-cost suites run on top of the budget: the 10,000-edit LSP storm (~1 min) and the pathological inputs.
// Failing inputs are written to $FUZZ_OUT_DIR (default: the system temp folder's quantscope-fuzz/).
// Needs `npm run build` first (the WASM core, dist/server.js).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values, positionals } = parseArgs({
  options: { "budget-seconds": { type: "string", default: "60" }, seed: { type: "string", default: "20261127" } },
  allowPositionals: true,
});
const budget = Number(values["budget-seconds"]);
const seed = Number(values.seed);
if (!Number.isFinite(budget) || budget <= 0) {
  console.error(`fuzz: --budget-seconds must be a positive number, got '${values["budget-seconds"]}'`);
  process.exit(2);
}
if (!Number.isSafeInteger(seed)) {
  console.error(`fuzz: --seed must be an integer, got '${values.seed}'`);
  process.exit(2);
}
if (!fs.existsSync(path.join(root, "build/quantscope.wasm")) || !fs.existsSync(path.join(root, "dist/server.js"))) {
  console.error("fuzz: the build is missing; run `npm run build` first");
  process.exit(2);
}

const dir = path.join(root, "test/fuzz");
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith(".test.ts"))
  .map((f) => path.join("test/fuzz", f))
  .filter((f) => positionals.length === 0 || positionals.some((p) => f.includes(p)))
  .sort();
if (files.length === 0) {
  console.error("fuzz: no test files matched");
  process.exit(2);
}
// Each `fuzz("name", ...)` call is one budgeted property; they share the budget equally.
const properties = files.reduce((n, f) => n + (fs.readFileSync(path.join(root, f), "utf8").match(/\bfuzz\(\s*"/g) ?? []).length, 0);
const perPropertyMs = Math.max(200, Math.floor((budget * 1000) / Math.max(1, properties)));
const outDir = process.env.FUZZ_OUT_DIR ?? path.join(os.tmpdir(), "quantscope-fuzz");
console.log(`fuzz: ${files.length} files, ${properties} properties x ${(perPropertyMs / 1000).toFixed(1)} s, seed ${seed}; failing inputs go to ${outDir}`);

const r = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-reporter", "spec", "--test-concurrency", "1", ...files],
  {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, FUZZ_SEED: String(seed), FUZZ_BUDGET_MS: String(perPropertyMs), FUZZ_VERBOSE: "1", FUZZ_OUT_DIR: outDir },
  },
);
process.exit(r.status ?? 1);
