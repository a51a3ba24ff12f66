// What the side panel renders, and the adapters from the files QuantScope writes to it: the quantization
// report (REPORT.json, core/src/report/schema.ts, from Quantize and `quantscope quantize --report`), the
// numeric report (kind "quantscope.numeric-report", from Compare and `quantscope compare --json`) and
// calibration statistics (Calibrate, `quantscope calibrate --stats`). Browser and extension host; no DOM.
import type { QuantizationReport } from "../../core/src/report/schema";
import type { CalibrationStats } from "../../core/src/pipeline/pipeline";
import type { ActivationView, Histogram, LayerSqnr, LayerView } from "../../core/src/report/view/model";

export type ReportKind = "quantize" | "calibrate" | "compare";

// The chart and table shapes are the report view's (core/src/report/view/model.ts): the panel and the HTML
// report draw the same data with the same components.
export type { ActivationView, Histogram, LayerSqnr, LayerView } from "../../core/src/report/view/model";

export interface ReportMetric {
  label: string;
  value: string;
}

export interface PanelReport {
  kind: ReportKind;
  model: string;
  backend: string;
  metrics: ReportMetric[];
  layers: LayerView[];
  activations: ActivationView[];
  floatNodes: { node: string; op: string; reason: string }[];
  /** True when the report came with evaluation (accuracy and SQNR), so what-if runs make sense. */
  evaluated: boolean;
  /** What a layer's sensitivity points measure (numeric reports), the sensitivity chart's axis. */
  sensitivityUnit?: string;
}

export class ReportFormatError extends Error {}

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function need(cond: unknown, what: string): asserts cond {
  if (!cond) throw new ReportFormatError(what);
}

