// Entry point of the extension-host test suite (runs inside a real VS Code extension host, started by
// code-server's test payload or by @vscode/test-electron). Loads mocha from the e2e tool folder, defines the
// suites, runs them, and writes a machine-readable result file when QUANTSCOPE_E2E_RESULTS names one.
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot } from "./api";
import { defineCommandSuite } from "./commands.suite";
import { defineCorpusParitySuite } from "./corpus-parity.suite";
import { defineDiagnosticsSuite } from "./diagnostics.suite";
import { definePanelSuite } from "./panel.suite";
import { definePipelineSuite } from "./pipeline.suite";

interface MochaRunner {
  on(event: "pass" | "fail" | "pending", listener: (test: { fullTitle(): string; duration?: number }, err?: Error) => void): void;
}
interface MochaInstance {
  suite: { emit(event: "pre-require", context: object, file: string, mocha: MochaInstance): void };
  run(done: (failures: number) => void): MochaRunner;
}
type MochaCtor = new (options: Record<string, unknown>) => MochaInstance;

function loadMocha(): MochaCtor {
  const candidates = [
    process.env.QUANTSCOPE_MOCHA,
    path.join(repoRoot(), ".ci/vscode/node_modules/mocha"),
    path.join(repoRoot(), "node_modules/mocha"),
  ].filter((p): p is string => !!p);
  for (const p of candidates) {
    if (fs.existsSync(path.join(p, "package.json"))) return require(p) as MochaCtor;
  }
  throw new Error(`mocha not found (looked in ${candidates.join(", ")}); run bash .ci/vscode/setup.sh`);
}

export async function run(): Promise<void> {
  const Mocha = loadMocha();
  const mocha = new Mocha({ ui: "bdd", reporter: "spec", color: false, timeout: 120_000, slow: 10_000 });
  mocha.suite.emit("pre-require", globalThis, path.join(__dirname, "index.js"), mocha);
  defineCommandSuite();
  defineDiagnosticsSuite();
  defineCorpusParitySuite();
  definePanelSuite();
  definePipelineSuite();

  const results: { title: string; state: string; error?: string }[] = [];
  const failures = await new Promise<number>((resolve) => {
    const runner = mocha.run(resolve);
    runner.on("pass", (t) => results.push({ title: t.fullTitle(), state: "passed" }));
    runner.on("pending", (t) => results.push({ title: t.fullTitle(), state: "pending" }));
    runner.on("fail", (t, err) => results.push({ title: t.fullTitle(), state: "failed", error: err?.stack ?? String(err) }));
  });
  const out = process.env.QUANTSCOPE_E2E_RESULTS;
  if (out) fs.writeFileSync(out, JSON.stringify({ failures, results }, null, 2));
  if (failures > 0) throw new Error(`${failures} extension-host test(s) failed`);
}
