// The side panel's browser code: receives a report from the extension and draws the run summary, the
// numeric-suite SQNR chart and layer table (links to the ONNX node and the Python source), the sensitivity
// ranking, what-if toggles, and the calibration ranges and histograms with their clipping bounds
// (webview, browser; never imports vscode).
import type { Chart } from "chart.js";
// The charts, DOM and layout helpers and the theme are the HTML report's own components (core/src/report/view), so the
// panel and `quantscope compare --html` draw a report the same way.
import { histogramChart, rangesChart, sensitivityChart, sqnrChart } from "../../core/src/report/view/charts";
import { el, formatDb, formatNumber, formatPercent } from "../../core/src/report/view/dom";
import { chartBox, section } from "../../core/src/report/view/layout";
import { currentTheme, onThemeChange, type ChartTheme } from "../../core/src/report/view/theme";
import type { FromWebview, ToWebview, WhatIfAnswer } from "./protocol";
import type { ActivationView, LayerView, PanelReport } from "./report-model";

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const app = document.getElementById("app") as HTMLElement;
let charts: Chart[] = [];
let current: { report: PanelReport; file: string; whatIf: boolean } | undefined;
let selectedActivation: string | undefined;
const keepFloat = new Set<string>();
const whatIfResult = el("p", { id: "what-if-result", class: "muted", "aria-live": "polite" });

function link(text: string, title: string, onClick: () => void): HTMLAnchorElement {
  const a = el("a", { href: "#", title, role: "button" }, text);
  a.addEventListener("click", (ev) => {
    ev.preventDefault();
    onClick();
  });
  return a;
}

function nodeLinks(node: string, source?: { file: string; line: number }): HTMLElement {
  const links = el("span", { class: "links" });
  if (node)
    links.append(
      link("node", `Show ${node} in the ONNX graph`, () => vscode.postMessage({ type: "openNode", node })),
    );
  if (source) {
    const { file, line } = source;
    links.append(
      node ? " · " : "",
      link(`source:${line}`, `${file}:${line}`, () => vscode.postMessage({ type: "openSource", file, line })),
    );
  }
  return links;
}

function renderSummary(r: PanelReport, file: string): HTMLElement {
  const run =
    r.kind === "calibrate"
      ? "calibration"
      : r.kind === "compare"
        ? "float vs int8 comparison"
        : "quantization";
  const rows = [
    ["Run", `${run} · ${r.backend}`],
    ["Model", r.model],
    ...r.metrics.map((m) => [m.label, m.value]),
  ];
  const dl = el("dl", { class: "summary" });
  for (const [k, v] of rows) dl.append(el("dt", {}, k), el("dd", { title: v }, v));
  return section("summary", "Summary", dl, el("p", { class: "muted", title: file }, `Report: ${file}`));
}

function renderLayerTable(r: PanelReport): HTMLElement {
  // Narrow sidebars: the fused ops and the PyTorch module go in the name's tooltip, the links under the name.
  const hasWeight = r.layers.some((l) => l.sqnr?.weight !== undefined);
  const hasShadow = r.layers.some((l) => l.sqnr?.shadow !== undefined);
  const head = el("tr", {}, el("th", {}, "Int8 op"));
  if (hasWeight) head.append(el("th", { title: "weight SQNR" }, "Weight"));
  head.append(el("th", { title: "propagated activation SQNR: the int8 model up to this layer" }, "Act."));
  if (hasShadow)
    head.append(el("th", { title: "shadow activation SQNR: this layer alone in int8" }, "Shadow"));
  const body = el("tbody");
  const nameCell = (node: string, tip: string, links: HTMLElement): HTMLElement =>
    el("td", { class: "name" }, el("div", { title: tip }, node), links);
  for (const l of r.layers) {
    const row = el(
      "tr",
      { "data-node": l.node },
      nameCell(l.node, `${l.ops} (${l.torch})`, nodeLinks(l.node, l.source)),
    );
    if (hasWeight) row.append(el("td", { class: "num" }, formatDb(l.sqnr?.weight)));
    row.append(el("td", { class: "num" }, formatDb(l.sqnr?.propagated)));
    if (hasShadow) row.append(el("td", { class: "num" }, formatDb(l.sqnr?.shadow)));
    body.append(row);
  }
  const columns = 1 + Number(hasWeight) + 1 + Number(hasShadow);
  for (const f of r.floatNodes) {
    const row = el(
      "tr",
      { class: "float", "data-node": f.node },
      nameCell(f.node, `${f.op}: ${f.reason}`, nodeLinks(f.node)),
    );
    row.append(el("td", { colspan: String(columns - 1) }, `${f.op} in float`));
    body.append(row);
  }
  return el("table", { class: "layers" }, el("thead", {}, head), body);
}