function finite(v: unknown, what: string): number {
  need(typeof v === "number" && Number.isFinite(v), `${what} should be a finite number`);
  return v as number;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

function optionalHistogram(v: unknown, where: string): Histogram | undefined {
  if (v === undefined) return undefined;
  need(isObj(v), `${where}.histogram should be an object`);
  const counts = v.counts;
  need(Array.isArray(counts) && counts.every((c) => typeof c === "number" && c >= 0), `${where}.histogram.counts should be non-negative numbers`);
  const h = { lo: finite(v.lo, `${where}.histogram.lo`), hi: finite(v.hi, `${where}.histogram.hi`), counts: counts as number[] };
  need(h.hi > h.lo, `${where}.histogram: hi should be above lo`);
  return h;
}

function fromQuantizationReport(r: QuantizationReport): PanelReport {
  need(Array.isArray(r.activations) && Array.isArray(r.weights) && Array.isArray(r.float_nodes), "report: activations, weights and float_nodes should be lists");
  const activations: ActivationView[] = r.activations.map((a, i) => {
    const where = `activations[${i}]`;
    need(isObj(a) && typeof a.tensor === "string" && isObj(a.observer), `${where} should name its tensor and observer`);
    const scale = finite(a.scale, `${where}.scale`);
    const zeroPoint = finite(a.zero_point, `${where}.zero_point`);
    const o = a.observer;
    return {
      tensor: a.tensor,
      producer: a.producer_node ?? "",
      observer: o.kind,
      min: finite(a.min, `${where}.min`),
      max: finite(a.max, `${where}.max`),
      scale,
      zeroPoint,
      clipMin: (finite(o.quantMin, `${where}.observer.quantMin`) - zeroPoint) * scale,
      clipMax: (finite(o.quantMax, `${where}.observer.quantMax`) - zeroPoint) * scale,
      histogram: optionalHistogram((a as unknown as Json).histogram, where),
    };
  });
  const layers: LayerView[] = r.layers.map((l, i) => {
    const where = `layers[${i}]`;
    need(isObj(l) && typeof l.node === "string" && Array.isArray(l.ops), `${where} should name its node and ops`);
    const view: LayerView = { node: l.node, ops: l.ops.join("+"), torch: String(l.torch ?? ""), output: String(l.output ?? "") };
    if (l.sqnr_db !== undefined) view.sqnr = { propagated: finite(l.sqnr_db, `${where}.sqnr_db`) };
    // Fields a numeric-suite report may add; read when present.
    const extra = l as unknown as Json;
    if (typeof extra.weight_sqnr_db === "number") view.sqnr = { ...view.sqnr, weight: extra.weight_sqnr_db };
    if (typeof extra.shadow_sqnr_db === "number") view.sqnr = { ...view.sqnr, shadow: extra.shadow_sqnr_db };
    if (typeof extra.sensitivity_db === "number") view.sensitivity = extra.sensitivity_db;
    if (isObj(extra.source) && typeof extra.source.file === "string" && typeof extra.source.line === "number") {
      view.source = { file: extra.source.file, line: extra.source.line };
    }
    return view;
  });
  const metrics: ReportMetric[] = [
    { label: "Int8 ops", value: String(layers.length) },
    { label: "Kept in float", value: String(r.float_nodes.length) },
    { label: "Calibration", value: `${r.calibration.samples} samples in ${r.calibration.batches} batch(es)` },
  ];
  if (r.accuracy) {
    metrics.push(
      { label: "Top-1 float", value: pct(r.accuracy.float_acc) },
      { label: "Top-1 int8", value: `${pct(r.accuracy.int8_acc)} (${((r.accuracy.int8_acc - r.accuracy.float_acc) * 100).toFixed(2)} pts)` },
      { label: "Evaluated on", value: `${r.accuracy.samples} samples` },
    );
  }
  const last = layers[layers.length - 1];
  if (last?.sqnr?.propagated !== undefined) metrics.push({ label: "Output SQNR", value: `${last.sqnr.propagated.toFixed(1)} dB` });
  return {
    kind: "quantize",
    model: r.model ?? "",
    backend: r.backend,
    metrics,
    layers,
    activations,
    floatNodes: r.float_nodes.map((f) => ({ node: f.node, op: f.op, reason: f.reason })),
    evaluated: r.accuracy !== undefined,
  };
}

function fromCalibrationStats(s: CalibrationStats): PanelReport {
  const activations: ActivationView[] = s.activations.map((a, i) => {
    const where = `activations[${i}]`;
    need(isObj(a) && typeof a.tensor === "string", `${where} should name its tensor`);
    return {
      tensor: a.tensor,
      producer: a.producer_node ?? "",
      observer: String(a.observer),
      min: finite(a.min, `${where}.min`),
      max: finite(a.max, `${where}.max`),
      scale: finite(a.scale, `${where}.scale`),
      zeroPoint: finite(a.zero_point, `${where}.zero_point`),
      histogram: optionalHistogram((a as unknown as Json).histogram, where),
    };
  });
  return {
    kind: "calibrate",
    model: s.model ?? "",
    backend: s.backend,
    metrics: [
      { label: "Observed activations", value: String(activations.length) },
      { label: "Calibration", value: `${s.calibration.samples} samples in ${s.calibration.batches} batch(es) of ${s.calibration.batch_size}` },
    ],
    layers: [],
    activations,
    floatNodes: [],
    evaluated: false,
  };
}

function dbOrInf(v: unknown, what: string): number | undefined {
  // The numeric report writes null for +infinity (no error at all).
  if (v === null) return Infinity;
  if (v === undefined) return undefined;
  return finite(v, what);
}

function fromNumericReport(r: Json): PanelReport {
  need(Array.isArray(r.layers) && Array.isArray(r.calibration_stats) && isObj(r.result), "numeric report: layers, calibration_stats and result are required");
  const layers: LayerView[] = (r.layers as unknown[]).map((v, i) => {
    const where = `layers[${i}]`;
    need(isObj(v) && typeof v.node === "string" && Array.isArray(v.ops), `${where} should name its node and ops`);
    const sqnr: LayerSqnr = {};
    if (v.weight !== undefined) sqnr.weight = dbOrInf(v.weight_sqnr_db, `${where}.weight_sqnr_db`);
    sqnr.propagated = dbOrInf(v.activation_sqnr_db, `${where}.activation_sqnr_db`);
    if (v.shadow_sqnr_db !== undefined) sqnr.shadow = dbOrInf(v.shadow_sqnr_db, `${where}.shadow_sqnr_db`);
    const view: LayerView = { node: v.node, ops: (v.ops as string[]).join("+"), torch: String(v.torch ?? ""), output: String(v.output ?? ""), sqnr };
    if (isObj(v.sensitivity)) {
      const gain = v.sensitivity.gain_sqnr_db;
      view.sensitivity = gain === null ? Infinity : finite(gain, `${where}.sensitivity.gain_sqnr_db`);
      view.sensitivityPoints = finite(v.sensitivity.gain_points, `${where}.sensitivity.gain_points`);
      if (v.sensitivity.rank !== undefined) view.sensitivityRank = finite(v.sensitivity.rank, `${where}.sensitivity.rank`);
    }
    return view;
  });
  const activations: ActivationView[] = (r.calibration_stats as unknown[]).map((v, i) => {
    const where = `calibration_stats[${i}]`;
    need(isObj(v) && typeof v.tensor === "string", `${where} should name its tensor`);
    return {
      tensor: v.tensor,
      producer: String(v.producer_node ?? ""),
      observer: String(v.observer),
      min: finite(v.min, `${where}.min`),
      max: finite(v.max, `${where}.max`),
      scale: finite(v.scale, `${where}.scale`),
      zeroPoint: finite(v.zero_point, `${where}.zero_point`),
      clipMin: finite(v.clip_min, `${where}.clip_min`),
      clipMax: finite(v.clip_max, `${where}.clip_max`),
      clippedFraction: typeof v.clipped_fraction === "number" ? v.clipped_fraction : undefined,
      rangeUsed: typeof v.range_used === "number" ? v.range_used : undefined,
      histogram: optionalHistogram(v.histogram, where),
    };
  });
  const res = r.result as Json;
  const data = isObj(r.data) ? r.data : {};
  const metrics: ReportMetric[] = [{ label: "Int8 ops", value: String(layers.length) }];
  const out = dbOrInf(res.output_sqnr_db, "result.output_sqnr_db");
  if (out !== undefined) metrics.push({ label: "Output SQNR", value: Number.isFinite(out) ? `${out.toFixed(1)} dB` : "exact" });
  if (typeof res.float_accuracy === "number") metrics.push({ label: "Top-1 float", value: pct(res.float_accuracy) });
  if (typeof res.accuracy === "number") metrics.push({ label: "Top-1 int8", value: pct(res.accuracy) });
  if (typeof res.agreement === "number") metrics.push({ label: "Top-1 agreement", value: pct(res.agreement) });
  if (typeof res.drop_points === "number") metrics.push({ label: "Drop", value: `${res.drop_points.toFixed(2)} pts` });
  if (typeof data.samples === "number") metrics.push({ label: "Compared on", value: `${data.samples} samples${data.labeled ? " (labelled)" : ""}` });
  const sens = isObj(r.sensitivity) ? r.sensitivity : undefined;
  const suggestion = sens && isObj(sens.suggestion) ? sens.suggestion : undefined;
  if (suggestion && Array.isArray(suggestion.keep_in_float)) {
    const keep = suggestion.keep_in_float as string[];
    metrics.push({
      label: "Keep in float",
      value: keep.length ? `${keep.join(", ")} (target ${String(suggestion.target_drop_points)} pts ${suggestion.met ? "met" : "not met"})` : "nothing needed",
    });
  }
  return {
    kind: "compare",
    model: typeof r.model === "string" ? r.model : "",
    backend: String(r.backend),
    metrics,
    layers,
    activations,
    floatNodes: Array.isArray(r.float_nodes) ? (r.float_nodes as { node: string; op: string; reason: string }[]) : [],
    evaluated: true,
    sensitivityUnit: sens ? (sens.metric === "accuracy" ? "accuracy points regained in float" : "agreement points regained in float") : undefined,
  };
}

/** Reads a parsed report or statistics file; throws ReportFormatError saying what is wrong. */
export function toPanelReport(json: unknown): PanelReport {
  need(isObj(json), "the file is not a JSON object");
  if (json.kind === "quantscope.numeric-report") {
    need(json.version === 1, `unsupported numeric report version ${JSON.stringify(json.version)} (this QuantScope reads version 1)`);
    return fromNumericReport(json);
  }
  need(json.version === 1, `unsupported version ${JSON.stringify(json.version)} (this QuantScope reads version 1)`);
  need(typeof json.backend === "string", "backend should be a string");
  need(isObj(json.calibration) && Array.isArray(json.activations), "calibration and activations are missing: not a QuantScope report");
  if (Array.isArray(json.layers)) return fromQuantizationReport(json as unknown as QuantizationReport);
  return fromCalibrationStats(json as unknown as CalibrationStats);
}
