// The float32 WASM kernels against naive TypeScript references on random shapes (test process): packed GEMM
// (B packed per call or once up front) with transposed operands, both bias modes and several column blocks;
// broadcasting binary ops; transposes; im2col + GEMM convolution against a direct loop.
import { test, after } from "node:test";
import * as assert from "node:assert/strict";
import { loadCore } from "../../core/src/node/load-core";
import { FloatKernels, broadcastLayout } from "../../core/src/wasm/fkernels";
import type { WasmCore } from "../../core/src/wasm/core";
import { rng, count } from "../helpers/onnx-models";

let kernels: FloatKernels | undefined;
const ptrs: number[] = [];
after(() => {
  kernels?.dispose();
  ptrs.forEach((p) => kernels?.core.free(p));
});

async function setup(): Promise<{ core: WasmCore; k: FloatKernels; put: (a: Float32Array) => number; get: (p: number, n: number) => Float32Array; buf: (n: number) => number }> {
  const core = await loadCore();
  kernels ??= new FloatKernels(core);
  const k = kernels;
  const put = (a: Float32Array) => {
    const p = core.copyIn(a);
    ptrs.push(p);
    return p;
  };
  const buf = (n: number) => {
    const p = core.alloc(n * 4);
    ptrs.push(p);
    return p;
  };
  return { core, k, put, buf, get: (p, n) => core.copyOut(Float32Array, p, n) };
}

/** Asserts |got - want| <= 1e-5 + 1e-5 * scale elementwise, `scale` being the sum of |terms|. */
function check(got: Float32Array, want: Float64Array, scale: Float64Array | number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const s = typeof scale === "number" ? scale : scale[i];
    if (!(Math.abs(got[i] - want[i]) <= 1e-5 + 2e-6 * s)) assert.fail(`${what}[${i}]: got ${got[i]}, expected ${want[i]}`);
  }
}

test("packed GEMM: random M/K/N, transposed A and B, row and column bias, multiple column blocks", async () => {
  const { k, put, buf, get } = await setup();
  const r = rng(99);
  const shapes = [
    [1, 1, 1],
    [3, 5, 7],
    [4, 8, 8],
    [9, 17, 33],
    [5, 300, 250],
    [13, 64, 1],
  ];
  for (const [M, K, N] of shapes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const biasMode of ["none", "row", "col"] as const) {
          const a = r.floats(M * K);
          const b = r.floats(K * N);
          const bias = r.floats(biasMode === "row" ? M : N);
          const A = (i: number, kk: number) => (transA ? a[kk * M + i] : a[i * K + kk]);
          const B = (kk: number, j: number) => (transB ? b[j * K + kk] : b[kk * N + j]);
          const want = new Float64Array(M * N);
          const mag = new Float64Array(M * N);
          for (let i = 0; i < M; i++)
            for (let j = 0; j < N; j++) {
              let s = biasMode === "row" ? bias[i] : biasMode === "col" ? bias[j] : 0;
              let m = Math.abs(s);
              for (let kk = 0; kk < K; kk++) {
                s += A(i, kk) * B(kk, j);
                m += Math.abs(A(i, kk) * B(kk, j));
              }
              want[i * N + j] = s;
              mag[i * N + j] = m;
            }
          const packed = buf(k.packedAFloats(M, K));
          const pa = put(a);
          k.packA(pa, M, K, transA ? 1 : K, transA ? M : 1, packed);
          const c = buf(M * N);
          const scratch = buf(k.gemmScratchFloats(K, N));
          const biasRef = biasMode === "none" ? undefined : { ptr: put(bias), mode: biasMode };
          k.gemm(packed, M, K, put(b), transB ? 1 : N, transB ? K : 1, N, c, N, biasRef, scratch);
          check(get(c, M * N), want, mag, `gemm ${M}x${K}x${N} tA=${transA} tB=${transB} bias=${biasMode}`);
          // The same product with B packed once up front (constant weights) gives identical floats.
          const packedB = buf(k.packedBFloats(K, N));
          k.packB(put(b), K, N, transB ? 1 : N, transB ? K : 1, packedB);
          const c2 = buf(M * N);
          k.gemmPrepacked(packed, M, K, packedB, N, c2, N, biasRef, buf(32));
          assert.deepEqual(get(c2, M * N), get(c, M * N), `prepacked gemm ${M}x${K}x${N}`);
        }
      }
    }
  }
});

