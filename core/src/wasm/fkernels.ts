// Host wrappers for the float32 WASM kernels in assembly/fkernels/ (any process that holds a WasmCore).
// Everything here takes pointers into linear memory (byte addresses of float32 data) plus shapes, and
// computes the strides, broadcast layouts and scratch sizes the raw kernels expect. No allocation per call
// except the small parameter block owned by each FloatKernels instance.
import type { WasmCore } from "./core";

export type BinaryOp = "add" | "sub" | "mul" | "div";
const BINARY_CODES: Record<BinaryOp, number> = { add: 0, sub: 1, mul: 2, div: 3 };

/** Max rank the broadcast/transpose kernels take (lower ranks are padded with leading 1s). */
export const KERNEL_MAX_RANK = 6;

export interface Conv2dGeometry {
  /** Input channels, height, width of one image. */
  C: number;
  H: number;
  W: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  /** Pads: top, left, bottom, right. */
  pt: number;
  pl: number;
  pb: number;
  pr: number;
  dh: number;
  dw: number;
  OH: number;
  OW: number;
}

/** Typed access to the float kernels of one WasmCore instance. */
export class FloatKernels {
  /** 3 x 6 i32 parameter block for dims/strides (kernels read it before doing work). */
  private readonly params: number;

  constructor(readonly core: WasmCore) {
    this.params = core.alloc(3 * KERNEL_MAX_RANK * 4);
  }

  dispose(): void {
    this.core.free(this.params);
  }

  private get x() {
    return this.core.exports;
  }

  // ----- GEMM

  /** Floats needed by packA for an M x K matrix. */
  packedAFloats(M: number, K: number): number {
    return this.x.fgemm_packed_a_floats(M, K);
  }

  /** Packs A (element (i,k) at a[i*rowStride + k*colStride], strides in elements) into dst. */
  packA(a: number, M: number, K: number, rowStride: number, colStride: number, dst: number): void {
    this.x.fgemm_pack_a(a, M, K, rowStride, colStride, dst);
  }

  /** Scratch floats gemm needs for a K x N right operand. */
  gemmScratchFloats(K: number, N: number): number {
    return this.x.fgemm_scratch_floats(K, N);
  }

  /**
   * C[i*ldc + j] = sum_k A(i,k) B(k,j) (+ bias): `packedA` from packA; B(k,j) = b[k*bRowStride + j*bColStride].
   * bias: per row (`"row"`), per column (`"col"`) or none.
   */
  gemm(
    packedA: number,
    M: number,
    K: number,
    b: number,
    bRowStride: number,
    bColStride: number,
    N: number,
    c: number,
    ldc: number,
    bias: { ptr: number; mode: "row" | "col" } | undefined,
    scratch: number,
  ): void {
    const mode = bias ? (bias.mode === "row" ? 1 : 2) : 0;
    this.x.fgemm(packedA, M, K, b, bRowStride, bColStride, N, c, ldc, bias?.ptr ?? 0, mode, scratch);
  }

  /** Floats packB needs for a K x N matrix. */
  packedBFloats(K: number, N: number): number {
    return this.x.fgemm_packed_b_floats(K, N);
  }

  /** Packs all of B (element (k,j) at b[k*rowStride + j*colStride]) once, e.g. constant weights. */
  packB(b: number, K: number, N: number, rowStride: number, colStride: number, dst: number): void {
    this.x.fgemm_pack_b(b, K, N, rowStride, colStride, dst);
  }

  /** gemm with B from packB; `tail` is 32 floats of scratch. */
  gemmPrepacked(
    packedA: number,
    M: number,
    K: number,
    packedB: number,
    N: number,
    c: number,
    ldc: number,
    bias: { ptr: number; mode: "row" | "col" } | undefined,
    tail: number,
  ): void {
    const mode = bias ? (bias.mode === "row" ? 1 : 2) : 0;
    this.x.fgemm_prepacked(packedA, M, K, packedB, N, c, ldc, bias?.ptr ?? 0, mode, tail);
  }

  // ----- convolution

  /** Unfolds one image's channels into [C*kh*kw, OH*OW] at dst. */
  im2col(x: number, g: Conv2dGeometry, dst: number): void {
    this.x.fim2col(x, g.C, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.dh, g.dw, g.OH, g.OW, dst);
  }

