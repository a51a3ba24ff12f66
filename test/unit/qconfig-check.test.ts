// The qconfig checker: every rule fires where it should (code and exact start position) and stays silent on
// the near-miss next to it; fixes remove the finding they belong to (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { checkQconfigText, QCONFIG_RULES, type CheckOptions } from "../../core/src/qconfig/check";
import type { Finding, TextEdit } from "../../core/src/diagnostics";
import { LineIndex } from "../../core/src/qconfig/json-ast";
import { repoRoot } from "../helpers/shared";

/**
 * `marked` is a qconfig file where «QS801 marks the start of each expected finding. Checks that exactly those
 * findings are reported, at those positions, and returns them.
 */
function check(marked: string, options: CheckOptions = {}): Finding[] {
  const expected: string[] = [];
  let text = "";
  const re = /«(QS\d{3})/g;
  let last = 0;
  for (const m of marked.matchAll(re)) {
    text += marked.slice(last, m.index);
    last = (m.index ?? 0) + m[0].length;
    const pos = new LineIndex(text).positionAt(text.length);
    expected.push(`${m[1]} ${pos.line + 1}:${pos.character + 1}`);
  }
  text += marked.slice(last);
  const findings = checkQconfigText(text, options);
  const got = findings.map((f) => `${f.code} ${f.range.start.line + 1}:${f.range.start.character + 1}`);
  assert.deepEqual(got.sort(), expected.sort(), `findings:\n${findings.map((f) => `  ${f.code} ${f.range.start.line + 1}:${f.range.start.character + 1} ${f.message}`).join("\n")}`);
  return findings;
}

/** Applies non-overlapping edits to `text`. */
function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = new LineIndex(text);
  const sorted = edits.map((e) => ({ start: lines.offsetAt(e.range.start), end: lines.offsetAt(e.range.end), text: e.newText })).sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** Applies the first fix of the only finding with `code` and returns the new text. */
function fix(text: string, code: string, options: CheckOptions = {}): string {
  const f = checkQconfigText(text, options).filter((x) => x.code === code);
  assert.equal(f.length, 1, `one ${code} in ${text}`);
  assert.ok(f[0].fixes?.length, `${code} has a fix`);
  return applyEdits(text, f[0].fixes[0].edits);
}

const act = (fields: string, backend = "x86") => `{ "backend": "${backend}", "global": { "activation": { ${fields} } } }`;
const wgt = (fields: string, backend = "x86") => `{ "backend": "${backend}", "global": { "weight": { ${fields} } } }`;

test("a complete, sensible file is clean", () => {
  check(`{
  "$schema": "../docs/qconfig.schema.json",
  "backend": "x86",
  "global": {
    "activation": { "observer": "histogram", "dtype": "quint8", "qscheme": "per_tensor_affine", "reduceRange": true, "bins": 2048 },
    "weight": { "observer": "per_channel_minmax", "dtype": "qint8", "qscheme": "per_channel_symmetric", "chAxis": 0 }
  },
  "opTypes": {
    "ConvTranspose": { "weight": { "observer": "minmax", "qscheme": "per_tensor_symmetric" } },
    "Softmax": null
  },
  "nodes": {
    "/classifier/Gemm": { "activation": { "observer": "percentile", "percentile": 99.99 } },
    "/stem/Conv": null
  },
  "calibration": { "batchSize": 32, "numBatches": 8, "seed": 0 }
}`);
  check("{}");
});

test("QS800 invalid JSON: at the offending token, one finding per problem", () => {
  check('{ "backend": "x86" }«QS800"global": {} }');
  check('{ "backend": «QS800\'x86\' }');
  check('{ "global": { "activation": {} «QS800,} }');
  check('«QS800');
  check('{ "backend": "x86" } «QS800x');
  check('{ «QS800// comment\n "backend": "x86" }');
  check('{ "backend": "x86"«QS800');
});

