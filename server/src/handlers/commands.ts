// workspace/executeCommand handlers: the model commands the editor asks the server to run (server process).
// Each long command reports LSP work-done progress on the token the client sent and stops when the client
// cancels the request. Parameter and result types are the protocol; the extension imports them as types.
import * as fs from "node:fs";
import * as path from "node:path";
import type { CancellationToken, Connection, ExecuteCommandParams, WorkDoneProgressReporter } from "vscode-languageserver/node";
import { ErrorCodes, LSPErrorCodes, ResponseError } from "vscode-languageserver/node";
import { isEngine, type Engine } from "../../../core/src/backends/engine";
import type { NpyArray } from "../../../core/src/data/npy";
import { CancelledError, InputError } from "../../../core/src/errors";
import { loadCore } from "../../../core/src/node/load-core";
import { readDataFile } from "../../../core/src/node/read-data";
import { isInsideFolder } from "../../../core/src/node/paths";
import { readModelFile } from "../../../core/src/node/read-model";
import { ensureDir, writeFilesAtomic } from "../../../core/src/node/write-file";
import { isDefaultDomain, type Attribute, type Model } from "../../../core/src/onnx/ir";
import type { FloatTensor } from "../../../core/src/passes/calibrate";
import { compareModels } from "../../../core/src/numeric/compare-models";
import { whatIf, type LayerNodes, type VariantContext, type VariantResult } from "../../../core/src/numeric/what-if";
import { calibrateModel, quantizeModel, type PipelinePhase, type PipelineProgress } from "../../../core/src/pipeline";
import { parseQconfig } from "../../../core/src/qconfig/parse";
import { OBSERVER_KINDS, type ObserverKind, type QConfigFile } from "../../../core/src/qconfig/types";

// ----- protocol ------------------------------------------------------------------------------------------

/** Describes an ONNX file: the graph as the editor shows it and links layers to. */
export interface DescribeModelParams {
  model: string;
}

export interface DescribedNode {
  name: string;
  opType: string;
  inputs: string[];
  outputs: string[];
  /** Attribute names with short printable values. */
  attributes: Record<string, string>;
  docString?: string;
}

export interface DescribeModelResult {
  model: string;
  graphName: string;
  opset: number;
  producer: string;
  inputs: string[];
  outputs: string[];
  initializerCount: number;
  nodes: DescribedNode[];
}

/** Shared by Calibrate, Quantize and Compare. Paths are absolute file-system paths. */
export interface ModelJobParams {
  model: string;
  backend: Engine;
  /** Calibration data: one .npy (float32, samples first) for a single-input model, or an .npz by input name. */
  calibration: string[];
  /** Labelled data for accuracy and per-layer SQNR (required by Compare, optional for Quantize). */
  evaluation?: { data: string; labels: string };
  /** Calibration batch size (default: the pipeline's). */
  batchSize?: number;
  /** A *.qconfig.json whose overrides apply on top of the backend's defaults. */
  qconfig?: string;
  /** Global observer overrides (the editor's settings), applied over the qconfig file's global entry. */
  activationObserver?: ObserverKind;
  weightObserver?: ObserverKind;
  /** ONNX node names kept in float (what-if runs). */
  keepFloat?: string[];
  /**
   * Where outputs go; default: beside the model. Must be inside a workspace folder (beside the model only when
   * that is inside one; with no folder open, inside the model's folder), else the job is refused.
   */
  outputDir?: string;
}

export interface ModelJobResult {
  /** The JSON report the side panel and `quantscope report` read. */
  report: string;
  /** The quantized ONNX model (Quantize only). */
  output?: string;
  /** One-line summary for the status bar and the output channel. */
  summary: string;
  elapsedMs: number;
}

/** How a model variant does on the evaluation data against the float model. */
export interface VariantScore {
  /** SQNR of the model output (graph output 0) against the float model's, dB; null when exact. */
  outputSqnr: number | null;
  /** Top-1 accuracy in [0, 1] (with labels). */
  accuracy?: number;
  /** Share of samples with the float model's top-1 class. */
  agreement: number;
  /** Points lost against float. */
  dropPoints: number;
}

/** What-if: the model with `keepFloat` layers (root nodes) in float, next to the all-int8 model. */
export interface WhatIfResult {
  keepFloat: string[];
  variant: VariantScore;
  baseline: VariantScore;
  floatAccuracy?: number;
}