test("binary ops broadcast like numpy over random shape pairs", async () => {
  const { k, put, buf, get } = await setup();
  const r = rng(5);
  const ops = { add: (x: number, y: number) => x + y, sub: (x: number, y: number) => x - y, mul: (x: number, y: number) => x * y, div: (x: number, y: number) => x / y };
  for (let trial = 0; trial < 60; trial++) {
    const rank = 1 + Math.floor(r.next() * 5);
    const out = Array.from({ length: rank }, () => 1 + Math.floor(r.next() * 5));
    const squash = (s: number[]) => s.map((d) => (r.next() < 0.35 ? 1 : d)).slice(Math.floor(r.next() * 2));
    const aShape = squash(out);
    const bShape = squash(out);
    const outShape = out.map((_, i) => Math.max(aShape[i - (rank - aShape.length)] ?? 1, bShape[i - (rank - bShape.length)] ?? 1));
    const a = r.floats(count(aShape));
    const b = r.floats(count(bShape), 0.5, 2);
    const index = (shape: number[], coord: number[]) => {
      let idx = 0;
      shape.forEach((d, i) => (idx = idx * d + (d === 1 ? 0 : coord[i + coord.length - shape.length])));
      return idx;
    };
    for (const [name, f] of Object.entries(ops)) {
      const n = count(outShape);
      const want = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const coord: number[] = [];
        let rem = i;
        for (let d = outShape.length - 1; d >= 0; d--) {
          coord.unshift(rem % outShape[d]);
          rem = Math.floor(rem / outShape[d]);
        }
        want[i] = Math.fround(f(a[index(aShape, coord)], b[index(bShape, coord)]));
      }
      const o = buf(n);
      k.binary(name as keyof typeof ops, put(a), aShape, put(b), bShape, o, outShape);
      check(get(o, n), want, 0, `${name} [${aShape}] [${bShape}] -> [${outShape}] (layout ${JSON.stringify(broadcastLayout(aShape, bShape, outShape))})`);
    }
  }
});

test("transpose over random shapes and permutations", async () => {
  const { k, put, buf, get } = await setup();
  const r = rng(17);
  for (let trial = 0; trial < 40; trial++) {
    const rank = 1 + Math.floor(r.next() * 6);
    const shape = Array.from({ length: rank }, () => 1 + Math.floor(r.next() * 4));
    const perm = Array.from({ length: rank }, (_, i) => i).sort(() => r.next() - 0.5);
    const x = r.floats(count(shape));
    const outShape = perm.map((p) => shape[p]);
    const n = count(shape);
    const want = new Float64Array(n);
    const inStrides = shape.map((_, i) => count(shape.slice(i + 1)));
    for (let i = 0; i < n; i++) {
      let rem = i;
      let src = 0;
      for (let d = 0; d < rank; d++) {
        const stride = count(outShape.slice(d + 1));
        const q = Math.floor(rem / stride);
        rem -= q * stride;
        src += q * inStrides[perm[d]];
      }
      want[i] = x[src];
    }
    const o = buf(n);
    k.transpose(put(x), o, shape, perm);
    check(get(o, n), want, 0, `transpose [${shape}] by [${perm}]`);
  }
});

test("im2col + GEMM equals a direct convolution loop (pads, strides, dilation)", async () => {
  const { k, put, buf, get } = await setup();
  const r = rng(23);
  const cases = [
    { C: 3, H: 7, W: 9, M: 5, kh: 3, kw: 3, sh: 1, sw: 1, pt: 1, pl: 1, pb: 1, pr: 1, dh: 1, dw: 1 },
    { C: 2, H: 10, W: 8, M: 6, kh: 3, kw: 2, sh: 2, sw: 3, pt: 0, pl: 2, pb: 1, pr: 0, dh: 2, dw: 1 },
    { C: 4, H: 5, W: 5, M: 3, kh: 5, kw: 5, sh: 1, sw: 1, pt: 2, pl: 2, pb: 2, pr: 2, dh: 1, dw: 1 },
  ];
  for (const c of cases) {
    const OH = Math.floor((c.H + c.pt + c.pb - (c.kh - 1) * c.dh - 1) / c.sh) + 1;
    const OW = Math.floor((c.W + c.pl + c.pr - (c.kw - 1) * c.dw - 1) / c.sw) + 1;
    const g = { ...c, OH, OW };
    const x = r.floats(c.C * c.H * c.W);
    const w = r.floats(c.M * c.C * c.kh * c.kw);
    const K = c.C * c.kh * c.kw;
    const P = OH * OW;
    const want = new Float64Array(c.M * P);
    const mag = new Float64Array(c.M * P);
    for (let m = 0; m < c.M; m++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let s = 0;
          let a = 0;
          for (let ch = 0; ch < c.C; ch++)
            for (let i = 0; i < c.kh; i++)
              for (let j = 0; j < c.kw; j++) {
                const ih = oh * c.sh - c.pt + i * c.dh;
                const iw = ow * c.sw - c.pl + j * c.dw;
                if (ih < 0 || ih >= c.H || iw < 0 || iw >= c.W) continue;
                const t = w[((m * c.C + ch) * c.kh + i) * c.kw + j] * x[(ch * c.H + ih) * c.W + iw];
                s += t;
                a += Math.abs(t);
              }
          want[m * P + oh * OW + ow] = s;
          mag[m * P + oh * OW + ow] = a;
        }
    const col = buf(K * P);
    k.im2col(put(x), g, col);
    const packed = buf(k.packedAFloats(c.M, K));
    k.packA(put(w), c.M, K, K, 1, packed);
    const out = buf(c.M * P);
    k.gemm(packed, c.M, K, col, P, 1, P, out, P, undefined, buf(k.gemmScratchFloats(K, P)));
    check(get(out, c.M * P), want, mag, `conv ${JSON.stringify(c)}`);
  }
});
