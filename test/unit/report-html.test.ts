// The self-contained HTML numeric report in headless Chromium (test process): a real comparison of the golden
// dwcnn (with sensitivity) rendered by renderNumericHtml with the bundled view (dist/report-view.js) opens
// with no console error and no network request, draws every chart (SQNR, sensitivity, ranges, one histogram
// per observed activation with its clipping range) and is saved as a screenshot under test-results/.
// Needs Debian's chromium (CI installs it in .ci/run); without it this test FAILS, it does not skip.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { compareModels } from "../../core/src/numeric/compare-models";
import { readReportViewBundle } from "../../core/src/node/report-view";
import { renderNumericHtml, scriptSafeJson } from "../../core/src/report/html";
import { digitsSplit, modelBytes, testCore } from "../golden/pipeline-golden";
import { repoRoot } from "../helpers/shared";

function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM;
  if (fromEnv && fs.existsSync(fromEnv)) return fromEnv;
  try {
    return execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim();
  } catch {
    assert.fail("chromium is not installed: the HTML report test needs Debian's chromium (apt-get install -y chromium; .ci/run installs it) or CHROMIUM=/path/to/chromium");
  }
}

test("scriptSafeJson keeps </script> and U+2028 out of the page", () => {
  const text = scriptSafeJson({ a: "</script><!-- \u2028" });
  assert.ok(!text.includes("</script") && !text.includes("<!--") && !text.includes("\u2028"));
  assert.deepEqual(JSON.parse(text), { a: "</script><!-- \u2028" });
});

test("the HTML report renders its charts in headless Chromium without errors or network requests", async () => {
  const executablePath = chromiumPath();
  const core = await testCore();
  const { calib, test: x, testLabels } = digitsSplit();
  const { report } = await compareModels(core, {
    model: modelBytes("dwcnn"),
    modelName: "dwcnn.onnx",
    backend: "x86",
    calib,
    batchSize: 256,
    x,
    labels: testLabels,
    sensitivity: true,
    targetDropPoints: 0.5,
    whatIf: [{ node: "/pw/Conv", float: true }],
  });
  const html = renderNumericHtml(report, readReportViewBundle());
  const outDir = path.join(repoRoot, "test-results", "numeric-report");
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, "dwcnn-x86.html");
  fs.writeFileSync(file, html);
  const url = pathToFileURL(file).href;

  const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(url);
    await page.waitForSelector("body[data-rendered=true]", { timeout: 20000 });
    // Warnings count until the page is drawn; the pixel readbacks below cause Chrome's own readback warning.
    const warningsWhileRendering = errors.filter((e) => e.startsWith("warning:"));
    assert.deepEqual(warningsWhileRendering, [], "no console warnings while rendering");

    const histograms = report.calibration_stats.length;
    const expectedCharts = 1 + 1 + 1 + histograms; // SQNR, sensitivity, ranges, one histogram each
    assert.equal(await page.getAttribute("body", "data-charts"), String(expectedCharts));
    // Every canvas has a drawn size and ink on it.
    const inked = await page.$$eval("canvas", (canvases) =>
      canvases.map((c) => {
        const ctx = c.getContext("2d")!;
        const { data } = ctx.getImageData(0, 0, c.width, c.height);
        let ink = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
        return { id: c.id, width: c.width, height: c.height, ink };
      }),
    );
    assert.equal(inked.length, expectedCharts);
    for (const c of inked) assert.ok(c.width > 100 && c.height > 100 && c.ink > 500, `canvas ${c.id} is drawn: ${JSON.stringify(c)}`);
    // The input's histogram marks its clipping range in the clip colour (x86's reduced range clips 1.0 at 0.9916).
    const clipInk = await page.$eval("#histogram-0", (c) => {
      const { data } = (c as HTMLCanvasElement).getContext("2d")!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] > 200 && data[i + 1] < 110 && data[i + 2] < 110 && data[i + 3] === 255) n++;
      return n;
    });
    assert.ok(clipInk > 50, `the clipping range is drawn on the input histogram (${clipInk} clip-coloured pixels)`);
    // The tables carry the numbers.
    const rows = await page.$$eval("#sqnr table tbody tr", (trs) => trs.map((tr) => tr.textContent ?? ""));
    assert.equal(rows.length, report.layers.length);
    assert.match(rows[0], /\/conv1\/Conv/);
    assert.match((await page.textContent("#suggestion")) ?? "", /target 0\.5/);
    assert.deepEqual(await page.$$eval("#what-if table tbody tr td:first-child", (tds) => tds.map((td) => td.textContent)), ["/pw/Conv"]);

    await page.screenshot({ path: path.join(outDir, "dwcnn-x86.png"), fullPage: true });
    assert.deepEqual(errors.filter((e) => !e.startsWith("warning:")), [], "no console errors");
    assert.deepEqual(requests, [url], "no request besides the report file itself");
  } finally {
    await browser.close();
  }
});