export const SERVER_COMMANDS = {
  describeModel: "quantscope.server.describeModel",
  whatIf: "quantscope.server.whatIf",
  calibrate: "quantscope.server.calibrate",
  quantize: "quantscope.server.quantize",
  compare: "quantscope.server.compare",
} as const;
export type ServerCommandId = (typeof SERVER_COMMANDS)[keyof typeof SERVER_COMMANDS];

// ----- argument checking ---------------------------------------------------------------------------------

function badParams(message: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidParams, message);
}

function objectArg(params: ExecuteCommandParams): Record<string, unknown> {
  const arg = params.arguments?.[0];
  if (typeof arg !== "object" || arg === null || Array.isArray(arg)) {
    throw badParams(`${params.command}: expected one object argument`);
  }
  return arg as Record<string, unknown>;
}

function absolutePath(cmd: string, value: unknown, what: string): string {
  if (typeof value !== "string" || value.length === 0) throw badParams(`${cmd}: '${what}' must be a file path`);
  if (!path.isAbsolute(value)) throw badParams(`${cmd}: '${what}' must be an absolute path, got '${value}'`);
  return value;
}

export function parseModelJob(cmd: string, arg: Record<string, unknown>): ModelJobParams {
  const model = absolutePath(cmd, arg.model, "model");
  const backend = arg.backend ?? "x86";
  if (typeof backend !== "string" || !isEngine(backend)) {
    throw badParams(`${cmd}: backend must be one of x86, fbgemm, qnnpack, onednn; got '${String(backend)}'`);
  }
  const calibrationRaw = arg.calibration ?? [];
  if (!Array.isArray(calibrationRaw)) throw badParams(`${cmd}: 'calibration' must be a list of file paths`);
  const calibration = calibrationRaw.map((c, i) => absolutePath(cmd, c, `calibration[${i}]`));
  if (calibration.length !== 1) throw badParams(`${cmd}: give exactly one calibration data file (.npy or .npz), got ${calibration.length}`);
  const job: ModelJobParams = { model, backend, calibration };
  if (arg.evaluation !== undefined && arg.evaluation !== null) {
    const e = arg.evaluation as Record<string, unknown>;
    job.evaluation = { data: absolutePath(cmd, e.data, "evaluation.data"), labels: absolutePath(cmd, e.labels, "evaluation.labels") };
  }
  if (arg.batchSize !== undefined) {
    if (typeof arg.batchSize !== "number" || !Number.isInteger(arg.batchSize) || arg.batchSize < 1) {
      throw badParams(`${cmd}: 'batchSize' must be a positive integer`);
    }
    job.batchSize = arg.batchSize;
  }
  if (arg.outputDir !== undefined) job.outputDir = absolutePath(cmd, arg.outputDir, "outputDir");
  if (arg.qconfig !== undefined && arg.qconfig !== null) job.qconfig = absolutePath(cmd, arg.qconfig, "qconfig");
  for (const key of ["activationObserver", "weightObserver"] as const) {
    const v = arg[key];
    if (v === undefined || v === null || v === "default") continue;
    if (typeof v !== "string" || !(OBSERVER_KINDS as readonly string[]).includes(v)) {
      throw badParams(`${cmd}: '${key}' must be one of ${OBSERVER_KINDS.join(", ")}; got '${String(v)}'`);
    }
    job[key] = v as ObserverKind;
  }
  if (arg.keepFloat !== undefined) {
    if (!Array.isArray(arg.keepFloat) || !arg.keepFloat.every((n) => typeof n === "string")) {
      throw badParams(`${cmd}: 'keepFloat' must be a list of ONNX node names`);
    }
    job.keepFloat = arg.keepFloat as string[];
  }
  return job;
}

// ----- handlers ------------------------------------------------------------------------------------------

function printableAttribute(a: Attribute): string {
  switch (a.type) {
    case "float":
    case "int":
    case "string":
      return String(a.value);
    case "floats":
    case "ints":
    case "strings":
      return a.value.length <= 16 ? `[${a.value.join(", ")}]` : `[${a.value.slice(0, 16).join(", ")}, … ${a.value.length} values]`;
    case "tensor":
      return `tensor ${a.value.dtype}[${a.value.dims.join("x")}]`;
    case "graph":
      return `graph '${a.value.name}'`;
    case "tensors":
    case "graphs":
      return `${a.value.length} ${a.type}`;
  }
}