  depthwiseScratchFloats(g: Conv2dGeometry): number {
    return this.x.fdepthwise_scratch_floats(g.OH, g.OW, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw);
  }

  /** Depthwise conv of one image: g.C input channels, `mult` outputs each; bias pointer or 0. */
  depthwiseConv2d(x: number, w: number, bias: number, out: number, g: Conv2dGeometry, mult: number, scratch: number): void {
    this.x.fdepthwise_conv2d(x, w, bias, out, g.C, g.H, g.W, mult, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.dh, g.dw, g.OH, g.OW, scratch);
  }

  // ----- pooling

  maxPool2d(x: number, out: number, planes: number, g: Conv2dGeometry): void {
    this.x.fmaxpool2d(x, out, planes, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.dh, g.dw, g.OH, g.OW);
  }

  avgPool2d(x: number, out: number, planes: number, g: Conv2dGeometry, countIncludePad: boolean): void {
    this.x.favgpool2d(x, out, planes, g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.pb, g.pr, g.OH, g.OW, countIncludePad ? 1 : 0);
  }

  globalAvgPool(x: number, out: number, planes: number, size: number): void {
    this.x.fglobal_avgpool(x, out, planes, size);
  }

  // ----- elementwise

  /**
   * out = a (op) b with numpy broadcasting; shapes may differ in rank. `outShape` must be the broadcast
   * shape. Dims are collapsed so the kernel's innermost loop is contiguous or a splat.
   */
  binary(op: BinaryOp, a: number, aShape: readonly number[], b: number, bShape: readonly number[], out: number, outShape: readonly number[]): void {
    const layout = broadcastLayout(aShape, bShape, outShape);
    if (layout.dims.length > KERNEL_MAX_RANK) throw new Error(`broadcast of rank ${layout.dims.length} exceeds ${KERNEL_MAX_RANK}`);
    const p = this.writeParams([layout.dims, layout.stridesA, layout.stridesB], 1);
    this.x.fbinary(BINARY_CODES[op], a, b, out, p[0], p[1], p[2]);
  }

  relu(x: number, out: number, n: number): void {
    this.x.frelu(x, out, n);
  }
  clip(x: number, out: number, n: number, lo: number, hi: number): void {
    this.x.fclip(x, out, n, lo, hi);
  }
  hardswish(x: number, out: number, n: number): void {
    this.x.fhardswish(x, out, n);
  }
  hardsigmoid(x: number, out: number, n: number, alpha: number, beta: number): void {
    this.x.fhardsigmoid(x, out, n, alpha, beta);
  }
  leakyRelu(x: number, out: number, n: number, alpha: number): void {
    this.x.fleaky_relu(x, out, n, alpha);
  }
  sigmoid(x: number, out: number, n: number): void {
    this.x.fsigmoid(x, out, n);
  }
  tanh(x: number, out: number, n: number): void {
    this.x.ftanh(x, out, n);
  }

  /** out[n,c,:] = x[n,c,:] * scale[c] + shift[c]. */
  channelAffine(x: number, out: number, N: number, C: number, size: number, scale: number, shift: number): void {
    this.x.fchannel_affine(x, out, N, C, size, scale, shift);
  }

  /**
   * ONNX QuantizeLinear of float32 x into int8/uint8 out, viewed as [outer, axisLen, inner]; `scales` (f32)
   * and `zeroPoints` (i32) hold axisLen values.
   */
  quantizeLinear(x: number, out: number, outer: number, axisLen: number, inner: number, scales: number, zeroPoints: number, signed: boolean): void {
    this.x.fquantize_linear(x, out, outer, axisLen, inner, scales, zeroPoints, signed ? 1 : 0);
  }

  /** ONNX DequantizeLinear of int8/uint8 x into float32 out (layout as quantizeLinear). */
  dequantizeLinear(x: number, out: number, outer: number, axisLen: number, inner: number, scales: number, zeroPoints: number, signed: boolean): void {
    this.x.fdequantize_linear(x, out, outer, axisLen, inner, scales, zeroPoints, signed ? 1 : 0);
  }

