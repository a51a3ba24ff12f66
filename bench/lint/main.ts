// `npm run bench:lint`: full analysis and incremental re-analysis after a one-line edit of a generated
// 2,000-line model file (medians), next to pyright (the npm package) checking the same file
// (bench process). Wall-clock and CPU time (process.cpuUsage) are both recorded: on a shared machine the
// wall clock also counts time the process waited for a core. Writes bench/lint/results.json and prints
// the markdown table for docs/benchmarks.md.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { loadPythonAnalyzer } from "../../core/src/node/python-wasm";
import { generateModelFile } from "./generate";

const root = path.resolve(__dirname, "../..");

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function main(): Promise<void> {
  const text = generateModelFile(2000);
  const lineCount = text.split("\n").length - 1;
  const analyzer = await loadPythonAnalyzer();

  // Warm up the JIT and the WASM parser.
  for (let i = 0; i < 5; i++) analyzer.analyze(analyzer.parse(text));

  const fullRuns = 20;
  const full: number[] = [];
  const fullCpu: number[] = [];
  let findings = 0;
  for (let i = 0; i < fullRuns; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const doc = analyzer.parse(text);
    findings = analyzer.analyze(doc).length;
    full.push(performance.now() - t0);
    fullCpu.push(cpuMs(c0));
    doc.dispose();
  }

  // One-line edits inside a forward: toggle `x = self.fc(x)` <-> `x = self.fc(x)  # edited` in the
  // middle of the file, re-parsing incrementally from the previous document each time.
  const lines = text.split("\n");
  const target = lines.findIndex((l, idx) => idx > lines.length / 2 && l === "        x = self.fc(x)");
  if (target < 0) throw new Error("bench: edit target not found");
  const incRuns = 50;
  const inc: number[] = [];
  const incCpu: number[] = [];
  let doc = analyzer.parse(text);
  analyzer.analyze(doc);
  let current = text;
  for (let i = 0; i < incRuns; i++) {
    const edited = i % 2 === 0;
    const newLine = edited ? "        x = self.fc(x) + 0" : "        x = self.fc(x)";
    const oldLine = current.split("\n")[target] as string;
    const next = current.split("\n");
    next[target] = newLine;
    const newText = next.join("\n");
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const nextDoc = doc.edit([{ range: { start: { line: target, character: 0 }, end: { line: target, character: oldLine.length } }, text: newLine }], newText);
    analyzer.analyze(nextDoc);
    inc.push(performance.now() - t0);
    incCpu.push(cpuMs(c0));
    doc.dispose();
    doc = nextDoc;
    current = newText;
  }

  // pyright on the same file, as a user runs it (CLI, one process per check).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qs-bench-lint-"));
  const file = path.join(dir, "model.py");
  fs.writeFileSync(file, text);
  const pyrightRuns = 3;
  const pyright: number[] = [];
  const pyrightCpu: number[] = [];
  childCpuMs();
  for (let i = 0; i < pyrightRuns; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [path.join(root, "node_modules/pyright/index.js"), "--outputjson", file], { encoding: "utf8", cwd: dir });
    pyright.push(performance.now() - t0);
    if (r.error) throw r.error;
    pyrightCpu.push(childCpuMs());
  }
  fs.rmSync(dir, { recursive: true, force: true });

  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model ?? "unknown",
    lines: lineCount,
    findings,
    loadAverage: os.loadavg()[0],
    fullMedianMs: median(full),
    fullCpuMedianMs: median(fullCpu),
    incrementalMedianMs: median(inc),
    incrementalCpuMedianMs: median(incCpu),
    pyrightMedianMs: median(pyright),
    pyrightCpuMedianMs: median(pyrightCpu),
    runs: { full: fullRuns, incremental: incRuns, pyright: pyrightRuns },
  };
  fs.writeFileSync(path.join(__dirname, "results.json"), JSON.stringify(results, null, 2) + "\n");
  const ratio = results.pyrightMedianMs / results.fullMedianMs;
  const cpuRatio = results.pyrightCpuMedianMs / results.fullCpuMedianMs;
  console.log(`| Measurement (${lineCount}-line model file, median) | Wall clock | CPU time |`);
  console.log(`| --- | ---: | ---: |`);
  console.log(`| quantscope full analysis (parse + all rules) | ${results.fullMedianMs.toFixed(1)} ms | ${results.fullCpuMedianMs.toFixed(1)} ms |`);
  console.log(`| quantscope incremental re-analysis after a one-line edit | ${results.incrementalMedianMs.toFixed(1)} ms | ${results.incrementalCpuMedianMs.toFixed(1)} ms |`);
  console.log(`| pyright ${pyrightVersion()} checking the same file (CLI) | ${results.pyrightMedianMs.toFixed(0)} ms | ${results.pyrightCpuMedianMs.toFixed(0)} ms |`);
  console.log(
    `\nFull analysis is ${ratio.toFixed(0)}x (wall) / ${cpuRatio.toFixed(0)}x (CPU) faster than pyright (target >= 10x); incremental: ` +
      `${results.incrementalMedianMs.toFixed(1)} ms wall, ${results.incrementalCpuMedianMs.toFixed(1)} ms CPU (target <= 20 ms); 1-minute load average ${results.loadAverage.toFixed(1)} on ${os.cpus().length} cores.`,
  );
}

function cpuMs(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

let childCpuSeen = 0;
/** CPU time of the child processes that finished since the last call. */
function childCpuMs(): number {
  // Node has no per-child rusage; read the cumulative children's times from /proc (Linux, 100 Hz ticks).
  try {
    const stat = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1]?.split(" ") ?? [];
    const ticks = Number(stat[13]) + Number(stat[14]); // cutime + cstime
    const ms = (ticks * 1000) / 100;
    const delta = ms - childCpuSeen;
    childCpuSeen = ms;
    return delta;
  } catch {
    return Number.NaN;
  }
}

function pyrightVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(root, "node_modules/pyright/package.json"), "utf8")) as { version: string }).version;
}

main().catch((e: unknown) => {
  console.error(`bench:lint: ${(e as Error).message}`);
  process.exit(1);
});
