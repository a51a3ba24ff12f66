// The bad-input table of docs/reliability.md, one row per test: each bad file or flag given to the CLI gives
// exit code 2, exactly one line on stderr with the exact message, nothing on stdout, and no output file
// (nor a leftover temp file) in the output folder. Also the reproducers of crashes found by fuzzing
// (test/fuzz/crashers/), each checked for its exact InputError (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { onnx } from "onnx-proto";
import { zipSync } from "fflate";
import { main } from "../../core/cli/main";
import { InputError } from "../../core/src/errors";
import { float32Tensor, makeNode } from "../../core/src/onnx/ir";
import { HOST_EVALUATORS } from "../../core/src/onnx/fold";
import { writeModel, writeModelWithExternalData } from "../../core/src/onnx/write";
import { readModel, type ReadLimits } from "../../core/src/onnx/read";
import { inferShapes } from "../../core/src/onnx/shape-inference";
import { parseNpy, writeNpy } from "../../core/src/data/npy";
import { parseNpz, writeNpz } from "../../core/src/data/npz";
import { buildModel, rng } from "../helpers/onnx-models";
import { repoRoot } from "../helpers/shared";
import { createCore } from "../../core/src/node/load-core";
import { FloatExecutor } from "../../core/src/runtime/float-executor";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qs-bad-inputs-"));
const outDir = path.join(dir, "out");
fs.mkdirSync(outDir);
const at = (name: string) => path.join(dir, name);

// ---------------------------------------------------------------------------------------------------------
// Inputs: one good model and data set, and each bad variant written beside them.

const r = rng(3);
const GOOD_MODEL = buildModel({
  inputs: { x: ["N", 4] },
  initializers: [float32Tensor("w", [3, 4], r.floats(12)), float32Tensor("b", [3], r.floats(3))],
  nodes: [
    { op: "Gemm", inputs: ["x", "w", "b"], outputs: ["g"], attributes: { transB: { type: "int", value: 1 } } },
    { op: "Relu", inputs: ["g"], outputs: ["y"] },
  ],
  outputs: ["y"],
});
const GOOD_BYTES = writeModel(GOOD_MODEL);
fs.writeFileSync(at("good.onnx"), GOOD_BYTES);
fs.writeFileSync(at("calib.npy"), writeNpy({ shape: [8, 4], data: r.floats(32) }));

/** Decodes `bytes`, lets `edit` damage the protobuf message, and writes the result as `name`. */
function writeProto(name: string, edit: (m: onnx.ModelProto, g: onnx.GraphProto) => void, bytes = GOOD_BYTES): void {
  const m = onnx.ModelProto.decode(bytes);
  edit(m, m.graph as onnx.GraphProto);
  fs.writeFileSync(at(name), onnx.ModelProto.encode(m).finish());
}

fs.writeFileSync(at("empty.onnx"), new Uint8Array(0));
fs.writeFileSync(at("text.onnx"), "this is not a model\n");
fs.writeFileSync(at("truncated.onnx"), GOOD_BYTES.subarray(0, GOOD_BYTES.length - 7));
fs.mkdirSync(at("folder.onnx"));
writeProto("opset99.onnx", (m) => (m.opsetImport = [onnx.OperatorSetIdProto.create({ domain: "", version: 99 })]));
writeProto("cycle.onnx", (_, g) => (g.node[0].input = ["y", ...g.node[0].input!.slice(1)])); // Gemm reads Relu's output, Relu reads Gemm's.
writeProto("dangling.onnx", (_, g) => (g.node[1].input = ["nowhere"]));
writeProto("negative-dim.onnx", (_, g) => ((g.input[0].type!.tensorType!.shape!.dim as onnx.TensorShapeProto.IDimension[])[1] = onnx.TensorShapeProto.Dimension.create({ dimValue: -4 })));
writeProto("huge-initializer.onnx", (_, g) => (g.initializer[1].dims = [65536, 65536]));
writeProto("newline-name.onnx", (_, g) => (g.node[1].name = "relu\nInjected line"));
writeProto("no-graph.onnx", (m) => (m.graph = null));
{
  // External data: outside the folder, missing, and shorter than declared.
  const ext = writeModelWithExternalData(GOOD_MODEL, { location: "weights.bin", sizeThreshold: 0 });
  fs.writeFileSync(at("ext-missing.onnx"), ext.model);
  const relocate = (location: string) => (_: onnx.ModelProto, g: onnx.GraphProto) => {
    for (const t of g.initializer) for (const e of t.externalData ?? []) if (e.key === "location") e.value = location;
  };
  writeProto("ext-escape.onnx", relocate("../../etc/passwd"), ext.model);
  writeProto("ext-short.onnx", relocate("short.bin"), ext.model);
  fs.writeFileSync(at("short.bin"), new Uint8Array(5));
}

