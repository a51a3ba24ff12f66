// The model commands over LSP against the built server: workspace/executeCommand runs Quantize on the bundled
// digits model with work-done progress on the client's token, a cancelled run writes nothing, and bad
// arguments answer InvalidParams with one line (test process).
import { test, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CancellationTokenSource, ResponseError } from "vscode-jsonrpc/node";
import type { WorkDoneProgressBegin, WorkDoneProgressEnd, WorkDoneProgressReport } from "vscode-languageserver-protocol";
import { readModelFile } from "../../core/src/node/read-model";
import type { ModelJobResult, WhatIfResult } from "../../server/src/handlers/commands";
import { repoRoot } from "../helpers/shared";
import { TestClient, type StartOptions } from "./lsp-client";

const digits = (f: string) => path.join(repoRoot, "examples/digits", f);
const clients: TestClient[] = [];
after(() => clients.forEach((c) => c.kill()));

type Progress = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;

async function started(options: StartOptions = {}): Promise<TestClient> {
  const c = await TestClient.start(options);
  clients.push(c);
  return c;
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "qs-cmd-"));
}

test("the server announces the model commands", async () => {
  const c = await started();
  const commands = c.initializeResult.capabilities.executeCommandProvider?.commands ?? [];
  for (const id of ["quantscope.server.quantize", "quantscope.server.calibrate", "quantscope.server.compare", "quantscope.server.whatIf", "quantscope.server.describeModel"]) {
    assert.ok(commands.includes(id), `${id} missing from ${commands.join(", ")}`);
  }
});

test("Quantize reports work-done progress on the client's token and writes a model our reader loads", async () => {
  const out = tempDir();
  // Outputs must land inside a workspace folder: the output folder is the workspace here.
  const c = await started({ workspace: out });
  const token = "quantize-progress";
  const seen: Progress[] = [];
  c.rpc.onNotification("$/progress", (p: { token: string; value: Progress }) => {
    if (p.token === token) seen.push(p.value);
  });
  const result = (await c.rpc.sendRequest("workspace/executeCommand", {
    command: "quantscope.server.quantize",
    arguments: [{ model: digits("model.onnx"), backend: "x86", calibration: [digits("calib.npy")], evaluation: { data: digits("test_x.npy"), labels: digits("test_y.npy") }, outputDir: out }],
    workDoneToken: token,
  })) as ModelJobResult;
  assert.equal(result.output, path.join(out, "model.x86.int8.onnx"));
  assert.equal(result.report, path.join(out, "model.x86.quantscope.json"));
  const model = readModelFile(result.output!);
  assert.ok(model.graph.nodes.some((n) => n.opType === "QuantizeLinear"));
  const report = JSON.parse(fs.readFileSync(result.report, "utf8"));
  assert.equal(report.layers.length, 8);
  assert.match(result.summary, /8 int8 ops/);

  await c.until("the end of the progress", () => seen.some((p) => p.kind === "end"));
  assert.equal(seen[0].kind, "begin");
  assert.equal((seen[0] as WorkDoneProgressBegin).cancellable, true);
  const percents = seen.filter((p): p is WorkDoneProgressReport => p.kind === "report").map((p) => p.percentage ?? -1);
  assert.ok(percents.length >= 3, `only ${percents.length} progress reports`);
  assert.deepEqual(percents, [...percents].sort((a, b) => a - b), `progress went backwards: ${percents.join(", ")}`);
  assert.equal(percents[percents.length - 1], 100);
});

