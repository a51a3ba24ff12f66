// The Python analysis time budget (`quantscope.analysis.timeBudgetMs`): the analyzer stops between rule
// families when asked, and the server publishes the partial findings plus ONE QS900 information diagnostic
// naming the skipped rules; a normal budget publishes no QS900 (test process). Needs dist/server.js.
import { test, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { CodeAction, Diagnostic } from "vscode-languageserver-protocol";
import { loadPythonAnalyzer } from "../../core/src/node/python-wasm";
import { RULE_FAMILIES } from "../../core/src/python/index";
import { settingsFromClient } from "../../server/src/settings";
import { sharedPath } from "../helpers/shared";
import { fileUri, TestClient } from "./lsp-client";

const clients: TestClient[] = [];
after(() => clients.forEach((c) => c.kill()));

// A corpus script with findings from the first rule family (QS101) and a later one (QS506).
const SCRIPT = "dev_e01_no_quantstub_linear.py";
const text = fs.readFileSync(sharedPath("corpus-dev", SCRIPT), "utf8");
const uri = fileUri(path.join(fs.mkdtempSync(path.join(os.tmpdir(), "qs-budget-")), SCRIPT));
const firstFamilyCodes = RULE_FAMILIES[0].rules.map((r) => r.code);
const laterCodes = RULE_FAMILIES.slice(1)
  .flatMap((f) => f.rules.map((r) => r.code))
  .sort();

const codes = (ds: Diagnostic[]) => ds.map((d) => `${d.code}@${d.range.start.line + 1}`).sort();

async function diagnosticsWithBudget(settings: Record<string, unknown> | undefined): Promise<{ client: TestClient; diags: Diagnostic[] }> {
  const client = await TestClient.start({ settings });
  clients.push(client);
  await client.open(uri, text, "python");
  // Python diagnostics come once the analyzer has loaded; before that the document has none.
  const diags = await client.diagnostics(uri, 1, (d) => d.length > 0);
  return { client, diags };
}

test("the analyzer stops between rule families when asked; the first family always runs", async () => {
  const analyzer = await loadPythonAnalyzer();
  const doc = analyzer.parse(text);
  try {
    const full = analyzer.analyzeWithin(doc, {}, {});
    assert.equal(full.skippedRules, undefined);
    assert.deepEqual(full.findings, analyzer.analyze(doc));
    let asked = 0;
    const stopped = analyzer.analyzeWithin(doc, {}, { shouldStop: () => (asked++, true) });
    assert.equal(asked, 1, "asked once, after the first family; never again once stopped");
    assert.deepEqual(stopped.skippedRules, laterCodes);
    assert.deepEqual(
      stopped.findings.map((f) => f.code),
      ["QS101"],
    );
    assert.ok(full.findings.some((f) => f.code === "QS506"), "the full run reaches the later families");
    // Disabled rules are neither run nor reported as skipped.
    const selected = analyzer.analyzeWithin(doc, { select: ["QS1", "QS5"] }, { shouldStop: () => true });
    assert.ok(selected.skippedRules?.every((c) => c.startsWith("QS5")) && selected.skippedRules.length > 0, String(selected.skippedRules));
    // Stopping after the second family skips only the families after it.
    let families = 0;
    const later = analyzer.analyzeWithin(doc, {}, { shouldStop: () => ++families >= 2 });
    assert.deepEqual(later.skippedRules, RULE_FAMILIES.slice(2).flatMap((f) => f.rules.map((r) => r.code)).sort());
  } finally {
    doc.dispose();
  }
});

test("settings: analysis.timeBudgetMs nested or dotted; negative, infinite and non-numbers ignored", () => {
  assert.equal(settingsFromClient({ analysis: { timeBudgetMs: 500 } }).timeBudgetMs, 500);
  assert.equal(settingsFromClient({ "analysis.timeBudgetMs": 0 }).timeBudgetMs, 0);
  for (const bad of [-1, "500", null, Infinity, Number.NaN]) {
    assert.equal(settingsFromClient({ analysis: { timeBudgetMs: bad } }).timeBudgetMs, undefined, String(bad));
  }
});

test("a 0 ms budget publishes the first family's findings plus one QS900 naming the skipped rules", async () => {
  const { client, diags } = await diagnosticsWithBudget({ analysis: { timeBudgetMs: 0 } });
  const stopped = diags.filter((d) => d.code === "QS900");
  assert.equal(stopped.length, 1, JSON.stringify(diags));
  const qs900 = stopped[0];
  assert.equal(qs900.severity, 3, "Information");
  assert.deepEqual(qs900.range, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
  assert.equal(qs900.source, "quantscope");
  const message = typeof qs900.message === "string" ? qs900.message : qs900.message.value;
  assert.match(message, /^QuantScope stopped analyzing this file after \d+ ms \(time budget 0 ms, setting quantscope\.analysis\.timeBudgetMs\); findings are partial, 24 rules skipped: /);
  assert.ok(message.endsWith(`skipped: ${laterCodes.join(", ")}`), message);
  assert.doesNotMatch(message, /\n/);
  const partial = diags.filter((d) => d.code !== "QS900");
  assert.ok(partial.length > 0, "partial findings are published");
  assert.ok(
    partial.every((d) => firstFamilyCodes.includes(String(d.code))),
    codes(partial).join(", "),
  );
  // QS900 is no finding: no "suppress with a comment" action for it.
  const actions = await client.request<CodeAction[]>("textDocument/codeAction", { textDocument: { uri }, range: qs900.range, context: { diagnostics: [qs900] } });
  assert.ok(!actions.some((a) => a.title.startsWith("Suppress QS900")), actions.map((a) => a.title).join(", "));
  assert.ok(client.logs.some((l) => l.includes("analysis stopped after")), client.logs.join("\n"));

  // The default budget (2 s) analyzes this small script completely: the partial findings are a subset.
  const { diags: full } = await diagnosticsWithBudget(undefined);
  assert.ok(!full.some((d) => d.code === "QS900"), codes(full).join(", "));
  assert.ok(full.some((d) => d.code === "QS506"), codes(full).join(", "));
  for (const c of codes(partial)) assert.ok(codes(full).includes(c), `${c} missing from the full run`);
  assert.equal(await client.stop(), 0);
});

test("a generous explicit budget publishes no QS900", async () => {
  const { diags } = await diagnosticsWithBudget({ analysis: { timeBudgetMs: 60_000 } });
  assert.ok(!diags.some((d) => d.code === "QS900"), codes(diags).join(", "));
  assert.deepEqual(diags.map((d) => d.code).sort(), ["QS101", "QS506"]);
});
