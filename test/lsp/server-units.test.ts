// Server pieces without a connection: reading client settings, merging them with pyproject, rule selection,
// the suppression-comment edit and the session's per-version analysis cache (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TextDocument } from "vscode-languageserver-textdocument";
import { applyLintSettings, isRuleEnabled, mergeSettings, settingsFromClient } from "../../server/src/settings";
import { fixAllEdits, suppressionEdit } from "../../server/src/handlers/code-action";
import { Session, type DocumentSnapshot } from "../../server/src/session";
import { PyprojectResolver } from "../../server/src/pyproject";
import { fileUri } from "./lsp-client";
import type { PythonSupport } from "../../server/src/python-support";
import type { Finding } from "../../core/src/diagnostics";

test("client settings: nested and dotted keys, lint.* and rules.*, bad values ignored", () => {
  assert.deepEqual(settingsFromClient({ backend: "qnnpack", lint: { select: ["QS8"], ignore: ["QS830"] } }), { backend: "qnnpack", lint: { select: ["QS8"], ignore: ["QS830"] } });
  assert.deepEqual(settingsFromClient({ "lint.ignore": ["QS1"] }), { backend: undefined, lint: { ignore: ["QS1"] } });
  assert.deepEqual(settingsFromClient({ rules: { ignore: ["QS2"] } }), { backend: undefined, lint: { ignore: ["QS2"] } });
  assert.deepEqual(settingsFromClient({ backend: "tpu", lint: { select: "QS8", ignore: [1] } }), { backend: undefined, lint: {} });
  assert.deepEqual(settingsFromClient(null), { backend: undefined, lint: {} });
  assert.deepEqual(settingsFromClient("x"), { backend: undefined, lint: {} });
});

test("editor settings win over pyproject, each of select/ignore separately", () => {
  const merged = mergeSettings({ lint: { ignore: ["QS830"] } }, { select: ["QS8"], ignore: ["QS1"], severityOverrides: { QS801: "warning" } });
  assert.deepEqual(merged, { backend: "x86", lint: { select: ["QS8"], ignore: ["QS830"], severityOverrides: { QS801: "warning" } } });
});

test("rule selection: prefixes, ALL, ignore wins, severity overrides", () => {
  assert.equal(isRuleEnabled("QS830", {}), true);
  assert.equal(isRuleEnabled("QS830", { select: ["QS8"] }), true);
  assert.equal(isRuleEnabled("QS101", { select: ["QS8"] }), false);
  assert.equal(isRuleEnabled("QS830", { select: ["ALL"], ignore: ["qs83"] }), false);
  const f: Finding = { code: "QS801", severity: "error", message: "m", range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } } };
  assert.deepEqual(applyLintSettings([f], { severityOverrides: { QS801: "hint" } }).map((x) => x.severity), ["hint"]);
  assert.deepEqual(applyLintSettings([f], { ignore: ["QS801"] }), []);
});

function snapshot(text: string): DocumentSnapshot {
  return { uri: "file:///a.py", kind: "python", version: 1, document: TextDocument.create("file:///a.py", "python", 1, text) };
}

/** The line after applying the suppression edit for `code` on `line`. */
function check(text: string, line: number, code: string, expected: string | undefined): void {
  const s = snapshot(text);
  const edit = suppressionEdit(s, line, code);
  if (expected === undefined) {
    assert.equal(edit, undefined);
    return;
  }
  assert.ok(edit);
  const out = TextDocument.applyEdits(s.document, [edit]);
  assert.equal(out.split(/\r?\n/)[line], expected);
}

test("suppression edit: appends a comment, or extends an existing one", () => {
  check("x = 1\ny = 2   \n", 1, "QS101", "y = 2  # quantscope: ignore[QS101]");
  check("x = 1\r\ny = 2\r\n", 0, "QS101", "x = 1  # quantscope: ignore[QS101]");
  check("y = f()  # quantscope: ignore[QS101]\n", 0, "QS203", "y = f()  # quantscope: ignore[QS101, QS203]");
  check("y = f()  # quantscope: ignore[]\n", 0, "QS203", "y = f()  # quantscope: ignore[QS203]");
  check("y = f()  # quantscope: ignore[QS101]\n", 0, "QS101", undefined);
  check("y = f()  # noqa\n", 0, "QS101", "y = f()  # noqa  # quantscope: ignore[QS101]");
  check("x", 5, "QS101", undefined);
});

test("session: analyses are cached per version and settings generation", () => {
  const session = new Session(() => {});
  session.settingsLoaded();
  const uri = "file:///m.qconfig.json";
  assert.equal(session.open(uri, "json", 1, '{ "global": { "weight": { "dtype": "quint8" } } }')?.kind, "qconfig");
  assert.equal(session.open("file:///notes.txt", "plaintext", 1, "x"), undefined, "other files are not tracked");
  const a1 = session.analysis(uri);
  assert.deepEqual(a1?.findings.map((f) => f.code), ["QS820"]);
  assert.equal(session.analysis(uri), a1, "same version, same settings: cached");
  session.setClientSettings({ backend: "x86", lint: { ignore: ["QS820"] } });
  const a2 = session.analysis(uri);
  assert.notEqual(a2, a1);
  assert.deepEqual(a2?.findings, []);
  session.change(uri, 2, [{ range: { start: { line: 0, character: 35 }, end: { line: 0, character: 43 } }, text: '"qint32"' }]);
  assert.equal(session.get(uri)?.document.getText(), '{ "global": { "weight": { "dtype": "qint32" } } }');
  assert.equal(session.analysis(uri)?.version, 2);
  assert.equal(session.setClientSettings({ backend: "x86", lint: { ignore: ["QS820"] } }), false, "equal settings are no change");
  session.close(uri);
  assert.equal(session.analysis(uri), undefined);
});

