// The language server over stdio (and node-ipc): lifecycle, push and pull diagnostics, code actions, hover,
// completion, symbols, settings from the client and pyproject.toml, Python diagnostics from a corpus file,
// and survival of bad input (test process). Needs `npm run build` (dist/server.js).
import { test, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type {
  CodeAction,
  CompletionList,
  Diagnostic,
  DocumentDiagnosticReport,
  DocumentSymbol,
  Hover,
  TextEdit,
} from "vscode-languageserver-protocol";
import { TextDocument } from "vscode-languageserver-textdocument";
import { fileUri, TestClient, type StartOptions } from "./lsp-client";
import { sharedPath } from "../helpers/shared";

const clients: TestClient[] = [];
after(() => clients.forEach((c) => c.kill()));

async function start(options: StartOptions = {}): Promise<TestClient> {
  const c = await TestClient.start(options);
  clients.push(c);
  return c;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "qs-lsp-"));
const QCONFIG_URI = fileUri(path.join(tmp, "model.qconfig.json"));

/** `code@line:col` (1-based) of each diagnostic, sorted: the assertion format of this file. */
function check(diagnostics: Diagnostic[], expected: string[]): void {
  const got = diagnostics.map((d) => `${d.code}@${d.range.start.line + 1}:${d.range.start.character + 1}`).sort();
  assert.deepEqual(got, [...expected].sort(), diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
}

/** LSP 3.18 allows markup in diagnostic messages; the server sends plain strings. */
function messageOf(d: Diagnostic): string {
  return typeof d.message === "string" ? d.message : d.message.value;
}

const BAD = `{
  "backend": "x86",
  "global": {
    "activation": { "reduce_range": true, "observer": "minmax" },
    "weight": { "dtype": "quint8" }
  }
}`;

test("initialize announces the capabilities; push mode has no diagnosticProvider", async () => {
  const c = await start();
  const caps = c.initializeResult.capabilities;
  assert.equal(c.initializeResult.serverInfo?.name, "quantscope");
  assert.ok(caps.hoverProvider);
  assert.ok(caps.completionProvider);
  assert.ok(caps.documentSymbolProvider);
  assert.deepEqual(caps.codeActionProvider, { codeActionKinds: ["quickfix", "source.fixAll.quantscope"] });
  assert.equal(caps.diagnosticProvider, undefined);
  assert.deepEqual(caps.textDocumentSync, { openClose: true, change: 2 });
  assert.equal(await c.stop(), 0);
});

test("push: didOpen publishes, didChange re-publishes for the new version, didClose clears", async () => {
  const c = await start();
  await c.open(QCONFIG_URI, BAD);
  check(await c.diagnostics(QCONFIG_URI, 1), ["QS801@4:21", "QS820@5:26"]);
  const d = (await c.diagnostics(QCONFIG_URI, 1)).find((x) => x.code === "QS820")!;
  assert.equal(d.severity, 1);
  assert.equal(d.source, "quantscope");
  // Incremental edits: fix the key, then the dtype; rapid changes are debounced to the last version.
  await c.change(QCONFIG_URI, 2, [{ range: { start: { line: 3, character: 20 }, end: { line: 3, character: 34 } }, text: '"reduceRange"' }]);
  await c.change(QCONFIG_URI, 3, [{ range: { start: { line: 4, character: 25 }, end: { line: 4, character: 33 } }, text: '"qint8"' }]);
  check(await c.diagnostics(QCONFIG_URI, 3), []);
  assert.ok(!c.published.some((p) => p.version === 2), "version 2 was superseded before its diagnostics were due");
  await c.close(QCONFIG_URI);
  await c.until("cleared diagnostics", () => c.published.at(-1)?.version === undefined && c.published.at(-1)?.diagnostics.length === 0);
  assert.equal(await c.stop(), 0);
});

test("pull: textDocument/diagnostic answers, unchanged for the same result id, and the server never pushes", async () => {
  const c = await start({ pull: true });
  assert.ok(c.initializeResult.capabilities.diagnosticProvider);
  await c.open(QCONFIG_URI, BAD);
  const first = await c.request<DocumentDiagnosticReport>("textDocument/diagnostic", { textDocument: { uri: QCONFIG_URI } });
  assert.equal(first.kind, "full");
  check(first.kind === "full" ? first.items : [], ["QS801@4:21", "QS820@5:26"]);
  const again = await c.request<DocumentDiagnosticReport>("textDocument/diagnostic", { textDocument: { uri: QCONFIG_URI }, previousResultId: first.resultId });
  assert.deepEqual(again, { kind: "unchanged", resultId: first.resultId });
  await c.change(QCONFIG_URI, 2, [{ text: "{}" }]);
  const third = await c.request<DocumentDiagnosticReport>("textDocument/diagnostic", { textDocument: { uri: QCONFIG_URI }, previousResultId: first.resultId });
  assert.equal(third.kind, "full");
  check(third.kind === "full" ? third.items : [], []);
  await new Promise((r) => setTimeout(r, 400));
  assert.deepEqual(c.published, [], "no publishDiagnostics in pull mode");
  assert.equal(await c.stop(), 0);
});

function applyEdits(text: string, edits: TextEdit[]): string {
  return TextDocument.applyEdits(TextDocument.create("x", "json", 0, text), edits);
}

test("codeAction: the finding's fixes as quick fixes; applying them clears the diagnostics", async () => {
  const c = await start({ versionedEdits: true });
  await c.open(QCONFIG_URI, BAD, "json", 7);
  const diags = await c.diagnostics(QCONFIG_URI, 7);
  const actions = await c.request<CodeAction[]>("textDocument/codeAction", {
    textDocument: { uri: QCONFIG_URI },
    range: diags[0].range,
    context: { diagnostics: diags },
  });
  const quick = actions.filter((a) => a.kind === "quickfix");
  assert.deepEqual(quick.map((a) => a.title).sort(), ['Rename to "reduceRange"', 'Use "qint8"']);
  assert.ok(quick.every((a) => a.isPreferred));
  assert.deepEqual(actions.filter((a) => a.kind !== "quickfix").map((a) => [a.kind, a.title]), [["source.fixAll.quantscope", "Fix all auto-fixable QuantScope problems (2)"]]);
  let text = BAD;
  for (const a of quick) {
    const change = a.edit?.documentChanges?.[0];
    assert.ok(change && "textDocument" in change);
    assert.deepEqual(change.textDocument, { uri: QCONFIG_URI, version: 7 });
    text = applyEdits(text, change.edits as TextEdit[]);
  }
  await c.change(QCONFIG_URI, 8, [{ text }]);
  check(await c.diagnostics(QCONFIG_URI, 8), []);
  // On save: source.fixAll alone gives the one action that fixes everything.
  await c.change(QCONFIG_URI, 9, [{ text: BAD }]);
  await c.diagnostics(QCONFIG_URI, 9);
  const onSave = await c.request<CodeAction[]>("textDocument/codeAction", {
    textDocument: { uri: QCONFIG_URI },
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    context: { diagnostics: [], only: ["source.fixAll"] },
  });
  assert.equal(onSave.length, 1);
  const all = onSave[0].edit?.documentChanges?.[0];
  assert.ok(all && "edits" in all);
  await c.change(QCONFIG_URI, 10, [{ text: applyEdits(BAD, all.edits as TextEdit[]) }]);
  check(await c.diagnostics(QCONFIG_URI, 10), []);
  // Only other kinds requested: nothing.
  const none = await c.request<CodeAction[]>("textDocument/codeAction", {
    textDocument: { uri: QCONFIG_URI },
    range: diags[0].range,
    context: { diagnostics: diags, only: ["refactor"] },
  });
  assert.deepEqual(none, []);
  assert.equal(await c.stop(), 0);
});

test("hover, completion and documentSymbol on a qconfig file", async () => {
  const c = await start({ snippets: true });
  const text = '{\n  "backend": "qnnpack",\n  "global": { "weight": { "observer": "minmax" } },\n  "opTypes": { "Conv": null }\n}';
  await c.open(QCONFIG_URI, text);
  const h = await c.request<Hover>("textDocument/hover", { textDocument: { uri: QCONFIG_URI }, position: { line: 2, character: 16 } });
  assert.equal((h.contents as { kind: string }).kind, "markdown");
  assert.match((h.contents as { value: string }).value, /Effective \(qnnpack\): `minmax` qint8 per_tensor_symmetric/);
  assert.deepEqual(h.range, { start: { line: 2, character: 14 }, end: { line: 2, character: 22 } });

  const list = await c.request<CompletionList>("textDocument/completion", { textDocument: { uri: QCONFIG_URI }, position: { line: 2, character: 38 } });
  const labels = list.items.map((i) => i.label);
  assert.deepEqual(labels.slice(0, 3), ['"minmax"', '"moving_average_minmax"', '"histogram"']);
  const keyList = await c.request<CompletionList>("textDocument/completion", { textDocument: { uri: QCONFIG_URI }, position: { line: 2, character: 14 } });
  const w = keyList.items.find((i) => i.label === "activation");
  assert.ok(w, `activation offered among ${keyList.items.map((i) => i.label).join(", ")}`);
  assert.equal(w.insertTextFormat, 2, "snippets when the client supports them");

  const symbols = await c.request<DocumentSymbol[]>("textDocument/documentSymbol", { textDocument: { uri: QCONFIG_URI } });
  assert.deepEqual(symbols.map((s) => s.name), ["backend", "global", "opTypes"]);
  assert.deepEqual(symbols[2].children?.map((s) => s.name), ["Conv"]);
  assert.equal(await c.stop(), 0);
});

test("completion without snippet support inserts plain text", async () => {
  const c = await start({ snippets: false });
  await c.open(QCONFIG_URI, '{ "global": { "weight": {  } } }');
  const list = await c.request<CompletionList>("textDocument/completion", { textDocument: { uri: QCONFIG_URI }, position: { line: 0, character: 26 } });
  const obs = list.items.find((i) => i.label === "observer");
  assert.equal(obs?.insertTextFormat, 1);
  assert.equal((obs?.textEdit as TextEdit).newText, '"observer": "minmax"');
  assert.equal(await c.stop(), 0);
});

test("settings: quantscope.backend and lint.ignore from workspace/configuration; didChangeConfiguration re-checks", async () => {
  const text = '{ "global": { "activation": { "reduceRange": true } } }';
  const c = await start({ settings: { backend: "qnnpack" } });
  await c.until("didChangeConfiguration registration", () => c.registrations.includes("workspace/didChangeConfiguration"));
  await c.open(QCONFIG_URI, text);
  check(await c.diagnostics(QCONFIG_URI, 1, (d) => d.length > 0), ["QS831@1:46"]);
  c.settings = { backend: "qnnpack", lint: { ignore: ["QS83"] } };
  await c.rpc.sendNotification("workspace/didChangeConfiguration", { settings: null });
  check(await c.diagnostics(QCONFIG_URI, 1, (d) => d.length === 0), []);
  c.settings = { backend: "x86" };
  await c.rpc.sendNotification("workspace/didChangeConfiguration", { settings: null });
  await new Promise((r) => setTimeout(r, 300));
  check(await c.diagnostics(QCONFIG_URI, 1), []);
  assert.equal(await c.stop(), 0);
});

test("settings: a client without workspace/configuration sends them in didChangeConfiguration", async () => {
  const c = await start();
  await c.open(QCONFIG_URI, '{ "global": { "activation": { "reduceRange": true } } }');
  check(await c.diagnostics(QCONFIG_URI, 1), []);
  await c.rpc.sendNotification("workspace/didChangeConfiguration", { settings: { quantscope: { backend: "onednn" } } });
  check(await c.diagnostics(QCONFIG_URI, 1, (d) => d.length > 0), ["QS831@1:46"]);
  assert.equal(await c.stop(), 0);
});

test("settings: [tool.quantscope] in the workspace's pyproject.toml, re-read when it changes", async () => {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), "qs-ws-"));
  fs.writeFileSync(path.join(ws, "pyproject.toml"), '[project]\nname = "m"\n\n[tool.quantscope]\nignore = ["QS820"]\n');
  const uri = fileUri(path.join(ws, "quantscope.qconfig.json"));
  const c = await start({ workspace: ws, settings: {} });
  await c.until("watcher registration", () => c.registrations.includes("workspace/didChangeWatchedFiles"));
  await c.open(uri, '{ "global": { "weight": { "dtype": "quint8" } } }');
  check(await c.diagnostics(uri, 1), []);
  fs.writeFileSync(path.join(ws, "pyproject.toml"), '[tool.quantscope]\nselect = ["QS8"]\n');
  await c.rpc.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: fileUri(path.join(ws, "pyproject.toml")), type: 2 }] });
  check(await c.diagnostics(uri, 1, (d) => d.length > 0), ["QS820@1:36"]);
  // A broken pyproject is reported and ignored.
  fs.writeFileSync(path.join(ws, "pyproject.toml"), "[tool.quantscope\n");
  await c.rpc.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: fileUri(path.join(ws, "pyproject.toml")), type: 2 }] });
  await c.until("a warning about pyproject.toml", () => c.logs.some((l) => /pyproject\.toml/.test(l) && /TOML/.test(l)));
  assert.equal(await c.stop(), 0);
});

