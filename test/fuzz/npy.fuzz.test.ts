// Fuzz suite for the .npy and .npz readers (test process): random bytes, mutated valid files, generated
// headers (hostile shapes, dtypes, nesting, lengths) and zip archives with hostile members. Every input must
// parse or fail with a one-line InputError, and never allocate more than the file could hold.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import { zipSync } from "fflate";
import { parseNpy, writeNpy } from "../../core/src/data/npy";
import { parseNpz, writeNpz } from "../../core/src/data/npz";
import { acceptOnlyInputErrors, fuzz, mutationOf } from "./fuzz-options";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/** An .npy file with the given header text and body (format 1.0 or 2.0/3.0 by `major`). */
function npyWithHeader(header: string, body: Uint8Array, major = 1): Uint8Array {
  const text = new TextEncoder().encode(header);
  const prefix = major === 1 ? 10 : 12;
  const out = new Uint8Array(prefix + text.length + body.length);
  out.set(MAGIC);
  out[6] = major;
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, text.length & 0xffff, true);
  else dv.setUint32(8, text.length, true);
  out.set(text, prefix);
  out.set(body, prefix + text.length);
  return out;
}

const VALID_NPY = [
  writeNpy({ shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }),
  writeNpy({ shape: [4], data: BigInt64Array.from([1n, -2n, 3n, 4n]) }),
  writeNpy({ shape: [], data: Float64Array.of(0.5) }),
  writeNpy({ shape: [3, 1, 2], data: Uint8Array.from([0, 1, 2, 3, 4, 255]) }),
];
const VALID_NPZ = [
  writeNpz({ x: { dtype: "float32", shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) }, y: { dtype: "int64", shape: [2], data: BigInt64Array.from([0n, 1n]) } }),
  writeNpz({ x: { dtype: "float32", shape: [3], data: Float32Array.from([1, 2, 3]) } }, false),
];

test("the valid seeds parse", () => {
  for (const b of VALID_NPY) parseNpy(b);
  for (const b of VALID_NPZ) assert.ok(parseNpz(b).size > 0);
});

test(".npy: random bytes after the magic", () => {
  fuzz("npy-random", fc.uint8Array({ maxLength: 600 }), (tail) => {
    const b = new Uint8Array(6 + tail.length);
    b.set(MAGIC);
    b.set(tail, 6);
    acceptOnlyInputErrors(() => parseNpy(b, "x.npy"));
  });
});

test(".npy: mutated valid files", () => {
  fuzz("npy-mutated", fc.integer({ min: 0, max: VALID_NPY.length - 1 }).chain((i) => mutationOf(VALID_NPY[i])), (b) => {
    acceptOnlyInputErrors(() => parseNpy(b, "x.npy"));
  });
});

const descr = fc.constantFrom("<f4", ">f4", "|u1", "<i8", ">i8", "<f8", "|b1", "<c8", "f4", "<U4", "O", "", "<f4<f4");
const dim = fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 5 }) }, { weight: 1, arbitrary: fc.constantFrom("-1", "2**40", "9007199254740993", "1e3", "3L", "None", "'a'", "4294967296", "99999999999999999999") });
const headerText = fc
  .record({
    descr,
    fortran: fc.constantFrom("False", "True", "0", "None", "'False'"),
    shape: fc.array(dim, { maxLength: 4 }),
    trailing: fc.constantFrom("", ", ", "}", "{", "((((", "'", "\\x00", ":"),
    quote: fc.constantFrom("'", '"'),
  })
  .map(({ descr, fortran, shape, trailing, quote }) => {
    const q = (s: string) => `${quote}${s}${quote}`;
    const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
    return `{${q("descr")}: ${q(descr)}, ${q("fortran_order")}: ${fortran}, ${q("shape")}: ${tuple}${trailing}}`;
  });

test(".npy: generated headers (hostile shapes, dtypes, quoting, truncation)", () => {
  fuzz("npy-headers", fc.tuple(headerText, fc.uint8Array({ maxLength: 256 }), fc.constantFrom(1, 2, 3)), ([header, body, major]) => {
    acceptOnlyInputErrors(() => parseNpy(npyWithHeader(header, body, major), "x.npy"));
  });
});

test(".npy: deeply nested headers and huge header lengths", () => {
  fuzz("npy-nesting", fc.tuple(fc.integer({ min: 1, max: 200_000 }), fc.constantFrom("(", "[", "{'a': ", "((", "[(")), ([depth, open]) => {
    acceptOnlyInputErrors(() => parseNpy(npyWithHeader(open.repeat(Math.ceil(depth / open.length)), new Uint8Array(0), 2), "x.npy"));
  });
});

test(".npz: random bytes behind the zip signature, and mutated archives", () => {
  fuzz("npz-random", fc.uint8Array({ maxLength: 600 }), (tail) => {
    const b = new Uint8Array(4 + tail.length);
    b.set([0x50, 0x4b, 0x03, 0x04]);
    b.set(tail, 4);
    acceptOnlyInputErrors(() => parseNpz(b, "x.npz"));
  });
  fuzz("npz-mutated", fc.integer({ min: 0, max: VALID_NPZ.length - 1 }).chain((i) => mutationOf(VALID_NPZ[i])), (b) => {
    acceptOnlyInputErrors(() => parseNpz(b, "x.npz"));
  });
});

test(".npz: archives of hostile members (odd names, non-npy members, corrupt arrays)", () => {
  const member = fc.oneof(fc.constant(VALID_NPY[0]), fc.uint8Array({ maxLength: 64 }), headerText.map((h) => npyWithHeader(h, new Uint8Array(16))));
  const name = fc.constantFrom("x.npy", "y.npy", "dir/", "dir/z.npy", "../evil.npy", "a.txt", ".npy", "x.npy\u0000", "nested.npz");
  fuzz("npz-members", fc.dictionary(name, member, { minKeys: 1, maxKeys: 4 }), (members) => {
    acceptOnlyInputErrors(() => parseNpz(zipSync(members), "x.npz"));
  });
});