export function describeModel(params: DescribeModelParams): DescribeModelResult {
  const model = readModelFile(params.model);
  const g = model.graph;
  return {
    model: params.model,
    graphName: g.name,
    opset: model.opsetImports.find((o) => isDefaultDomain(o.domain))?.version ?? 0,
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(" "),
    inputs: g.runtimeInputs.map((i) => i.name),
    outputs: g.outputs.map((o) => o.name),
    initializerCount: g.initializers.size,
    nodes: g.nodes.map((n) => {
      const attributes: Record<string, string> = {};
      for (const [k, a] of n.attributes) attributes[k] = printableAttribute(a);
      const node: DescribedNode = { name: n.name, opType: n.opType, inputs: n.inputs, outputs: n.outputs, attributes };
      if (n.docString) node.docString = n.docString;
      return node;
    }),
  };
}

// ----- model jobs ----------------------------------------------------------------------------------------

function floatTensor(a: NpyArray, what: string, file: string): FloatTensor {
  if (a.dtype !== "float32") throw new InputError(`${what} must be float32, got ${a.dtype}`, file);
  if (a.shape.length === 0) throw new InputError(`${what} must have a sample dimension, got a scalar`, file);
  return { data: a.data as Float32Array, shape: [...a.shape] };
}

/** One .npy feeds a single-input model; an .npz is bound by input name (the pipeline checks shapes). */
function readModelInputs(file: string, model: Model, what: string): FloatTensor | Map<string, FloatTensor> {
  const arrays = readDataFile(file);
  const inputs = model.graph.runtimeInputs;
  if (arrays.size === 1 && inputs.length === 1) return floatTensor([...arrays.values()][0], what, file);
  const bound = new Map<string, FloatTensor>();
  for (const [name, a] of arrays) bound.set(name, floatTensor(a, `${what} '${name}'`, file));
  return bound;
}

function readLabels(file: string): ArrayLike<number | bigint> {
  const arrays = readDataFile(file);
  if (arrays.size !== 1) throw new InputError(`expected one array of labels, found ${arrays.size}`, file);
  const a = [...arrays.values()][0];
  if (!["int64", "int32", "int8", "uint8"].includes(a.dtype)) throw new InputError(`labels must be integers, got ${a.dtype}`, file);
  if (a.shape.length !== 1) throw new InputError(`labels must be 1-D, got shape (${a.shape.join(", ")})`, file);
  return a.data as ArrayLike<number | bigint>;
}

/** Where each pipeline phase sits on the 0-100 progress scale (evaluation phases only run with labels). */
const PHASES_WITH_EVAL: Record<PipelinePhase, [number, number]> = {
  prepare: [0, 5],
  calibrate: [5, 50],
  convert: [50, 55],
  export: [55, 60],
  "evaluate-float": [60, 80],
  "evaluate-int8": [80, 100],
};
const PHASES_NO_EVAL: Record<PipelinePhase, [number, number]> = { ...PHASES_WITH_EVAL, calibrate: [5, 85], convert: [85, 95], export: [95, 100] };
/**
 * Compare: calibration with statistics, then int8 runs: activations and shadow, then one per layer for the
 * sensitivity ranking, each reporting its own 0..total, so the bar holds below 95% until the report is written.
 */
const PHASES_COMPARE: Record<PipelinePhase, [number, number]> = { ...PHASES_WITH_EVAL, calibrate: [5, 30], convert: [30, 32], "evaluate-float": [32, 40], "evaluate-int8": [40, 100] };

function progressReporter(
  progress: WorkDoneProgressReporter,
  title: string,
  scale: Record<PipelinePhase, [number, number]>,
  cap = 100,
): (p: PipelineProgress) => void {
  progress.begin(title, 0, "reading the model and data", true);
  let last = -1;
  return (p) => {
    const [lo, hi] = scale[p.phase];
    // Some phases run several passes (sensitivity: one per layer); the bar never goes back.
    const percent = Math.min(cap, Math.max(last, Math.round(lo + (hi - lo) * (p.total > 0 ? Math.min(1, p.done / p.total) : 0))));
    if (percent === last && p.done < p.total) return;
    last = percent;
    progress.report(percent, p.message);
  };
}

// ----- where outputs may go ------------------------------------------------------------------------------

/** A path for a one-line message: control characters (a newline in a folder name) JSON-escaped. */
function quotePath(p: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(p) ? JSON.stringify(p) : `'${p}'`;
}

/**
 * The folder a job writes to, checked before anything is read or created: inside one of the workspace folders
 * (file-system paths), or with none open, inside the model's folder. Inputs may come from anywhere the user
 * picked; outputs never leave the workspace, whatever a report or setting says.
 */
