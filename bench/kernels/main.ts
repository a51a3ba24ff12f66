// Int8 kernel benchmark, the parent process:
//   npm run bench:kernels [-- --json] [--threads 1,2] [--case gemm] [--rounds 3] [--nice -15]
// runs QuantScope's WASM kernels, onnxruntime-web (WASM SIMD) and onnxruntime-node (native) each in its
// own child process (never both ORT packages in one process), then prints one table, or with --json one
// object per line: {"case", "threads", "ours_gops", "ortweb_gops", "ortnode_gops"} plus the same three
// measured in process CPU time ("*_cpu_gops": ops per CPU-second, robust when other processes share
// the cores; for 2 threads it is per-core throughput, not speed) and in the busiest thread's CPU time
// ("*_busiest_gops": the critical path if each thread had a core). GOPS = 2 * MACs / s.
// --case keeps the cases whose name contains one of the comma-separated substrings; --rounds N makes
// N passes over the cases (each case: ours, web, node, one after another) and reports each figure's
// median over the passes; --nice=N runs the children at that niceness, and on Linux with autogroup
// scheduling this session too (negative: root only), so the runtimes get the cores of a shared machine.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { CASES, type BenchResult } from "./cases";

const here = __dirname;

function child(script: string, args: string[], nice: string | undefined): BenchResult[] {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(here, script), ...args], {
    encoding: "utf8",
    timeout: 900_000,
    env: nice === undefined ? process.env : { ...process.env, QS_BENCH_NICE: nice },
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

/**
 * With Linux's autogroup scheduling, CPU time is shared fairly between sessions before niceness counts,
 * so a process's own niceness only ranks it within its session. Sets this session's autogroup niceness
 * (root only) for the duration of `body`, then restores it; elsewhere only the children's niceness
 * (QS_BENCH_NICE) applies.
 */
function withSessionNiceness<T>(nice: string | undefined, body: () => T): T {
  const file = "/proc/self/autogroup";
  if (nice === undefined || !fs.existsSync(file)) return body();
  const before = /nice\s+(-?\d+)/.exec(fs.readFileSync(file, "utf8"))?.[1];
  try {
    fs.writeFileSync(file, nice);
  } catch (e) {
    process.stderr.write(`bench:kernels: session niceness ${nice} not applied (${(e as Error).message})\n`);
    return body();
  }
  try {
    return body();
  } finally {
    if (before !== undefined) fs.writeFileSync(file, before);
  }
}

/** Median of the non-null values, or null. */
function median(values: (number | null)[]): number | null {
  const xs = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = xs.length >> 1;
  return xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

function main() {
  const { values } = parseArgs({
    options: {
      json: { type: "boolean", default: false },
      threads: { type: "string", default: "1,2" },
      case: { type: "string" },
      rounds: { type: "string", default: "1" },
      nice: { type: "string" },
    },
  });
  const threads = values.threads.split(",").map(Number);
  if (threads.some((t) => !Number.isInteger(t) || t < 1))
    throw new Error(`--threads takes positive integers, got ${values.threads}`);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`--rounds takes a positive integer, got ${values.rounds}`);
  if (values.nice !== undefined && !/^-?\d+$/.test(values.nice))
    throw new Error(`--nice takes an integer niceness, got ${values.nice}`);
  const filters = values.case?.split(",").filter((f) => f !== "");
  const cases = CASES.filter((c) => !filters || filters.some((f) => c.name.includes(f)));
  if (cases.length === 0)
    throw new Error(`--case ${values.case} matches no case (cases: ${CASES.map((c) => c.name).join(", ")})`);
  // Case by case, the three runtimes one after another: on a shared, noisy machine this keeps each
  // comparison within the same few seconds.
  const ours: BenchResult[] = [];
  const web: BenchResult[] = [];
  const native: BenchResult[] = [];
  withSessionNiceness(values.nice, () => {
    // Rounds outermost: a case's rounds lie a whole pass apart, so one slow spell of the machine
    // does not land on every round of the same case.
    for (let round = 0; round < rounds; round++) {
      for (const c of cases) {
        ours.push(...child("ours.ts", [threads.join(","), c.name], values.nice));
        for (const t of threads) web.push(...child("ort.ts", ["web", String(t), c.name], values.nice));
        native.push(...child("ort.ts", ["node", threads.join(","), c.name], values.nice));
        if (!values.json)
          process.stderr.write(`bench:kernels: round ${round + 1}/${rounds}, ${c.name} done\n`);
      }
    }
  });
  const find = (
    rs: BenchResult[],
    c: string,
    t: number,
    key: "gops" | "cpuGops" | "busiestThreadGops" = "gops",
  ) => median(rs.filter((r) => r.case === c && r.threads === t).map((r) => r[key] ?? null));
  const rows = cases.flatMap((c) =>
    threads.map((t) => ({
      case: c.name,
      threads: t,
      ours_gops: find(ours, c.name, t),
      ortweb_gops: find(web, c.name, t),
      ortnode_gops: find(native, c.name, t),
      ours_cpu_gops: find(ours, c.name, t, "cpuGops"),
      ortweb_cpu_gops: find(web, c.name, t, "cpuGops"),
      ortnode_cpu_gops: find(native, c.name, t, "cpuGops"),
      ours_busiest_gops: find(ours, c.name, t, "busiestThreadGops"),
      ortweb_busiest_gops: find(web, c.name, t, "busiestThreadGops"),
      ortnode_busiest_gops: find(native, c.name, t, "busiestThreadGops"),
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
  console.log(
    `GOPS = 2 * multiply-accumulates / second; each figure the median of 5 samples${rounds > 1 ? `, then the median of ${rounds} alternating rounds` : ""}; wall clock, then process CPU time`,
  );
  console.log(line(header));
  for (const row of table) console.log(line(row));
  const gemmCase = "gemm 1024^3";
  for (const t of threads.filter((t) => t > 1 && threads.includes(1))) {
    for (const [label, rs] of [
      ["ours", ours],
      ["ort-web", web],
    ] as const) {
      const one = find(rs, gemmCase, 1);
      const many = find(rs, gemmCase, t);
      const oneBusy = find(rs, gemmCase, 1, "busiestThreadGops");
      const manyBusy = find(rs, gemmCase, t, "busiestThreadGops");
      if (one === null || many === null) continue;
      const busy =
        oneBusy && manyBusy ? `, ${(manyBusy / oneBusy).toFixed(2)}x by busiest-thread CPU time` : "";
      const interleaved = median(
        rs.filter((r) => r.case === gemmCase && r.threads === t).map((r) => r.speedup ?? null),
      );
      const inter =
        interleaved === null ? "" : `, ${interleaved.toFixed(2)}x in interleaved 1/${t}-thread rounds`;
      console.log(
        `${label} ${gemmCase} scaling: ${t} threads = ${(many / one).toFixed(2)}x 1 thread (wall-clock medians)${inter}${busy}`,
      );
    }
  }
  console.log(
    `load average at the end: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
}

try {
  main();
} catch (e) {
  console.error(`bench:kernels: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
}