test("pyproject: the closest pyproject.toml with [tool.quantscope] applies, like ruff; changes need invalidate()", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "qs-pyproject-"));
  fs.mkdirSync(path.join(root, "sub/inner/deep"), { recursive: true });
  fs.writeFileSync(path.join(root, "pyproject.toml"), '[tool.quantscope]\nignore = ["QS1"]\n');
  fs.writeFileSync(path.join(root, "sub/pyproject.toml"), '[project]\nname = "no-quantscope-table"\n');
  fs.writeFileSync(path.join(root, "sub/inner/pyproject.toml"), '[tool.quantscope]\nselect = ["QS8"]\n[tool.quantscope.severity]\nQS830 = "error"\n');
  const warnings: string[] = [];
  const r = new PyprojectResolver((m) => warnings.push(m));
  const uri = (p: string) => fileUri(path.join(root, p));
  assert.deepEqual(r.lintFor(uri("a.py")), { ignore: ["QS1"] });
  assert.deepEqual(r.lintFor(uri("sub/b.py")), { ignore: ["QS1"] }, "a pyproject without the table is skipped");
  assert.deepEqual(r.lintFor(uri("sub/inner/deep/c.py")), { select: ["QS8"], severityOverrides: { QS830: "error" } });
  assert.equal(r.fileFor(uri("sub/inner/c.py")), path.join(root, "sub/inner/pyproject.toml"));
  assert.deepEqual(r.lintFor("untitled:Untitled-1"), {}, "no workspace folder: nothing");
  r.setWorkspaceFolders([path.join(root, "sub/inner")]);
  assert.deepEqual(r.lintFor("untitled:Untitled-1"), { select: ["QS8"], severityOverrides: { QS830: "error" } });

  fs.writeFileSync(path.join(root, "sub/inner/pyproject.toml"), "[tool.quantscope\n");
  assert.deepEqual(r.lintFor(uri("sub/inner/c.py")), { select: ["QS8"], severityOverrides: { QS830: "error" } }, "cached until invalidated");
  r.invalidate();
  assert.deepEqual(r.lintFor(uri("sub/inner/c.py")), {}, "a broken config is empty, not its parent's");
  assert.deepEqual(r.lintFor(uri("sub/inner/d.py")), {});
  assert.equal(warnings.length, 1, "reported once");
  assert.match(warnings[0], /pyproject\.toml.*TOML/);
});

test("fix-all takes each finding's first fix and skips fixes that touch text already being changed", () => {
  const r = (l: number, a: number, b: number) => ({ start: { line: l, character: a }, end: { line: l, character: b } });
  const finding = (code: string, ...edits: [number, number, number, string][]): Finding => ({
    code,
    severity: "error",
    message: code,
    range: r(0, 0, 1),
    fixes: edits.length ? [{ title: code, edits: edits.map(([l, a, b, t]) => ({ range: r(l, a, b), newText: t })) }] : undefined,
  });
  const { edits, fixed } = fixAllEdits([
    finding("A", [0, 0, 5, "a"]),
    finding("B", [0, 3, 8, "b"]),
    finding("C", [0, 6, 9, "c"], [1, 0, 0, "c2"]),
    finding("D"),
    finding("E", [1, 0, 2, "e"]),
  ]);
  assert.equal(fixed, 2);
  assert.deepEqual(edits.map((e) => e.newText), ["a", "c", "c2"]);
});

test("session: a Python analyzer that throws never loses the text or throws out of the session", () => {
  const logs: string[] = [];
  let analyzeCalls = 0;
  const failing: PythonSupport = {
    parse: (text) => {
      if (text.includes("boom")) throw new Error("parse failed");
      return { text };
    },
    edit: () => {
      throw new Error("edit failed");
    },
    dispose: () => {},
    analyze: () => {
      analyzeCalls++;
      throw new Error("analyze failed");
    },
    hover: () => undefined,
    symbols: () => [],
  };
  const session = new Session((m) => logs.push(m), failing);
  const uri = "file:///x.py";
  session.open(uri, "python", 1, "x = 1\n");
  session.change(uri, 2, [{ range: { start: { line: 0, character: 4 }, end: { line: 0, character: 5 } }, text: "2" }]);
  assert.equal(session.get(uri)?.document.getText(), "x = 2\n");
  assert.ok(session.get(uri)?.python, "re-parsed from scratch after the failed incremental parse");
  session.change(uri, 3, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: "boom " }]);
  assert.equal(session.get(uri)?.document.getText(), "boom x = 2\n");
  assert.equal(session.get(uri)?.python, undefined);
  session.change(uri, 4, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 5 } }, text: "" }]);
  const a = session.analysis(uri);
  assert.deepEqual(a?.findings, []);
  assert.equal(a?.skipped, "the Python analyzer failed");
  session.analysis(uri);
  assert.equal(analyzeCalls, 1, "the failure is cached for the version");
  assert.ok(logs.some((l) => /edit failed/.test(l)) && logs.some((l) => /parse failed/.test(l)) && logs.some((l) => /analyze failed/.test(l)));
});
