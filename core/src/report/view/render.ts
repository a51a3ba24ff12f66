// Renders a numeric report into a container: summary, SQNR per layer, the layer table, the sensitivity
// ranking with the float-layer suggestion, calibration ranges and per-activation histograms with their
// clipping ranges, nodes kept in float (browser). Used by the HTML report; the side panel can mount it too.
import type { Chart } from "chart.js";
import type { NumericLayer, NumericReport } from "../numeric-schema";
import { histogramChart, rangesChart, sensitivityChart, sqnrChart } from "./charts";
import { el, formatDb, formatNumber, formatPercent } from "./dom";
import { numericView, type ActivationView } from "./model";
import type { ChartTheme } from "./theme";
import { chartBox, section } from "./layout";

function db(v: number | null | undefined): string {
  if (v === undefined) return "–";
  return formatDb(v === null ? Infinity : v);
}

function table(headers: string[], rows: (string | Node)[][], numeric: Set<number>): HTMLTableElement {
  const head = el("tr", {}, ...headers.map((h) => el("th", {}, h)));
  const body = el("tbody", {}, ...rows.map((r) => el("tr", {}, ...r.map((c, i) => el("td", numeric.has(i) ? { class: "num" } : {}, c)))));
  return el("table", {}, el("thead", {}, head), body);
}

function perChannelSummary(l: NumericLayer): string {
  const w = l.weight;
  if (!w || w.per_channel.length === 0) return "–";
  const v = w.per_channel.map((m) => (m.sqnr_db === null ? Infinity : m.sqnr_db)).sort((a, b) => a - b);
  const worst = w.per_channel.findIndex((m) => (m.sqnr_db === null ? Infinity : m.sqnr_db) === v[0]);
  return `min ${formatDb(v[0])} (ch ${worst}), median ${formatDb(v[Math.floor(v.length / 2)])}, max ${formatDb(v[v.length - 1])}`;
}

function layerTable(r: NumericReport): HTMLElement {
  const rows = r.layers.map((l) => [
    l.node,
    l.ops.join("+"),
    l.torch,
    db(l.weight ? l.weight_sqnr_db : undefined),
    db(l.activation_sqnr_db),
    l.activation.shadow ? db(l.shadow_sqnr_db) : "–",
    l.observed ? `${db(l.observed.activation_sqnr_db)} / ${l.activation.shadow ? db(l.observed.shadow_sqnr_db) : "–"} at ${l.observed.tensor}` : "",
    l.weight ? `${formatNumber(l.weight.metrics.mse)} / ${formatNumber(l.weight.metrics.max_abs_error)} / ${l.weight.metrics.cosine.toFixed(6)}` : "–",
    perChannelSummary(l),
    l.sensitivity ? String(l.sensitivity.rank) : "",
  ]);
  return table(
    ["Int8 layer", "Ops", "PyTorch", "Weight SQNR", "Propagated", "Shadow", "Before fused ReLU (prop. / shadow)", "Weight MSE / max |err| / cosine", "Weight SQNR per channel", "Sensitivity rank"],
    rows,
    new Set([3, 4, 5, 9]),
  );
}

function statsTable(r: NumericReport): HTMLElement {
  const rows = r.calibration_stats.map((s) => [
    s.producer_node || s.tensor,
    s.role === "input" ? "QuantStub" : "output",
    s.observer,
    `[${formatNumber(s.min)}, ${formatNumber(s.max)}]`,
    `[${formatNumber(s.clip_min)}, ${formatNumber(s.clip_max)}]`,
    `${formatNumber(s.scale)} / ${s.zero_point}`,
    formatPercent(s.clipped_fraction, 3),
    `${formatPercent(s.range_used, 1)} of ${s.quant_min}..${s.quant_max}`,
  ]);
  return table(["Tensor", "Role", "Observer", "Observed [min, max]", "Clipping range", "Scale / zero point", "Clipped", "Grid used"], rows, new Set([6]));
}

