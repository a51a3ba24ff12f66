// workspace/executeCommand handlers: the model commands the editor asks the server to run (server process).
// Each long command reports LSP work-done progress on the token the client sent and stops when the client
// cancels the request. Parameter and result types are the protocol; the extension imports them as types.
import * as path from "node:path";
import type { CancellationToken, Connection, ExecuteCommandParams, WorkDoneProgressReporter } from "vscode-languageserver/node";
import { ErrorCodes, LSPErrorCodes, ResponseError } from "vscode-languageserver/node";
import { isEngine, type Engine } from "../../../core/src/backends/engine";
import { CancelledError, InputError } from "../../../core/src/errors";
import { isDefaultDomain, type Attribute } from "../../../core/src/onnx/ir";
import { readModelFile } from "../../../core/src/node/read-model";

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
  /** Calibration data files (.npy float32, first axis = samples). */
  calibration: string[];
  activationObserver?: string;
  weightObserver?: string;
  maxSamples?: number;
  /** Where outputs go; default: beside the model. */
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

export const SERVER_COMMANDS = {
  describeModel: "quantscope.server.describeModel",
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
  const job: ModelJobParams = { model, backend, calibration };
  for (const key of ["activationObserver", "weightObserver"] as const) {
    const v = arg[key];
    if (v !== undefined && v !== "default") {
      if (typeof v !== "string") throw badParams(`${cmd}: '${key}' must be a string`);
      job[key] = v;
    }
  }
  if (arg.maxSamples !== undefined) {
    if (typeof arg.maxSamples !== "number" || !Number.isInteger(arg.maxSamples) || arg.maxSamples < 1) {
      throw badParams(`${cmd}: 'maxSamples' must be a positive integer`);
    }
    job.maxSamples = arg.maxSamples;
  }
  if (arg.outputDir !== undefined) job.outputDir = absolutePath(cmd, arg.outputDir, "outputDir");
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

type Handler = (params: ExecuteCommandParams, token: CancellationToken, progress: WorkDoneProgressReporter) => Promise<unknown>;

const handlers = new Map<string, Handler>([
  [SERVER_COMMANDS.describeModel, async (p) => describeModel({ model: absolutePath(p.command, objectArg(p).model, "model") })],
]);

/** An AbortSignal that fires when the LSP request is cancelled, for core's long operations. */
export function abortSignalFor(token: CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  else token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

/** Maps failures to LSP errors: the user's mistakes keep their one-line message; cancels become RequestCancelled. */
function toResponseError(command: string, e: unknown): ResponseError<void> {
  if (e instanceof ResponseError) return e;
  if (e instanceof CancelledError) return new ResponseError(LSPErrorCodes.RequestCancelled, `${command}: cancelled`);
  if (e instanceof InputError) return new ResponseError(ErrorCodes.InvalidParams, e.message);
  const why = e instanceof Error ? (e.stack ?? e.message) : String(e);
  return new ResponseError(ErrorCodes.InternalError, `${command} failed: ${why}`);
}

/** The command ids to announce in the server's executeCommandProvider capability. */
export function commandIds(): string[] {
  return [...handlers.keys()];
}

export function registerCommandHandlers(connection: Connection): void {
  connection.onExecuteCommand(async (params, token, progress) => {
    const handler = handlers.get(params.command);
    if (!handler) throw new ResponseError(ErrorCodes.MethodNotFound, `unknown command '${params.command}'`);
    try {
      return await handler(params, token, progress);
    } catch (e) {
      throw toResponseError(params.command, e);
    } finally {
      progress.done();
    }
  });
}
