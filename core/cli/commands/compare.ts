// `quantscope compare FLOAT.onnx --backend B --calib DATA --data X.npy [--labels Y.npy] [--json] [--html OUT.html]
// [--report OUT.json] [--sensitivity] [--target-drop P]`: the float model against its int8 version, layer by
// layer (weights, propagated and shadow activations, calibration statistics), optionally with sensitivity
// and a suggestion of layers to keep in float; a JSON report and a self-contained HTML report (CLI process).
import * as path from "node:path";
import type { Command } from "../command";
import { stringOpt } from "../command";
import { UsageError } from "../../src/errors";
import { compareModels } from "../../src/numeric/compare-models";
import type { WhatIfChange } from "../../src/numeric/what-if";
import { OBSERVER_KINDS } from "../../src/qconfig/types";
import { readReportViewBundle } from "../../src/node/report-view";
import { writeFilesAtomic } from "../../src/node/write-file";
import { renderNumericHtml } from "../../src/report/html";
import type { NumericReport } from "../../src/report/numeric-schema";
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

/**
 * One --what-if scenario: NODE:float, NODE:per-channel, NODE:per-tensor or NODE:observer=KIND, comma-separated
 * options for the same layer (e.g. "/conv2/Conv:observer=minmax,per-tensor").
 */
export function parseWhatIf(spec: string): WhatIfChange {
  const at = spec.lastIndexOf(":");
  const node = at > 0 ? spec.slice(0, at) : "";
  const options = at > 0 ? spec.slice(at + 1).split(",").filter(Boolean) : [];
  if (!node || options.length === 0) throw new UsageError(`--what-if '${spec}': expected NODE:float, NODE:per-channel, NODE:per-tensor or NODE:observer=KIND`);
  const change: WhatIfChange = { node };
  for (const o of options) {
    if (o === "float") change.float = true;
    else if (o === "per-channel" || o === "per-tensor") change.perChannel = o === "per-channel";
    else if (o.startsWith("observer=")) {
      const kind = o.slice("observer=".length);
      if (!(OBSERVER_KINDS as readonly string[]).includes(kind)) throw new UsageError(`--what-if '${spec}': unknown observer '${kind}' (one of ${OBSERVER_KINDS.join(", ")})`);
      change.observer = kind as WhatIfChange["observer"];
    } else throw new UsageError(`--what-if '${spec}': unknown option '${o}' (float, per-channel, per-tensor, observer=KIND)`);
  }
  return change;
}

function db(v: number | null | undefined): string {
  if (v === undefined) return "-";
  return v === null ? "exact" : v.toFixed(2);
}

