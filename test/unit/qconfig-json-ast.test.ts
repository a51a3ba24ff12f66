// The position-tracking JSON parser: agrees with JSON.parse on valid JSON (property-based), rejects what
// RFC 8259 rejects with the right offset, recovers a partial tree for the editor, and never throws (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import { LineIndex, nodeAt, nodeValue, parseJson, pathOf } from "../../core/src/qconfig/json-ast";

/** `text` must fail to parse with a first error at the offset of the '|' marker in `marked`, matching `message`. */
function check(marked: string, message?: RegExp): void {
  const at = marked.indexOf("|");
  const text = marked.slice(0, at) + marked.slice(at + 1);
  const r = parseJson(text);
  assert.throws(() => JSON.parse(text), SyntaxError, `JSON.parse rejects ${text} too`);
  assert.ok(r.errors.length > 0, `an error for ${text}`);
  assert.equal(r.errors[0].offset, at, `first error of ${JSON.stringify(text)}: ${r.errors[0].message}`);
  if (message) assert.match(r.errors[0].message, message);
}

test("valid JSON: same value as JSON.parse, no errors (property-based)", () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 4 }), (v, indent) => {
      const text = JSON.stringify(v, null, indent);
      const r = parseJson(text);
      assert.deepEqual(r.errors, []);
      assert.deepEqual(nodeValue(r.root), JSON.parse(text));
    }),
    { numRuns: 300 },
  );
});

test("strings: escapes and unicode", () => {
  const text = '"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00"';
  assert.equal(nodeValue(parseJson(text).root), JSON.parse(text));
});

test("numbers: integer flag and values", () => {
  const r = parseJson("[0, -1, 1.5, 2e3, -0.25E-2, 10]");
  assert.ok(r.root?.type === "array");
  assert.deepEqual(r.root.items.map((i) => (i.type === "number" ? [i.value, i.isInteger] : null)), [[0, true], [-1, true], [1.5, false], [2000, false], [-0.0025, false], [10, true]]);
});

test("errors at the right offset", () => {
  check('{"a": 1|,}', /trailing comma/);
  check("[1|,]", /trailing comma/);
  check("{|'a': 1}", /double quotes/);
  check('{"a" |1}', /expected ':'/);
  check('{"a": 1 |"b": 2}', /expected ',' or '}'/);
  check("|", /end of the file/);
  check('{"a": |tru}', /expected a JSON value/);
  check('{"a": |01}', /invalid number/);
  check('{"a": |1.}', /invalid number/);
  check('{"a": |-}', /invalid number/);
  check('{"a": |+1}');
  check('{"a": 1}|x', /after the JSON value/);
  check('{"a": 1|', /expected '}'/);
  check('{"a": |"abc', /unterminated/);
  check('{"a": "x|\\q"}', /escape/);
  check('{|// c\n"a": 1}', /comments/);
  check('{"a": |NaN}');
  check('{"a": "|\t"}', /control character/);
});

test("recovery keeps the properties before and after an error", () => {
  const r = parseJson('{ "a": 1, "b": , "c": 3 }');
  assert.ok(r.errors.length >= 1);
  assert.deepEqual(nodeValue(r.root), { a: 1, c: 3 });
  const partial = parseJson('{ "global": { "activation": { "observer": ');
  assert.ok(partial.root?.type === "object");
  const g = partial.root.properties[0];
  assert.equal(g.key.value, "global");
});

test("deep nesting is refused, not a stack overflow", () => {
  const r = parseJson("[".repeat(100000));
  assert.ok(r.errors.some((e) => /nesting deeper/.test(e.message)));
});

test("never throws on arbitrary text (fuzz)", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 200 }), (s) => {
      parseJson(s);
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.jsonValue(), fc.nat(), fc.string({ maxLength: 3 }), (v, cut, junk) => {
      const t = JSON.stringify(v);
      const p = cut % (t.length + 1);
      parseJson(t.slice(0, p) + junk + t.slice(p));
    }),
    { numRuns: 300 },
  );
});

test("nodeAt and pathOf locate the node under an offset", () => {
  const text = '{ "global": { "weight": { "dtype": "qint8" } } }';
  const { root } = parseJson(text);
  const n = nodeAt(root, text.indexOf("qint8"));
  assert.equal(n?.type, "string");
  assert.deepEqual(pathOf(n!), ["global", "weight", "dtype"]);
  const k = nodeAt(root, text.indexOf("dtype"));
  assert.equal(k?.type, "string");
  assert.equal(k?.parent?.type, "property");
});

test("LineIndex: LF, CRLF and CR line ends, UTF-16 columns", () => {
  const text = "ab\r\ncd\ref\n\u{1F600}x";
  const li = new LineIndex(text);
  assert.deepEqual(li.positionAt(text.indexOf("c")), { line: 1, character: 0 });
  assert.deepEqual(li.positionAt(text.indexOf("f")), { line: 2, character: 1 });
  assert.deepEqual(li.positionAt(text.indexOf("x")), { line: 3, character: 2 });
  for (let o = 0; o <= text.length; o++) {
    const p = li.positionAt(o);
    // Offsets between \r and \n map to the end of the line; all others round-trip.
    if (!(text[o - 1] === "\r" && text[o] === "\n")) assert.equal(li.offsetAt(p), o, `offset ${o}`);
  }
  assert.equal(li.offsetAt({ line: 99, character: 0 }), text.length);
  assert.equal(li.offsetAt({ line: 0, character: 99 }), 4, "a column past the end clamps to the line's end");
});
