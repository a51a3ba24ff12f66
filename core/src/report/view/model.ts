// What the report charts and tables draw, and the adapter from the numeric report (NumericReport) to it.
// Shared by the self-contained HTML report and the VS Code side panel (browser and any process; no DOM).
// The shapes match the side panel's existing LayerView/ActivationView, so its charts can use these.
import type { NumericReport } from "../numeric-schema";

export interface Histogram {
  /** Lower edge of the first bin and upper edge of the last one. */
  lo: number;
  hi: number;
  counts: number[];
}

/** One observed activation: the range calibration saw and the range the int8 grid covers. */
export interface ActivationView {
  tensor: string;
  /** The ONNX node producing it ("" for a graph input). */
  producer: string;
  observer: string;
  min: number;
  max: number;
  scale: number;
  zeroPoint: number;
  /** Values outside [clipMin, clipMax] saturate in int8. */
  clipMin?: number;
  clipMax?: number;
  /** Share of calibration values clipped, in [0, 1]. */
  clippedFraction?: number;
  /** Share of the quant range's levels the observed range uses, in [0, 1]. */
  rangeUsed?: number;
  histogram?: Histogram;
}

/** Signal-to-quantization-noise ratios in dB (higher is better); Infinity = exact. */
export interface LayerSqnr {
  weight?: number;
  /** The int8 model's value at this layer against the float model's (earlier layers' errors included). */
  propagated?: number;
  /** This layer alone in int8, fed the float model's input. */
  shadow?: number;
}

export interface LayerView {
  /** The ONNX node the int8 op is rooted at. */
  node: string;
  /** Fused ONNX ops, e.g. "Conv+Relu". */
  ops: string;
  /** PyTorch's counterpart, e.g. nni.ConvReLU2d. */
  torch: string;
  output: string;
  source?: { file: string; line: number };
  sqnr?: LayerSqnr;
  /** Output SQNR (dB) regained when only this layer stays float (the side panel's existing meaning). */
  sensitivity?: number;
  /** Points (accuracy, or top-1 agreement with float) regained when only this layer stays float. */
  sensitivityPoints?: number;
  /** 1 = most sensitive. */
  sensitivityRank?: number;
}

export interface SummaryItem {
  label: string;
  value: string;
}

export interface NumericView {
  title: string;
  summary: SummaryItem[];
  layers: LayerView[];
  activations: ActivationView[];
  /** Layers with a sensitivity, most sensitive first. */
  ranked: LayerView[];
  /** What the sensitivity gain is measured in. */
  sensitivityUnit?: string;
  suggestion?: string;
  floatNodes: { node: string; op: string; reason: string }[];
}

/** null in the report stands for +infinity (no error). */
function db(v: number | null | undefined): number | undefined {
  if (v === undefined) return undefined;
  return v === null ? Infinity : v;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

export function numericView(r: NumericReport): NumericView {
  const layers: LayerView[] = r.layers.map((l) => {
    const sqnr: LayerSqnr = {};
    if (l.weight) sqnr.weight = db(l.weight_sqnr_db);
    sqnr.propagated = db(l.activation_sqnr_db);
    if (l.activation.shadow) sqnr.shadow = db(l.shadow_sqnr_db);
    const view: LayerView = { node: l.node, ops: l.ops.join("+"), torch: l.torch, output: l.output, sqnr };
    if (l.sensitivity) {
      view.sensitivity = db(l.sensitivity.gain_sqnr_db);
      view.sensitivityPoints = l.sensitivity.gain_points;
      view.sensitivityRank = l.sensitivity.rank;
    }
    return view;
  });
  const activations: ActivationView[] = r.calibration_stats.map((s) => ({
    tensor: s.tensor,
    producer: s.producer_node,
    observer: s.observer,
    min: s.min,
    max: s.max,
    scale: s.scale,
    zeroPoint: s.zero_point,
    clipMin: s.clip_min,
    clipMax: s.clip_max,
    clippedFraction: s.clipped_fraction,
    rangeUsed: s.range_used,
    histogram: s.histogram.hi > s.histogram.lo ? s.histogram : undefined,
  }));
  const res = r.result;
  const summary: SummaryItem[] = [
    { label: "Model", value: r.model ?? "(unnamed)" },
    { label: "Backend", value: r.backend },
    { label: "Calibration", value: `${r.calibration.samples} samples, ${r.calibration.batches} batch(es) of ${r.calibration.batch_size}` },
    { label: "Compared on", value: `${r.data.samples} samples${r.data.labeled ? " with labels" : ""}` },
    { label: "Output SQNR", value: res.output_sqnr_db === null ? "exact" : `${res.output_sqnr_db.toFixed(2)} dB` },
    { label: "Top-1 agreement with float", value: pct(res.agreement) },
  ];
  if (res.accuracy !== undefined && res.float_accuracy !== undefined) {
    summary.push({ label: "Top-1 accuracy", value: `float ${pct(res.float_accuracy)}, int8 ${pct(res.accuracy)} (drop ${res.drop_points.toFixed(2)} points)` });
  }
  summary.push({ label: "Int8 layers", value: String(r.layers.length) }, { label: "Kept in float", value: String(r.float_nodes.length) });
  const rank = new Map((r.sensitivity?.ranking ?? []).map((n, i) => [n, i]));
  const ranked = layers.filter((l) => rank.has(l.node)).sort((a, b) => rank.get(a.node)! - rank.get(b.node)!);
  let suggestion: string | undefined;
  const s = r.sensitivity?.suggestion;
  if (s) {
    const what = r.sensitivity!.metric === "accuracy" ? "accuracy" : "top-1 agreement with float";
    const list = s.keep_in_float.length ? s.keep_in_float.join(", ") : "no layer";
    suggestion = s.met
      ? `Keep ${list} in float: measured ${what} drop ${s.result.drop_points.toFixed(2)} points (target ${s.target_drop_points}).`
      : `No set of layers meets the ${s.target_drop_points}-point target; the best found keeps ${list} in float (drop ${s.result.drop_points.toFixed(2)} points).`;
  }
  return {
    title: `QuantScope numeric report${r.model ? `: ${r.model}` : ""} (${r.backend})`,
    summary,
    layers,
    activations,
    ranked,
    sensitivityUnit: r.sensitivity ? (r.sensitivity.metric === "accuracy" ? "accuracy points regained in float" : "agreement points regained in float") : undefined,
    suggestion,
    floatNodes: r.float_nodes,
  };
}