function renderWhatIf(layers: LayerView[], enabled: boolean): HTMLElement {
  if (!enabled) {
    return el(
      "p",
      { class: "muted" },
      "What-if runs need this report's model and data: run Compare Float vs Int8 (or Quantize with evaluation data) in this window.",
    );
  }
  const list = el("ul", { class: "what-if" });
  for (const [i, l] of layers.entries()) {
    const id = `keep-${i}`;
    const box = el("input", { type: "checkbox", id, "data-node": l.node });
    box.checked = keepFloat.has(l.node);
    box.addEventListener("change", () => {
      if (box.checked) keepFloat.add(l.node);
      else keepFloat.delete(l.node);
      whatIfResult.textContent = keepFloat.size
        ? `Running the model with ${keepFloat.size} layer(s) in float…`
        : "";
      if (keepFloat.size) vscode.postMessage({ type: "whatIf", keepFloat: [...keepFloat] });
    });
    const points = l.sensitivityPoints === undefined ? "" : `, +${l.sensitivityPoints.toFixed(2)} pts`;
    const alone = l.sensitivity === undefined ? "" : ` +${formatDb(l.sensitivity)}${points} alone`;
    list.append(
      el(
        "li",
        {},
        box,
        el("label", { for: id }, `keep ${l.node} in float`),
        el("span", { class: "muted" }, alone),
      ),
    );
  }
  return el("div", {}, list, whatIfResult);
}

function showWhatIf(keep: string[], result: WhatIfAnswer | { error: string }): void {
  if (keep.join("\u0000") !== [...keepFloat].join("\u0000")) return; // an answer to an older selection
  if ("error" in result) {
    whatIfResult.textContent = `What-if failed: ${result.error}`;
    return;
  }
  const db = (v: number | null): string => formatDb(v === null ? Infinity : v);
  const p = (x: number): string => `${(x * 100).toFixed(2)}%`;
  const { variant: v, baseline: b } = result;
  let text = `Output SQNR ${db(v.outputSqnr)} (all int8: ${db(b.outputSqnr)})`;
  if (v.accuracy !== undefined && b.accuracy !== undefined) {
    text += `; top-1 ${p(v.accuracy)} (all int8: ${p(b.accuracy)}${result.floatAccuracy !== undefined ? `, float: ${p(result.floatAccuracy)}` : ""})`;
  } else {
    text += `; agrees with float on ${p(v.agreement)} (all int8: ${p(b.agreement)})`;
  }
  whatIfResult.textContent = text;
}

function renderCalibration(r: PanelReport, theme: ChartTheme, drawn: string[]): void {
  if (!r.activations.length) return;
  const { box, canvas } = chartBox(
    "ranges-chart",
    Math.max(140, 28 * r.activations.length + 60),
    "Observed range and int8 range per activation",
  );
  const parts: (Node | undefined)[] = [box];
  const withHistogram = r.activations.filter((a) => a.histogram);
  let histogramCanvas: HTMLCanvasElement | undefined;
  let shown: ActivationView | undefined;
  if (withHistogram.length) {
    shown = withHistogram.find((a) => a.tensor === selectedActivation) ?? withHistogram[0];
    selectedActivation = shown.tensor;
    const picker = el("select", { id: "histogram-activation", "aria-label": "Activation" });
    for (const a of withHistogram)
      picker.append(
        el("option", { value: a.tensor, ...(a === shown ? { selected: "" } : {}) }, a.producer || a.tensor),
      );
    picker.addEventListener("change", () => {
      selectedActivation = picker.value;
      render();
    });
    const h = chartBox("histogram-chart", 180, `Calibration histogram of ${shown.tensor} with the clipping range`);
    histogramCanvas = h.canvas;
    parts.push(el("div", { class: "row" }, picker, nodeLinks(shown.producer)), h.box);
  }
  // Narrow sidebars: the range columns wrap; observer, scale and zero point are in each row's tooltip.
  const hasClipped = r.activations.some((a) => a.clippedFraction !== undefined);
  const head = el("tr", {}, el("th", {}, "Activation"), el("th", {}, "Seen"), el("th", {}, "Int8 range"));
  if (hasClipped)
    head.append(el("th", { title: "share of calibration values outside the int8 range" }, "Clipped"));
  const table = el("table", { class: "layers ranges" }, el("thead", {}, head));
  const body = el("tbody");
  for (const a of r.activations) {
    // Clipping a sliver of outliers is what histogram observers do on purpose; flag it from 0.1% of values.
    const clipped = (a.clippedFraction ?? 0) >= 0.001;
    const range =
      a.clipMin === undefined || a.clipMax === undefined
        ? "–"
        : `[${formatNumber(a.clipMin)}, ${formatNumber(a.clipMax)}]`;
    const tip = `${a.tensor}: ${a.observer}, scale ${formatNumber(a.scale)}, zero point ${a.zeroPoint}`;
    const name = a.producer
      ? link(a.producer, `Show ${a.producer} in the ONNX graph`, () =>
          vscode.postMessage({ type: "openNode", node: a.producer }),
        )
      : a.tensor;
    const row = el(
      "tr",
      {
        class: clipped ? "clipped" : "",
        title: clipped ? `${tip}; ${((a.clippedFraction ?? 0) * 100).toFixed(2)}% of values clipped` : tip,
      },
      el("td", {}, name),
      el("td", { class: "num" }, `[${formatNumber(a.min)}, ${formatNumber(a.max)}]`),
      el("td", { class: "num" }, range),
    );
    if (hasClipped)
      row.append(
        el(
          "td",
          { class: "num" },
          formatPercent(a.clippedFraction),
        ),
      );
    body.append(row);
  }
  table.append(body);
  parts.push(table);
  app.append(section("calibration", "Calibration", ...parts));
  charts.push(rangesChart(canvas, r.activations, theme));
  drawn.push("ranges");
  if (shown && histogramCanvas) {
    const chart = histogramChart(histogramCanvas, shown, theme);
    if (chart) {
      charts.push(chart);
      drawn.push("histogram");
    }
  }
}