function textReport(r: NumericReport): string[] {
  const lines: string[] = [];
  const res = r.result;
  lines.push(`${r.model ?? "model"} on ${r.backend}: ${r.layers.length} int8 layers, compared on ${r.data.samples} samples`);
  const acc = res.accuracy !== undefined && res.float_accuracy !== undefined ? `, accuracy float ${formatPct(res.float_accuracy)} int8 ${formatPct(res.accuracy)} (drop ${res.drop_points.toFixed(2)} points)` : "";
  lines.push(`output SQNR ${db(res.output_sqnr_db)} dB, top-1 agreement ${formatPct(res.agreement)}${acc}`);
  for (const s of r.quant_stubs) lines.push(`quant stub ${s.tensor}: SQNR ${db(s.activation_sqnr_db)} dB`);
  const rows = [["layer", "ops", "weight dB", "propagated dB", "shadow dB", "rank"]];
  for (const l of r.layers) {
    rows.push([l.node, l.ops.join("+"), l.weight ? db(l.weight_sqnr_db) : "-", db(l.activation_sqnr_db), l.activation.shadow ? db(l.shadow_sqnr_db) : "-", l.sensitivity ? String(l.sensitivity.rank) : ""]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows) lines.push(row.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd());
  for (const l of r.layers) {
    if (!l.observed) continue;
    const shadow = l.activation.shadow ? `, shadow ${db(l.observed.shadow_sqnr_db)} dB` : "";
    lines.push(`${l.node} before its fused ReLU (${l.observed.tensor}): propagated ${db(l.observed.activation_sqnr_db)} dB${shadow}`);
  }
  const worst = [...r.calibration_stats].sort((a, b) => b.clipped_fraction - a.clipped_fraction)[0];
  if (worst && worst.clipped_fraction > 0) lines.push(`most clipped activation: ${worst.tensor} (${(worst.clipped_fraction * 100).toFixed(3)}% of calibration values outside [${worst.clip_min.toPrecision(4)}, ${worst.clip_max.toPrecision(4)}])`);
  for (const w of r.what_if ?? []) {
    const what = Object.entries(w.change).map(([k, v]) => (v === true ? k : `${k}=${String(v)}`)).join(", ");
    const acc = w.result.accuracy !== undefined ? `, accuracy ${formatPct(w.result.accuracy)}` : "";
    lines.push(`what if ${w.node} ${what}: output SQNR ${db(w.result.output_sqnr_db)} dB, drop ${w.result.drop_points.toFixed(2)} points${acc}`);
  }
  const s = r.sensitivity;
  if (s) {
    lines.push(`sensitivity (${s.metric}), most sensitive first: ${s.ranking.join(", ")}`);
    const g = s.suggestion;
    if (g) {
      const list = g.keep_in_float.length ? g.keep_in_float.join(", ") : "nothing";
      lines.push(
        g.met
          ? `suggestion: keep ${list} in float -> drop ${g.result.drop_points.toFixed(2)} points (target ${g.target_drop_points})`
          : `target ${g.target_drop_points} points not met; best: keep ${list} in float -> drop ${g.result.drop_points.toFixed(2)} points`,
      );
    }
  }
  return lines;
}

export const compareCommand: Command = {
  name: "compare",
  summary: "compare a float model with its int8 version layer by layer (SQNR, sensitivity, calibration statistics)",
  usage: `Usage: quantscope compare FLOAT.onnx --backend B --calib DATA --data X.npy [--labels Y.npy]
         [--html OUT.html] [--report OUT.json] [--sensitivity] [--target-drop P] [--no-shadow]
         [--what-if NODE:float|per-channel|per-tensor|observer=KIND ...]
         [--batch-size N] [--qconfig FILE] [--threads T] [--json]

Calibrates on DATA with backend B's qconfig (and FILE's overrides), converts, and compares the int8 model
with the float model on X: per layer the weight SQNR (with MSE, max abs error, cosine, per channel), the
activation SQNR propagated through the int8 model and shadowed (each int8 layer on the float model's
input), and per observed tensor the calibration statistics (histogram, clipping range, share clipped, grid
used). --sensitivity measures each layer alone in int8 and alone in float (accuracy with --labels, else
top-1 agreement with the float model) and ranks them; --target-drop P also suggests the fewest layers to
keep in float for a drop of at most P points (exit 1 when no set meets it). Each --what-if re-calibrates
one layer changed (kept in float, per-channel/per-tensor weights, another activation observer) from cached
float activations and reports the result next to the unchanged model's. --json prints the report
(docs/numeric-report.md); --html writes a self-contained HTML report.`,
  options: {
    ...INT8_RUN_OPTIONS,
    data: { type: "string" },
    labels: { type: "string" },
    html: { type: "string" },
    report: { type: "string" },
    sensitivity: { type: "boolean" },
    "target-drop": { type: "string" },
    "no-shadow": { type: "boolean" },
    "what-if": { type: "string", multiple: true },
  },
  async run(args, ctx) {
    const modelFile = modelArg(args, "compare");
    const calibFile = requireOpt(args, "calib", "compare");
    const dataFile = requireOpt(args, "data", "compare");
    const qconfig = readQconfigArg(ctx, args);
    const backend = requiredBackendOpt(args, qconfig, "compare");
    const targetText = stringOpt(args, "target-drop");
    let targetDropPoints: number | undefined;
    if (targetText !== undefined) {
      targetDropPoints = Number(targetText);
      if (targetText.trim() === "" || !Number.isFinite(targetDropPoints) || targetDropPoints < 0) {
        throw new UsageError(`--target-drop must be a non-negative number of points, got '${targetText}'`);
      }
    }
    const sensitivity = args.values.sensitivity === true || targetDropPoints !== undefined;
    const whatIfSpecs = args.values["what-if"];
    const whatIf = (Array.isArray(whatIfSpecs) ? whatIfSpecs : []).map(parseWhatIf);
    const htmlFile = stringOpt(args, "html");
    const reportFile = stringOpt(args, "report");
    const batchSize = batchSizeOpt(args);
    const threads = threadsOpt(args);
    const { model, name } = readModelArg(ctx, modelFile);
    const calib = readInputData(ctx, calibFile, model, "the calibration data");
    const x = readInputData(ctx, dataFile, model, "the comparison data");
    const labelsFile = stringOpt(args, "labels");
    const labels = labelsFile ? readLabels(ctx, labelsFile, sampleCount(x)) : undefined;
    // Read before the long run, so a missing build fails fast.
    const viewScript = htmlFile ? readReportViewBundle() : undefined;

    const { report } = await withKernelRun(ctx, threads, (core, pool, onProgress) =>
      compareModels(core, {
        model,
        modelName: name,
        backend,
        calib,
        calibName: calibFile,
        qconfig,
        batchSize,
        x,
        xName: dataFile,
        labels,
        shadow: args.values["no-shadow"] !== true,
        sensitivity,
        targetDropPoints,
        whatIf,
        pool,
        signal: ctx.signal,
        onProgress,
      }),
    );
    const outputs: { file: string; data: string }[] = [];
    if (reportFile) outputs.push({ file: resolvePath(ctx, reportFile), data: JSON.stringify(report, null, 2) + "\n" });
    if (htmlFile) outputs.push({ file: resolvePath(ctx, htmlFile), data: renderNumericHtml(report, viewScript!) });
    writeFilesAtomic(outputs);
    if (ctx.json) ctx.out(JSON.stringify(report));
    else {
      for (const line of textReport(report)) ctx.out(line);
      for (const o of outputs) ctx.out(`wrote ${path.relative(ctx.cwd, o.file) || o.file}`);
    }
    return report.sensitivity?.suggestion && !report.sensitivity.suggestion.met ? 1 : 0;
  },
};