  /** Softmax over the middle dim of [outer, len, inner]. */
  softmax(x: number, out: number, outer: number, len: number, inner: number): void {
    this.x.fsoftmax(x, out, outer, len, inner);
  }

  /** Transposes a tensor of 32-bit elements with shape `dims` by `perm` (ONNX Transpose semantics). */
  transpose(x: number, out: number, dims: readonly number[], perm: readonly number[]): void {
    const { outDims, strides } = transposeLayout(dims, perm);
    if (outDims.length > KERNEL_MAX_RANK) throw new Error(`transpose of rank ${outDims.length} exceeds ${KERNEL_MAX_RANK}`);
    const p = this.writeParams([outDims, strides], 1);
    this.x.ftranspose(x, out, p[0], p[1]);
  }

  /** Writes up to three KERNEL_MAX_RANK-long i32 vectors (left-padded with `pad`, strides with 0). */
  private writeParams(vectors: readonly (readonly number[])[], pad: number): number[] {
    const view = this.core.i32(this.params, 3 * KERNEL_MAX_RANK);
    return vectors.map((v, k) => {
      const base = k * KERNEL_MAX_RANK;
      const lead = KERNEL_MAX_RANK - v.length;
      for (let i = 0; i < KERNEL_MAX_RANK; i++) view[base + i] = i < lead ? (k === 0 ? pad : 0) : v[i - lead];
      return this.params + base * 4;
    });
  }
}

export interface BroadcastLayout {
  dims: number[];
  stridesA: number[];
  stridesB: number[];
}

/**
 * Collapses a broadcast into the fewest dims: adjacent dims merge when both operands are contiguous across
 * them or both broadcast across them. Guarantees the innermost stride of each operand is 0 or 1.
 */
export function broadcastLayout(aShape: readonly number[], bShape: readonly number[], outShape: readonly number[]): BroadcastLayout {
  const rank = outShape.length;
  const strideFor = (shape: readonly number[]) => {
    const s = new Array<number>(rank).fill(0);
    let acc = 1;
    for (let i = shape.length - 1; i >= 0; i--) {
      const o = rank - shape.length + i;
      s[o] = shape[i] === 1 ? 0 : acc;
      acc *= shape[i];
    }
    return s;
  };
  const sa = strideFor(aShape);
  const sb = strideFor(bShape);
  const dims: number[] = [];
  const stridesA: number[] = [];
  const stridesB: number[] = [];
  for (let i = 0; i < rank; i++) {
    const d = outShape[i];
    if (d === 1) continue;
    const last = dims.length - 1;
    // Merge dim i into the previous one when each operand's stride pattern continues across the boundary.
    if (last >= 0 && stridesA[last] === sa[i] * d && stridesB[last] === sb[i] * d) {
      dims[last] *= d;
      stridesA[last] = sa[i];
      stridesB[last] = sb[i];
      continue;
    }
    dims.push(d);
    stridesA.push(sa[i]);
    stridesB.push(sb[i]);
  }
  if (dims.length === 0) return { dims: [1], stridesA: [0], stridesB: [0] };
  const innerA = stridesA[stridesA.length - 1];
  const innerB = stridesB[stridesB.length - 1];
  if ((innerA !== 0 && innerA !== 1) || (innerB !== 0 && innerB !== 1)) {
    // Cannot happen for row-major broadcasting; kept as a guard for the kernel's contract.
    throw new Error(`broadcast layout has inner strides ${innerA}/${innerB}`);
  }
  return { dims, stridesA, stridesB };
}

/** Output dims and input strides (in output order) for a transpose, with unit dims dropped. */
export function transposeLayout(dims: readonly number[], perm: readonly number[]): { outDims: number[]; strides: number[] } {
  const inStrides = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    inStrides[i] = acc;
    acc *= dims[i];
  }
  const outDims: number[] = [];
  const strides: number[] = [];
  for (const p of perm) {
    if (dims[p] === 1) continue;
    const last = outDims.length - 1;
    if (last >= 0 && strides[last] === inStrides[p] * dims[p]) {
      outDims[last] *= dims[p];
      strides[last] = inStrides[p];
      continue;
    }
    outDims.push(dims[p]);
    strides.push(inStrides[p]);
  }
  if (outDims.length === 0) return { outDims: [1], strides: [1] };
  return { outDims, strides };
}
