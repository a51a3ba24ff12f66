// `quantscope quantize MODEL --calib DATA --backend B --out OUT.onnx`: calibrates, converts with the
// backend's qconfig and fusion patterns, and writes the int8 model as ONNX QDQ or QOperator, plus an
// optional REPORT.json (CLI process).
import * as path from "node:path";
import type { Command } from "../command";
import { stringOpt } from "../command";
import { InputError, UsageError } from "../../src/errors";
import { writeFilesAtomic } from "../../src/node/write-file";
import { quantizeModel, type ExportFormat, type QuantizeRequest } from "../../src/pipeline";
import {
  INT8_RUN_OPTIONS,
  batchSizeOpt,
  formatPct,
  modelArg,
  readInputData,
  readLabels,
  readModelArg,
  readQconfigArg,
  requireOpt,
  requiredBackendOpt,
  resolvePath,
  sampleCount,
  threadsOpt,
  withKernelRun,
} from "./pipeline-args";

export const quantizeCommand: Command = {
  name: "quantize",
  summary: "quantize an ONNX model to int8 with a PyTorch backend's numerics (QDQ or QOperator ONNX)",
  usage: `Usage: quantscope quantize MODEL.onnx --calib DATA --backend B --out OUT.onnx
         [--format qdq|qoperator] [--batch-size N] [--qconfig FILE] [--report REPORT.json]
         [--eval-data X.npy --eval-labels Y.npy] [--threads T]

Calibrates on DATA (.npy float32 [N, ...] or .npz by input name) in batches of N (default 256), converts
with backend B's default qconfig (x86, fbgemm, qnnpack, onednn) and per-node overrides from FILE, and
writes OUT.onnx (QDQ by default). REPORT.json lists every activation's observer and qparams and every
weight's scales (docs/report.md); with --eval-data/--eval-labels it also holds float and int8 accuracy
and per-layer SQNR (the int8 model runs on T threads, default 1).`,
  options: {
    ...INT8_RUN_OPTIONS,
    out: { type: "string" },
    format: { type: "string" },
    report: { type: "string" },
    "eval-data": { type: "string" },
    "eval-labels": { type: "string" },
  },
  async run(args, ctx) {
    const modelFile = modelArg(args, "quantize");
    const calibFile = requireOpt(args, "calib", "quantize");
    const outFile = requireOpt(args, "out", "quantize");
    const qconfig = readQconfigArg(ctx, args);
    const backend = requiredBackendOpt(args, qconfig, "quantize");
    const format = (stringOpt(args, "format") ?? "qdq") as ExportFormat;
    if (format !== "qdq" && format !== "qoperator") throw new UsageError(`--format must be qdq or qoperator, got '${format}'`);
    const reportFile = stringOpt(args, "report");
    const batchSize = batchSizeOpt(args);
    const outPath = resolvePath(ctx, outFile);
    if (outPath === resolvePath(ctx, modelFile)) throw new InputError("the output would overwrite the input model; choose another --out", outFile);
    const { model, name } = readModelArg(ctx, modelFile);
    const calib = readInputData(ctx, calibFile, model, "the calibration data");
    let evalData: QuantizeRequest["evalData"];
    const evalX = stringOpt(args, "eval-data");
    const evalY = stringOpt(args, "eval-labels");
    if ((evalX === undefined) !== (evalY === undefined)) throw new UsageError("quantize: --eval-data and --eval-labels go together");
    if (evalX && evalY) {
      const x = readInputData(ctx, evalX, model, "the evaluation data");
      evalData = { x, labels: readLabels(ctx, evalY, sampleCount(x)) };
    }
    const threads = threadsOpt(args);
    const result = await withKernelRun(ctx, threads, (core, pool, onProgress) =>
      quantizeModel(core, {
        model,
        modelName: name,
        backend,
        calib,
        calibName: calibFile,
        qconfig,
        batchSize,
        format,
        evalData,
        onProgress,
        signal: ctx.signal,
        pool,
      }),
    );
    const outputs: { file: string; data: Uint8Array | string }[] = [{ file: outPath, data: result.onnx }];
    if (reportFile) outputs.push({ file: resolvePath(ctx, reportFile), data: JSON.stringify(result.report, null, 2) + "\n" });
    writeFilesAtomic(outputs);
    const r = result.report;
    if (ctx.json) {
      ctx.out(JSON.stringify({ out: outFile, format, backend, layers: r.layers.length, float_nodes: r.float_nodes.length, ...(r.accuracy ?? {}) }));
    } else {
      ctx.out(`${name}: ${r.layers.length} int8 ops, ${r.activations.length} observed activations, ${r.weights.length} weights for ${backend}`);
      if (r.float_nodes.length) ctx.out(`kept in float: ${r.float_nodes.map((f) => `${f.node} (${f.reason})`).join("; ")}`);
      if (r.accuracy) ctx.out(`accuracy: float ${formatPct(r.accuracy.float_acc)}, int8 ${formatPct(r.accuracy.int8_acc)} on ${r.accuracy.samples} samples`);
      ctx.out(`wrote ${path.relative(ctx.cwd, outPath) || outFile} (${format})${reportFile ? ` and ${reportFile}` : ""}`);
    }
    return 0;
  },
};
