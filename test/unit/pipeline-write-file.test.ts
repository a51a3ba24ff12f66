// Atomic output writing (core/src/node/write-file.ts): a set of outputs lands completely or not at all, and no
// temp file is left behind (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { InputError } from "../../core/src/errors";
import { writeFileAtomic, writeFilesAtomic } from "../../core/src/node/write-file";

test("writeFilesAtomic writes every file, or none when one cannot be written", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qs-write-"));
  writeFilesAtomic([
    { file: path.join(dir, "a.onnx"), data: new Uint8Array([1, 2, 3]) },
    { file: path.join(dir, "a.json"), data: "{}\n" },
  ]);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["a.json", "a.onnx"]);
  assert.throws(
    () =>
      writeFilesAtomic([
        { file: path.join(dir, "b.onnx"), data: new Uint8Array([4]) },
        { file: path.join(dir, "missing", "b.json"), data: "{}" },
      ]),
    (e: unknown) => e instanceof InputError && /missing\/b\.json: cannot write: its folder does not exist/.test(e.message),
  );
  assert.deepEqual(fs.readdirSync(dir).sort(), ["a.json", "a.onnx"], "neither b file nor a temp file remains");
});

test("writeFileAtomic replaces an existing file in one step", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qs-write-"));
  const file = path.join(dir, "stats.json");
  fs.writeFileSync(file, "old");
  writeFileAtomic(file, "new");
  assert.equal(fs.readFileSync(file, "utf8"), "new");
  assert.deepEqual(fs.readdirSync(dir), ["stats.json"]);
});