fs.writeFileSync(at("calib.txt"), "1 2 3 4\n");
fs.writeFileSync(at("not-npy.npy"), "1,2,3,4\n");
fs.writeFileSync(at("f64.npy"), writeNpy({ shape: [8, 4], data: new Float64Array(32) }));
fs.writeFileSync(at("wrong-shape.npy"), writeNpy({ shape: [8, 5], data: new Float32Array(40) }));
fs.writeFileSync(at("no-samples.npy"), writeNpy({ shape: [0, 4], data: new Float32Array(0) }));
fs.writeFileSync(at("scalar.npy"), writeNpy({ shape: [], data: Float32Array.of(1) }));
fs.writeFileSync(at("truncated.npy"), writeNpy({ shape: [8, 4], data: new Float32Array(32) }).subarray(0, 128 + 36));
fs.copyFileSync(path.join(repoRoot, "test/fuzz/crashers/npy-deeply-nested-header.npy"), at("nested.npy"));
{
  const header = "{'descr': '<f4', 'fortran_order': True, 'shape': (8, 4), }";
  const b = Buffer.from(writeNpy({ shape: [8, 4], data: new Float32Array(32) }));
  b.fill(0x20, 10, 127);
  b.write(header, 10, "latin1");
  fs.writeFileSync(at("fortran.npy"), b);
}
fs.writeFileSync(at("wrong-name.npz"), writeNpz({ images: { dtype: "float32", shape: [8, 4], data: new Float32Array(32) }, other: { dtype: "float32", shape: [1], data: new Float32Array(1) } }));
fs.writeFileSync(at("not-zip.npz"), "PK but not really a zip file");
fs.writeFileSync(at("bomb.npz"), zipBomb());
fs.writeFileSync(at("labels-float.npy"), writeNpy({ shape: [8], data: new Float32Array(8) }));
fs.writeFileSync(at("labels-short.npy"), writeNpy({ shape: [7], data: new BigInt64Array(7) }));

fs.writeFileSync(at("bad-json.qconfig.json"), '{"backend": "x86",,}');
fs.writeFileSync(at("unknown-key.qconfig.json"), '{"backend": "x86", "globl": {}}');
fs.writeFileSync(at("bad-backend.qconfig.json"), '{"backend": "arm"}');

/**
 * A stored .npz whose central directory claims a member of 4 GiB: the reader must refuse it from the
 * directory, before inflating anything.
 */
function zipBomb(): Uint8Array {
  const zip = Buffer.from(zipSync({ "x.npy": [writeNpy({ shape: [2], data: new Float32Array(2) }), { level: 0 }] }));
  const cd = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  zip.writeUInt32LE(0xfffffff0, cd + 24); // uncompressed size
  return zip;
}

// ---------------------------------------------------------------------------------------------------------
// The check: exit 2, one exact stderr line, no stdout, the output folder still empty.

async function run(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), interactive: false, cwd: dir, signal: new AbortController().signal });
  return { code, out, err };
}

/** Every message checked below, as the docs table shows it (paths relative to the test folder). */
const checked: string[] = [];

async function check(args: string[], expected: string): Promise<void> {
  checked.push(expected.split(`${dir}/`).join(""));
  const r = await run(args);
  assert.deepEqual({ code: r.code, err: r.err, out: r.out }, { code: 2, err: [`quantscope: error: ${expected}`], out: [] });
  assert.deepEqual(fs.readdirSync(outDir), [], "no output file, and no temp file left behind");
}

const quantize = (model: string, calib = "calib.npy", ...more: string[]) => ["quantize", model, "--calib", calib, "--backend", "x86", "--out", "out/q.onnx", "--report", "out/q.json", ...more];

test("the good inputs quantize (so each row below fails for its own reason), then the output is removed", async () => {
  const r = await run(quantize("good.onnx"));
  assert.equal(r.code, 0, r.err.join("\n"));
  assert.deepEqual(fs.readdirSync(outDir).sort(), ["q.json", "q.onnx"]);
  for (const f of fs.readdirSync(outDir)) fs.rmSync(path.join(outDir, f));
});