test("QS801 unknown keys, with did-you-mean and PyTorch spellings", () => {
  const f = check(act('«QS801"reduce_range": true'));
  assert.match(f[0].message, /did you mean "reduceRange"/);
  assert.equal(fix(act('"reduce_range": true'), "QS801"), act('"reduceRange": true'));
  check('{ «QS801"backnd": "x86" }');
  check('{ «QS801"zzz": 1 }');
  assert.equal(checkQconfigText('{ "zzz": 1 }')[0].fixes, undefined, "no suggestion for a word that resembles nothing");
  check('{ "calibration": { «QS801"batch_size": 4 } }');
  // Near miss: the right spelling.
  check(act('"reduceRange": true'));
});

test("QS802 wrong types, with fixes for quoted booleans and numbers", () => {
  check(act('"reduceRange": «QS802"true"'));
  assert.equal(fix(act('"reduceRange": "true"'), "QS802"), act('"reduceRange": true'));
  check(act('"quantMin": «QS802"0", "quantMax": 127'));
  assert.equal(fix(act('"quantMin": "0", "quantMax": 127'), "QS802"), act('"quantMin": 0, "quantMax": 127'));
  check('{ "global": «QS802[] }');
  check('«QS802[1, 2]');
  check('{ "nodes": { "/a": «QS8021 } }');
  // null is allowed for opTypes/nodes entries, not for global.
  check('{ "opTypes": { "Conv": null }, "nodes": { "/a": null } }');
  check('{ "global": «QS802null }');
});

test("QS803 unknown enum values, with did-you-mean from PyTorch names", () => {
  const f = check(act('"observer": «QS803"HistogramObserver"'));
  assert.match(f[0].message, /did you mean "histogram"/);
  assert.equal(fix(wgt('"dtype": "torch.qint8"'), "QS803"), wgt('"dtype": "qint8"'));
  check('{ "backend": «QS803"arm64" }');
  check(act('"qscheme": «QS803"per_tensor"'));
  check(act('"observer": "moving_average_minmax"'));
});

test("QS804 bounds and integers", () => {
  check(act('"observer": "histogram", "bins": «QS8040'));
  check(act('"observer": "histogram", "bins": «QS80410.5'));
  check(act('"observer": "moving_average_minmax", "averagingConstant": «QS8040'));
  check(act('"observer": "moving_average_minmax", "averagingConstant": «QS8041.5'));
  check(act('"observer": "moving_average_minmax", "averagingConstant": 1'));
  check(act('"observer": "percentile", "percentile": «QS804100.5'));
  check(act('"observer": "percentile", "percentile": 100'));
  check('{ "calibration": { "batchSize": «QS8040 } }');
  check('{ "calibration": { "batchSize": 1 } }');
});

test("QS805 duplicate keys", () => {
  check('{ "backend": "x86", «QS805"backend": "qnnpack" }');
});

test("QS810 observer and qscheme disagree on granularity; the fix picks the matching scheme", () => {
  check(wgt('"observer": "per_channel_minmax", "qscheme": «QS810"per_tensor_symmetric"'));
  assert.equal(
    fix(wgt('"observer": "per_channel_minmax", "qscheme": "per_tensor_symmetric"'), "QS810"),
    wgt('"observer": "per_channel_minmax", "qscheme": "per_channel_symmetric"'),
  );
  // Inherited: x86 weights are per_channel_symmetric; a per-tensor observer moves the inherited qscheme along.
  check(wgt('"observer": "minmax"'));
  check(wgt('"qscheme": «QS810"per_tensor_symmetric"'));
  check(wgt('"observer": "minmax", "qscheme": "per_tensor_affine"'));
});

test("QS811 per-channel activations", () => {
  check(act('"observer": «QS811"per_channel_minmax"'));
  check(act('"qscheme": «QS811"per_channel_affine"'));
  check(act('"observer": "minmax", "qscheme": "per_tensor_affine"'));
});

test("QS812 quint8 symmetric with reduceRange (PyTorch NotImplementedError)", () => {
  check(act('"observer": "minmax", "qscheme": "per_tensor_symmetric", "reduceRange": «QS812true'));
  // On x86 reduceRange is inherited: the finding lands on the field that made the combination.
  check(act('"observer": "minmax", "qscheme": «QS812"per_tensor_symmetric"'));
  // HistogramObserver accepts it; qint8 is fine; no reduceRange is fine.
  check(act('"observer": "histogram", "qscheme": "per_tensor_symmetric"'));
  check(act('"observer": "minmax", "qscheme": "per_tensor_symmetric", "reduceRange": false', "qnnpack"));
});

