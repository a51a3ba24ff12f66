// `quantscope calibrate MODEL --calib DATA --stats OUT.json`: places the backend's observers, runs the float
// model over the calibration data and writes every observed tensor's range and qparams (CLI process).
import * as path from "node:path";
import type { Command } from "../command";
import { writeFileAtomic } from "../../src/node/write-file";
import { calibrateModel } from "../../src/pipeline";
import {
  BACKEND_OPTION,
  BATCH_OPTION,
  QCONFIG_OPTION,
  backendOpt,
  batchSizeOpt,
  modelArg,
  readInputData,
  readModelArg,
  readQconfigArg,
  requireOpt,
  resolvePath,
  withKernelRun,
} from "./pipeline-args";

export const calibrateCommand: Command = {
  name: "calibrate",
  summary: "calibrate a backend's observers on data and write the activation ranges and qparams",
  usage: `Usage: quantscope calibrate MODEL.onnx --calib DATA --stats OUT.json [--backend B] [--batch-size N] [--qconfig FILE]

Folds BatchNorm, fuses and places observers as PyTorch's eager mode does for backend B (x86, fbgemm,
qnnpack, onednn; default x86, or the qconfig file's), runs the float model over DATA (.npy float32
[N, ...], or .npz keyed by input name) in batches of N (default 256: HistogramObserver depends on the
batching) and writes each observed tensor's min/max/scale/zero_point to OUT.json.`,
  options: { calib: { type: "string" }, stats: { type: "string" }, ...BACKEND_OPTION, ...BATCH_OPTION, ...QCONFIG_OPTION },
  async run(args, ctx) {
    const modelFile = modelArg(args, "calibrate");
    const calibFile = requireOpt(args, "calib", "calibrate");
    const statsFile = requireOpt(args, "stats", "calibrate");
    const qconfig = readQconfigArg(ctx, args);
    const backend = backendOpt(args, qconfig?.backend ?? "x86")!;
    const batchSize = batchSizeOpt(args);
    const { model, name } = readModelArg(ctx, modelFile);
    const calib = readInputData(ctx, calibFile, model, "the calibration data");
    // One thread: calibration runs the float model only.
    const result = await withKernelRun(ctx, 1, (core, _pool, onProgress) =>
      calibrateModel(core, { model, modelName: name, backend, calib, calibName: calibFile, qconfig, batchSize, onProgress, signal: ctx.signal }),
    );
    writeFileAtomic(resolvePath(ctx, statsFile), JSON.stringify(result.stats, null, 2) + "\n");
    const s = result.stats;
    if (ctx.json) ctx.out(JSON.stringify(s));
    else {
      ctx.out(`${name}: ${s.activations.length} observers calibrated for ${backend} on ${s.calibration.samples} samples (${s.calibration.batches} batch${s.calibration.batches === 1 ? "" : "es"} of ${s.calibration.batch_size})`);
      const rows = [["tensor", "observer", "min", "max", "scale", "zero point"]].concat(
        s.activations.map((a) => [a.tensor, a.observer, a.min.toPrecision(5), a.max.toPrecision(5), a.scale.toPrecision(5), String(a.zero_point)]),
      );
      const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
      for (const r of rows) ctx.out(r.map((cell, c) => cell.padEnd(widths[c])).join("  ").trimEnd());
      ctx.out(`wrote ${path.relative(ctx.cwd, resolvePath(ctx, statsFile)) || statsFile}`);
    }
    return 0;
  },
};
