// Parsing, incremental re-parsing after LSP-style edits, syntax-error tolerance, hover and symbols (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { sharedPath } from "../../helpers/shared";
import { getAnalyzer, py } from "./helpers";

const corpusFile = sharedPath("corpus-dev", "dev_e02_float_linear_gets_quantized.py");

test("an incremental edit gives the same findings as parsing the new text from scratch, and reuses unchanged statements", async () => {
  const a = await getAnalyzer();
  const text = fs.readFileSync(corpusFile, "utf8");
  const doc = a.parse(text);
  // Line 23 (0-based 22): `m.head.qconfig = None` -> `m.body.qconfig = None`.
  const line = 22;
  assert.equal(text.split("\n")[line], "m.head.qconfig = None");
  const newText = text.replace("m.head.qconfig = None", "m.body.qconfig = None");
  const edited = doc.edit([{ range: { start: { line, character: 2 }, end: { line, character: 6 } }, text: "body" }], newText);
  const fresh = a.parse(newText);
  assert.deepEqual(a.analyze(edited), a.analyze(fresh));
  assert.ok(edited.convertedStatements <= 2, `only the edited statement is converted again (got ${edited.convertedStatements})`);
  // Now body (the first Linear) stays float and gets the quantized input, and its float output then
  // reaches the quantized head: two real problems.
  assert.deepEqual(
    a.analyze(edited).filter((f) => f.severity === "error").map((f) => `${f.range.start.line + 1} ${f.code}`),
    ["16 QS102", "17 QS101"],
  );
  // The original document is still analyzable... as the previous text.
  assert.deepEqual(a.analyze(a.parse(text)).filter((f) => f.severity === "error").map((f) => f.range.start.line + 1), [17]);
});

test("edits that add lines shift reused statements; multi-change edits apply in order", async () => {
  const a = await getAnalyzer();
  const text = fs.readFileSync(corpusFile, "utf8");
  let doc = a.parse(text);
  let current = text;
  const insert = "# a comment\n# another\n";
  current = insert + current;
  doc = doc.edit([{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: insert }], current);
  const errors = a.analyze(doc).filter((f) => f.severity === "error").map((f) => f.range.start.line + 1);
  assert.deepEqual(errors, [19]);
  const two = current.replace("import torch\n", "import torch  \n").replace("# another\n", "");
  doc = doc.edit(
    [
      { range: { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } }, text: "" },
      { range: { start: { line: 1, character: 12 }, end: { line: 1, character: 12 } }, text: "  " },
    ],
    two,
  );
  assert.deepEqual(a.analyze(doc), a.analyze(a.parse(two)));
});

test("syntax errors do not stop the analysis of the rest of the file", async () => {
  const a = await getAnalyzer();
  const text = fs.readFileSync(corpusFile, "utf8").replace("print(m(torch.randn(1, 10)))", "print(m(torch.randn(1, 10))\ndef broken(:");
  const doc = a.parse(text);
  assert.equal(doc.hasSyntaxErrors, true);
  assert.ok(a.analyze(doc).some((f) => f.code === "QS102" && f.range.start.line === 16));
  assert.deepEqual(a.analyze(a.parse("")), []);
  assert.deepEqual(a.analyze(a.parse("class (:\n  ]]] def")), []);
});

test("hover says what a submodule becomes after convert in this file", async () => {
  const a = await getAnalyzer();
  const doc = a.parse(fs.readFileSync(corpusFile, "utf8"));
  const head = a.hoverAt(doc, { line: 16, character: 19 }); // `self.head` in forward
  assert.ok(head);
  assert.match(head, /\*\*self\.head\*\*: `nn\.Linear\(10, 2\)`/);
  assert.match(head, /torch\.ao\.nn\.quantized\.Linear/);
  assert.match(head, /qconfig None.*stays float/);
  const body = a.hoverAt(doc, { line: 9, character: 14 }); // `self.body = ...` in __init__
  assert.match(body ?? "", /quantized module: needs a quantized input/);
  const cls = a.hoverAt(doc, { line: 5, character: 7 });
  assert.match(cls ?? "", /\*\*Mixed\*\* \(nn\.Module\)[\s\S]*line 26: convert/);
  assert.equal(a.hoverAt(doc, { line: 0, character: 0 }), undefined);
  // Model variables: their state right after the assignment.
  const prepared = a.hoverAt(doc, { line: 23, character: 0 }); // `m = tq.prepare(m)`
  assert.match(prepared ?? "", /\*\*m\*\*: `Mixed`, prepared[\s\S]*Mode: eval[\s\S]*`\(model\)`: "x86" static, `head`: None[\s\S]*No calibration data/);
  assert.match(a.hoverAt(doc, { line: 25, character: 0 }) ?? "", /converted to int8 \(eager mode\)/);
});

