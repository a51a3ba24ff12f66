// Int8 kernel benchmark (`npm run bench:kernels [-- --json] [--threads 1,2]`), the parent process:
// runs QuantScope's WASM kernels, onnxruntime-web (WASM SIMD) and onnxruntime-node (native) each in its
// own child process (never both ORT packages in one process), then prints one table, or with --json one
// object per line: {"case", "threads", "ours_gops", "ortweb_gops", "ortnode_gops"} plus the same three
// measured in process CPU time ("*_cpu_gops": ops per CPU-second, robust when other processes share
// the cores; for 2 threads it is per-core throughput, not speed). GOPS = 2 * MACs / s.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { CASES, type BenchResult } from "./cases";

const here = __dirname;

function child(script: string, args: string[]): BenchResult[] {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(here, script), ...args], {
    encoding: "utf8",
    timeout: 900_000,
  });
  if (r.status !== 0) {
    process.stderr.write(
      `bench:kernels: ${script} ${args.join(" ")} failed: ${(r.stderr || r.stdout).trim().split("\n").pop()}\n`,
    );
    return [];
  }
  return r.stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as BenchResult);
}

function main() {
  const { values } = parseArgs({
    options: { json: { type: "boolean", default: false }, threads: { type: "string", default: "1,2" } },
  });
  const threads = values.threads.split(",").map(Number);
  if (threads.some((t) => !Number.isInteger(t) || t < 1))
    throw new Error(`--threads takes positive integers, got ${values.threads}`);
  // Case by case, the three runtimes one after another: on a shared, noisy machine this keeps each
  // comparison within the same few seconds.
  const ours: BenchResult[] = [];
  const web: BenchResult[] = [];
  const native: BenchResult[] = [];
  for (const c of CASES) {
    ours.push(...child("ours.ts", [threads.join(","), c.name]));
    for (const t of threads) web.push(...child("ort.ts", ["web", String(t), c.name]));
    native.push(...child("ort.ts", ["node", threads.join(","), c.name]));
    if (!values.json) process.stderr.write(`bench:kernels: ${c.name} done\n`);
  }
  const find = (rs: BenchResult[], c: string, t: number, key: "gops" | "cpuGops" = "gops") =>
    rs.find((r) => r.case === c && r.threads === t)?.[key] ?? null;
  const rows = CASES.flatMap((c) =>
    threads.map((t) => ({
      case: c.name,
      threads: t,
      ours_gops: find(ours, c.name, t),
      ortweb_gops: find(web, c.name, t),
      ortnode_gops: find(native, c.name, t),
      ours_cpu_gops: find(ours, c.name, t, "cpuGops"),
      ortweb_cpu_gops: find(web, c.name, t, "cpuGops"),
      ortnode_cpu_gops: find(native, c.name, t, "cpuGops"),
    })),
  );
  if (values.json) {
    for (const r of rows) console.log(JSON.stringify(r));
    return;
  }
  const fmt = (v: number | null) => (v === null ? "-" : v.toFixed(1));
  const ratio = (a: number | null, b: number | null) => (a === null || b === null ? "-" : (a / b).toFixed(2));
  const header = [
    "case",
    "threads",
    "ours",
    "ort-web",
    "ort-node",
    "ours/ort-web",
    "ours cpu",
    "ort-web cpu",
    "ort-node cpu",
    "ours/ort-web cpu",
  ];
  const table = rows.map((r) => [
    r.case,
    String(r.threads),
    fmt(r.ours_gops),
    fmt(r.ortweb_gops),
    fmt(r.ortnode_gops),
    ratio(r.ours_gops, r.ortweb_gops),
    fmt(r.ours_cpu_gops),
    fmt(r.ortweb_cpu_gops),
    fmt(r.ortnode_cpu_gops),
    ratio(r.ours_cpu_gops, r.ortweb_cpu_gops),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
  console.log("GOPS = 2 * multiply-accumulates / second; wall-clock median of 5, then CPU-time median of 5");
  console.log(line(header));
  for (const row of table) console.log(line(row));
  for (const t of threads.filter((t) => t > 1)) {
    const one = find(ours, "gemm 1024^3", 1);
    const many = find(ours, "gemm 1024^3", t);
    if (one && many)
      console.log(`ours gemm 1024^3 scaling: ${t} threads = ${(many / one).toFixed(2)}x 1 thread`);
  }
}

try {
  main();
} catch (e) {
  console.error(`bench:kernels: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
}
