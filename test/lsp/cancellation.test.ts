// Cancellation: requests the client cancels before the server gets to them are answered with RequestCancelled,
// the ones already answered are intact, and the server keeps serving (test process).
import { test, after } from "node:test";
import * as assert from "node:assert/strict";
import * as os from "node:os";
import * as path from "node:path";
import { CancellationTokenSource, ResponseError } from "vscode-jsonrpc/node";
import type { Hover } from "vscode-languageserver-protocol";
import { fileUri, TestClient } from "./lsp-client";

let client: TestClient | undefined;
after(() => client?.kill());

test("cancelled requests answer RequestCancelled; the rest answer normally; the server stays up", async () => {
  client = await TestClient.start();
  const uri = fileUri(path.join(os.tmpdir(), "cancel.qconfig.json"));
  // Big enough that each hover takes a while, so later requests are still queued when the cancels arrive.
  const nodes = Array.from({ length: 20_000 }, (_, i) => `"/n${i}/Conv": { "activation": { "observer": "minmax" } }`);
  await client.open(uri, `{ "backend": "x86", "nodes": { ${nodes.join(", ")} } }`);
  const sources = Array.from({ length: 8 }, () => new CancellationTokenSource());
  const pending = sources.map((s) =>
    client!.rpc.sendRequest("textDocument/hover", { textDocument: { uri }, position: { line: 0, character: 5 } }, s.token).then(
      (h) => ({ ok: h as Hover | null }),
      (e: unknown) => ({ error: e }),
    ),
  );
  for (const s of sources.slice(1)) s.cancel();
  const results = await Promise.all(pending);
  assert.ok("ok" in results[0] && results[0].ok !== null, "the first request was answered");
  let cancelled = 0;
  for (const r of results) {
    if ("error" in r) {
      assert.ok(r.error instanceof ResponseError, String(r.error));
      assert.equal(r.error.code, -32800, "RequestCancelled");
      cancelled++;
    } else {
      assert.match(JSON.stringify(r.ok), /backend/);
    }
  }
  assert.ok(cancelled > 0, "at least one queued request was cancelled");
  const h = await client.request<Hover>("textDocument/hover", { textDocument: { uri }, position: { line: 0, character: 5 } });
  assert.match(JSON.stringify(h), /backend/);
  assert.equal(await client.stop(), 0);
});
