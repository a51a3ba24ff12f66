// Model benchmark (`npm run bench:models [-- --json] [--update-docs]`), the parent process: QuantScope
// quantizes MobileNetV2 for x86 on 32 calibration images and times its int8 inference at batch 1 on 1 and 2
// threads; onnxruntime-web then runs our QDQ file and the float model, each in its own child process (one
// per thread count). Prints one table (or one JSON object); --update-docs rewrites the "Models" section of
// docs/benchmarks.md and nothing else.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { CALIBRATION_IMAGES, MOBILENET, type Latency } from "./common";

const here = __dirname;
const THREADS = [1, 2];

function child<T>(script: string, args: string[]): T {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(here, script), ...args], { encoding: "utf8", timeout: 900_000 });
  if (r.status !== 0) throw new Error(`${script} ${args.join(" ")} failed: ${(r.stderr || r.stdout).trim().split("\n").pop()}`);
  const line = r.stdout.split("\n").find((l) => l.startsWith("{"));
  if (!line) throw new Error(`${script} printed no result`);
  return JSON.parse(line) as T;
}

interface OursResult {
  calibration_ms: number;
  quantize_ms: number;
  int8_layers: number;
  float_nodes: number;
  latency: Record<string, Latency>;
}

function cpuName(): string {
  return os.cpus()[0]?.model.trim() ?? "unknown CPU";
}

function main() {
  const { values } = parseArgs({ options: { json: { type: "boolean", default: false }, "update-docs": { type: "boolean", default: false } } });
  const qdq = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "qs-bench-models-")), "mobilenet_v2.x86.qdq.onnx");
  const ours = child<OursResult>("ours.ts", [qdq, THREADS.join(",")]);
  const webInt8: Record<number, Latency> = {};
  const webFloat: Record<number, Latency> = {};
  for (const t of THREADS) {
    webInt8[t] = child<{ latency: Latency }>("ort-web.ts", [qdq, String(t)]).latency;
    webFloat[t] = child<{ latency: Latency }>("ort-web.ts", [MOBILENET, String(t)]).latency;
  }
  const rows = THREADS.map((t) => ({
    threads: t,
    ours_int8_ms: ours.latency[t].median_ms,
    ortweb_int8_ms: webInt8[t].median_ms,
    ortweb_float_ms: webFloat[t].median_ms,
    speedup_vs_ortweb_int8: webInt8[t].median_ms / ours.latency[t].median_ms,
    speedup_vs_ortweb_float: webFloat[t].median_ms / ours.latency[t].median_ms,
  }));
  const summary = {
    model: "mobilenet_v2 (torchvision quantizable architecture, random weights), batch 1, 224x224",
    backend: "x86",
    calibration_images: CALIBRATION_IMAGES,
    calibration_s: ours.calibration_ms / 1000,
    quantize_s: ours.quantize_ms / 1000,
    int8_layers: ours.int8_layers,
    cpu: cpuName(),
    node: process.version,
    rows,
  };
  fs.rmSync(path.dirname(qdq), { recursive: true, force: true });
  if (values.json) console.log(JSON.stringify(summary));
  else {
    console.log(`MobileNetV2, x86, batch 1 (${summary.cpu}, Node ${summary.node})`);
    console.log(`calibration on ${CALIBRATION_IMAGES} images: ${summary.calibration_s.toFixed(1)} s; whole quantize: ${summary.quantize_s.toFixed(1)} s`);
    console.log("threads  quantscope int8  ort-web int8 (our QDQ)  ort-web float  vs ort-web int8  vs ort-web float");
    for (const r of rows) {
      console.log(
        `${String(r.threads).padEnd(9)}${`${r.ours_int8_ms.toFixed(1)} ms`.padEnd(17)}${`${r.ortweb_int8_ms.toFixed(1)} ms`.padEnd(24)}${`${r.ortweb_float_ms.toFixed(1)} ms`.padEnd(15)}${`${r.speedup_vs_ortweb_int8.toFixed(2)}x`.padEnd(17)}${r.speedup_vs_ortweb_float.toFixed(2)}x`,
      );
    }
  }
  if (values["update-docs"]) updateDocs(summary);
}

type Summary = {
  calibration_s: number;
  quantize_s: number;
  int8_layers: number;
  cpu: string;
  node: string;
  rows: { threads: number; ours_int8_ms: number; ortweb_int8_ms: number; ortweb_float_ms: number; speedup_vs_ortweb_int8: number; speedup_vs_ortweb_float: number }[];
};

/** A right-aligned markdown table padded the way prettier formats it (docs are prettier-checked). */
function markdownTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, c) => Math.max(h.length, 3, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, c) => cell.padStart(widths[c])).join(" | ")} |`;
  return [line(header), `| ${widths.map((w) => "-".repeat(w - 1) + ":").join(" | ")} |`, ...rows.map(line)];
}

/** Replaces the "## Models" section of docs/benchmarks.md (up to the next "## " heading), keeping the rest. */
function updateDocs(s: Summary): void {
  const file = path.resolve(here, "../../docs/benchmarks.md");
  const section = [
    "## Models",
    "",
    "`npm run bench:models` (bench/models/): MobileNetV2 (`shared/golden/models/mobilenet_v2.onnx`, torchvision's",
    "quantizable architecture) quantized by QuantScope for the x86 backend, calibrated on 32 pseudo-random",
    "224x224 images (the model's batch dimension is fixed at 1, so the observers see 32 batches of one), then",
    `timed at batch 1: QuantScope's int8 executor (${s.int8_layers} int8 ops, WASM SIMD, kernel thread pool)`,
    "against onnxruntime-web 1.30 (WASM SIMD backend, graph optimizations on) running the QDQ file QuantScope",
    "wrote (ORT's optimizer fuses it into QLinearConv, QLinearAdd, QLinearGlobalAveragePool and QGemm) and the",
    "float model. Each ORT-web run is its own child process;",
    "figures are medians of 30 runs after 5 warm-up runs.",
    "",
    `Measured on ${s.cpu}, Node ${s.node} (the machine is shared; expect some noise).`,
    "",
    ...markdownTable(
      ["threads", "QuantScope int8", "ORT-web int8 (our QDQ)", "ORT-web float", "vs ORT-web int8", "vs ORT-web float"],
      s.rows.map((r) => [
        String(r.threads),
        `${r.ours_int8_ms.toFixed(1)} ms`,
        `${r.ortweb_int8_ms.toFixed(1)} ms`,
        `${r.ortweb_float_ms.toFixed(1)} ms`,
        `${r.speedup_vs_ortweb_int8.toFixed(2)}x`,
        `${r.speedup_vs_ortweb_float.toFixed(2)}x`,
      ]),
    ),
    "",
    `Calibration (float runs + HistogramObserver on every activation, 32 images): ${s.calibration_s.toFixed(1)} s; the whole`,
    `quantize (prepare, calibrate, convert, QDQ export): ${s.quantize_s.toFixed(1)} s.`,
    "",
  ].join("\n");
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "# Benchmarks\n\n";
  const start = text.search(/^## Models\s*$/m);
  let next: string;
  if (start < 0) next = `${text.trimEnd()}\n\n${section}`;
  else {
    const rest = text.slice(start + 1);
    const end = rest.search(/^## /m);
    next = text.slice(0, start) + section + (end < 0 ? "" : `\n${rest.slice(end)}`);
  }
  fs.writeFileSync(file, next.endsWith("\n") ? next : `${next}\n`);
}

try {
  main();
} catch (e) {
  console.error(`bench:models: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
