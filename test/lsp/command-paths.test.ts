// Where the model commands may write, over LSP against the built server: outputs land inside a workspace folder
// (or beside a model inside one); an output folder outside it, reached by `..` or through a symbolic link, is
// refused with one line naming it and nothing is written; inputs may come from anywhere (test process).
import { test, after } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ResponseError } from "vscode-jsonrpc/node";
import type { ModelJobResult } from "../../server/src/handlers/commands";
import { isInsideFolder } from "../../core/src/node/paths";
import { repoRoot } from "../helpers/shared";
import { TestClient } from "./lsp-client";

const digits = (f: string) => path.join(repoRoot, "examples/digits", f);
const clients: TestClient[] = [];
after(() => clients.forEach((c) => c.kill()));

function tempDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `qs-paths-${name}-`));
}

async function started(workspace?: string): Promise<TestClient> {
  const c = await TestClient.start(workspace ? { workspace } : {});
  clients.push(c);
  return c;
}

/** Calibrate (the quickest job that writes) with these arguments over the defaults. */
function calibrate(c: TestClient, args: Record<string, unknown>): Promise<ModelJobResult> {
  return c.rpc.sendRequest("workspace/executeCommand", {
    command: "quantscope.server.calibrate",
    arguments: [{ model: digits("model.onnx"), backend: "x86", calibration: [digits("calib.npy")], ...args }],
  }) as Promise<ModelJobResult>;
}

/** The job is refused with InvalidParams, one line matching `message`. */
async function check(pending: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(pending, (e: unknown) => {
    assert.ok(e instanceof ResponseError && e.code === -32602, String(e));
    assert.match(e.message, message);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

test("containment: `..`, prefixes that are not parents, and symbolic links resolved in the part that exists", () => {
  const ws = tempDir("ws");
  const outside = tempDir("outside");
  fs.symlinkSync(outside, path.join(ws, "link"));
  assert.equal(isInsideFolder(ws, ws), true);
  assert.equal(isInsideFolder(path.join(ws, "a", "b"), ws), true, "a folder to be created inside");
  assert.equal(isInsideFolder(path.join(ws, "a", "..", "..", "x"), ws), false);
  assert.equal(isInsideFolder(`${ws}-sibling`, ws), false, "a name that merely starts with the folder's");
  assert.equal(isInsideFolder(path.join(ws, "..folder"), ws), true, "a child whose name starts with two dots");
  assert.equal(isInsideFolder(path.join(ws, "link"), ws), false);
  assert.equal(isInsideFolder(path.join(ws, "link", "new", "deeper"), ws), false);
  assert.equal(isInsideFolder(path.join(outside, "x"), path.join(ws, "link")), true, "the workspace folder itself may be a link");
});

test("an output folder outside the workspace is refused, naming it, and nothing is written or created", async () => {
  const ws = tempDir("ws");
  const outside = tempDir("outside");
  fs.symlinkSync(outside, path.join(ws, "link"));
  const c = await started(ws);
  const refused = (dir: string) => new RegExp(`^output folder '${escape(dir)}' is outside the workspace; choose a folder inside it$`);
  await check(calibrate(c, { outputDir: outside }), refused(outside));
  await check(calibrate(c, { outputDir: "/" }), refused("/"));
  const climbed = path.join(ws, "sub", "..", "..", path.basename(outside), "new");
  await check(calibrate(c, { outputDir: climbed }), refused(path.resolve(climbed)));
  await check(calibrate(c, { outputDir: path.join(ws, "link", "new") }), refused(path.join(ws, "link", "new")));
  // Quantize and Compare go through the same check.
  for (const command of ["quantscope.server.quantize", "quantscope.server.compare"]) {
    const evaluation = { data: digits("test_x.npy"), labels: digits("test_y.npy") };
    const pending = c.rpc.sendRequest("workspace/executeCommand", {
      command,
      arguments: [{ model: digits("model.onnx"), calibration: [digits("calib.npy")], evaluation, outputDir: outside }],
    });
    await check(pending, refused(outside));
  }
  // A control character in the folder name is escaped, keeping the message on one line.
  const odd = path.join(outside, "a\nb");
  await check(calibrate(c, { outputDir: odd }), new RegExp(`^output folder ${escape(JSON.stringify(odd))} is outside the workspace`));
  assert.deepEqual(fs.readdirSync(outside), [], "nothing written or created outside");
  assert.deepEqual(fs.readdirSync(ws), ["link"]);
});

test("with a model outside the workspace and no output folder, the job is refused instead of writing beside it", async () => {
  const ws = tempDir("ws");
  const c = await started(ws);
  const before = fs.readdirSync(digits(""));
  await check(
    calibrate(c, {}),
    new RegExp(`^the outputs would go beside the model in '${escape(path.dirname(digits("model.onnx")))}', which is outside the workspace; choose an output folder inside it$`),
  );
  assert.deepEqual(fs.readdirSync(digits("")), before);
});

test("inside the workspace: beside the model by default, or in a new output folder; inputs read from outside", async () => {
  const ws = tempDir("ws");
  fs.mkdirSync(path.join(ws, "models"));
  fs.copyFileSync(digits("model.onnx"), path.join(ws, "models", "model.onnx"));
  const c = await started(ws);
  // The calibration data stays outside the workspace: inputs may come from anywhere.
  const beside = await calibrate(c, { model: path.join(ws, "models", "model.onnx") });
  assert.equal(beside.report, path.join(ws, "models", "model.x86.calibration.quantscope.json"));
  assert.ok(JSON.parse(fs.readFileSync(beside.report, "utf8")).activations.length > 0);
  const out = path.join(ws, "out", "nested");
  const elsewhere = await calibrate(c, { outputDir: out });
  assert.equal(elsewhere.report, path.join(out, "model.x86.calibration.quantscope.json"));
  assert.ok(fs.statSync(elsewhere.report).size > 0);
});

test("with no workspace folder open, outputs may go beside the model (or below it), nowhere else", async () => {
  const modelDir = tempDir("model");
  const outside = tempDir("outside");
  fs.copyFileSync(digits("model.onnx"), path.join(modelDir, "model.onnx"));
  const c = await started();
  const model = path.join(modelDir, "model.onnx");
  const beside = await calibrate(c, { model });
  assert.equal(beside.report, path.join(modelDir, "model.x86.calibration.quantscope.json"));
  const below = await calibrate(c, { model, outputDir: path.join(modelDir, "reports") });
  assert.equal(below.report, path.join(modelDir, "reports", "model.x86.calibration.quantscope.json"));
  await check(
    calibrate(c, { model, outputDir: outside }),
    new RegExp(`^output folder '${escape(outside)}' is outside the workspace \\(no folder is open: outputs go beside the model\\); choose a folder inside it$`),
  );
  assert.deepEqual(fs.readdirSync(outside), []);
});
