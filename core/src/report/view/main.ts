// Entry point of the self-contained HTML report (browser; bundled by scripts/build.mjs into
// dist/report-view.js and inlined by core/src/report/html.ts): reads the report JSON embedded in the page
// and renders it with the shared components. Sets data-rendered on <body> when done (tests wait for it).
import type { NumericReport } from "../numeric-schema";
import { renderNumericReport } from "./render";
import { currentTheme } from "./theme";

function start(): void {
  const data = document.getElementById("quantscope-data");
  const root = document.getElementById("app");
  if (!data || !root) throw new Error("quantscope report: the page has no #quantscope-data or #app element");
  const report = JSON.parse(data.textContent ?? "") as NumericReport;
  const charts = renderNumericReport(root, report, currentTheme());
  document.body.dataset.charts = String(charts.length);
  document.body.dataset.rendered = "true";
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
