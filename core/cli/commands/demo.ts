// `quantscope demo`: the README's main job on the bundled digits CNN: quantize it for x86 and qnnpack,
// compare float and int8 accuracy, print a per-layer table, and write the int8 models and reports under a
// demo folder (CLI process).
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "../command";
import { stringOpt } from "../command";
import { InputError } from "../../src/errors";
import type { Engine } from "../../src/backends/engine";
import { loadCore } from "../../src/node/load-core";
import { ensureDir, writeFilesAtomic } from "../../src/node/write-file";
import { quantizeModel } from "../../src/pipeline";
import type { QuantizationReport } from "../../src/report/schema";
import { formatPct, progressPrinter, readInputData, readLabels, readModelArg, sampleCount } from "./pipeline-args";

const DEMO_BACKENDS: readonly Engine[] = ["x86", "qnnpack"];

/** examples/digits beside the bundle (dist/) or the sources (core/cli/commands/). */
function findExample(): string {
  const candidates = [path.resolve(__dirname, "../examples/digits"), path.resolve(__dirname, "../../../examples/digits")];
  for (const c of candidates) if (fs.existsSync(path.join(c, "model.onnx"))) return c;
  throw new InputError(`the bundled example was not found (looked in ${candidates.join(", ")})`);
}

function fmtScale(s: number, zp: number): string {
  return `${s.toPrecision(4)}/${zp}`;
}

function fmtDb(v: number | undefined): string {
  return v === undefined ? "exact" : v.toFixed(1);
}

/** A plain-text table with left-aligned columns. */
function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join("  ").trimEnd());
}

export const demoCommand: Command = {
  name: "demo",
  summary: "quantize the bundled digits CNN for x86 and qnnpack and compare accuracy per layer",
  usage: `Usage: quantscope demo [--out DIR] [--json]

Quantizes examples/digits/model.onnx (a small CNN trained on 8x8 handwritten digits) for the x86 and
qnnpack backends, calibrating on its 256 calibration images in one batch as PyTorch does, evaluates the
float and int8 models on the 719 test images, prints a per-layer table (output qparams and SQNR against
float, in dB) and writes the QDQ models and REPORT.json files to DIR (default ./quantscope-demo).`,
  options: { out: { type: "string" } },
  async run(args, ctx) {
    const outDir = path.resolve(ctx.cwd, stringOpt(args, "out") ?? "quantscope-demo");
    const example = findExample();
    const rel = (p: string) => path.relative(ctx.cwd, p) || p;
    const { model } = readModelArg(ctx, path.join(example, "model.onnx"));
    const modelName = "examples/digits/model.onnx";
    const calib = readInputData(ctx, path.join(example, "calib.npy"), model, "the calibration data");
    const x = readInputData(ctx, path.join(example, "test_x.npy"), model, "the test data");
    const labels = readLabels(ctx, path.join(example, "test_y.npy"), sampleCount(x));
    const core = await loadCore();
    const reports = new Map<Engine, QuantizationReport>();
    const outputs: { file: string; data: Uint8Array | string }[] = [];
    for (const backend of DEMO_BACKENDS) {
      const progress = progressPrinter(ctx);
      try {
        const r = await quantizeModel(core, {
          model,
          modelName,
          backend,
          calib,
          batchSize: sampleCount(calib),
          evalData: { x, labels },
          onProgress: (p) => progress.onProgress({ ...p, message: `${backend}: ${p.message}` }),
          signal: ctx.signal,
        });
        reports.set(backend, r.report);
        outputs.push({ file: path.join(outDir, `digits.${backend}.qdq.onnx`), data: r.onnx });
        outputs.push({ file: path.join(outDir, `digits.${backend}.report.json`), data: JSON.stringify(r.report, null, 2) + "\n" });
      } finally {
        progress.done();
      }
    }
    const first = reports.get(DEMO_BACKENDS[0])!;
    const summary = {
      model: modelName,
      calibration_samples: sampleCount(calib),
      test_samples: labels.length,
      float_acc: first.accuracy!.float_acc,
      int8_acc: Object.fromEntries(DEMO_BACKENDS.map((b) => [b, reports.get(b)!.accuracy!.int8_acc])),
      outputs: outputs.map((o) => rel(o.file)),
    };
    outputs.push({ file: path.join(outDir, "summary.json"), data: JSON.stringify(summary, null, 2) + "\n" });
    ensureDir(outDir);
    writeFilesAtomic(outputs);

    if (ctx.json) {
      ctx.out(JSON.stringify(summary));
      return 0;
    }
    ctx.out(`QuantScope demo: ${modelName}, calibrated on ${summary.calibration_samples} images, tested on ${summary.test_samples}`);
    ctx.out("");
    const accuracy = table([
      ["", "float", ...DEMO_BACKENDS.map((b) => `${b} int8`)],
      ["top-1 accuracy", formatPct(summary.float_acc), ...DEMO_BACKENDS.map((b) => formatPct(summary.int8_acc[b]))],
    ]);
    for (const line of accuracy) ctx.out(line);
    ctx.out("");
    ctx.out("Per layer: output scale/zero point and SQNR of the int8 output against float (dB, higher is better)");
    const header = ["layer", "fused ops", "PyTorch module", ...DEMO_BACKENDS.flatMap((b) => [`${b} scale/zp`, "SQNR"])];
    const rows = first.layers.map((layer, i) => [
      layer.node,
      layer.ops.join("+"),
      layer.torch,
      ...DEMO_BACKENDS.flatMap((b) => {
        const l = reports.get(b)!.layers[i];
        return [fmtScale(l.scale, l.zero_point), fmtDb(l.sqnr_db)];
      }),
    ]);
    for (const line of table([header, ...rows])) ctx.out(line);
    ctx.out("");
    ctx.out(`wrote ${outputs.length} files to ${rel(outDir)}/`);
    return 0;
  },
};
