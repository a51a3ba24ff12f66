// Server robustness under an edit storm (test process): 10,000 random incremental edits across 20 open
// documents (Python from the shared corpus and qconfig files), with hover, code-action and pull-diagnostic
// requests fired concurrently. The server must not crash, log no uncaught exception or unhandled rejection,
// answer every request, keep its memory bounded (peak RSS from /proc/PID/status VmHWM is reported), and at
// the end give for every document exactly the diagnostics a fresh server gives for the same final text.
import { test, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Diagnostic, DocumentDiagnosticReport, TextDocumentContentChangeEvent } from "vscode-languageserver-protocol";
import { TextDocument } from "vscode-languageserver-textdocument";
import { fileUri, TestClient } from "../lsp/lsp-client";
import { rng } from "../helpers/onnx-models";
import { sharedPath } from "../helpers/shared";
import { FUZZ_SEED } from "./fuzz-options";

const EDITS = Number(process.env.STORM_EDITS ?? 10_000);
const DOCUMENTS = 20;
/** Edits between waits for the requests in flight (the client keeps at most this many edits ahead). */
const BATCH = 250;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "qs-storm-"));
const clients: TestClient[] = [];
after(() => clients.forEach((c) => c.kill()));

const CORPUS = fs
  .readdirSync(sharedPath("corpus-dev"))
  .filter((f) => f.endsWith(".py"))
  .sort()
  .map((f) => fs.readFileSync(sharedPath("corpus-dev", f), "utf8"));
const CORPUS_LINES = CORPUS.flatMap((t) => t.split("\n")).filter((l) => l.trim());
const QCONFIG = `{
  "backend": "x86",
  "global": { "activation": { "observer": "histogram", "reduce_range": true }, "weight": { "dtype": "quint8" } },
  "opTypes": { "Conv": { "weight": { "observer": "per_channel_minmax" } }, "Sigmoid": null },
  "nodes": { "/features/0/Conv": { "activation": { "observer": "minmax" } } }
}
`;
const QCONFIG_SNIPPETS = ['"observer": "minmax", ', '"dtype": "qint8", ', '"reduce_range": false, ', "{", "}", ",", '"', "null", '"qscheme": "per_tensor_symmetric", '];
const JUNK = ["(", ")", ":", "\n", "    ", "self.", "torch.", "quant", "\u0000", "é", "😀", "\t", "\\", '"""', "#"];

function vmStatus(pid: number, field: "VmRSS" | "VmHWM"): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}

function key(d: Diagnostic): string {
  return `${d.code}@${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${d.severity} ${d.message}`;
}

async function pull(c: TestClient, uri: string): Promise<Diagnostic[]> {
  const r = await c.request<DocumentDiagnosticReport>("textDocument/diagnostic", { textDocument: { uri } });
  assert.equal(r.kind, "full");
  return r.kind === "full" ? r.items : [];
}

/** Waits until the Python analyzer is loaded (a known-bad corpus file gets findings by pull). */
async function waitForPython(c: TestClient): Promise<void> {
  const probe = fileUri(path.join(tmp, `probe-${clients.length}.py`));
  await c.open(probe, fs.readFileSync(sharedPath("corpus-dev", "dev_e04_fuse_typo.py"), "utf8"), "python");
  const deadline = Date.now() + 30_000;
  while ((await pull(c, probe)).length === 0) {
    assert.ok(Date.now() < deadline, "the Python analyzer did not load in 30 s");
    await new Promise((r) => setTimeout(r, 100));
  }
  await c.close(probe);
}