/** Draws `report` into `root` (emptied first); returns the charts so the caller can destroy them. */
export function renderNumericReport(root: HTMLElement, report: NumericReport, theme: ChartTheme): Chart[] {
  const view = numericView(report);
  const charts: Chart[] = [];
  root.replaceChildren();
  const dl = el("dl", { class: "summary" });
  for (const s of view.summary) dl.append(el("dt", {}, s.label), el("dd", {}, s.value));
  root.append(el("h1", {}, view.title), section("summary", "Summary", dl));

  const sq = chartBox("sqnr-chart", 320, "SQNR per int8 layer: weights, propagated and shadow activations");
  root.append(
    section(
      "sqnr",
      "SQNR per layer",
      el("p", { class: "muted" }, "Propagated: the int8 model end to end (errors accumulate). Shadow: each int8 layer alone on the float model's input (its own error)."),
      sq.box,
      layerTable(report),
    ),
  );
  charts.push(sqnrChart(sq.canvas, view.layers, theme));

  if (view.ranked.length) {
    const sc = chartBox("sensitivity-chart", Math.max(160, 34 * view.ranked.length + 60), "Layers ranked by sensitivity");
    const rows = report.layers
      .filter((l) => l.sensitivity)
      .sort((a, b) => a.sensitivity!.rank - b.sensitivity!.rank)
      .map((l) => {
        const s = l.sensitivity!;
        return [String(s.rank), l.node, s.gain_points.toFixed(2), db(s.gain_sqnr_db), s.only_this_int8.drop_points.toFixed(2), s.all_but_this.drop_points.toFixed(2)];
      });
    root.append(
      section(
        "sensitivity",
        "Sensitivity",
        view.suggestion ? el("p", { id: "suggestion", class: "callout" }, view.suggestion) : undefined,
        sc.box,
        table(["Rank", "Layer", "Points regained in float", "Output SQNR regained", "Drop with only this layer int8", "Drop with only this layer float"], rows, new Set([0, 2, 3, 4, 5])),
      ),
    );
    charts.push(sensitivityChart(sc.canvas, view.ranked, theme, view.sensitivityUnit));
  }

  if (report.what_if?.length) {
    const rows = report.what_if.map((w) => [
      w.node,
      Object.entries(w.change)
        .map(([k, v]) => (v === true ? k : `${k} = ${String(v)}`))
        .join(", "),
      db(w.result.output_sqnr_db),
      w.result.accuracy !== undefined ? formatPercent(w.result.accuracy) : "–",
      formatPercent(w.result.agreement),
      w.result.drop_points.toFixed(2),
    ]);
    root.append(
      section(
        "what-if",
        "What-if",
        el("p", { class: "muted" }, `One layer changed each, re-calibrated from the cached float activations. Unchanged: output SQNR ${db(report.result.output_sqnr_db)}, drop ${report.result.drop_points.toFixed(2)} points.`),
        table(["Layer", "Change", "Output SQNR", "Accuracy", "Top-1 agreement", "Drop (points)"], rows, new Set([2, 3, 4, 5])),
      ),
    );
  }

  const rc = chartBox("ranges-chart", Math.max(160, 30 * view.activations.length + 60), "Observed range and int8 clipping range per activation");
  const grid = el("div", { class: "histograms" });
  root.append(section("calibration", "Calibration statistics", rc.box, statsTable(report), el("h3", {}, "Histograms (dashed: clipping range)"), grid));
  charts.push(rangesChart(rc.canvas, view.activations, theme));
  view.activations.forEach((a: ActivationView, i) => {
    const hc = chartBox(`histogram-${i}`, 180, `Histogram of ${a.producer || a.tensor} with its clipping range`);
    const caption = `${a.producer || a.tensor} · ${a.observer} · clipped ${formatPercent(a.clippedFraction, 3)} · grid used ${formatPercent(a.rangeUsed, 1)}`;
    grid.append(el("figure", {}, hc.box, el("figcaption", {}, caption)));
    const c = histogramChart(hc.canvas, a, theme);
    if (c) charts.push(c);
  });

  if (view.floatNodes.length) {
    root.append(section("float-nodes", "Kept in float", table(["Node", "Op", "Why"], view.floatNodes.map((f) => [f.node, f.op, f.reason]), new Set())));
  }
  return charts;
}