test("the model beside a qconfig file: node names checked and completed; a changed model is re-read", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qs-model-"));
  // Copied by content: the shared files are read-only, and the copy is overwritten below.
  fs.writeFileSync(path.join(dir, "cnn.onnx"), fs.readFileSync(sharedPath("golden", "models", "cnn.onnx")));
  const uri = fileUri(path.join(dir, "cnn.qconfig.json"));
  const c = await start();
  await c.open(uri, '{ "nodes": { "/conv1/conv": null, "/conv2/Conv": null } }');
  const diags = await c.diagnostics(uri, 1);
  check(diags, ["QS841@1:14"]);
  assert.match(messageOf(diags[0]), /did you mean "\/conv1\/Conv"/);
  const list = await c.request<CompletionList>("textDocument/completion", { textDocument: { uri }, position: { line: 0, character: 12 } });
  assert.deepEqual(list.items.slice(0, 2).map((i) => [i.label, i.detail]), [["/conv1/Conv", "Conv node"], ["/relu1/Relu", "Relu node"]]);
  // The model is replaced by the MLP: /conv2/Conv no longer exists either.
  fs.writeFileSync(path.join(dir, "cnn.onnx"), fs.readFileSync(sharedPath("golden", "models", "mlp.onnx")));
  await c.rpc.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: fileUri(path.join(dir, "cnn.onnx")), type: 2 }] });
  check(await c.diagnostics(uri, 1, (d) => d.length === 2), ["QS841@1:14", "QS841@1:35"]);
  assert.equal(await c.stop(), 0);
});