const MODEL_ROWS: [string, string, string][] = [
  ["a missing model", "missing.onnx", `${at("missing.onnx")}: cannot read the model: no such file`],
  ["a folder", "folder.onnx", `${at("folder.onnx")}: cannot read the model: it is a directory`],
  ["an empty file", "empty.onnx", `${at("empty.onnx")}: the file is empty, not an ONNX model`],
  ["a text file", "text.onnx", `${at("text.onnx")}: not a valid ONNX model: protobuf decoding failed (invalid wire type 7 at offset 16); the file may be truncated or corrupt`],
  ["a truncated model", "truncated.onnx", `${at("truncated.onnx")}: not a valid ONNX model: protobuf decoding failed (index out of range: ${GOOD_BYTES.length - 7} + 10 > ${GOOD_BYTES.length - 7}); the file may be truncated or corrupt`],
  ["no graph", "no-graph.onnx", `${at("no-graph.onnx")}: not a valid ONNX model: it has no graph (is this an ONNX file?)`],
  ["opset 99", "opset99.onnx", `${at("opset99.onnx")}: opset 99 is not supported (QuantScope reads opsets 13-21); re-export with torch.onnx.export(..., opset_version=17)`],
  ["a cycle", "cycle.onnx", `${at("cycle.onnx")}: the graph has a cycle: node 'gemm_0' (Gemm) -> node 'relu_1' (Relu) -> node 'gemm_0' (Gemm)`],
  ["a dangling input", "dangling.onnx", `${at("dangling.onnx")}: node 'relu_1' (Relu) reads 'nowhere', which no node, graph input or initializer defines`],
  ["a negative declared dimension", "negative-dim.onnx", `${at("negative-dim.onnx")}: value 'x' declares dimension -4, which is not a valid size`],
  ["an initializer over the element limit", "huge-initializer.onnx", `${at("huge-initializer.onnx")}: tensor 'b' has shape [65536, 65536] of 4294967296 elements, over the limit of 536870912`],
  ["a control character in a node name", "newline-name.onnx", `${at("newline-name.onnx")}: node name "relu\\nInjected line" contains control characters; the file is probably corrupt`],
  ["external data outside the model's folder", "ext-escape.onnx", `${at("ext-escape.onnx")}: tensor 'w' names external data '../../etc/passwd' outside the model's folder, which is not allowed`],
  ["a missing external data file", "ext-missing.onnx", `${at("ext-missing.onnx")}: cannot read external data file 'weights.bin': no such file`],
  ["a short external data file", "ext-short.onnx", `${at("ext-short.onnx")}: external data file 'short.bin' is 5 bytes, too short for 48 bytes at offset 0`],
];
for (const [what, file, message] of MODEL_ROWS) test(`model: ${what}`, () => check(quantize(file), message));

const DATA_ROWS: [string, string, string][] = [
  ["missing calibration data", "missing.npy", `${at("missing.npy")}: cannot read: no such file`],
  ["a .txt file", "calib.txt", `${at("calib.txt")}: unsupported data file type '.txt' (expected .npy or .npz)`],
  ["not an .npy file", "not-npy.npy", `${at("not-npy.npy")}: not a .npy file (missing the \\x93NUMPY magic)`],
  ["float64 data", "f64.npy", `f64.npy: the calibration data must be float32, got float64`],
  ["a scalar", "scalar.npy", `scalar.npy: the calibration data must have a sample dimension, got a scalar`],
  ["the wrong shape", "wrong-shape.npy", `wrong-shape.npy: the calibration data has shape (8, 5), the model's input 'x' needs (N, 4)`],
  ["no samples", "no-samples.npy", `no-samples.npy: the calibration data holds no samples`],
  ["a truncated array", "truncated.npy", `${at("truncated.npy")}: truncated .npy data: shape (8, 4) of float32 needs 128 bytes, the file has 36`],
  ["Fortran order", "fortran.npy", `${at("fortran.npy")}: the array is stored in Fortran order; save it in C order (np.ascontiguousarray) and try again`],
  ["a header nested 5,600 deep", "nested.npy", `${at("nested.npy")}: malformed .npy header (nested too deeply)`],
  ["an .npz without the input's name", "wrong-name.npz", `wrong-name.npz: no array named 'x' (the model's input) in the calibration data; it holds: images, other`],
  ["an .npz that is not a zip", "not-zip.npz", `${at("not-zip.npz")}: corrupt .npz archive (invalid zip data)`],
  ["an .npz that unpacks to 4 GiB", "bomb.npz", `${at("bomb.npz")}: the .npz archive unpacks to over 2147483648 bytes, more than QuantScope reads`],
];
for (const [what, file, message] of DATA_ROWS) test(`calibration data: ${what}`, () => check(quantize("good.onnx", file), message));

