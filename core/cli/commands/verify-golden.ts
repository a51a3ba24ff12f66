// `quantscope verify-golden DIR`: runs every golden case under DIR through the WASM core (CLI process).
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "../command";
import { InputError, UsageError } from "../../src/errors";
import { loadCore } from "../../src/node/load-core";
import { runCases, summarize, formatFailure, type CaseReport, type GoldenCase } from "../../src/golden/verify";

export const verifyGolden: Command = {
  name: "verify-golden",
  summary: "run golden kernel cases (PyTorch's results) through the WASM core",
  usage: `Usage: quantscope verify-golden DIR|FILE... [--json]

Runs every case in every *.json under DIR (the format of shared/golden/kernels) through the WASM core.
Integers and zero points must be equal; floats within 1e-6 relative. Prints one line per failing case
and ends with "N passed, M failed, K skipped" (K: cases PyTorch itself rejected, and documented
PyTorch divergences). Exit 1 if any case failed.`,
  options: {},
  async run(args, ctx) {
    if (args.positionals.length === 0) throw new UsageError("verify-golden: expected a folder or file of golden cases");
    const files = args.positionals.flatMap((p) => collectJson(path.resolve(ctx.cwd, p)));
    if (files.length === 0) throw new InputError("no *.json golden files found", args.positionals.join(" "));
    const core = await loadCore();
    const reports: CaseReport[] = [];
    for (const file of files) {
      const cases = readCases(file);
      const rel = path.relative(ctx.cwd, file) || file;
      for (const r of runCases(rel, cases, core)) {
        reports.push(r);
        if (r.outcome.status === "fail" && !ctx.json) ctx.out(formatFailure(r));
      }
    }
    const s = summarize(reports);
    if (ctx.json) {
      ctx.out(JSON.stringify({ ...s, cases: reports }, null, 1));
    } else {
      ctx.out(`${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`);
    }
    return s.failed > 0 ? 1 : 0;
  },
};

function collectJson(p: string): string[] {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    throw new InputError("no such file or folder", p);
  }
  if (st.isFile()) return [p];
  return fs
    .readdirSync(p)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => path.join(p, f));
}

function readCases(file: string): GoldenCase[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    // V8's message quotes the source, newlines included: fold it so the error stays one line.
    throw new InputError(`not valid JSON (${(e as Error).message.replace(/\s*\n\s*/g, " ")})`, file);
  }
  if (!Array.isArray(parsed) || !parsed.every((c) => typeof c === "object" && c !== null && !Array.isArray(c))) {
    throw new InputError("expected a JSON array of case objects", file);
  }
  return parsed as GoldenCase[];
}