test("workspace folders: an untitled Python buffer follows the pyproject.toml of a folder added later", async () => {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), "qs-ws2-"));
  fs.writeFileSync(path.join(ws, "pyproject.toml"), '[tool.quantscope]\nignore = ["QS"]\n');
  const c = await start();
  assert.deepEqual(c.initializeResult.capabilities.workspace, { workspaceFolders: { supported: true, changeNotifications: true } });
  const uri = "untitled:Untitled-1";
  await c.open(uri, fs.readFileSync(sharedPath("corpus-dev", "dev_e04_fuse_typo.py"), "utf8"), "python");
  await c.diagnostics(uri, 1, (d) => d.length > 0);
  await c.rpc.sendNotification("workspace/didChangeWorkspaceFolders", { event: { added: [{ uri: fileUri(ws), name: "ws2" }], removed: [] } });
  check(await c.diagnostics(uri, 1, (d) => d.length === 0), []);
  assert.equal(await c.stop(), 0);
});

test("Python: a corpus script gets the analyzer's diagnostics on the line PyTorch fails, and a suppression quick fix", async () => {
  const file = sharedPath("corpus-dev", "dev_e04_fuse_typo.py");
  const results = JSON.parse(fs.readFileSync(sharedPath("corpus-dev", "pytorch-results.json"), "utf8")) as Record<string, { line: number }>;
  const line = results["dev_e04_fuse_typo.py"].line;
  const text = fs.readFileSync(file, "utf8");
  const uri = fileUri(path.join(tmp, "dev_e04_fuse_typo.py"));
  const c = await start();
  await c.open(uri, text, "python");
  const diags = await c.diagnostics(uri, 1, (d) => d.length > 0);
  const onLine = diags.filter((d) => d.range.start.line + 1 === line);
  assert.ok(onLine.length > 0, `a diagnostic on line ${line}: ${diags.map((d) => `${d.code}@${d.range.start.line + 1} ${d.message}`).join("; ")}`);
  const actions = await c.request<CodeAction[]>("textDocument/codeAction", { textDocument: { uri }, range: onLine[0].range, context: { diagnostics: [onLine[0]] } });
  const suppress = actions.find((a) => a.title.startsWith(`Suppress ${onLine[0].code}`));
  assert.ok(suppress, actions.map((a) => a.title).join(", "));
  const edits = suppress.edit?.changes?.[uri] ?? [];
  const fixed = applyEdits(text, edits);
  assert.match(fixed.split("\n")[line - 1], new RegExp(`# quantscope: ignore\\[${onLine[0].code}\\]$`));
  // The suppressed finding disappears after the edit, through incremental sync.
  await c.change(uri, 2, edits.map((e) => ({ range: e.range, text: e.newText })));
  const after2 = await c.diagnostics(uri, 2);
  assert.ok(!after2.some((d) => d.code === onLine[0].code && d.range.start.line + 1 === line), "suppressed");
  const symbols = await c.request<DocumentSymbol[]>("textDocument/documentSymbol", { textDocument: { uri } });
  assert.ok(symbols.some((s) => s.name === "Net"), JSON.stringify(symbols.map((s) => s.name)));
  const fcLine = text.split("\n").findIndex((l) => l.includes("self.fc ="));
  const h = await c.request<Hover>("textDocument/hover", { textDocument: { uri }, position: { line: fcLine, character: 12 } });
  assert.match((h.contents as { value: string }).value, /self\.fc/);
  // Fixing the typo through an incremental edit clears the finding on that line.
  const typoLine = line - 1;
  const col = text.split("\n")[typoLine].indexOf('"rleu"');
  assert.ok(col > 0);
  await c.change(uri, 3, [{ range: { start: { line: typoLine, character: col }, end: { line: typoLine, character: col + 6 } }, text: '"relu"' }]);
  const fixedDiags = await c.diagnostics(uri, 3);
  assert.ok(!fixedDiags.some((d) => d.range.start.line === typoLine && d.severity === 1), fixedDiags.map((d) => `${d.code}@${d.range.start.line + 1} ${d.message}`).join("; "));
  assert.equal(await c.stop(), 0);
});