test("evaluation labels: floats, and too few", async () => {
  await check(quantize("good.onnx", "calib.npy", "--eval-data", "calib.npy", "--eval-labels", "labels-float.npy"), "labels-float.npy: labels must be integers, got float32");
  await check(quantize("good.onnx", "calib.npy", "--eval-data", "calib.npy", "--eval-labels", "labels-short.npy"), "labels-short.npy: 7 labels for 8 samples");
});

test("qconfig: missing, invalid JSON, an unknown key, an unknown backend", async () => {
  await check(quantize("good.onnx", "calib.npy", "--qconfig", "missing.qconfig.json"), "missing.qconfig.json: no such file");
  await check(quantize("good.onnx", "calib.npy", "--qconfig", "bad-json.qconfig.json"), "bad-json.qconfig.json: 1:19: invalid JSON: expected a property name in double quotes, found ',' [QS800]");
  await check(quantize("good.onnx", "calib.npy", "--qconfig", "unknown-key.qconfig.json"), 'unknown-key.qconfig.json: 1:20: unknown key "globl" at the top level; did you mean "global"? (expected $schema, backend, global, opTypes, nodes, calibration) [QS801]');
  await check(quantize("good.onnx", "calib.npy", "--qconfig", "bad-backend.qconfig.json"), 'bad-backend.qconfig.json: 1:13: unknown backend "arm"; did you mean "qnnpack"? (one of x86, fbgemm, qnnpack, onednn) [QS803]');
});

test("flags: a zero batch size, an unknown backend, the output over the input model", async () => {
  await check(quantize("good.onnx", "calib.npy", "--batch-size", "0"), "--batch-size must be a positive integer, got '0'");
  await check(["quantize", "good.onnx", "--calib", "calib.npy", "--backend", "arm", "--out", "out/q.onnx"], "--backend must be one of x86, fbgemm, qnnpack, onednn, got 'arm'");
  await check(["quantize", "good.onnx", "--calib", "calib.npy", "--backend", "x86", "--out", "good.onnx"], "good.onnx: the output would overwrite the input model; choose another --out");
  assert.deepEqual(fs.readFileSync(at("good.onnx")), Buffer.from(GOOD_BYTES), "the input model is untouched");
});

test("calibrate: a bad model writes no stats file", async () => {
  await check(["calibrate", "cycle.onnx", "--calib", "calib.npy", "--stats", "out/stats.json"], `${at("cycle.onnx")}: the graph has a cycle: node 'gemm_0' (Gemm) -> node 'relu_1' (Relu) -> node 'gemm_0' (Gemm)`);
});

test("lint: a missing path", async () => {
  await check(["lint", "missing.py"], "missing.py: no such file or folder");
});

test("verify-golden: not an array of cases", async () => {
  fs.writeFileSync(at("cases.json"), '{"op": "quantize_per_tensor"}');
  await check(["verify-golden", "cases.json"], `${at("cases.json")}: expected a JSON array of case objects`);
});

test("the WASM memory cap: one line naming the cap, exit 2, no output file (a separate process: the cap is per process)", () => {
  const big = buildModel({ inputs: { x: ["N", 1024] }, initializers: [float32Tensor("w1024", [1024, 1024], r.floats(1 << 20))], nodes: [{ op: "MatMul", inputs: ["x", "w1024"], outputs: ["y"] }], outputs: ["y"] });
  fs.writeFileSync(at("big.onnx"), writeModel(big));
  fs.writeFileSync(at("big.npy"), writeNpy({ shape: [64, 1024], data: r.floats(64 * 1024) }));
  const p = spawnSync(process.execPath, [path.join(repoRoot, "bin/quantscope.js"), "quantize", "big.onnx", "--calib", "big.npy", "--backend", "x86", "--out", "out/big.onnx"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, QUANTSCOPE_MEMORY_CAP_MIB: "4" },
    timeout: 120_000,
  });
  assert.deepEqual(
    { code: p.status, stdout: p.stdout, stderr: p.stderr },
    { code: 2, stdout: "", stderr: "quantscope: error: the WASM core ran out of memory at its cap of 4 MiB (raise it with the QUANTSCOPE_MEMORY_CAP_MIB environment variable)\n" },
  );
  assert.deepEqual(fs.readdirSync(outDir), []);
  checked.push("the WASM core ran out of memory at its cap of 4 MiB (raise it with the QUANTSCOPE_MEMORY_CAP_MIB environment variable)");
});