test(`${EDITS} random edits across ${DOCUMENTS} documents with concurrent requests`, { timeout: 300_000 }, async () => {
  const random = rng(FUZZ_SEED);
  const int = (n: number) => Math.floor(random.next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const c = await TestClient.start({ pull: true });
  clients.push(c);
  const pid = c.child.pid!;
  await waitForPython(c);

  const docs: TextDocument[] = [];
  for (let i = 0; i < DOCUMENTS; i++) {
    const python = i % 10 < 7;
    const uri = fileUri(path.join(tmp, python ? `doc${i}.py` : `doc${i}.qconfig.json`));
    const text = python ? CORPUS[i % CORPUS.length] : QCONFIG;
    docs.push(TextDocument.create(uri, python ? "python" : "json", 1, text));
    await c.open(uri, text, python ? "python" : "json");
  }

  /** A random position inside the document (sometimes one past a line's end, which LSP clamps). */
  const positionIn = (d: TextDocument) => {
    const line = int(d.lineCount);
    const length = d.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, "").length;
    return { line, character: int(length + 2) };
  };
  const randomChange = (d: TextDocument): TextDocumentContentChangeEvent => {
    const python = d.languageId === "python";
    const roll = random.next();
    if (roll < 0.005) return { text: python ? pick(CORPUS) : QCONFIG }; // whole-document replacement
    const start = positionIn(d);
    let end = start;
    if (roll < 0.45) {
      const offset = d.offsetAt(start) + int(python ? 60 : 20);
      end = d.positionAt(offset);
    }
    let text = "";
    if (roll >= 0.3) {
      const r2 = random.next();
      text = r2 < 0.5 ? (python ? pick(CORPUS_LINES) + "\n" : pick(QCONFIG_SNIPPETS)) : r2 < 0.85 ? pick(JUNK) : String.fromCharCode(32 + int(90));
    }
    return { range: { start, end }, text };
  };

  const rssSamples: number[] = [];
  const sampler = setInterval(() => rssSamples.push(vmStatus(pid, "VmRSS")), 250);
  const failures: string[] = [];
  const requests = { hover: 0, codeAction: 0, diagnostic: 0, completion: 0 };
  const t0 = Date.now();
  let inFlight: Promise<unknown>[] = [];
  const track = (what: keyof typeof requests, p: Promise<unknown>) => {
    requests[what]++;
    inFlight.push(p.catch((e: Error) => failures.push(`${what}: ${e.message}`)));
  };
  let rssAtTenth = 0;
  for (let n = 0; n < EDITS; n++) {
    const i = int(DOCUMENTS);
    const d = docs[i];
    const changes = [randomChange(d)];
    if (random.next() < 0.05) {
      // Two changes in one notification: the second applies to the text after the first.
      const between = TextDocument.update(TextDocument.create(d.uri, d.languageId, d.version, d.getText()), changes, d.version);
      changes.push(randomChange(between));
    }
    docs[i] = TextDocument.update(d, changes, d.version + 1);
    await c.change(d.uri, docs[i].version, changes);
    const doc = docs[i];
    const roll = random.next();
    if (roll < 0.15) {
      track("diagnostic", pull(c, doc.uri));
    } else if (roll < 0.3) {
      track("hover", c.request("textDocument/hover", { textDocument: { uri: doc.uri }, position: positionIn(doc) }));
    } else if (roll < 0.4) {
      const start = positionIn(doc);
      track(
        "codeAction",
        pull(c, doc.uri).then((diagnostics) =>
          c.request("textDocument/codeAction", { textDocument: { uri: doc.uri }, range: { start, end: start }, context: { diagnostics: diagnostics.slice(0, 3) } }),
        ),
      );
    } else if (roll < 0.45) {
      track("completion", c.request("textDocument/completion", { textDocument: { uri: doc.uri }, position: positionIn(doc) }));
    }
    if (n % BATCH === BATCH - 1) {
      await Promise.all(inFlight);
      inFlight = [];
      assert.equal(c.child.exitCode, null, `the server exited after ${n + 1} edits:\n${c.stderr}`);
      if (n + 1 === Math.round(EDITS / 10 / BATCH) * BATCH) rssAtTenth = vmStatus(pid, "VmRSS");
    }
  }
  await Promise.all(inFlight);
  const stormSeconds = (Date.now() - t0) / 1000;

  // Final state: every document's diagnostics, from this server and from a fresh one given the same texts.
  const finals = new Map<string, string[]>();
  for (const d of docs) finals.set(d.uri, (await pull(c, d.uri)).map(key).sort());
  clearInterval(sampler);
  const peak = vmStatus(pid, "VmHWM");
  const rssEnd = vmStatus(pid, "VmRSS");

  const fresh = await TestClient.start({ pull: true });
  clients.push(fresh);
  await waitForPython(fresh);
  const mismatches: string[] = [];
  for (const d of docs) {
    const uri = d.uri.replace(/\/doc(\d+)/, "/fresh$1");
    await fresh.open(uri, d.getText(), d.languageId);
    const expected = (await pull(fresh, uri)).map(key).sort();
    if (JSON.stringify(expected) !== JSON.stringify(finals.get(d.uri))) {
      mismatches.push(`${d.uri}: storm server ${JSON.stringify(finals.get(d.uri))}\n  fresh server ${JSON.stringify(expected)}`);
    }
  }

  const mib = (b: number) => `${(b / 1048576).toFixed(0)} MiB`;
  const summary =
    `${EDITS} edits in ${stormSeconds.toFixed(1)} s; requests ${JSON.stringify(requests)}; ` +
    `RSS after ${EDITS / 10} edits ${mib(rssAtTenth)}, at the end ${mib(rssEnd)}, peak (VmHWM) ${mib(peak)}`;
  console.log(summary);
  fs.mkdirSync(path.join(os.tmpdir(), "quantscope-fuzz"), { recursive: true });
  fs.writeFileSync(path.join(os.tmpdir(), "quantscope-fuzz", "lsp-storm.txt"), summary + "\n");

  assert.deepEqual(failures, [], "every request answered");
  const fatal = c.logs.filter((l) => /uncaught|unhandled rejection|failed:/i.test(l));
  assert.deepEqual(fatal, [], "no uncaught exception, unhandled rejection or handler failure in the server log");
  assert.deepEqual(mismatches, [], "final diagnostics equal a fresh server's");
  const withFindings = [...finals.values()].filter((v) => v.length > 0).length;
  assert.ok(withFindings >= DOCUMENTS / 4, `the comparison covers real findings (${withFindings} documents have some)`);
  // Memory stays bounded: no growth with the number of edits beyond a margin for caches and GC timing.
  assert.ok(rssEnd < rssAtTenth * 1.5 + 64 * 1048576, `RSS grew from ${mib(rssAtTenth)} to ${mib(rssEnd)}`);
  assert.ok(peak < 1024 * 1048576, `peak RSS ${mib(peak)} is under 1 GiB`);
  assert.equal(await c.stop(), 0);
  assert.equal(await fresh.stop(), 0);
});