test("document symbols list modules, submodules, methods and functions", async () => {
  const a = await getAnalyzer();
  const doc = a.parse(py`
    import torch.nn as nn


    def helper(x):
        return x


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU())
            self.fc = nn.Linear(4, 2)

        def forward(self, x):
            return self.fc(self.features(x))
  `);
  const symbols = a.documentSymbols(doc);
  const outline = symbols.map((s) => `${s.kind} ${s.name}: ${s.children.map((c) => `${c.kind} ${c.name}(${c.children.map((g) => g.name).join(",")})`).join(" ")}`);
  assert.deepEqual(outline, ["function helper: ", "class Net: submodule features(0,1) submodule fc() method __init__() method forward()"]);
  const net = symbols[1];
  assert.equal(net?.selectionRange.start.line, 7);
});

test("very deep expressions and nesting are analyzed without overflowing the stack", async () => {
  const a = await getAnalyzer();
  const text = `x = ${Array.from({ length: 20000 }, () => "a").join(" + ")}\ny = ${"[".repeat(3000)}${"]".repeat(3000)}\n`;
  const doc = a.parse(text);
  assert.deepEqual(a.analyze(doc), []);
  assert.deepEqual(a.documentSymbols(doc), []);
  const chains = `m = torch${".nn".repeat(20000)}\ny = a${".b".repeat(20000)}(z)\nif ${"not ".repeat(5000)}x:\n    pass\n`;
  assert.deepEqual(a.analyze(a.parse(chains)), []);
  const nested = [
    "import torch.nn as nn",
    "import torch.ao.quantization as tq",
    "class M(nn.Module):",
    "    def __init__(self):",
    "        super().__init__()",
    `        self.s = ${"nn.Sequential(".repeat(3000)}nn.Linear(4, 4)${")".repeat(3000)}`,
    "    def forward(self, x):",
    "        return self.s(x)",
    "m = M().eval()",
    'm.qconfig = tq.get_default_qconfig("x86")',
    "p = tq.prepare(m)",
    "p(1)",
    "q = tq.convert(p)",
    "q(1)",
  ].join("\n");
  const findings = a.analyze(a.parse(nested));
  assert.ok(findings.every((f) => f.code !== "QS101"), "a Linear nested past the modeled depth is unknown, not reported");
});

test("property: any sequence of random edits gives the same findings as parsing the final text", async () => {
  const fc = await import("fast-check");
  const a = await getAnalyzer();
  const base = fs.readFileSync(corpusFile, "utf8") + fs.readFileSync(sharedPath("corpus-dev", "dev_f01_while_on_tensor.py"), "utf8");
  const pieces = ["\n", "    ", "x", "self.head(x)", "# c\n", "if x:\n    pass\n", ")", "m.head.qconfig = None\n", ""];
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(), fc.nat(12), fc.constantFrom(...pieces)), { minLength: 1, maxLength: 6 }),
      async (edits) => {
        let doc = a.parse(base);
        let text = base;
        for (const [at, del, insert] of edits) {
          const start = at % (text.length + 1);
          const end = Math.min(text.length, start + del);
          const before = text.slice(0, start);
          const startLine = before.split("\n").length - 1;
          const startChar = start - (before.lastIndexOf("\n") + 1);
          const upto = text.slice(0, end);
          const endLine = upto.split("\n").length - 1;
          const endChar = end - (upto.lastIndexOf("\n") + 1);
          text = text.slice(0, start) + insert + text.slice(end);
          doc = doc.edit([{ range: { start: { line: startLine, character: startChar }, end: { line: endLine, character: endChar } }, text: insert }], text);
        }
        assert.equal(doc.text, text);
        assert.deepEqual(a.analyze(doc), a.analyze(a.parse(text)));
      },
    ),
    { numRuns: 40, seed: 20261127 },
  );
});