test("pull mode: Python diagnostics arrive once the analyzer has loaded (result ids change with it)", async () => {
  const c = await start({ pull: true });
  const uri = fileUri(path.join(tmp, "pull.py"));
  await c.open(uri, fs.readFileSync(sharedPath("corpus-dev", "dev_e04_fuse_typo.py"), "utf8"), "python");
  let previousResultId: string | undefined;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = await c.request<DocumentDiagnosticReport>("textDocument/diagnostic", { textDocument: { uri }, previousResultId });
    if (r.kind === "full" && r.items.length > 0) break;
    if (r.kind === "full") previousResultId = r.resultId;
    assert.ok(Date.now() < deadline, `no Python diagnostics by pull (last: ${JSON.stringify(r)}, refresh requests: ${c.refreshRequests})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(await c.stop(), 0);
});

test("Python: a script PyTorch runs cleanly gets no error diagnostics", async () => {
  const text = fs.readFileSync(sharedPath("corpus-dev", "dev_ok01_seed_dynamic.py"), "utf8");
  const uri = fileUri(path.join(tmp, "ok.py"));
  const c = await start();
  // Wait until the analyzer is loaded (it announces itself by analyzing a known-bad file first).
  const probe = fileUri(path.join(tmp, "probe.py"));
  await c.open(probe, fs.readFileSync(sharedPath("corpus-dev", "dev_e04_fuse_typo.py"), "utf8"), "python");
  await c.diagnostics(probe, 1, (d) => d.length > 0);
  await c.open(uri, text, "python");
  const diags = await c.diagnostics(uri, 1);
  assert.deepEqual(diags.filter((d) => d.severity === 1), []);
  assert.equal(await c.stop(), 0);
});

test("bad input: binary garbage, a huge line, bogus ranges, unknown methods; the server keeps answering", async () => {
  const c = await start({ pull: true });
  const garbage = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256)).toString("latin1");
  const py = fileUri(path.join(tmp, "garbage.py"));
  const js = fileUri(path.join(tmp, "garbage.qconfig.json"));
  await c.open(py, garbage, "python");
  await c.open(js, garbage);
  // A 40k-node file on one 700 KB line (analyzed), and a 2.8 MB Python line (over the size cap: skipped).
  const nodes = Array.from({ length: 40_000 }, (_, i) => `"/block${i}/Conv": ${i % 2 ? "null" : '{ "weight": { "dtype": "quint8" } }'}`);
  await c.open(fileUri(path.join(tmp, "huge.qconfig.json")), `{"nodes": {${nodes.join(",")}}}`);
  await c.open(fileUri(path.join(tmp, "giant.py")), `x = ${"1 + ".repeat(700_000)}1\n`, "python");
  await c.change(js, 2, [{ range: { start: { line: 999, character: 5 }, end: { line: -1, character: -3 } }, text: "\u0000{" }]);
  for (const uri of [py, js, fileUri(path.join(tmp, "huge.qconfig.json")), fileUri(path.join(tmp, "giant.py"))]) {
    const r = await c.request<DocumentDiagnosticReport>("textDocument/diagnostic", { textDocument: { uri } });
    assert.equal(r.kind, "full");
    if (uri.endsWith("huge.qconfig.json")) assert.equal(r.kind === "full" && r.items.filter((d) => d.code === "QS820").length, 20_000);
    await c.request("textDocument/hover", { textDocument: { uri }, position: { line: 10_000, character: 10_000 } });
    await c.request("textDocument/completion", { textDocument: { uri }, position: { line: -5, character: 3 } });
    await c.request("textDocument/documentSymbol", { textDocument: { uri } });
  }
  await assert.rejects(c.request("quantscope/nonsense", {}), /Unhandled method|not found/i);
  await c.request("textDocument/hover", { textDocument: { uri: "file:///not/open.py" }, position: { line: 0, character: 0 } });
  await c.request("textDocument/codeAction", { textDocument: { uri: js }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, message: "x", code: 42, source: "quantscope" }] } });
  // Still alive and correct.
  await c.open(QCONFIG_URI, BAD);
  const r = await c.request<DocumentDiagnosticReport>("textDocument/diagnostic", { textDocument: { uri: QCONFIG_URI } });
  check(r.kind === "full" ? r.items : [], ["QS801@4:21", "QS820@5:26"]);
  assert.equal(c.child.exitCode, null);
  assert.equal(await c.stop(), 0);
});

test("node-ipc transport: initialize, diagnostics, shutdown", async () => {
  const c = await start({ transport: "ipc" });
  await c.open(QCONFIG_URI, BAD);
  check(await c.diagnostics(QCONFIG_URI, 1), ["QS801@4:21", "QS820@5:26"]);
  assert.equal(await c.stop(), 0);
});
