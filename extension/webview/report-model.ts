// The data the side panel renders, and the check that turns a parsed report file into it (browser and
// extension host; no DOM, no vscode). Unknown fields are ignored; missing required ones are one clear error.

export type ReportKind = "calibrate" | "quantize" | "compare";

export interface Histogram {
  /** Lower edge of the first bin and upper edge of the last one. */
  lo: number;
  hi: number;
  counts: number[];
}

export interface LayerCalibration {
  observer: string;
  /** Range the observer saw. */
  min: number;
  max: number;
  /** Range the int8 grid covers (values outside are clipped). */
  clipMin: number;
  clipMax: number;
  scale: number;
  zeroPoint: number;
  histogram?: Histogram;
}

/** Signal-to-quantization-noise ratios in dB (higher is better). */
export interface LayerSqnr {
  weight?: number;
  /** Int8 model output at this layer vs float (errors of all earlier layers included). */
  propagated?: number;
  /** This layer alone in int8, fed the float model's input (shadow). */
  shadow?: number;
}

export interface ReportLayer {
  name: string;
  op: string;
  /** Name of the node in the ONNX graph. */
  node: string;
  source?: { file: string; line: number };
  calibration?: LayerCalibration;
  sqnr?: LayerSqnr;
  /** Output SQNR (dB) regained when only this layer stays float. */
  sensitivity?: number;
}

export interface ReportMetric {
  label: string;
  value: string;
}

export interface PanelReport {
  kind: ReportKind;
  model: string;
  output?: string;
  backend: string;
  createdAt: string;
  metrics: ReportMetric[];
  layers: ReportLayer[];
}

export class ReportFormatError extends Error {}

type Json = Record<string, unknown>;

function obj(v: unknown, where: string): Json {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ReportFormatError(`${where} should be an object`);
  return v as Json;
}
function str(o: Json, k: string, where: string): string {
  const v = o[k];
  if (typeof v !== "string") throw new ReportFormatError(`${where}.${k} should be a string`);
  return v;
}
function num(o: Json, k: string, where: string): number {
  const v = o[k];
  if (typeof v !== "number" || !Number.isFinite(v)) throw new ReportFormatError(`${where}.${k} should be a finite number`);
  return v;
}
function optNum(o: Json, k: string, where: string): number | undefined {
  return o[k] === undefined || o[k] === null ? undefined : num(o, k, where);
}

function parseHistogram(v: unknown, where: string): Histogram {
  const o = obj(v, where);
  const counts = o.counts;
  if (!Array.isArray(counts) || !counts.every((c) => typeof c === "number" && c >= 0)) {
    throw new ReportFormatError(`${where}.counts should be a list of non-negative numbers`);
  }
  const h = { lo: num(o, "lo", where), hi: num(o, "hi", where), counts: counts as number[] };
  if (!(h.hi > h.lo)) throw new ReportFormatError(`${where}: hi (${h.hi}) should be above lo (${h.lo})`);
  return h;
}

function parseLayer(v: unknown, i: number): ReportLayer {
  const where = `layers[${i}]`;
  const o = obj(v, where);
  const layer: ReportLayer = { name: str(o, "name", where), op: str(o, "op", where), node: str(o, "node", where) };
  if (o.source !== undefined) {
    const s = obj(o.source, `${where}.source`);
    layer.source = { file: str(s, "file", `${where}.source`), line: num(s, "line", `${where}.source`) };
  }
  if (o.calibration !== undefined) {
    const w = `${where}.calibration`;
    const c = obj(o.calibration, w);
    layer.calibration = {
      observer: str(c, "observer", w),
      min: num(c, "min", w),
      max: num(c, "max", w),
      clipMin: num(c, "clipMin", w),
      clipMax: num(c, "clipMax", w),
      scale: num(c, "scale", w),
      zeroPoint: num(c, "zeroPoint", w),
    };
    if (c.histogram !== undefined) layer.calibration.histogram = parseHistogram(c.histogram, `${w}.histogram`);
  }
  if (o.sqnr !== undefined) {
    const w = `${where}.sqnr`;
    const s = obj(o.sqnr, w);
    layer.sqnr = { weight: optNum(s, "weight", w), propagated: optNum(s, "propagated", w), shadow: optNum(s, "shadow", w) };
  }
  const sens = optNum(o, "sensitivity", where);
  if (sens !== undefined) layer.sensitivity = sens;
  return layer;
}

/** Validates a parsed report file; throws ReportFormatError naming the first bad field. */
export function toPanelReport(json: unknown): PanelReport {
  const o = obj(json, "report");
  const kind = str(o, "kind", "report");
  if (kind !== "calibrate" && kind !== "quantize" && kind !== "compare") {
    throw new ReportFormatError(`report.kind should be calibrate, quantize or compare; got '${kind}'`);
  }
  if (!Array.isArray(o.layers)) throw new ReportFormatError("report.layers should be a list");
  const metrics = Array.isArray(o.metrics)
    ? o.metrics.map((m, i) => {
        const mo = obj(m, `metrics[${i}]`);
        return { label: str(mo, "label", `metrics[${i}]`), value: str(mo, "value", `metrics[${i}]`) };
      })
    : [];
  const report: PanelReport = {
    kind,
    model: str(o, "model", "report"),
    backend: str(o, "backend", "report"),
    createdAt: str(o, "createdAt", "report"),
    metrics,
    layers: o.layers.map(parseLayer),
  };
  if (typeof o.output === "string") report.output = o.output;
  return report;
}
