// `quantscope compare` end to end through bin/quantscope.js (test process): the JSON report on stdout and in
// --report, the self-contained --html file, the sensitivity suggestion, the documented schema's required
// fields (docs/numeric-report.schema.json), and one clear line with exit 2 on bad arguments.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../helpers/shared";
import { runCli } from "../helpers/cli";

const example = path.join(repoRoot, "examples/digits");
const BASE = ["compare", path.join(example, "model.onnx"), "--backend", "x86", "--calib", path.join(example, "calib.npy"), "--data", path.join(example, "test_x.npy")];

function cli(argv: string[], cwd: string) {
  return runCli(argv, { cwd, timeoutMs: 180_000 });
}

type Schema = { required?: string[]; properties?: Record<string, Schema>; items?: Schema; allOf?: Schema[]; $ref?: string; $defs?: Record<string, Schema> };

/** Every `required` property of the schema is present, recursively through objects and arrays ($ref'd too). */
function checkRequired(value: unknown, schema: Schema, root: Schema, where: string): void {
  if (schema.$ref) schema = root.$defs![schema.$ref.replace("#/$defs/", "")];
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((v, i) => checkRequired(v, schema.items!, root, `${where}[${i}]`));
    return;
  }
  if (typeof value !== "object" || value === null) return;
  for (const part of schema.allOf ?? []) checkRequired(value, part, root, where);
  for (const key of schema.required ?? []) assert.ok(key in value, `${where}.${key} is required by the schema`);
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    if (key in value) checkRequired((value as Record<string, unknown>)[key], sub, root, `${where}.${key}`);
  }
}

test("compare --json --html --report --target-drop: report on stdout and in files, schema fields present", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qs-compare-"));
  const r = cli([...BASE, "--labels", path.join(example, "test_y.npy"), "--json", "--html", "r.html", "--report", "r.json", "--target-drop", "0.5", "--what-if", "/fc/Gemm:float", "--what-if", "/conv1/Conv:observer=minmax,per-tensor"], dir);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, "r.json"), "utf8")), report);
  assert.equal(report.kind, "quantscope.numeric-report");
  assert.equal(report.backend, "x86");
  assert.ok(report.layers.length >= 3);
  for (const l of report.layers) {
    assert.ok("weight_sqnr_db" in l && "activation_sqnr_db" in l && "shadow_sqnr_db" in l, JSON.stringify(l));
    assert.ok(l.activation_sqnr_db === null || l.activation_sqnr_db > 10, `${l.node}: ${l.activation_sqnr_db}`);
  }
  assert.ok(report.sensitivity.ranking.length >= 1);
  assert.equal(report.sensitivity.suggestion.target_drop_points, 0.5);
  assert.deepEqual(
    report.what_if.map((w: { node: string; change: unknown }) => [w.node, w.change]),
    [
      ["/fc/Gemm", { float: true }],
      ["/conv1/Conv", { observer: "minmax", per_channel: false }],
    ],
  );
  for (const w of report.what_if) assert.ok(w.result.agreement > 0.9 && typeof w.result.accuracy === "number");
  const schema = JSON.parse(fs.readFileSync(path.join(repoRoot, "docs/numeric-report.schema.json"), "utf8")) as Schema;
  checkRequired(report, schema, schema, "report");
  const html = fs.readFileSync(path.join(dir, "r.html"), "utf8");
  assert.match(html, /<script type="application\/json" id="quantscope-data">/);
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=|sourceMappingURL/, "self-contained");
  assert.deepEqual(fs.readdirSync(dir).sort(), ["r.html", "r.json"], "no temp files left");
});

test("compare prints a layer table without --json", () => {
  const r = cli(BASE, os.tmpdir());
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /layer +ops +weight dB +propagated dB +shadow dB/);
  assert.match(r.stdout, /output SQNR \d+\.\d+ dB, top-1 agreement/);
});

for (const [name, extra, mentions] of [
  ["a bad --target-drop", ["--target-drop", "lots"], /--target-drop must be a non-negative number of points, got 'lots'/],
  ["float labels", ["--labels", path.join(example, "calib.npy")], /calib\.npy: labels must be integers, got float32/],
  ["a missing data file", ["--data", "nope.npy"], /nope\.npy: cannot read: no such file/],
  ["a what-if without a change", ["--what-if", "/fc/Gemm"], /--what-if '\/fc\/Gemm': expected NODE:float/],
  ["a what-if on an unknown layer", ["--what-if", "/nope:float"], /'\/nope' is not an int8 layer of the model/],
] as const) {
  test(`compare rejects ${name} with one line and exit 2`, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qs-compare-"));
    const argv = [...BASE];
    const at = argv.indexOf(extra[0]);
    if (at >= 0) argv.splice(at, 2);
    const r = cli([...argv, ...extra, "--html", "r.html"], dir);
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], mentions);
    assert.deepEqual(fs.readdirSync(dir), []);
  });
}