test("QS813 quantMin/quantMax: order, dtype range, must include 0", () => {
  check(act('"reduceRange": false, "quantMin": «QS813100, "quantMax": 10'));
  check(wgt('"quantMin": «QS813-129, "quantMax": 127'));
  check(wgt('"quantMin": -127, "quantMax": «QS813128'));
  check(act('"reduceRange": false, "quantMin": «QS8131, "quantMax": 255'));
  // quint8 from an inherited dtype: the message says where it came from.
  const f = check(act('"reduceRange": false, "quantMin": «QS813-10, "quantMax": 100'));
  assert.match(f[0].message, /quint8 \(inherited from the x86 default\)/);
  // Near misses.
  check(wgt('"quantMin": -127, "quantMax": 127'));
  check(act('"reduceRange": false, "quantMin": 0, "quantMax": 255', "qnnpack").replace(/"reduceRange": false, /, ""));
});

test("QS814 quantMin or quantMax alone is ignored by PyTorch", () => {
  check(wgt('"quantMin": «QS814-127'));
  check(wgt('"quantMax": «QS814100'));
  check(wgt('"quantMin": -127, "quantMax": 127'));
});

test("QS815 reduceRange halves an explicit range", () => {
  const f = check(act('"quantMin": 0, "quantMax": 127, "reduceRange": «QS815true'));
  assert.match(f[0].message, /0\.\.127 to 0\.\.63/);
  // Inherited reduceRange (x86 default): anchored on the range, and the fix writes reduceRange false.
  check(act('"quantMin": «QS8150, "quantMax": 255'));
  assert.equal(fix(act('"quantMin": 0, "quantMax": 255'), "QS815"), act('"reduceRange": false, "quantMin": 0, "quantMax": 255'));
  check(act('"quantMin": 0, "quantMax": 127, "reduceRange": false'));
});

test("QS816 options the observer does not use; the fix removes them", () => {
  check(act('"observer": "minmax", «QS816"bins": 256'));
  check(wgt('"observer": "minmax", «QS816"chAxis": 1'));
  check(act('"observer": "histogram", «QS816"averagingConstant": 0.1'));
  check(act('"observer": "entropy", «QS816"percentile": 99.9'));
  assert.equal(fix(act('"observer": "minmax", "bins": 256'), "QS816"), act('"observer": "minmax"'));
  assert.equal(fix(act('"bins": 256, "observer": "minmax"'), "QS816"), act('"observer": "minmax"'));
  const multi = '{ "global": { "activation": {\n  "observer": "minmax",\n  "bins": 256,\n  "dtype": "quint8"\n} } }';
  assert.equal(fix(multi, "QS816"), '{ "global": { "activation": {\n  "observer": "minmax",\n  "dtype": "quint8"\n} } }');
  check(act('"observer": "histogram", "bins": 256'));
  check(wgt('"observer": "per_channel_minmax", "chAxis": 1'));
  check(act('"observer": "moving_average_minmax", "averagingConstant": 0.1'));
  check(act('"observer": "entropy", "bins": 128'));
});

test("QS817 percentile/entropy on weights", () => {
  check(wgt('"observer": «QS817"entropy", "qscheme": "per_tensor_symmetric"'));
  assert.equal(
    fix(wgt('"observer": "percentile", "qscheme": "per_tensor_symmetric"'), "QS817"),
    wgt('"observer": "minmax", "qscheme": "per_tensor_symmetric"'),
  );
  check(act('"observer": "entropy"'));
});

test("QS820 dtypes the kernels do not take", () => {
  check(wgt('"dtype": «QS820"quint8"'));
  check(wgt('"dtype": «QS820"qint32"'));
  check(act('"dtype": «QS820"qint32"'));
  const f = check(act('"dtype": «QS820"qint8"'));
  assert.equal(f[0].severity, "warning");
  // qnnpack has a qint8 activation path; PReLU's PyTorch default weight is quint8.
  check(act('"dtype": "qint8", "qscheme": "per_tensor_symmetric"', "qnnpack"));
  check('{ "opTypes": { "PRelu": { "weight": { "dtype": "quint8" } } } }');
  check(wgt('"dtype": "qint8"'));
});

