// Completion in qconfig files: keys of the object under the cursor (minus those present), enum values for the
// property being typed, on finished and unfinished text; hover and the outline (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { qconfigCompletions } from "../../core/src/qconfig/complete";
import { qconfigHover } from "../../core/src/qconfig/hover";
import { qconfigSymbols } from "../../core/src/qconfig/symbols";
import { toJsonSchema } from "../../core/src/qconfig/schema";
import { LineIndex } from "../../core/src/qconfig/json-ast";
import { repoRoot } from "../helpers/shared";

/** `marked` has one '|' at the cursor. Returns the labels offered there; checks `expected` labels are a prefix
 * of them (in order) and that `absent` labels are not offered. */
function check(marked: string, expected: string[], absent: string[] = []): ReturnType<typeof qconfigCompletions> {
  const at = marked.indexOf("|");
  const text = marked.slice(0, at) + marked.slice(at + 1);
  const items = qconfigCompletions(text, new LineIndex(text).positionAt(at));
  const labels = items.map((i) => i.label);
  assert.deepEqual(labels.slice(0, expected.length), expected, `offered: ${labels.join(", ")}`);
  for (const a of absent) assert.ok(!labels.includes(a), `${a} is not offered`);
  return items;
}

function apply(marked: string, label: string, plain = true): string {
  const at = marked.indexOf("|");
  const text = marked.slice(0, at) + marked.slice(at + 1);
  const lines = new LineIndex(text);
  const item = qconfigCompletions(text, lines.positionAt(at)).find((i) => i.label === label);
  assert.ok(item, `${label} offered`);
  const s = lines.offsetAt(item.range.start);
  const e = lines.offsetAt(item.range.end);
  return text.slice(0, s) + (plain ? item.plainText : item.snippet) + text.slice(e);
}

test("top-level keys in an empty object", () => {
  check("{ | }", ["$schema", "backend", "global", "opTypes", "nodes", "calibration"]);
  check('{ "backend": "x86", | }', ["$schema", "global"], ["backend"]);
});

test("observer config keys, without the ones already present", () => {
  check('{ "global": { "activation": { "observer": "minmax", | } } }', ["dtype", "qscheme", "reduceRange"], ["observer"]);
  check('{ "global": { | } }', ["activation", "weight"]);
});

test("enum values after ':' and inside a string", () => {
  check('{ "global": { "weight": { "dtype": | } } }', ['"quint8"', '"qint8"', '"qint32"']);
  check('{ "global": { "weight": { "dtype": "q|" } } }', ['"quint8"', '"qint8"', '"qint32"']);
  check('{ "backend": "|" }', ['"x86"', '"fbgemm"', '"qnnpack"', '"onednn"']);
  check('{ "global": { "activation": { "reduceRange": | } } }', ["true", "false"]);
  check('{ "opTypes": { "Conv": | } }', ["{}", "null"]);
});

test("unfinished text: a key being typed, a value with nothing after it", () => {
  check('{ "global": { "activation": { "obs|', ["observer", "dtype"]);
  check('{ "global": { "activation": { "observer": |', ['"minmax"']);
  check('{ "global": { "activation": { "observer": "hist|', ['"minmax"']);
});

test("op types are suggested under opTypes, nothing under nodes", () => {
  check('{ "opTypes": { | } }', ["Conv", "ConvTranspose", "Gemm"]);
  check('{ "opTypes": { "Conv": null, | } }', ["ConvTranspose"], ["Conv"]);
  check('{ "nodes": { | } }', []);
  assert.equal(check('{ "nodes": { | } }', []).length, 0);
});

