// `quantscope eval MODEL --data X.npy --labels Y.npy [--backend B --calib DATA]`: top-1 accuracy of the
// float model and, with a backend and calibration data, of its int8 version run by our kernels (CLI process).
import type { Command } from "../command";
import { stringOpt } from "../command";
import { UsageError } from "../../src/errors";
import { evaluate } from "../../src/pipeline";
import {
  INT8_RUN_OPTIONS,
  backendOpt,
  batchSizeOpt,
  formatPct,
  modelArg,
  readInputData,
  readLabels,
  readModelArg,
  readQconfigArg,
  requireOpt,
  sampleCount,
  threadsOpt,
  withKernelRun,
} from "./pipeline-args";

export const evalCommand: Command = {
  name: "eval",
  summary: "top-1 accuracy of a model, and of its int8 version for a backend",
  usage: `Usage: quantscope eval MODEL.onnx --data X.npy --labels Y.npy [--backend B --calib DATA [--batch-size N] [--qconfig FILE] [--threads T]] [--json]

Prints the float model's top-1 accuracy on X (float32 [N, ...]) against Y (integer [N]). With --backend
and --calib, the model is also quantized for B (calibrated on DATA) and run by QuantScope's int8 kernels
(on T threads, default 1).
--json prints {"float_acc": ..., "int8_acc": ...} (int8_acc only when quantized).`,
  options: { data: { type: "string" }, labels: { type: "string" }, ...INT8_RUN_OPTIONS },
  async run(args, ctx) {
    const modelFile = modelArg(args, "eval");
    const dataFile = requireOpt(args, "data", "eval");
    const labelsFile = requireOpt(args, "labels", "eval");
    const qconfig = readQconfigArg(ctx, args);
    const backend = backendOpt(args);
    const calibFile = stringOpt(args, "calib");
    if (backend && !calibFile) throw new UsageError("eval: --backend needs --calib DATA to calibrate the int8 model");
    if (calibFile && !backend) throw new UsageError("eval: --calib needs --backend B");
    const batchSize = batchSizeOpt(args);
    const { model, name } = readModelArg(ctx, modelFile);
    const x = readInputData(ctx, dataFile, model, "the evaluation data");
    const labels = readLabels(ctx, labelsFile, sampleCount(x));
    const calib = calibFile ? readInputData(ctx, calibFile, model, "the calibration data") : undefined;
    const threads = threadsOpt(args);
    const r = await withKernelRun(ctx, threads, (core, pool, onProgress) =>
      evaluate(core, { model, modelName: name, x, xName: dataFile, labels, backend, calib, calibName: calibFile, qconfig, batchSize, onProgress, signal: ctx.signal, pool }),
    );
    if (ctx.json) ctx.out(JSON.stringify(r.int8_acc === undefined ? { float_acc: r.float_acc } : { float_acc: r.float_acc, int8_acc: r.int8_acc }));
    else {
      ctx.out(`float accuracy: ${formatPct(r.float_acc)} (${r.samples} samples)`);
      if (r.int8_acc !== undefined) ctx.out(`int8 accuracy (${backend}): ${formatPct(r.int8_acc)}`);
    }
    return 0;
  },
};