export function outputDirectory(job: ModelJobParams, workspaceFolders: readonly string[]): string {
  const dir = path.resolve(job.outputDir ?? path.dirname(job.model));
  const roots = workspaceFolders.length > 0 ? workspaceFolders : [path.dirname(job.model)];
  if (roots.some((root) => isInsideFolder(dir, root))) return dir;
  const where = workspaceFolders.length > 0 ? "the workspace" : "the workspace (no folder is open: outputs go beside the model)";
  if (job.outputDir) throw new InputError(`output folder ${quotePath(dir)} is outside ${where}; choose a folder inside it`);
  throw new InputError(`the outputs would go beside the model in ${quotePath(dir)}, which is outside the workspace; choose an output folder inside it`);
}

function outputBase(job: ModelJobParams, dir: string): string {
  if (job.outputDir) ensureDir(dir);
  return path.join(dir, `${path.basename(job.model, path.extname(job.model))}.${job.backend}`);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** The qconfig the pipeline gets: the file's, then the observer settings, then nodes kept in float. */
function qconfigOf(job: ModelJobParams, model: Model): QConfigFile | undefined {
  let q: QConfigFile | undefined;
  if (job.qconfig) {
    let text: string;
    try {
      text = fs.readFileSync(job.qconfig, "utf8");
    } catch (e) {
      throw new InputError(`cannot read: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(e)}`, job.qconfig);
    }
    q = parseQconfig(text, job.qconfig);
  }
  if (job.activationObserver || job.weightObserver) {
    q = { ...q, global: { ...q?.global } };
    if (job.activationObserver) q.global!.activation = { ...q.global!.activation, observer: job.activationObserver };
    if (job.weightObserver) q.global!.weight = { ...q.global!.weight, observer: job.weightObserver };
  }
  if (job.keepFloat?.length) {
    const known = new Set(model.graph.nodes.map((n) => n.name));
    const unknown = job.keepFloat.filter((n) => !known.has(n));
    if (unknown.length) throw new InputError(`no node named ${unknown.map((n) => `'${n}'`).join(", ")} in the model`, job.model);
    q = { ...q, nodes: { ...q?.nodes, ...Object.fromEntries(job.keepFloat.map((n) => [n, null])) } };
  }
  return q;
}

type JobKind = "calibrate" | "quantize" | "compare";

export async function runModelJob(
  kind: JobKind,
  job: ModelJobParams,
  progress: WorkDoneProgressReporter,
  signal: AbortSignal,
  workspaceFolders: readonly string[] = [],
): Promise<ModelJobResult> {
  const started = Date.now();
  if (kind === "compare" && !job.evaluation) throw new InputError("Compare needs evaluation data and labels (.npy) to run both models on");
  const outDir = outputDirectory(job, workspaceFolders);
  const scale = kind === "compare" ? PHASES_COMPARE : job.evaluation && kind === "quantize" ? PHASES_WITH_EVAL : PHASES_NO_EVAL;
  const onProgress = progressReporter(progress, `${kind} ${path.basename(job.model)} (${job.backend})`, scale, kind === "compare" ? 95 : 100);
  const model = readModelFile(job.model);
  const calibFile = job.calibration[0];
  const calib = readModelInputs(calibFile, model, "the calibration data");
  const core = await loadCore();
  const base = outputBase(job, outDir);
  const qconfig = qconfigOf(job, model);
  const common = { model, modelName: job.model, backend: job.backend, calib, calibName: calibFile, batchSize: job.batchSize, qconfig, onProgress, signal };

  if (kind === "calibrate") {
    const r = await calibrateModel(core, common);
    const report = `${base}.calibration.quantscope.json`;
    writeFilesAtomic([{ file: report, data: JSON.stringify(r.stats, null, 2) + "\n" }]);
    const summary = `${r.stats.activations.length} activations calibrated on ${r.stats.calibration.samples} samples`;
    return { report, summary, elapsedMs: Date.now() - started };
  }

  if (kind === "compare") {
    const session = await compareSession(job, model, calib, { sensitivity: true, onProgress, signal });
    const report = `${base}.compare.quantscope.json`;
    writeFilesAtomic([{ file: report, data: JSON.stringify(session.report, null, 2) + "\n" }]);
    progress.report(100, "report written");
    const res = session.report.result;
    const parts = [`${session.report.layers.length} int8 layers`, `output SQNR ${res.output_sqnr_db === null ? "exact" : `${res.output_sqnr_db.toFixed(1)} dB`}`];
    if (res.accuracy !== undefined && res.float_accuracy !== undefined) parts.push(`top-1 float ${pct(res.float_accuracy)}, int8 ${pct(res.accuracy)}`);
    const ranking = session.report.sensitivity?.ranking ?? [];
    if (ranking.length) parts.push(`most sensitive: ${ranking[0]}`);
    return { report, summary: parts.join("; "), elapsedMs: Date.now() - started };
  }

  let evalData: { x: FloatTensor | Map<string, FloatTensor>; labels: ArrayLike<number | bigint> } | undefined;
  if (job.evaluation) {
    evalData = { x: readModelInputs(job.evaluation.data, model, "the evaluation data"), labels: readLabels(job.evaluation.labels) };
  }
  const r = await quantizeModel(core, { ...common, evalData });
  const rep = r.report;
  const acc = rep.accuracy ? `; top-1 float ${pct(rep.accuracy.float_acc)}, int8 ${pct(rep.accuracy.int8_acc)} on ${rep.accuracy.samples}` : "";
  const summary = `${rep.layers.length} int8 ops, ${rep.float_nodes.length} kept in float${acc}`;
  const json = JSON.stringify(rep, null, 2) + "\n";
  const output = `${base}.int8.onnx`;
  const report = `${base}.quantscope.json`;
  if (path.resolve(output) === path.resolve(job.model)) throw new InputError("the output would overwrite the input model", output);
  writeFilesAtomic([
    { file: output, data: r.onnx },
    { file: report, data: json },
  ]);
  return { output, report, summary, elapsedMs: Date.now() - started };
}

// ----- compare sessions and what-if ------------------------------------------------------------------

/**
 * The latest Compare keeps its cached float activations and outputs, so what-if runs on the same model,
 * data and settings only re-run the int8 model. One session at a time bounds the memory held.
 */
interface CompareSession {
  key: string;
  context: VariantContext;
  layers: LayerNodes;
  report: Awaited<ReturnType<typeof compareModels>>["report"];
}
let lastSession: CompareSession | undefined;

function sessionKey(job: ModelJobParams): string {
  const stamp = (f: string): string => {
    try {
      const st = fs.statSync(f);
      return `${f}@${st.size}:${st.mtimeMs}`;
    } catch {
      return f;
    }
  };
  const { model, backend, calibration, evaluation, qconfig, activationObserver, weightObserver, batchSize } = job;
  return JSON.stringify({
    model: stamp(model),
    backend,
    calibration: calibration.map(stamp),
    evaluation: evaluation && [stamp(evaluation.data), stamp(evaluation.labels)],
    qconfig: qconfig && stamp(qconfig),
    activationObserver,
    weightObserver,
    batchSize,
  });
}

async function compareSession(
  job: ModelJobParams,
  model: Model,
  calib: FloatTensor | Map<string, FloatTensor>,
  opts: { sensitivity: boolean; onProgress?: (p: PipelineProgress) => void; signal: AbortSignal },
): Promise<CompareSession> {
  if (!job.evaluation) throw new InputError("Compare needs evaluation data and labels (.npy) to run both models on");
  const x = readModelInputs(job.evaluation.data, model, "the evaluation data");
  const labels = readLabels(job.evaluation.labels);
  lastSession = undefined; // release the previous session's cache before building the next
  const r = await compareModels(await loadCore(), {
    model,
    modelName: job.model,
    backend: job.backend,
    calib,
    calibName: job.calibration[0],
    // The session is the all-int8 baseline: what-if layers are applied per run, never baked in.
    qconfig: qconfigOf({ ...job, keepFloat: undefined }, model),
    batchSize: job.batchSize,
    x,
    xName: job.evaluation.data,
    labels,
    sensitivity: opts.sensitivity,
    keepSession: true,
    histogramBins: 128,
    signal: opts.signal,
    onProgress: opts.onProgress,
  });
  delete r.report.timing_ms;
  // Every int8 layer can be kept in float, also those that only pass their input's qparams on (pool, flatten):
  // the what-if toggles offer all of them, not just the ones the sensitivity ranking considers.
  const layers: LayerNodes = new Map(r.quantized.groups.map((g) => [g.id, g.nodes.map((n) => n.name || n.outputs[0])]));
  const session = { key: sessionKey(job), context: r.session!.context, layers, report: r.report };
  lastSession = session;
  return session;
}

function score(v: VariantResult | (Omit<VariantResult, "output_sqnr_db"> & { output_sqnr_db: number | null })): VariantScore {
  const sqnr = v.output_sqnr_db;
  const s: VariantScore = { outputSqnr: sqnr === null || !Number.isFinite(sqnr) ? null : sqnr, agreement: v.agreement, dropPoints: v.drop_points };
  if (v.accuracy !== undefined) s.accuracy = v.accuracy;
  return s;
}

/** Scores the model with `keepFloat` layers in float against the all-int8 model, re-using the Compare session. */
export async function runWhatIf(job: ModelJobParams, progress: WorkDoneProgressReporter, signal: AbortSignal): Promise<WhatIfResult> {
  if (!job.evaluation) throw new InputError("a what-if run needs evaluation data and labels");
  const keepFloat = job.keepFloat ?? [];
  progress.begin(`what-if: ${keepFloat.length} layer(s) in float`, 0, "preparing", true);
  let session = lastSession?.key === sessionKey(job) ? lastSession : undefined;
  if (!session) {
    const model = readModelFile(job.model);
    const calib = readModelInputs(job.calibration[0], model, "the calibration data");
    progress.report(10, "comparing the float and int8 models");
    session = await compareSession(job, model, calib, { sensitivity: false, signal });
  }
  progress.report(60, "running the int8 model with the chosen layers in float");
  const variant = await whatIf(
    { ...session.context, signal },
    session.layers,
    keepFloat.map((node) => ({ node, float: true })),
  );
  const res = session.report.result;
  return { keepFloat, variant: score(variant), baseline: score(res), ...(res.float_accuracy !== undefined ? { floatAccuracy: res.float_accuracy } : {}) };
}

/** The workspace folders (file-system paths) where model jobs may write, as the client last said. */
type WorkspaceFolders = () => readonly string[];

type Handler = (params: ExecuteCommandParams, token: CancellationToken, progress: WorkDoneProgressReporter, folders: WorkspaceFolders) => Promise<unknown>;

function modelJobHandler(kind: JobKind): Handler {
  return (p, token, progress, folders) => runModelJob(kind, parseModelJob(p.command, objectArg(p)), progress, abortSignalFor(token), folders());
}

const handlers = new Map<string, Handler>([
  [SERVER_COMMANDS.describeModel, async (p) => describeModel({ model: absolutePath(p.command, objectArg(p).model, "model") })],
  [SERVER_COMMANDS.whatIf, (p, token, progress) => runWhatIf(parseModelJob(p.command, objectArg(p)), progress, abortSignalFor(token))],
  [SERVER_COMMANDS.calibrate, modelJobHandler("calibrate")],
  [SERVER_COMMANDS.quantize, modelJobHandler("quantize")],
  [SERVER_COMMANDS.compare, modelJobHandler("compare")],
]);

/** An AbortSignal that fires when the LSP request is cancelled, for core's long operations. */
export function abortSignalFor(token: CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  else token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

/**
 * Maps failures to LSP errors: the user's mistakes keep their one-line message; cancels become
 * RequestCancelled; anything else is a bug, whose stack goes to `logError` (the output channel), not the user.
 */
function toResponseError(command: string, e: unknown, logError: (message: string) => void): ResponseError<void> {
  if (e instanceof ResponseError) return e;
  if (e instanceof CancelledError) return new ResponseError(LSPErrorCodes.RequestCancelled, `${command}: cancelled`);
  if (e instanceof InputError) return new ResponseError(ErrorCodes.InvalidParams, e.message);
  logError(`${command} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  const why = e instanceof Error ? e.message.split("\n")[0] : String(e);
  return new ResponseError(ErrorCodes.InternalError, `${command} failed: ${why} (details in the QuantScope output)`);
}

/** The command ids to announce in the server's executeCommandProvider capability. */
export function commandIds(): string[] {
  return [...handlers.keys()];
}

export function registerCommandHandlers(connection: Connection, workspaceFolders: WorkspaceFolders = () => []): void {
  connection.onExecuteCommand(async (params, token, progress) => {
    const handler = handlers.get(params.command);
    if (!handler) throw new ResponseError(ErrorCodes.MethodNotFound, `unknown command '${params.command}'`);
    try {
      return await handler(params, token, progress, workspaceFolders);
    } catch (e) {
      throw toResponseError(params.command, e, (m) => connection.console.error(m));
    } finally {
      progress.done();
    }
  });
}