test("a cancelled Quantize answers RequestCancelled and leaves no output behind", async () => {
  const out = tempDir();
  const c = await started({ workspace: out });
  const token = "quantize-cancel";
  const source = new CancellationTokenSource();
  let reports = 0;
  let lastPercent = 0;
  let ended = false;
  c.rpc.onNotification("$/progress", (p: { token: string; value: Progress }) => {
    if (p.token !== token) return;
    if (p.value.kind === "end") ended = true;
    if (p.value.kind !== "report") return;
    lastPercent = p.value.percentage ?? lastPercent;
    // Cancel once calibration is under way: batches of one sample keep it running long enough.
    if (++reports === 3) source.cancel();
  });
  const pending = c.rpc.sendRequest(
    "workspace/executeCommand",
    { command: "quantscope.server.quantize", arguments: [{ model: digits("model.onnx"), backend: "qnnpack", calibration: [digits("calib.npy")], batchSize: 1, outputDir: out }], workDoneToken: token },
    source.token,
  );
  await assert.rejects(pending, (e: unknown) => e instanceof ResponseError && e.code === -32800);
  await c.until("the end of the progress", () => ended);
  assert.ok(lastPercent < 85, `the run went on to ${lastPercent}% after the cancel`);
  assert.deepEqual(fs.readdirSync(out), [], "a cancelled run wrote files");
  // The server is still fine.
  const again = (await c.rpc.sendRequest("workspace/executeCommand", { command: "quantscope.server.describeModel", arguments: [{ model: digits("model.onnx") }] })) as { nodes: unknown[] };
  assert.equal(again.nodes.length, 12);
});

test("bad arguments answer InvalidParams with one line", async () => {
  const c = await started();
  const call = (arg: unknown) => c.rpc.sendRequest("workspace/executeCommand", { command: "quantscope.server.quantize", arguments: [arg] });
  const check = async (arg: unknown, message: RegExp) =>
    assert.rejects(call(arg), (e: unknown) => {
      assert.ok(e instanceof ResponseError && e.code === -32602, String(e));
      assert.match(e.message, message);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
  await check({ model: "model.onnx", calibration: [digits("calib.npy")] }, /'model' must be an absolute path/);
  await check({ model: digits("model.onnx"), backend: "arm", calibration: [digits("calib.npy")] }, /backend must be one of x86, fbgemm, qnnpack, onednn/);
  await check({ model: digits("model.onnx"), calibration: [] }, /exactly one calibration data file/);
  await check({ model: digits("model.onnx"), calibration: [digits("test_y.npy")] }, /test_y\.npy: the calibration data must be float32, got int64/);
  await check({ model: digits("README.md"), calibration: [digits("calib.npy")] }, /README\.md: not a valid ONNX model/);
  await check({ model: digits("model.onnx"), calibration: [digits("calib.npy")], keepFloat: ["/nope"] }, /no node named '\/nope'/);
  await assert.rejects(
    c.rpc.sendRequest("workspace/executeCommand", { command: "quantscope.server.nope", arguments: [] }),
    (e: unknown) => e instanceof ResponseError && e.code === -32601,
  );
});

test("what-if without an earlier Compare: the baseline is all int8, the variant keeps the chosen layer in float", async () => {
  const c = await started();
  const job = { model: digits("model.onnx"), backend: "qnnpack", calibration: [digits("calib.npy")], evaluation: { data: digits("test_x.npy"), labels: digits("test_y.npy") } };
  const run = (keepFloat: string[]) =>
    c.rpc.sendRequest("workspace/executeCommand", { command: "quantscope.server.whatIf", arguments: [{ ...job, keepFloat }] }) as Promise<WhatIfResult>;
  const fc = await run(["/fc/Gemm"]);
  assert.deepEqual(fc.keepFloat, ["/fc/Gemm"]);
  assert.ok(fc.baseline.outputSqnr !== null && fc.variant.outputSqnr !== null);
  assert.notEqual(fc.variant.outputSqnr, fc.baseline.outputSqnr);
  // Nothing in float is the baseline itself, from the same cached session.
  const none = await run([]);
  assert.deepEqual(none.variant, none.baseline);
  assert.deepEqual(none.baseline, fc.baseline);
  await assert.rejects(run(["/relu1/Relu"]), (e: unknown) => e instanceof ResponseError && e.code === -32602 && /not an int8 layer/.test(e.message));
});