test("docs/reliability.md: every row of the bad-input table is a message checked above", () => {
  const doc = fs.readFileSync(path.join(repoRoot, "docs/reliability.md"), "utf8");
  const table = doc.slice(doc.indexOf("## Bad-input table (CLI)"), doc.indexOf("\n## ", doc.indexOf("## Bad-input table (CLI)") + 5));
  const rows = table.split("\n").filter((l) => /^\| [^-]/.test(l) && !l.startsWith("| Bad input"));
  assert.ok(rows.length >= 40, `the table has ${rows.length} rows`);
  const unmatched = rows.filter((row) => {
    const message = /^\|[^|]*\| `(.*?)`/.exec(row)?.[1];
    if (!message) return true;
    // "…" in the table stands for a detail the test checks in full (offsets, the rest of a cycle).
    const pattern = new RegExp(`^${message.split("…").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
    return !checked.some((m) => pattern.test(m));
  });
  assert.deepEqual(unmatched, [], "rows without a test checking their message");
});

// JSON.parse's message quotes the source text, newlines included; verify-golden folds it onto one line.
test("verify-golden: invalid JSON on several lines gives one line", async () => {
  fs.writeFileSync(at("broken.json"), '[\n  {"op":\n   x}\n]\n');
  const r = await run(["verify-golden", "broken.json"]);
  assert.equal(r.code, 2);
  assert.equal(r.err.length, 1);
  assert.ok(!r.err[0].includes("\n"), JSON.stringify(r.err[0]));
});

// ---------------------------------------------------------------------------------------------------------
// Crashes found by fuzzing (test/fuzz/crashers/): each now a one-line InputError with this exact message.

const CRASHERS = path.join(repoRoot, "test/fuzz/crashers");

function readAndInfer(file: string): void {
  const bytes = onnx.ModelProto.encode(onnx.ModelProto.fromObject(JSON.parse(fs.readFileSync(path.join(CRASHERS, file), "utf8")))).finish();
  const model = readModel(bytes, { file: "m.onnx" });
  inferShapes(model.graph, new Map(model.graph.runtimeInputs.map((i) => [i.name, (i.type?.shape ?? []).map((d) => (typeof d === "number" ? d : 1))])));
}

function crasher(file: string, run: (file: string) => unknown, message: string): void {
  test(`fuzz crasher ${file}`, () => {
    assert.throws(() => run(file), (e: unknown) => {
      assert.ok(e instanceof InputError, `an InputError, not ${(e as Error)?.stack}`);
      assert.equal(e.message, message);
      return true;
    });
  });
}

crasher("onnx-constant-of-shape-huge.json", readAndInfer, "node 'n0' (ConstantOfShape): output has shape [65536, 65537] of 4295032832 elements, over the limit of 536870912");
crasher("onnx-constant-of-shape-negative.json", readAndInfer, "node 'n0' (ConstantOfShape): output has invalid shape [-3]");
crasher("onnx-concat-mixed-dtypes.json", readAndInfer, "node 'n1' (Concat): inputs of types int64 and float32 cannot be concatenated");
crasher("onnx-gather-float-indices.json", readAndInfer, "tensor 's' of float32 is used as shape, axes or indices but holds non-integer values");
crasher("onnx-int-div-by-zero.json", readAndInfer, "node 'n0' (Div): integer division by zero");
crasher("onnx-newline-in-op-type.json", readAndInfer, 'm.onnx: op type "\\nuantizeLinear" contains control characters; the file is probably corrupt');
crasher("onnx-declared-dim-negative.json", readAndInfer, "m.onnx: value 'x' declares dimension -7, which is not a valid size");
crasher("onnx-declared-dim-huge.json", readAndInfer, "m.onnx: value 'x' declares dimension 9007199254740993, which is not a valid size");
crasher("onnx-initializer-too-large.json", readAndInfer, "m.onnx: tensor 'w' has shape [65536, 65536] of 4294967296 elements, over the limit of 536870912");
crasher("npy-deeply-nested-header.npy", (f) => parseNpy(fs.readFileSync(path.join(CRASHERS, f)), f), "npy-deeply-nested-header.npy: malformed .npy header (nested too deeply)");
crasher("npy-newline-in-header.npy", (f) => parseNpy(fs.readFileSync(path.join(CRASHERS, f)), f), `npy-newline-in-header.npy: the .npy header has no dtype ('descr'): "{'\\nescr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"`);
crasher("npz-newline-member-name.npz", (f) => parseNpz(fs.readFileSync(path.join(CRASHERS, f)), f), 'npz-newline-member-name.npz: member "\\n": not a .npy file (missing the \\x93NUMPY magic)');

test("the integer check on shapes and indices still accepts torch's INT64_MAX Slice ends", () => {
  const x = float32Tensor("x", [2, 5], Float32Array.from({ length: 10 }, (_, i) => i));
  const starts = { name: "s", dtype: "int64" as const, dims: [1], data: BigInt64Array.of(1n) };
  const ends = { name: "e", dtype: "int64" as const, dims: [1], data: BigInt64Array.of(9223372036854775807n) };
  const [y] = HOST_EVALUATORS.Slice(makeNode("Slice", ["x", "s", "e"], ["y"], { name: "slice" }), [x, starts, ends]);
  assert.deepEqual(y.dims, [1, 5]);
  assert.deepEqual(Array.from(y.data as Float32Array), [5, 6, 7, 8, 9]);
});

test("reader limits: node count, model bytes and declared dims, lowered through ReadOptions.limits", () => {
  const read = (limits: Partial<ReadLimits>) => () => readModel(GOOD_BYTES, { file: "m.onnx", limits });
  assert.throws(read({ maxNodes: 1 }), { name: "InputError", message: "m.onnx: the model has over 1 nodes, more than QuantScope reads" });
  assert.throws(read({ maxModelBytes: 100 }), {
    name: "InputError",
    message: `m.onnx: the model is ${GOOD_BYTES.length} bytes, over the limit of 100; store the weights as external data`,
  });
  assert.throws(read({ maxDim: 3 }), { name: "InputError", message: "m.onnx: value 'x' declares dimension 4, which is not a valid size" });
  assert.throws(read({ maxTensorElements: 11 }), { name: "InputError", message: "m.onnx: tensor 'w' has shape [3, 4] of 12 elements, over the limit of 11" });
  assert.equal(read({ maxNodes: 2, maxTensorElements: 12, maxDim: 4 })().graph.nodes.length, 2, "at the limits it loads");
});
crasher("onnx-constant-of-shape-empty-value.json", readAndInfer, "node 'n1' (ConstantOfShape): value must hold one element, got 0");

test("fuzz crasher onnx-executor-relu-on-uint8.json: a float kernel on a uint8 value is refused, and the heap stays sound", async () => {
  const bytes = onnx.ModelProto.encode(onnx.ModelProto.fromObject(JSON.parse(fs.readFileSync(path.join(CRASHERS, "onnx-executor-relu-on-uint8.json"), "utf8")))).finish();
  const core = await createCore();
  const executor = FloatExecutor.create(core, readModel(bytes, { file: "m.onnx" }), { batchDim: "any", file: "m.onnx" });
  const x = { shape: [2, 2, 5, 5], data: Float32Array.from({ length: 100 }, (_, k) => (k % 7) - 3) };
  await assert.rejects(executor.run(new Map([["x", x]])), {
    name: "InputError",
    message: "m.onnx: node 'n1' (Relu): value 'v0' is uint8; the float executor runs Relu on float32 only",
  });
  executor.dispose(); // Used to fail with "memory access out of bounds": the Relu had written past its buffer.
  const good = FloatExecutor.create(core, GOOD_MODEL);
  const y = await good.run(new Map([["x", { shape: [8, 4], data: new Float32Array(32).fill(1) }]]));
  assert.deepEqual(y.get("y")!.dims, [8, 3]);
  good.dispose();
});
crasher("onnx-transpose-empty-perm.json", readAndInfer, "node 'n0' (Transpose): perm [] is not a permutation of 1 axes");