test("accepting a completion produces valid text", () => {
  assert.equal(apply('{ "global": { "weight": { "dtype": | } } }', '"qint8"'), '{ "global": { "weight": { "dtype": "qint8" } } }');
  assert.equal(apply('{ "global": { "weight": { "dtype": "q|" } } }', '"qint8"'), '{ "global": { "weight": { "dtype": "qint8" } } }');
  assert.equal(apply('{ "global": { "weight": { | } } }', "reduceRange"), '{ "global": { "weight": { "reduceRange": false } } }');
  assert.equal(apply('{ "global": { "weight": { "dty|" } } }', "dtype"), '{ "global": { "weight": { "dtype": "quint8" } } }');
  assert.equal(apply('{ "global": { "weight": { "dty|": "qint8" } } }', "dtype"), '{ "global": { "weight": { "dtype": "qint8" } } }');
  assert.match(apply('{ "global": { "weight": { | } } }', "observer", false), /"observer": "\$\{1\|minmax,/);
});

test("after a complete value: the next key, with the missing comma", () => {
  check('{ "backend": "x86" | }', ["$schema", "global"], ["backend"]);
  assert.equal(apply('{ "backend": "x86" | }', "global"), '{ "backend": "x86" , "global": {} }');
  assert.equal(apply('{ "global": { "weight": { "reduceRange": true | } } }', "dtype"), '{ "global": { "weight": { "reduceRange": true , "dtype": "quint8" } } }');
  assert.equal(apply('{ "backend": "x86" "gl|" }', "global"), '{ "backend": "x86" , "global": {} }');
  for (const t of ['{ "backend": "x86" , "global": {} }', '{ "global": { "weight": { "reduceRange": true , "dtype": "quint8" } } }']) {
    assert.doesNotThrow(() => JSON.parse(t));
  }
  // Not after a key or inside an array.
  check('{ "backend" | }', []);
  check('{ "global": [1 | ] }', []);
});

test("nothing at all: a template file", () => {
  const items = check("|", ["qconfig file"]);
  assert.doesNotThrow(() => JSON.parse(items[0].plainText));
});

test("no completions outside any sensible place, and never a throw", () => {
  check('{ "backend": "x86" } |', []);
  for (const t of ["", "[", '{"', "{\"global\": {\"activation\": [", "\u0000"]) {
    for (let c = 0; c <= t.length; c++) assert.doesNotThrow(() => qconfigCompletions(t, { line: 0, character: c }));
  }
});

// ---- hover ----

function hoverAt(marked: string): string | undefined {
  const at = marked.indexOf("|");
  const text = marked.slice(0, at) + marked.slice(at + 1);
  return qconfigHover(text, new LineIndex(text).positionAt(at))?.contents;
}

test("hover on keys shows the documentation; on activation/weight the effective observer", () => {
  assert.match(hoverAt('{ "global": { "activation": { "red|uceRange": true } } }') ?? "", /\*\*reduceRange\*\*[\s\S]*vpmaddubsw[\s\S]*Default: `false`/);
  assert.match(hoverAt('{ "backend": "qnnpack", "global": { "wei|ght": { "observer": "minmax" } } }') ?? "", /Effective \(qnnpack\): `minmax` qint8 per_tensor_symmetric, range -128\.\.127/);
  assert.match(hoverAt('{ "opTypes": { "Sigmoid": { "activ|ation": {} } } }') ?? "", /fixed scale 0\.00390625, zero point 0/);
  assert.match(hoverAt('{ "opTypes": { "Conv|": null } }') ?? "", /keeps this op in float/);
});

test("hover on enum values documents the value", () => {
  assert.match(hoverAt('{ "global": { "activation": { "observer": "hist|ogram" } } }') ?? "", /\*\*observer: `histogram`\*\*[\s\S]*HistogramObserver/);
  assert.match(hoverAt('{ "backend": "one|dnn" }') ?? "", /VNNI/);
});

test("no hover on punctuation or unknown keys", () => {
  assert.equal(hoverAt('{ "global": |{} }'), undefined);
  assert.equal(hoverAt('{ "zz|z": 1 }'), undefined);
});

// ---- outline ----

test("the outline lists sections, op types and nodes", () => {
  const text = '{\n "backend": "x86",\n "opTypes": { "Conv": null, "Gemm": { "weight": {} } },\n "nodes": { "/a": null }\n}';
  const s = qconfigSymbols(text);
  assert.deepEqual(s.map((x) => [x.name, x.detail, x.children.map((c) => c.name)]), [
    ["backend", "x86", []],
    ["opTypes", undefined, ["Conv", "Gemm"]],
    ["nodes", undefined, ["/a"]],
  ]);
  assert.equal(s[1].children[0].detail, "float");
  assert.deepEqual(s[0].selectionRange, { start: { line: 1, character: 1 }, end: { line: 1, character: 10 } });
  assert.deepEqual(qconfigSymbols("[1]"), []);
});

// ---- schema ----

test("docs/qconfig.schema.json is the schema the checker uses", () => {
  const onDisk = JSON.parse(fs.readFileSync(path.join(repoRoot, "docs/qconfig.schema.json"), "utf8"));
  assert.deepEqual(onDisk, toJsonSchema(), "regenerate docs/qconfig.schema.json from core/src/qconfig/schema.ts (toJsonSchema)");
  const def = (onDisk as { $defs: { observerConfig: { properties: Record<string, { enum?: string[] }> } } }).$defs.observerConfig.properties;
  assert.deepEqual(def.observer.enum, ["minmax", "moving_average_minmax", "histogram", "per_channel_minmax", "moving_average_per_channel_minmax", "percentile", "entropy"]);
});
