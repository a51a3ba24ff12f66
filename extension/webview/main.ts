// The side panel's browser code: receives a report from the extension and draws the run summary, the
// numeric-suite SQNR chart, the sensitivity ranking with what-if toggles, and per-layer calibration
// histograms with links to the ONNX node and the Python source (webview, browser; never imports vscode).
import type { Chart } from "chart.js";
import { histogramChart, sensitivityChart, sqnrChart } from "./charts";
import { el, formatDb, formatNumber } from "./dom";
import type { FromWebview, ToWebview, WhatIfResult } from "./protocol";
import type { PanelReport, ReportLayer } from "./report-model";
import { currentTheme, onThemeChange } from "./theme";

interface VsCodeApi {
  postMessage(message: FromWebview | { type: "rendered"; summary: { kind: string; layers: number; charts: string[] } }): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const app = document.getElementById("app") as HTMLElement;
let charts: Chart[] = [];
let current: { report: PanelReport; file: string } | undefined;
let selectedLayer: string | undefined;
const keepFloat = new Set<string>();

function clearCharts(): void {
  for (const c of charts) c.destroy();
  charts = [];
}

function link(text: string, title: string, onClick: () => void): HTMLAnchorElement {
  const a = el("a", { href: "#", title, role: "button" }, text);
  a.addEventListener("click", (ev) => {
    ev.preventDefault();
    onClick();
  });
  return a;
}

function section(id: string, title: string, ...children: (Node | undefined)[]): HTMLElement {
  return el("section", { id, "aria-labelledby": `${id}-title` }, el("h2", { id: `${id}-title` }, title), ...children);
}

function chartBox(id: string, height: number, label: string): { box: HTMLElement; canvas: HTMLCanvasElement } {
  const canvas = el("canvas", { id: `${id}-chart`, role: "img", "aria-label": label });
  const box = el("div", { class: "chart" }, canvas);
  box.style.height = `${height}px`; // CSSOM, which the CSP allows (style attributes in markup it would not)
  return { box, canvas };
}

function layerLinks(layer: ReportLayer): HTMLElement {
  const links = el("span", { class: "links" });
  links.append(link("ONNX node", `Show ${layer.node} in the ONNX graph`, () => vscode.postMessage({ type: "openNode", node: layer.node })));
  if (layer.source) {
    const { file, line } = layer.source;
    links.append(" · ", link(`source:${line}`, `${file}:${line}`, () => vscode.postMessage({ type: "openSource", file, line })));
  }
  return links;
}

function renderSummary(r: PanelReport, file: string): HTMLElement {
  const when = new Date(r.createdAt);
  const rows = [
    ["Run", `${r.kind} · ${r.backend}`],
    ["Model", r.model],
    ...(r.output ? [["Output", r.output]] : []),
    ["When", Number.isNaN(when.getTime()) ? r.createdAt : when.toLocaleString()],
    ...r.metrics.map((m) => [m.label, m.value]),
  ];
  const dl = el("dl", { class: "summary" });
  for (const [k, v] of rows) dl.append(el("dt", {}, k), el("dd", { title: v }, v));
  return section("summary", "Summary", dl, el("p", { class: "muted", title: file }, `Report: ${file}`));
}

function renderLayerTable(r: PanelReport, onSelect: (name: string) => void): HTMLElement {
  const table = el("table", { class: "layers" });
  table.append(
    el("thead", {}, el("tr", {}, el("th", {}, "Layer"), el("th", {}, "Op"), el("th", {}, "W"), el("th", {}, "Prop."), el("th", {}, "Shadow"), el("th", {}, ""))),
  );
  const body = el("tbody");
  for (const l of r.layers) {
    const row = el(
      "tr",
      { "data-layer": l.name, class: l.name === selectedLayer ? "selected" : "" },
      el("td", {}, link(l.name, "Show this layer's calibration histogram", () => onSelect(l.name))),
      el("td", {}, l.op),
      el("td", { class: "num" }, formatDb(l.sqnr?.weight)),
      el("td", { class: "num" }, formatDb(l.sqnr?.propagated)),
      el("td", { class: "num" }, formatDb(l.sqnr?.shadow)),
      el("td", {}, layerLinks(l)),
    );
    body.append(row);
  }
  table.append(body);
  return table;
}

function renderWhatIf(ranked: ReportLayer[]): HTMLElement {
  const list = el("ul", { class: "what-if" });
  for (const l of ranked) {
    const id = `keep-${l.name}`;
    const box = el("input", { type: "checkbox", id });
    box.checked = keepFloat.has(l.name);
    box.addEventListener("change", () => {
      if (box.checked) keepFloat.add(l.name);
      else keepFloat.delete(l.name);
      whatIfResult.textContent = keepFloat.size ? "Running the model with these layers in float…" : "";
      if (keepFloat.size) vscode.postMessage({ type: "whatIf", keepFloat: [...keepFloat] });
    });
    list.append(el("li", {}, box, el("label", { for: id }, `keep ${l.name} in float`), el("span", { class: "muted" }, ` +${(l.sensitivity ?? 0).toFixed(1)} dB alone`)));
  }
  return el("div", {}, list, whatIfResult);
}

const whatIfResult = el("p", { id: "what-if-result", class: "muted" });

function showWhatIf(keep: string[], result: WhatIfResult | { error: string }): void {
  if (keep.join("\u0000") !== [...keepFloat].join("\u0000")) return; // an answer to an older selection
  if ("error" in result) whatIfResult.textContent = `What-if unavailable: ${result.error}`;
  else {
    const acc = result.accuracy === undefined ? "" : `, top-1 ${(result.accuracy * 100).toFixed(1)}%`;
    whatIfResult.textContent = `Output SQNR ${formatDb(result.outputSqnr)} (all int8: ${formatDb(result.baselineSqnr)})${acc}`;
  }
}

function render(): void {
  clearCharts();
  app.replaceChildren();
  if (!current) return;
  const { report: r, file } = current;
  const theme = currentTheme();
  const drawn: string[] = [];
  app.append(renderSummary(r, file));

  const hasSqnr = r.layers.some((l) => l.sqnr);
  if (hasSqnr) {
    const { box, canvas } = chartBox("sqnr", 220, "SQNR per layer for weights and activations (propagated and shadow)");
    app.append(section("numeric", "Numeric suite: float vs int8", box, renderLayerTable(r, select)));
    charts.push(sqnrChart(canvas, r.layers, theme));
    drawn.push("sqnr");
  } else {
    app.append(section("numeric", "Layers", renderLayerTable(r, select)));
  }

  const ranked = r.layers.filter((l) => l.sensitivity !== undefined).sort((a, b) => (b.sensitivity ?? 0) - (a.sensitivity ?? 0));
  if (ranked.length) {
    const { box, canvas } = chartBox("sensitivity", Math.max(120, 26 * ranked.length), "Layers ranked by sensitivity");
    app.append(section("sensitivity", "Sensitivity ranking and what-if", box, renderWhatIf(ranked)));
    charts.push(sensitivityChart(canvas, ranked, theme));
    drawn.push("sensitivity");
  }

  const calibrated = r.layers.filter((l) => l.calibration?.histogram);
  if (calibrated.length) {
    if (!selectedLayer || !calibrated.some((l) => l.name === selectedLayer)) selectedLayer = calibrated[0].name;
    const layer = calibrated.find((l) => l.name === selectedLayer)!;
    const c = layer.calibration!;
    const picker = el("select", { id: "histogram-layer", "aria-label": "Layer" });
    for (const l of calibrated) picker.append(el("option", { value: l.name, ...(l.name === layer.name ? { selected: "" } : {}) }, l.name));
    picker.addEventListener("change", () => select(picker.value));
    const { box, canvas } = chartBox("histogram", 180, `Calibration histogram of ${layer.name} with the clipping range`);
    const facts = el(
      "p",
      { class: "muted" },
      `${c.observer}: seen [${formatNumber(c.min)}, ${formatNumber(c.max)}], int8 range [${formatNumber(c.clipMin)}, ${formatNumber(c.clipMax)}], scale ${formatNumber(c.scale)}, zero point ${c.zeroPoint}`,
    );
    app.append(section("calibration", "Calibration", el("div", { class: "row" }, picker, layerLinks(layer)), box, facts));
    const chart = histogramChart(canvas, layer, theme);
    if (chart) {
      charts.push(chart);
      drawn.push("histogram");
    }
  }
  vscode.setState({ selectedLayer });
  vscode.postMessage({ type: "rendered", summary: { kind: r.kind, layers: r.layers.length, charts: drawn } });
}

function select(name: string): void {
  selectedLayer = name;
  render();
  document.getElementById("calibration")?.scrollIntoView({ block: "nearest" });
}

function renderEmpty(reason: string): void {
  clearCharts();
  const run = link("Quantize a model…", "QuantScope: Quantize Model", () => vscode.postMessage({ type: "command", command: "quantscope.quantizeModel" }));
  const open = link("Open a report…", "QuantScope: Open Report", () => vscode.postMessage({ type: "command", command: "quantscope.openReport" }));
  app.replaceChildren(el("div", { class: "empty" }, el("p", {}, reason), el("p", {}, run), el("p", {}, open)));
}

window.addEventListener("message", (event: MessageEvent<ToWebview>) => {
  const m = event.data;
  switch (m.type) {
    case "report":
      if (current?.file !== m.file) keepFloat.clear();
      current = { report: m.report, file: m.file };
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

const saved = vscode.getState() as { selectedLayer?: string } | undefined;
selectedLayer = saved?.selectedLayer;
onThemeChange(() => current && render());
vscode.postMessage({ type: "ready" });
