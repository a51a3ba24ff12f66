// Chromium for the end-to-end runners (e2e runner process, Node 24): Debian's Chromium through playwright-core
// with the flags a headless CI machine needs, a fixed-size page, screenshots and time limits.
import * as path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

export async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  return context.newPage();
}

export function log(line: string): void {
  process.stdout.write(`e2e: ${line}\n`);
}

export function withTimeout<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Saves `name`.png in `dir`; answers its path relative to `root`, or undefined (logged) when it failed. */
export async function screenshot(page: Page, dir: string, name: string, root: string): Promise<string | undefined> {
  const file = path.join(dir, `${name}.png`);
  try {
    await page.screenshot({ path: file, timeout: 20_000 });
    return path.relative(root, file);
  } catch (e) {
    log(`screenshot ${name} failed: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}
