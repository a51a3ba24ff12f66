// Playwright helpers that drive the VS Code web workbench the way a person does: the command palette, quick
// picks, quick open, the Problems panel and webview frames (e2e runner process, Node 24).
import type { FrameLocator, Locator, Page } from "playwright-core";

const QUICK_INPUT = ".quick-input-widget";

export class Workbench {
  constructor(
    readonly page: Page,
    /** Folder for screenshots (test-results/e2e). */
    private readonly artifacts: string,
  ) {}

  /** Where a scenario's extra screenshot goes. */
  screenshotPath(name: string): string {
    return `${this.artifacts}/${name}.png`;
  }

  /** Waits until the workbench has restored its layout and the explorer shows the folder. */
  async ready(timeoutMs = 90_000): Promise<void> {
    await this.page.locator(".monaco-workbench").waitFor({ state: "visible", timeout: timeoutMs });
    await this.page.locator(".explorer-folders-view, .explorer-viewlet").first().waitFor({ state: "visible", timeout: timeoutMs });
    await this.page.locator(".statusbar").waitFor({ state: "visible", timeout: timeoutMs });
  }

  private quickInput(): Locator {
    return this.page.locator(QUICK_INPUT);
  }

  private async openQuickInput(prefix: string): Promise<Locator> {
    await this.page.keyboard.press("Escape");
    await this.page.keyboard.press("F1");
    const input = this.quickInput().locator("input.input");
    await input.waitFor({ state: "visible", timeout: 30_000 });
    await input.fill(prefix);
    return input;
  }

  /**
   * Runs a command by its palette label, e.g. "QuantScope: Quantize Model". Reopens the palette until the
   * command is listed: a development extension's contributions appear only once the extension host has
   * scanned it, which on a loaded machine can be well after the workbench looks ready.
   */
  async runCommand(label: string, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.openQuickInput(`>${label}`);
      const row = this.quickInput().locator(".monaco-list-row", { hasText: label }).first();
      try {
        await row.waitFor({ state: "visible", timeout: 5_000 });
        await row.click();
        return;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`the command palette never listed '${label}': ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  /**
   * The rows (their text) the command palette lists for `filter` (retrying until at least one is listed, like
   * runCommand), then closes the palette.
   */
  async paletteLabels(filter: string, timeoutMs = 90_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.openQuickInput(`>${filter}`);
      const rows = this.quickInput().locator(".monaco-list-row");
      try {
        await rows.first().waitFor({ state: "visible", timeout: 5_000 });
        const labels = (await rows.allTextContents()).map((t) => t.replace(/\s+/g, " ").trim());
        await this.page.keyboard.press("Escape");
        return labels;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`the command palette never listed a command for '${filter}': ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  /** Opens a workspace file through quick open (Go to File), by its workspace-relative path. */
  async openFile(relativePath: string): Promise<void> {
    await this.openQuickInput(relativePath);
    const name = relativePath.split("/").pop() ?? relativePath;
    await this.chooseRow(name);
    await this.page.locator(`.tabs-container .tab[aria-label*="${name}"]`).first().waitFor({ state: "visible", timeout: 30_000 });
  }

  /** Waits for a quick-pick row whose label contains `text`, selects it with the keyboard. */
  async chooseRow(text: string, timeoutMs = 30_000): Promise<void> {
    const row = this.quickInput().locator(".monaco-list-row", { hasText: text }).first();
    await row.waitFor({ state: "visible", timeout: timeoutMs });
    await row.click();
  }

  /**
   * Answers the quick pick asking `title` (waiting for it to open): filters by `filter`, then
   * picks the row containing `text`.
   */
  async answerQuickPick(title: string, filter: string, text = filter, timeoutMs = 60_000): Promise<void> {
    // The question is a quick pick's title, or its placeholder when it has no title (the theme picker).
    const asked = this.quickInput()
      .locator(".quick-input-title", { hasText: title })
      .or(this.quickInput().locator(`input.input[placeholder*="${title}"]`));
    await asked.first().waitFor({ state: "visible", timeout: timeoutMs });
    const input = this.quickInput().locator("input.input");
    await input.waitFor({ state: "visible", timeout: timeoutMs });
    await input.fill(filter);
    await this.chooseRow(text, timeoutMs);
  }

  async focusProblems(): Promise<Locator> {
    await this.runCommand("View: Focus Problems");
    const panel = this.page.locator(".markers-panel");
    await panel.waitFor({ state: "visible", timeout: 30_000 });
    return panel.locator(".monaco-list-row");
  }

  /** The content frame of the visible webview whose document contains `selector`. */
  async webviewWith(selector: string, timeoutMs = 90_000): Promise<FrameLocator> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frames = this.page.locator("iframe.webview.ready");
      const n = await frames.count();
      for (let i = 0; i < n; i++) {
        const inner = this.page.frameLocator("iframe.webview.ready").nth(i).frameLocator("#active-frame");
        if ((await inner.locator(selector).count()) > 0) return inner;
      }
      if (Date.now() > deadline) throw new Error(`no webview shows ${selector} within ${timeoutMs / 1000} s`);
      await this.page.waitForTimeout(500);
    }
  }

  async statusBarText(contains: string, timeoutMs = 60_000): Promise<string> {
    const item = this.page.locator(".statusbar-item", { hasText: contains }).first();
    await item.waitFor({ state: "visible", timeout: timeoutMs });
    return (await item.textContent()) ?? "";
  }
}
