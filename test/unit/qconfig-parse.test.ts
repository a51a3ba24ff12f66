// parseQconfig: valid files become QConfigFile values; invalid JSON, schema violations and combinations PyTorch
// rejects become one InputError line naming the file and line:column (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { parseQconfig } from "../../core/src/qconfig/parse";
import { InputError } from "../../core/src/errors";

/** Parses `text`; `expected` is the value, or a RegExp the one-line error must match. */
function check(text: string, expected: unknown): void {
  if (expected instanceof RegExp) {
    let err: unknown;
    try {
      parseQconfig(text, "model.qconfig.json");
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof InputError, `an InputError for ${text}`);
    assert.equal(err.message.split("\n").length, 1, "one line");
    assert.match(err.message, expected);
    return;
  }
  assert.deepEqual(parseQconfig(text, "model.qconfig.json"), expected);
}

test("a valid file parses to its value", () => {
  check(
    '{ "backend": "qnnpack", "global": { "weight": { "observer": "minmax", "qscheme": "per_tensor_symmetric" } }, "opTypes": { "Softmax": null }, "nodes": { "/a": { "activation": { "observer": "entropy", "bins": 128 } } }, "calibration": { "batchSize": 8 } }',
    {
      backend: "qnnpack",
      global: { weight: { observer: "minmax", qscheme: "per_tensor_symmetric" } },
      opTypes: { Softmax: null },
      nodes: { "/a": { activation: { observer: "entropy", bins: 128 } } },
      calibration: { batchSize: 8 },
    },
  );
  check("{}", {});
});

test("warnings do not stop parsing", () => {
  check('{ "opTypes": { "MyOp": null } }', { opTypes: { MyOp: null } });
  check('{ "global": { "activation": { "reduceRange": false } } }', { global: { activation: { reduceRange: false } } });
});

test("invalid JSON: file, line:column, the problem", () => {
  check('{\n  "backend": "x86"\n  "global": {}\n}', /^model\.qconfig\.json: 3:3: invalid JSON: expected ',' or '}', found a string \[QS800\]/);
  check("", /^model\.qconfig\.json: 1:1: invalid JSON: expected a JSON value, found the end of the file/);
  check('{ "a": 1, }', /1:9: invalid JSON: trailing comma/);
});

test("schema violations and PyTorch-rejected combinations, with a count of the rest", () => {
  check('{ "global": { "activation": { "reduce_range": true } } }', /^model\.qconfig\.json: 1:31: unknown key "reduce_range" in global\.activation; did you mean "reduceRange"\?.*\[QS801\]$/);
  check('{ "global": { "weight": { "observer": "minmax", "qscheme": "per_channel_symmetric" } } }', /1:60: .*NotImplementedError.*\[QS810\]$/);
  check('{ "backend": "tpu", "global": 3 }', /1:14: unknown backend "tpu".*\[QS803\] \(and 1 more error\)$/);
});

test("without a file name the message starts at the position", () => {
  assert.throws(() => parseQconfig("[]"), (e: Error) => e instanceof InputError && /^1:1: a qconfig file is a JSON object/.test(e.message));
});
