// .npy/.npz parsing and writing against files written by NumPy (test process): every header version,
// dtypes, big-endian, scalars, archives, byte-identical writer output, and one-line errors for bad files.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseNpy, writeNpy, npyToFloat32, checkShape, type NpyArray } from "../../core/src/data/npy";
import { parseNpz, writeNpz } from "../../core/src/data/npz";
import { readDataFile, readNpyFile, writeFileAtomic } from "../../core/src/node/read-data";
import { InputError } from "../../core/src/errors";
import { repoRoot } from "../helpers/shared";

const fixture = (name: string) => path.join(repoRoot, "test/fixtures/npy", name);
const ramp = Array.from({ length: 12 }, (_, i) => i / 8 - 0.5);

function check(file: string, expected: { dtype: string; shape: number[]; values: (number | bigint)[] }): void {
  const a = readNpyFile(fixture(file));
  assert.equal(a.dtype, expected.dtype, `${file}: dtype`);
  assert.deepEqual(a.shape, expected.shape, `${file}: shape`);
  assert.deepEqual([...a.data], expected.values, `${file}: values`);
}

function checkError(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${e}`);
    assert.equal(e.message.split("\n").length, 1, "one line");
    assert.match(e.message, pattern);
    return true;
  });
}

test("float32 in format versions 1.0, 2.0 and 3.0 and big-endian", () => {
  for (const f of ["f32_v1.npy", "f32_v2.npy", "f32_v3.npy", "f32_be.npy"]) check(f, { dtype: "float32", shape: [3, 4], values: ramp });
});

test("float64, int64, int32, uint8 and a 0-d scalar", () => {
  check("f64.npy", { dtype: "float64", shape: [3], values: [1.5, -2.25, 1e300] });
  check("i64.npy", { dtype: "int64", shape: [2, 2], values: [0n, -1n, 2n ** 40n, 7n] });
  check("i32.npy", { dtype: "int32", shape: [3], values: [-5, 6, 2 ** 31 - 1] });
  check("u8.npy", { dtype: "uint8", shape: [1, 3, 1], values: [0, 255, 128] });
  check("scalar.npy", { dtype: "float32", shape: [], values: [3.5] });
});

test("npyToFloat32 converts other dtypes", () => {
  assert.deepEqual([...npyToFloat32(readNpyFile(fixture("i64.npy")))], [0, -1, 2 ** 40, 7]);
});

test("the writer reproduces NumPy's bytes exactly", () => {
  for (const f of ["f32_v1.npy", "f64.npy", "i64.npy", "u8.npy", "scalar.npy"]) {
    const bytes = fs.readFileSync(fixture(f));
    assert.deepEqual(Buffer.from(writeNpy(parseNpy(bytes))), bytes, f);
  }
});

test("write -> parse round trip for every dtype, including a long shape", () => {
  const cases: NpyArray[] = [
    { dtype: "float32", shape: [2, 3], data: Float32Array.of(1, 2, 3, -4, 5.5, 6) },
    { dtype: "int32", shape: [4], data: Int32Array.of(1, -2, 3, 4) },
    { dtype: "int8", shape: [2], data: Int8Array.of(-128, 127) },
    { dtype: "bool", shape: [3], data: Uint8Array.of(1, 0, 1) },
    { dtype: "float32", shape: Array(20).fill(1), data: Float32Array.of(9) },
  ];
  for (const c of cases) {
    const back = parseNpy(writeNpy(c));
    assert.equal(back.dtype, c.dtype);
    assert.deepEqual(back.shape, c.shape);
    assert.deepEqual([...back.data], [...c.data]);
  }
});

test(".npz archives, compressed and stored", () => {
  const pair = readDataFile(fixture("pair.npz"));
  assert.deepEqual([...pair.keys()].sort(), ["x", "y"]);
  assert.deepEqual([...pair.get("x")!.data], ramp);
  assert.deepEqual([...pair.get("y")!.data], [1n, 2n, 3n]);
  const stored = readDataFile(fixture("stored.npz"));
  assert.deepEqual(stored.get("images")!.shape, [2, 1, 8, 8]);
  const again = parseNpz(writeNpz(pair));
  assert.deepEqual([...again.get("x")!.data], ramp);
  assert.equal(again.get("y")!.dtype, "int64");
});

test("readDataFile names a single .npy array after the file; writeFileAtomic replaces files whole", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qs-npy-"));
  try {
    const file = path.join(dir, "calib.npy");
    writeFileAtomic(file, writeNpy({ shape: [2], data: Float32Array.of(1, 2) }));
    const m = readDataFile(file);
    assert.deepEqual([...m.keys()], ["calib"]);
    assert.deepEqual(fs.readdirSync(dir), ["calib.npy"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("bad files give one clear InputError line naming the file", () => {
  checkError(() => readNpyFile(fixture("fortran.npy")), /fortran\.npy: .*Fortran order/);
  checkError(() => readNpyFile(fixture("complex.npy")), /complex\.npy: unsupported dtype '<c8'/);
  checkError(() => readNpyFile(fixture("missing.npy")), /missing\.npy: cannot read: no such file/);
  const good = fs.readFileSync(fixture("f32_v1.npy"));
  checkError(() => parseNpy(good.subarray(0, good.length - 5), "cut.npy"), /cut\.npy: truncated \.npy data: shape \(3, 4\) of float32 needs 48 bytes, the file has 43/);
  checkError(() => parseNpy(good.subarray(0, 30), "cut.npy"), /truncated \.npy header/);
  checkError(() => parseNpy(new TextEncoder().encode("hello, not numpy"), "x.npy"), /x\.npy: not a \.npy file/);
  checkError(() => parseNpz(good, "a.npz"), /a\.npz: not an \.npz file/);
  checkError(() => parseNpz(fs.readFileSync(fixture("pair.npz")).subarray(0, 200), "a.npz"), /a\.npz: corrupt \.npz archive/);
  checkError(() => readDataFile(fixture("README.md")), /unsupported data file type '\.md'/);
});

test("checkShape accepts symbolic dims and rejects wrong-shaped data", () => {
  const a = readNpyFile(fixture("f32_v1.npy"));
  checkShape(a, ["batch", 4], "calibration data");
  checkError(() => checkShape(a, ["batch", 1, 8, 8], "calibration data", "calib.npy"), /calib\.npy: calibration data has shape \(3, 4\), expected \(batch, 1, 8, 8\)/);
});
