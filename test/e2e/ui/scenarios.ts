// UI scenarios in the real workbench (e2e runner process): what a person sees, asserted on the DOM, with a
// screenshot of the end state for people to look at.
import * as assert from "node:assert/strict";
import type { Workbench } from "../harness/workbench";

export interface Scenario {
  name: string;
  run(wb: Workbench): Promise<void>;
}

const diagnosticsInEditor: Scenario = {
  name: "diagnostics-squiggle-and-problems",
  async run(wb) {
    await wb.openFile("corpus-dev/dev_e04_fuse_typo.py");
    const squiggle = wb.page.locator(".monaco-editor .squiggly-error");
    await squiggle.first().waitFor({ state: "attached", timeout: 90_000 });
    const rows = await wb.focusProblems();
    const row = rows.filter({ hasText: /QS\d+/ }).first();
    await row.waitFor({ state: "visible", timeout: 30_000 });
    const text = (await row.textContent()) ?? "";
    assert.match(text, /QS\d+/, `Problems row without a rule code: ${text}`);
    assert.match(text, /rleu/, `Problems row does not name the typo: ${text}`);
    const label = (await rows.first().getAttribute("aria-label")) ?? "";
    assert.match(label, /dev_e04_fuse_typo\.py/);
    await wb.statusBarText("QuantScope");
  },
};

const openReportInPanel: Scenario = {
  name: "open-report-panel-sqnr-chart",
  async run(wb) {
    // The explorer's context menu on an .onnx file offers the model commands.
    const explorer = wb.page.locator(".explorer-folders-view");
    await explorer.locator('.monaco-list-row[aria-label="digits"]').click();
    await explorer.locator('.monaco-list-row[aria-label="model.onnx"]').click({ button: "right" });
    const menu = wb.page.locator(".context-view .monaco-menu");
    for (const item of ["Quantize Model", "Calibrate Model", "Compare Float vs Int8"]) {
      await menu.locator(".action-label", { hasText: item }).first().waitFor({ state: "visible", timeout: 30_000 });
    }
    await wb.page.keyboard.press("Escape");

    await wb.runCommand("QuantScope: Open Report");
    await wb.answerQuickPick("report to open", "digits-x86.compare", "digits-x86.compare.quantscope.json");
    const frame = await wb.webviewWith("#sqnr-chart");
    await frame.locator("#sqnr-chart").waitFor({ state: "visible", timeout: 30_000 });
    const box = await frame.locator("#sqnr-chart").boundingBox();
    assert.ok(box && box.width > 100 && box.height > 100, `SQNR chart has no size: ${JSON.stringify(box)}`);
    const rows = frame.locator("#numeric table.layers tbody tr");
    assert.equal(await rows.count(), 8);
    await frame.locator("#sensitivity-chart").waitFor({ state: "visible" });
    await frame.locator("#histogram-chart").scrollIntoViewIfNeeded();
    await frame.locator("#histogram-chart").waitFor({ state: "visible" });
    // The panel draws with the HTML report's components: pictures of the ranking and the clipping range for people.
    await frame.locator("#sensitivity").screenshot({ path: wb.screenshotPath("panel-sensitivity") });
    await frame.locator("#calibration").screenshot({ path: wb.screenshotPath("panel-calibration") });
    // A layer's source link opens its module's definition beside the model.
    await frame.locator('#numeric tr[data-node="/conv2/Conv"] a', { hasText: "source:14" }).click();
    await wb.page.locator('.tabs-container .tab[aria-label*="model.py"]').first().waitFor({ state: "visible", timeout: 30_000 });
    await wb.page.locator(".statusbar-item", { hasText: "Ln 14," }).first().waitFor({ state: "visible", timeout: 30_000 });
  },
};

const quantizeFromPalette: Scenario = {
  name: "quantize-from-palette-panel-sqnr",
  async run(wb) {
    await wb.runCommand("QuantScope: Quantize Model");
    await wb.answerQuickPick("ONNX model", "model.onnx", "digits/model.onnx");
    await wb.answerQuickPick("which backend", "qnnpack");
    await wb.answerQuickPick("calibration data", "calib.npy", "digits/calib.npy");
    const frame = await wb.webviewWith("#sqnr-chart", 120_000);
    const report = (await frame.locator("#summary .muted").textContent()) ?? "";
    assert.match(report, /model\.qnnpack\.quantscope\.json/, `the panel shows another report: ${report}`);
    const box = await frame.locator("#sqnr-chart").boundingBox();
    assert.ok(box && box.width > 100 && box.height > 100, `SQNR chart has no size: ${JSON.stringify(box)}`);
    assert.equal(await frame.locator("#numeric table.layers tbody tr").count(), 8);
    assert.match(await wb.statusBarText("QuantScope"), /quantize \(qnnpack\) ok/);
    // What-if: keep the classifier in float; the server re-runs the int8 model and the panel shows the result.
    await frame.locator('input[type="checkbox"][data-node="/fc/Gemm"]').check();
    const answer = frame.locator("#what-if-result", { hasText: "all int8" });
    await answer.waitFor({ state: "visible", timeout: 90_000 });
    assert.match((await answer.textContent()) ?? "", /^Output SQNR \d+\.\d dB \(all int8: \d+\.\d dB\); top-1 \d+\.\d+%/);
    await wb.page.screenshot({ path: wb.screenshotPath("quantize-panel-light") });

    // The panel follows the theme: switch to high contrast and the webview body carries VS Code's class.
    await wb.runCommand("Preferences: Color Theme");
    await wb.answerQuickPick("Color Theme", "Dark High Contrast");
    await frame.locator("body.vscode-high-contrast").waitFor({ state: "attached", timeout: 30_000 });
    await frame.locator("#sqnr-chart").waitFor({ state: "visible" });
  },
};

export const scenarios: Scenario[] = [diagnosticsInEditor, openReportInPanel, quantizeFromPalette];