test("per-channel weights are fine on every backend, qnnpack included", () => {
  for (const backend of ["x86", "fbgemm", "qnnpack", "onednn"]) {
    check(wgt('"observer": "per_channel_minmax", "qscheme": "per_channel_symmetric"', backend));
    check(wgt('"observer": "moving_average_per_channel_minmax", "qscheme": "per_channel_symmetric", "chAxis": 0', backend));
  }
});

test("QS821 onednn needs symmetric weights", () => {
  check(wgt('"qscheme": «QS821"per_channel_affine"', "onednn"));
  check(wgt('"observer": "minmax", "qscheme": «QS821"per_tensor_affine"', "onednn"));
  assert.equal(fix(wgt('"qscheme": "per_channel_affine"', "onednn"), "QS821"), wgt('"qscheme": "per_channel_symmetric"', "onednn"));
  check(wgt('"qscheme": "per_channel_affine"', "fbgemm"));
  check(wgt('"observer": "minmax"', "onednn"));
});

test("QS822 per-channel ConvTranspose weights on fbgemm/qnnpack/x86, fine on onednn", () => {
  const ct = (w: string, backend: string) => `{ "backend": "${backend}", "opTypes": { "ConvTranspose": { "weight": { ${w} } } } }`;
  check(ct('"observer": «QS822"per_channel_minmax"', "x86"));
  check(ct('"observer": «QS822"per_channel_minmax"', "qnnpack"));
  check(ct('"observer": "per_channel_minmax"', "onednn"));
  check(ct('"observer": "minmax"', "fbgemm"));
  check(ct('"qscheme": "per_tensor_symmetric"', "x86"));
});

test("QS823 a calibrated observer on a fixed-qparams op", () => {
  check('{ "opTypes": { "Sigmoid": { "activation": { "observer": «QS823"minmax" } } } }');
  check('{ "opTypes": { "Tanh": { "activation": { "observer": «QS823"histogram" } } } }');
  check('{ "opTypes": { "Relu": { "activation": { "observer": "minmax" } } } }');
  check('{ "opTypes": { "Sigmoid": null } }');
});

test("QS830 x86/fbgemm activations over the full 8 bits", () => {
  check(act('"reduceRange": «QS830false'));
  check(act('"reduceRange": «QS830false', "fbgemm"));
  assert.equal(fix(act('"reduceRange": false'), "QS830"), act('"reduceRange": true'));
  check(act('"observer": "minmax"'));
  check(act('"reduceRange": false', "onednn"));
  check(act('"reduceRange": false', "qnnpack"));
  // With a custom 0..127 range there is no overflow risk.
  check(act('"reduceRange": false, "quantMin": 0, "quantMax": 127'));
});

test("QS831/QS832 reduceRange where it is not needed", () => {
  const f = check(act('"reduceRange": «QS831true', "qnnpack"));
  assert.equal(f[0].severity, "information");
  check(act('"reduceRange": «QS831true', "onednn"));
  check(act('"reduceRange": true', "x86"));
  check(wgt('"reduceRange": «QS832true'));
  check(wgt('"reduceRange": false'));
});

test("QS840 unknown op types, case-sensitive, with did-you-mean", () => {
  check('{ "opTypes": { «QS840"conv": null } }');
  assert.equal(fix('{ "opTypes": { "conv": null } }', "QS840"), '{ "opTypes": { "Conv": null } }');
  check('{ "opTypes": { «QS840"MyCustomOp": null } }');
  check('{ "opTypes": { "Conv": null, "Gemm": {}, "MatMul": { "weight": {} } } }');
});

test("the backend comes from the file, else from the options (the quantscope.backend setting)", () => {
  const text = '{ "global": { "activation": { "reduceRange": true } } }';
  check(text.replace("true", "«QS831true"), { backend: "qnnpack" });
  check(text, { backend: "x86" });
  check(text);
  check('{ "backend": "x86", "global": { "activation": { "reduceRange": true } } }', { backend: "qnnpack" });
});

