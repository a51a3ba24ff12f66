// The self-contained HTML numeric report (any process, fs-free): one HTML file holding the report JSON, the
// bundled view code (core/src/report/view, built to dist/report-view.js) and its styles, so it opens offline
// with no network request at all (the Content-Security-Policy forbids any).
import type { NumericReport } from "./numeric-schema";

/** JSON that can sit inside a <script> element: no "</script", no HTML comment openers, no U+2028/9. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** JavaScript source made safe to inline in a <script> element. */
export function scriptSafeCode(code: string): string {
  // The source map comment would make developer tools try to load a file that is not there.
  return code
    .replace(/^\/\/# sourceMappingURL=.*$/gm, "")
    .replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; background: #fff; margin: 0; }
#app { max-width: 1200px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 8px 0 16px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #d1d9e0; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 8px; }
.muted { color: #59636e; }
.callout { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; padding: 8px 12px; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.summary dt { color: #59636e; }
dl.summary dd { margin: 0; }
.chart { position: relative; width: 100%; margin: 8px 0 12px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 13px; }
th, td { border-bottom: 1px solid #d1d9e0; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.histograms { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 12px; }
figure { margin: 0; border: 1px solid #d1d9e0; border-radius: 6px; padding: 6px; }
figcaption { font-size: 12px; color: #59636e; }
`;

/** The complete HTML document for `report`, with the view bundle `viewScript` inlined. */
export function renderNumericHtml(report: NumericReport, viewScript: string): string {
  const title = `QuantScope numeric report${report.model ? `: ${report.model}` : ""} (${report.backend})`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main id="app"><noscript>This report needs JavaScript to draw its charts; the data is in the quantscope-data element.</noscript></main>
<script type="application/json" id="quantscope-data">${scriptSafeJson(report)}</script>
<script>${scriptSafeCode(viewScript)}</script>
</body>
</html>
`;
}