function render(): void {
  for (const c of charts) c.destroy();
  charts = [];
  app.replaceChildren();
  if (!current) return;
  const { report: r, file } = current;
  const theme = currentTheme();
  const drawn: string[] = [];
  app.append(renderSummary(r, file));

  if (r.layers.length) {
    const hasSqnr = r.layers.some((l) => l.sqnr);
    const parts: (Node | undefined)[] = [];
    let sqnrCanvas: HTMLCanvasElement | undefined;
    if (hasSqnr) {
      const { box, canvas } = chartBox(
        "sqnr-chart",
        240,
        "SQNR per int8 layer: weights and activations (propagated, shadow)",
      );
      sqnrCanvas = canvas;
      parts.push(box);
    } else {
      parts.push(
        el("p", { class: "muted" }, "No SQNR: run Compare Float vs Int8, or Quantize with evaluation data."),
      );
    }
    parts.push(renderLayerTable(r));
    app.append(section("numeric", "Numeric suite: float vs int8", ...parts));
    if (sqnrCanvas) {
      charts.push(sqnrChart(sqnrCanvas, r.layers, theme));
      drawn.push("sqnr");
    }

    // The report's own ranking when it has one (numeric reports rank by points regained), else by dB.
    const ranked = r.layers
      .filter((l) => l.sensitivity !== undefined || l.sensitivityRank !== undefined)
      .sort((a, b) =>
        a.sensitivityRank !== undefined && b.sensitivityRank !== undefined
          ? a.sensitivityRank - b.sensitivityRank
          : (b.sensitivity ?? 0) - (a.sensitivity ?? 0),
      );
    let sensitivityCanvas: HTMLCanvasElement | undefined;
    const sens: (Node | undefined)[] = [];
    if (ranked.length) {
      const { box, canvas } = chartBox(
        "sensitivity-chart",
        Math.max(120, 26 * ranked.length + 40),
        "Layers ranked by sensitivity",
      );
      sensitivityCanvas = canvas;
      sens.push(box);
    }
    sens.push(renderWhatIf(ranked.length ? ranked : r.layers, current.whatIf && r.evaluated));
    app.append(
      section(
        "sensitivity",
        ranked.length ? "Sensitivity ranking and what-if" : "What-if: keep layers in float",
        ...sens,
      ),
    );
    if (sensitivityCanvas) {
      charts.push(sensitivityChart(sensitivityCanvas, ranked, theme, r.sensitivityUnit));
      drawn.push("sensitivity");
    }
  }

  renderCalibration(r, theme, drawn);
  vscode.setState({ selectedActivation });
  vscode.postMessage({
    type: "rendered",
    summary: {
      file,
      kind: r.kind,
      layers: r.layers.length,
      activations: r.activations.length,
      charts: drawn,
    },
  });
}

function renderEmpty(reason: string): void {
  for (const c of charts) c.destroy();
  charts = [];
  const run = link("Quantize a model…", "QuantScope: Quantize Model", () =>
    vscode.postMessage({ type: "command", command: "quantscope.quantizeModel" }),
  );
  const open = link("Open a report…", "QuantScope: Open Report", () =>
    vscode.postMessage({ type: "command", command: "quantscope.openReport" }),
  );
  app.replaceChildren(
    el("div", { class: "empty" }, el("p", {}, reason), el("p", {}, run), el("p", {}, open)),
  );
}

window.addEventListener("message", (event: MessageEvent<ToWebview>) => {
  const m = event.data;
  switch (m.type) {
    case "report":
      if (current?.file !== m.file) {
        keepFloat.clear();
        whatIfResult.textContent = "";
      }
      current = { report: m.report, file: m.file, whatIf: m.whatIf };
      render();
      break;
    case "empty":
      current = undefined;
      renderEmpty(m.reason);
      break;
    case "whatIf":
      showWhatIf(m.keepFloat, m.result);
      break;
  }
});

const saved = vscode.getState() as { selectedActivation?: string } | undefined;
selectedActivation = saved?.selectedActivation;
onThemeChange(() => current && render());
vscode.postMessage({ type: "ready" });
