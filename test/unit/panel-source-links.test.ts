// Source links of the side panel (extension/src/panel/source-links.ts): node names to module attributes, and
// `self.X = ...` definition lines in Python text (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { moduleAttribute, moduleDefinitions } from "../../extension/src/panel/source-links";

test("a node's module attribute is the path component before the op", () => {
  assert.equal(moduleAttribute("/conv1/Conv"), "conv1");
  assert.equal(moduleAttribute("/block/conv/Conv"), "conv");
  assert.equal(moduleAttribute("/features/features.0/Conv"), undefined, "not an identifier: no guess");
  assert.equal(moduleAttribute("/Add"), undefined);
  assert.equal(moduleAttribute("Conv_3"), undefined);
});

test("definitions: the first `self.X =` per attribute, annotated ones too, never comparisons", () => {
  const text = [
    "class M(nn.Module):",
    "    def __init__(self):",
    "        self.fc = nn.Linear(4, 4)",
    "        self.act: nn.Module = nn.ReLU()",
    "        if self.fc == None: pass",
    "        self.fc = nn.Linear(4, 8)",
  ].join("\n");
  assert.deepEqual([...moduleDefinitions(text)], [
    ["fc", 3],
    ["act", 4],
  ]);
});
