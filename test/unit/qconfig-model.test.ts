// Reading the node list of a real ONNX model for the qconfig tools, and model-aware completion and hover
// (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { listModelNodes } from "../../core/src/qconfig/model-nodes";
import { qconfigCompletions } from "../../core/src/qconfig/complete";
import { qconfigHover } from "../../core/src/qconfig/hover";
import { LineIndex } from "../../core/src/qconfig/json-ast";
import { InputError } from "../../core/src/errors";
import { sharedPath } from "../helpers/shared";

const cnn = () => listModelNodes(fs.readFileSync(sharedPath("golden", "models", "cnn.onnx")), "cnn.onnx");

/** Completion labels and details at the '|' in `marked`, with the cnn model. */
function check(marked: string, expected: [string, string | undefined][]): void {
  const at = marked.indexOf("|");
  const text = marked.slice(0, at) + marked.slice(at + 1);
  const items = qconfigCompletions(text, new LineIndex(text).positionAt(at), { model: cnn() });
  assert.deepEqual(items.slice(0, expected.length).map((i) => [i.label, i.detail]), expected);
}

test("the cnn model's nodes: names as torch.onnx wrote them, with op types", () => {
  const info = cnn();
  assert.equal(info.file, "cnn.onnx");
  assert.deepEqual(info.nodes.slice(0, 3), [
    { name: "/conv1/Conv", opType: "Conv" },
    { name: "/relu1/Relu", opType: "Relu" },
    { name: "/conv2/Conv", opType: "Conv" },
  ]);
  assert.ok(info.nodes.some((n) => n.opType === "Add"));
  assert.ok(info.nodes.every((n) => n.name.length > 0));
});

test("bytes that are not a model are one InputError", () => {
  assert.throws(() => listModelNodes(new Uint8Array([0xff, 0xff, 0xff, 0x0f, 1, 2, 3]), "x.onnx"), (e: Error) => e instanceof InputError && /^x\.onnx: /.test(e.message));
});

test("completion offers the model's node names under nodes and its op types first under opTypes", () => {
  check('{ "nodes": { | } }', [
    ["/conv1/Conv", "Conv node"],
    ["/relu1/Relu", "Relu node"],
  ]);
  check('{ "nodes": { "/conv1/Conv": null, | } }', [["/relu1/Relu", "Relu node"]]);
  check('{ "opTypes": { | } }', [
    ["Conv", "4 in the model"],
    ["Relu", "4 in the model"],
  ]);
});

test("hover on a node key says what the node is and resolves it with its op type", () => {
  const text = '{ "backend": "x86", "opTypes": { "Conv": { "activation": { "observer": "minmax" } } }, "nodes": { "/conv2/Conv": { "activation": { "bins": 10 } } } }';
  const lines = new LineIndex(text);
  const key = qconfigHover(text, lines.positionAt(text.indexOf("/conv2/Conv") + 2), { model: cnn() });
  assert.match(key?.contents ?? "", /`Conv` node in cnn\.onnx/);
  const act = qconfigHover(text, lines.positionAt(text.lastIndexOf('"activation"') + 2), { model: cnn() });
  assert.match(act?.contents ?? "", /Effective \(x86\): `minmax` quint8/);
  const without = qconfigHover(text, lines.positionAt(text.lastIndexOf('"activation"') + 2));
  assert.match(without?.contents ?? "", /before its op type's entry\): `histogram`/);
});