test("opTypes and nodes entries are checked on top of global", () => {
  const text = `{
  "backend": "qnnpack",
  "global": { "weight": { "observer": "per_channel_minmax", "qscheme": "per_channel_symmetric" } },
  "nodes": { "/fc/Gemm": { "weight": { "qscheme": «QS810"per_tensor_symmetric" } } }
}`;
  check(text);
});

test("findings are sorted, ranges cover the offending token, and severities are as documented", () => {
  const text = '{\n  "global": {\n    "weight": { "dtype": "quint8" }\n  }\n}';
  const [f] = checkQconfigText(text);
  assert.equal(f.code, "QS820");
  assert.deepEqual(f.range, { start: { line: 2, character: 25 }, end: { line: 2, character: 33 } });
  assert.equal(f.severity, "error");
});

test("every rule code is documented in docs/qconfig.md", () => {
  const doc = fs.readFileSync(path.join(repoRoot, "docs/qconfig.md"), "utf8");
  for (const code of Object.keys(QCONFIG_RULES)) assert.match(doc, new RegExp(`### ${code}\\b`), `${code} is documented`);
});

test("the checker never throws, whatever the text", () => {
  const samples = ["", "\u0000\u0001", "{".repeat(10000), "[".repeat(300) + "]".repeat(300), '{"global":{"activation":{"quantMin":1e400,"quantMax":-1e400}}}', '"\\u12', "{\"a\":\n\"b"];
  for (const s of samples) assert.doesNotThrow(() => checkQconfigText(s));
});

test("keys named like Object.prototype members are ordinary keys", () => {
  check('{ «QS801"constructor": 1, «QS801"__proto__": {}, "opTypes": { «QS840"toString": null, «QS840"__proto__": { "weight": { "dtype": «QS820"quint8" } } } }');
  check('{ "nodes": { "constructor": null, "__proto__": { "activation": { "observer": "minmax" } } } }');
});

// ---- with the model beside the file ----

const MODEL = {
  file: "/work/models/cnn.onnx",
  nodes: [
    { name: "/conv1/Conv", opType: "Conv" },
    { name: "/up/ConvTranspose", opType: "ConvTranspose" },
    { name: "/head/Sigmoid", opType: "Sigmoid" },
    { name: "/fc/Gemm", opType: "Gemm" },
  ],
};

test("QS841 node names the model does not have, with did-you-mean; silent without a model", () => {
  const text = '{ "nodes": { «QS841"/conv1/conv": null, "/fc/Gemm": null, «QS841"/nothing/like/it": null } }';
  const f = check(text, { model: MODEL });
  assert.match(f[0].message, /cnn\.onnx has no node "\/conv1\/conv"; did you mean "\/conv1\/Conv"\?/);
  assert.equal(fix('{ "nodes": { "/conv1/conv": null } }', "QS841", { model: MODEL }), '{ "nodes": { "/conv1/Conv": null } }');
  check(text.replace(/«QS841/g, ""));
});

test("QS842 op types the model does not contain", () => {
  check('{ "opTypes": { «QS842"MatMul": null, "Conv": {}, «QS840"Cnv": null } }', { model: MODEL });
  check('{ "opTypes": { "MatMul": null } }');
});

test("with the model, nodes get their op type: ConvTranspose and fixed-qparams rules apply to nodes", () => {
  check('{ "nodes": { "/up/ConvTranspose": { "weight": { "observer": «QS822"per_channel_minmax" } } } }', { model: MODEL });
  check('{ "nodes": { "/head/Sigmoid": { "activation": { "observer": «QS823"minmax" } } } }', { model: MODEL });
  // Without the model the node's op type is unknown: neither fires.
  check('{ "nodes": { "/up/ConvTranspose": { "weight": { "observer": "per_channel_minmax" } } } }');
  // The node inherits its op type's entry: the per-channel observer written for ConvTranspose is reported there, not again.
  check(
    '{ "backend": "x86", "opTypes": { "ConvTranspose": { "weight": { "observer": «QS822"per_channel_minmax" } } }, "nodes": { "/up/ConvTranspose": { "weight": { "chAxis": 1 } } } }',
    { model: MODEL },
  );
  // Near miss: a calibrated observer on a Gemm node is fine.
  check('{ "nodes": { "/fc/Gemm": { "activation": { "observer": "minmax" } } } }', { model: MODEL });
});
