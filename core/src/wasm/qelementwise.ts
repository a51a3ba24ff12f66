// Host API of the quantized quint8 elementwise, activation, pooling, shape, softmax and batch-norm
// kernels (assembly/qkernels/{elementwise,activation,pool,shape,softmax,batch-norm}.ts), for any
// process that holds a WasmCore. The int8 model executor calls these once per node with pointers into
// linear memory, shapes, quantization parameters and the engine; each method validates its arguments,
// computes the output shape / parameters PyTorch would, and runs the kernel. Arrays-in/arrays-out
// helpers at the end serve tests and golden verification.
//
// Scope: per-tensor quint8 activations (what every PyTorch CPU qconfig produces), contiguous NCHW.
// Options: atenIsa and atenThreads describe the PyTorch process being reproduced (x86/fbgemm/onednn
// engines): they decide which elements take ATen's vectorized or scalar arithmetic.
// One instance per thread: its scratch tables are not shared-safe.
import type { WasmCore } from "./core";
import { ENGINE_ID, type Engine } from "../backends/engine";

/** Per-tensor affine quantization of a quint8 tensor. */
export interface QParams {
  scale: number;
  zeroPoint: number;
}

/** A contiguous (NCHW for 4-D) quint8 tensor living at `ptr` in linear memory. */
export interface QTensorRef extends QParams {
  ptr: number;
  shape: readonly number[];
  /**
   * Whether the PyTorch tensor being reproduced is channels-last (as every quantized conv output is),
   * although the bytes here are NCHW: pooling and cat then follow PyTorch's NHWC kernels. Default false.
   */
  channelsLast?: boolean;
}

/** A kernel cannot run with these arguments: PyTorch would reject them too (or we do not support them). */
export class QKernelArgumentError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = "QKernelArgumentError";
  }
}

/** Output quantization PyTorch fixes for quint8 sigmoid and tanh. */
export const SIGMOID_OUTPUT: QParams = { scale: 1 / 256, zeroPoint: 0 };
export const TANH_OUTPUT: QParams = { scale: 2 / 256, zeroPoint: 128 };

/** Lookup tables: four 256-entry f32 tables and a 256 x 256 byte-pair table (assembly/qkernels/elementwise.ts). */
const SCRATCH_BYTES = 4096 + 65536;

export interface Pool2dOptions {
  kernel: [number, number];
  stride?: [number, number];
  padding?: [number, number];
  dilation?: [number, number];
  ceilMode?: boolean;
}

export interface AvgPool2dOptions extends Pool2dOptions {
  countIncludePad?: boolean;
  divisorOverride?: number;
}

export interface BatchNormParams {
  weight?: Float32Array;
  bias?: Float32Array;
  runningMean: Float32Array;
  runningVar: Float32Array;
  eps: number;
}

function fail(message: string): never {
  throw new QKernelArgumentError(message);
}

export function checkQParams(q: QParams, what: string): void {
  if (!(Number.isFinite(q.scale) && q.scale > 0)) fail(`${what}: scale must be a positive finite number, got ${q.scale}`);
  if (!Number.isInteger(q.zeroPoint) || q.zeroPoint < 0 || q.zeroPoint > 255) {
    fail(`${what}: zero point ${q.zeroPoint} is outside quint8's range [0, 255]`);
  }
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) fail(`bad dimension ${d} in shape [${shape.join(", ")}]`);
    n *= d;
  }
  return n;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Whether PyTorch sees `t` as channels-last contiguous, so that it picks its NHWC kernels, which round
 * differently: a 4-D tensor flagged channels-last, or a contiguous NCHW one that is channels-last
 * contiguous too (C == 1 or H * W == 1).
 */
function channelsLastToo(t: { shape: readonly number[]; channelsLast?: boolean }): boolean {
  const shape = t.shape;
  return shape.length === 4 && (t.channelsLast === true || shape[1] === 1 || shape[2] * shape[3] === 1);
}

/** [N, C, H, W] of a 4-D (or 3-D, N = 1) tensor. */
function nchw(shape: readonly number[], what: string): [number, number, number, number] {
  if (shape.length === 4) return [shape[0], shape[1], shape[2], shape[3]];
  if (shape.length === 3) return [1, shape[0], shape[1], shape[2]];
  fail(`${what} expects a 3-D or 4-D tensor, got shape [${shape.join(", ")}]`);
}

function withSpatial(shape: readonly number[], oH: number, oW: number): number[] {
  const out = shape.slice();
  out[out.length - 2] = oH;
  out[out.length - 1] = oW;
  return out;
}

/** ATen's pooling_output_shape (floor or ceil mode, the last window must start inside input + left pad). */
export function poolingOutputSize(input: number, kernel: number, pad: number, stride: number, dilation: number, ceilMode: boolean): number {
  const num = input + 2 * pad - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0);
  let out = Math.floor(num / stride) + 1;
  if (ceilMode && (out - 1) * stride >= input + pad) out--;
  return out;
}

/** The output shape and quantization PyTorch's quantized add-scalar gives (it shifts the zero point). */
export function addScalarOutput(input: QParams, scalar: number): { out: QParams; scalarQ: number; requantize: boolean } {
  const qMin = 0;
  const qMax = 255;
  const z = input.zeroPoint;
  const cq = roundHalfEven(scalar / input.scale);
  if (qMin > z - cq) {
    return { out: { scale: ((qMax - (z - cq)) / (qMax - qMin)) * input.scale, zeroPoint: qMin }, scalarQ: cq, requantize: true };
  }
  if (qMax < z - cq) {
    return { out: { scale: ((z - cq - qMin) / (qMax - qMin)) * input.scale, zeroPoint: qMax }, scalarQ: cq, requantize: true };
  }
  return { out: { scale: input.scale, zeroPoint: z - cq }, scalarQ: cq, requantize: false };
}

/**
 * Channels of one input that qcat_nhwc_kernel's vector body covers: whole Vectorized<quint8>s, then
 * whole float-vector groups (8 channels on AVX2, 16 on AVX512) through its padded buffer.
 */
function catVectorChannels(channels: number, vectorBytes: number): number {
  const group = vectorBytes / 4;
  let c = channels - (channels % vectorBytes);
  const left = channels - c;
  if (left >= group) c += left - (left % group);
  return c;
}

/** NumPy/PyTorch broadcasting of two shapes (aligned at the last dim). */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) fail(`shapes [${a.join(", ")}] and [${b.join(", ")}] do not broadcast`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/**
 * TensorIterator's coalesced loop for a contiguous output of `shape` and contiguous inputs that
 * broadcast to it: sizes and per-input strides (elements), innermost first, padded to 3 dims.
 * Adjacent dims merge when every operand steps through them as one; more than 3 dims left fails.
 */
export function coalescedLoop(shape: readonly number[], inputs: readonly (readonly number[])[]): { sizes: number[]; strides: number[][] } {
  const rank = shape.length;
  const sizes = shape.slice().reverse();
  const operandStrides = [shape, ...inputs].map((s) => {
    const strides: number[] = [];
    let step = 1;
    for (let i = 0; i < rank; i++) {
      const d = s[s.length - 1 - i] ?? 1;
      strides.push(d === 1 ? 0 : step);
      step *= d;
    }
    return strides;
  });
  if (rank === 0) return { sizes: [1, 1, 1], strides: inputs.map(() => [0, 0, 0]) };
  let prev = 0;
  for (let dim = 1; dim < rank; dim++) {
    const s0 = sizes[prev];
    const s1 = sizes[dim];
    const mergeable = s0 === 1 || s1 === 1 || operandStrides.every((st) => s0 * st[prev] === st[dim]);
    if (mergeable) {
      if (s0 === 1) for (const st of operandStrides) st[prev] = st[dim];
      sizes[prev] = s0 * s1;
    } else {
      prev++;
      sizes[prev] = s1;
      for (const st of operandStrides) st[prev] = st[dim];
    }
  }
  const ndim = prev + 1;
  if (ndim > 3) fail(`broadcast pattern [${inputs.map((s) => `[${s.join(", ")}]`).join(" vs ")}] needs ${ndim} loop dims; at most 3 are supported`);
  const pad = (v: number[], fill: number) => [...v.slice(0, ndim), ...Array(3 - ndim).fill(fill)];
  return { sizes: pad(sizes, 1), strides: operandStrides.slice(1).map((st) => pad(st, 0)) };
}

/** std::nearbyint in the default rounding mode. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The x86 vector ISA PyTorch's ATen kernels run on (x86, fbgemm and onednn engines): PyTorch 2.x picks
 * AVX512 on CPUs with AVX512 VL/BW/DQ, AVX2 otherwise (ATEN_CPU_CAPABILITY overrides). It decides
 * which elements take the vectorized or the scalar arithmetic, which round differently for a few
 * inputs; the golden data of ../shared agrees with both.
 */
export type AtenIsa = "avx2" | "avx512";

export interface QuantizedKernelOptions {
  /** Default "avx2". */
  atenIsa?: AtenIsa;
  /**
   * PyTorch's intra-op thread count (torch.get_num_threads()); default 1. ATen splits elementwise
   * loops of 32768 elements or more into one chunk per thread, each with its own scalar tail
   * (confirmed with PyTorch 1.13 on 4 threads).
   */
  atenThreads?: number;
}

/** ATen's at::internal::GRAIN_SIZE: TensorIterator loops below it run on one thread. */
const ATEN_GRAIN_SIZE = 32768;

/**
 * The kernels of one WasmCore instance. Holds one scratch block (lookup tables, 68 KiB); every
 * method writes its result to caller-owned memory and allocates nothing.
 */
export class QuantizedElementwiseKernels {
  private readonly scratch: number;
  /** Elements per iteration of ATen's vectorized_loop: two Vectorized<quint8>. */
  private readonly loopStep: number;
  /** Bytes per Vectorized<quint8> (qcat_nhwc_kernel's channel vectors). */
  private readonly vectorBytes: number;
  private readonly atenThreads: number;

  constructor(
    readonly core: WasmCore,
    options: QuantizedKernelOptions = {},
  ) {
    const isa = options.atenIsa ?? "avx2";
    if (isa !== "avx2" && isa !== "avx512") fail(`unknown ATen ISA '${String(isa)}' (avx2 or avx512)`);
    this.vectorBytes = isa === "avx512" ? 64 : 32;
    this.loopStep = 2 * this.vectorBytes;
    const threads = options.atenThreads ?? 1;
    if (!Number.isInteger(threads) || threads < 1) fail(`atenThreads must be a positive integer, got ${threads}`);
    this.atenThreads = threads;
    this.scratch = core.alloc(SCRATCH_BYTES);
  }

  /**
   * The chunk length ATen's OpenMP parallel_for gives each thread for an n-element loop (0: a single
   * loop): min(threads, ceil(n / grain)) threads, ceil(n / threads) elements each.
   */
  atenChunk(n: number): number {
    if (this.atenThreads === 1 || n < ATEN_GRAIN_SIZE) return 0;
    const threads = Math.min(this.atenThreads, Math.ceil(n / ATEN_GRAIN_SIZE));
    return Math.ceil(n / threads);
  }

  dispose(): void {
    this.core.free(this.scratch);
  }

  private get x() {
    return this.core.exports;
  }

  // ---- binary -------------------------------------------------------------------------------

  /** The output shape of add/mul: the operands' broadcast shape. */
  binaryOutputShape(a: QTensorRef, b: QTensorRef): number[] {
    return broadcastShapes(a.shape, b.shape);
  }

  /** Broadcasting add or mul through ATen's TensorIterator loop (every engine runs ATen's kernel then). */
  private broadcastBinary(op: 0 | 1, a: QTensorRef, b: QTensorRef, out: number, outQ: QParams, relu: boolean): number[] {
    const shape = broadcastShapes(a.shape, b.shape);
    const loop = coalescedLoop(shape, [a.shape, b.shape]);
    const n = elementCount(shape);
    if (n === 0) return shape;
    const [d0, d1, d2] = loop.sizes;
    const [[aS0, aS1, aS2], [bS0, bS1, bS2]] = loop.strides;
    this.x.qbinary_bcast_u8(
      op, a.ptr, b.ptr, out, d2, d1, d0, aS2, aS1, aS0, bS2, bS1, bS0, a.scale, a.zeroPoint, b.scale, b.zeroPoint,
      outQ.scale, outQ.zeroPoint, relu ? 1 : 0, this.loopStep, this.atenChunk(n), this.scratch,
    );
    return shape;
  }

  /**
   * quantized::add / add_relu; `out` receives elementCount(output shape) bytes. Operands of different
   * shapes broadcast as in PyTorch (qnnpack then uses ATen's kernel too). Returns the output shape.
   */
  add(engine: Engine, a: QTensorRef, b: QTensorRef, out: number, outQ: QParams, relu = false): number[] {
    const what = relu ? "add_relu" : "add";
    checkQParams(a, `${what} input a`);
    checkQParams(b, `${what} input b`);
    checkQParams(outQ, `${what} output`);
    if (!sameShape(a.shape, b.shape)) return this.broadcastBinary(0, a, b, out, outQ, relu);
    const n = elementCount(a.shape);
    const status = this.x.qadd_u8(
      a.ptr, b.ptr, out, n, a.scale, a.zeroPoint, b.scale, b.zeroPoint, outQ.scale, outQ.zeroPoint, relu ? 1 : 0, ENGINE_ID[engine], this.loopStep, this.atenChunk(n), this.scratch,
    );
    if (status !== 0) {
      fail(`qnnpack add: input/output scale ratios ${a.scale / outQ.scale} and ${b.scale / outQ.scale} must lie in [2^-14, 2^8)`);
    }
    return a.shape.slice();
  }

  /** quantized::mul (optionally ReLU-fused, broadcasting); the same integers for every engine. */
  mul(a: QTensorRef, b: QTensorRef, out: number, outQ: QParams, relu = false): number[] {
    checkQParams(a, "mul input a");
    checkQParams(b, "mul input b");
    checkQParams(outQ, "mul output");
    if (!sameShape(a.shape, b.shape)) return this.broadcastBinary(1, a, b, out, outQ, relu);
    const n = elementCount(a.shape);
    this.x.qmul_u8(a.ptr, b.ptr, out, n, a.scale, a.zeroPoint, b.scale, b.zeroPoint, outQ.scale, outQ.zeroPoint, relu ? 1 : 0, this.scratch);
    return a.shape.slice();
  }

  /** quantized::add_scalar: returns the output quantization (PyTorch shifts the zero point). */
  addScalar(x: QTensorRef, scalar: number, out: number, relu = false): QParams {
    checkQParams(x, "add_scalar input");
    if (!Number.isFinite(scalar)) fail(`add_scalar: the scalar must be finite, got ${scalar}`);
    const n = elementCount(x.shape);
    const plan = addScalarOutput(x, scalar);
    if (plan.requantize) {
      this.x.qadd_scalar_requant_u8(x.ptr, out, n, x.scale, x.zeroPoint, plan.scalarQ, plan.out.scale, plan.out.zeroPoint, relu ? 1 : 0);
    } else if (relu) {
      this.x.qrelu_u8(x.ptr, out, n, plan.out.zeroPoint);
    } else {
      this.core.u8(out, n).set(this.core.u8(x.ptr, n));
    }
    return plan.out;
  }

  // ---- activations (output quantization = input's unless given) -----------------------------

  relu(x: QTensorRef, out: number): QParams {
    checkQParams(x, "relu input");
    this.x.qrelu_u8(x.ptr, out, elementCount(x.shape), x.zeroPoint);
    return { scale: x.scale, zeroPoint: x.zeroPoint };
  }

  /** relu6 / hardtanh(0, 6): a clamp between zp and quantize(6.0). */
  relu6(x: QTensorRef, out: number): QParams {
    checkQParams(x, "relu6 input");
    const upper = this.x.qrelu6_upper_u8(x.scale, x.zeroPoint);
    this.x.qclamp_u8(x.ptr, out, elementCount(x.shape), x.zeroPoint, upper);
    return { scale: x.scale, zeroPoint: x.zeroPoint };
  }

  hardswish(engine: Engine, x: QTensorRef, out: number, outQ: QParams): void {
    checkQParams(x, "hardswish input");
    checkQParams(outQ, "hardswish output");
    const n = elementCount(x.shape);
    this.x.qhardswish_u8(x.ptr, out, n, x.scale, x.zeroPoint, outQ.scale, outQ.zeroPoint, ENGINE_ID[engine], this.loopStep, this.atenChunk(n), this.scratch);
  }

  /** torch.sigmoid on a quantized tensor gives SIGMOID_OUTPUT; quantized::sigmoid takes any output. */
  sigmoid(engine: Engine, x: QTensorRef, out: number, outQ: QParams = SIGMOID_OUTPUT): void {
    checkQParams(x, "sigmoid input");
    checkQParams(outQ, "sigmoid output");
    const n = elementCount(x.shape);
    const status = this.x.qsigmoid_u8(
      x.ptr, out, n, x.scale, x.zeroPoint, outQ.scale, outQ.zeroPoint, ENGINE_ID[engine], this.loopStep, this.atenChunk(n), this.scratch,
    );
    if (status !== 0) fail(`qnnpack sigmoid only supports output scale 1/256 and zero point 0, got (${outQ.scale}, ${outQ.zeroPoint})`);
  }

  /** tanh; the output quantization is always TANH_OUTPUT. */
  tanh(engine: Engine, x: QTensorRef, out: number): QParams {
    checkQParams(x, "tanh input");
    const n = elementCount(x.shape);
    this.x.qtanh_u8(x.ptr, out, n, x.scale, x.zeroPoint, ENGINE_ID[engine], this.loopStep, this.atenChunk(n), this.scratch);
    return TANH_OUTPUT;
  }

  leakyRelu(engine: Engine, x: QTensorRef, negativeSlope: number, out: number, outQ: QParams): void {
    checkQParams(x, "leaky_relu input");
    checkQParams(outQ, "leaky_relu output");
    if (!Number.isFinite(negativeSlope)) fail(`leaky_relu: negative_slope must be finite, got ${negativeSlope}`);
    const n = elementCount(x.shape);
    const status = this.x.qleaky_relu_u8(
      x.ptr, out, n, negativeSlope, x.scale, x.zeroPoint, outQ.scale, outQ.zeroPoint, ENGINE_ID[engine], this.loopStep, this.atenChunk(n), this.scratch,
    );
    if (status !== 0) {
      fail(`qnnpack leaky_relu needs a slope in (0, 1] and an input/output scale ratio in [2^-8, 2^8), got ${negativeSlope} and ${x.scale / outQ.scale}`);
    }
  }

  // ---- pooling (output quantization = input's) -----------------------------------------------

  private poolGeometry(x: QTensorRef, o: Pool2dOptions, what: string) {
    checkQParams(x, `${what} input`);
    const [N, C, H, W] = nchw(x.shape, what);
    const [kH, kW] = o.kernel;
    const [sH, sW] = o.stride ?? o.kernel;
    const [pH, pW] = o.padding ?? [0, 0];
    const [dH, dW] = o.dilation ?? [1, 1];
    for (const v of [kH, kW, sH, sW, dH, dW]) if (!Number.isInteger(v) || v < 1) fail(`${what}: kernel, stride and dilation must be positive integers`);
    for (const v of [pH, pW]) if (!Number.isInteger(v) || v < 0) fail(`${what}: padding must be a non-negative integer`);
    if (2 * pH > kH || 2 * pW > kW) fail(`${what}: padding should be at most half the kernel size, got padding ${pH}x${pW} for kernel ${kH}x${kW}`);
    const ceil = o.ceilMode ?? false;
    const oH = poolingOutputSize(H, kH, pH, sH, dH, ceil);
    const oW = poolingOutputSize(W, kW, pW, sW, dW, ceil);
    if (oH < 1 || oW < 1) fail(`${what}: output size ${oH}x${oW} is empty for input ${H}x${W}`);
    return { N, C, H, W, kH, kW, sH, sW, pH, pW, dH, dW, oH, oW, outShape: withSpatial(x.shape, oH, oW) };
  }

  /** The output shape of maxPool2d / avgPool2d for these options. */
  pool2dOutputShape(x: QTensorRef, o: Pool2dOptions): number[] {
    return this.poolGeometry(x, o, "pool2d").outShape;
  }

  /**
   * PyTorch runs qnnpack's pooling for quint8 without ceil_mode; it then needs a 4-D input and
   * refuses a 1x1 window.
   */
  private qnnpackPooling(engine: Engine, x: QTensorRef, g: { kH: number; kW: number }, o: Pool2dOptions, what: string): boolean {
    const used = engine === "qnnpack" && !(o.ceilMode ?? false);
    if (used && x.shape.length !== 4) fail(`qnnpack ${what}: PyTorch expects a 4-D input, got shape [${x.shape.join(", ")}]`);
    if (used && g.kH * g.kW === 1) fail(`qnnpack ${what}: a 1x1 pooling window is rejected by PyTorch ("1x1 pooling is meaningless")`);
    return used;
  }

  maxPool2d(engine: Engine, x: QTensorRef, o: Pool2dOptions, out: number): number[] {
    const g = this.poolGeometry(x, o, "max_pool2d");
    const clampTaps = this.qnnpackPooling(engine, x, g, o, "max_pool2d") ? 1 : 0;
    this.x.qmax_pool2d_u8(x.ptr, out, g.N * g.C, g.H, g.W, g.oH, g.oW, g.kH, g.kW, g.sH, g.sW, g.pH, g.pW, g.dH, g.dW, clampTaps);
    return g.outShape;
  }

  avgPool2d(engine: Engine, x: QTensorRef, o: AvgPool2dOptions, out: number): number[] {
    const g = this.poolGeometry(x, o, "avg_pool2d");
    if ((o.dilation ?? [1, 1]).some((d) => d !== 1)) fail("avg_pool2d has no dilation");
    const divisor = o.divisorOverride ?? 0;
    if (!Number.isInteger(divisor) || divisor < 0) fail(`avg_pool2d: divisor_override must be a positive integer, got ${divisor}`);
    this.qnnpackPooling(engine, x, g, o, "avg_pool2d");
    this.x.qavg_pool2d_u8(
      x.ptr, out, g.N, g.C, g.H, g.W, g.oH, g.oW, g.kH, g.kW, g.sH, g.sW, g.pH, g.pW,
      (o.countIncludePad ?? true) ? 1 : 0, divisor, x.scale, x.scale, x.zeroPoint, ENGINE_ID[engine], (o.ceilMode ?? false) ? 1 : 0,
      channelsLastToo(x) ? 1 : 0, this.vectorBytes / 4,
    );
    return g.outShape;
  }

  adaptiveAvgPool2d(engine: Engine, x: QTensorRef, outputSize: [number, number], out: number): number[] {
    checkQParams(x, "adaptive_avg_pool2d input");
    const [N, C, H, W] = nchw(x.shape, "adaptive_avg_pool2d");
    const [oH, oW] = outputSize;
    if (!(Number.isInteger(oH) && Number.isInteger(oW) && oH > 0 && oW > 0)) fail(`adaptive_avg_pool2d: bad output size ${oH}x${oW}`);
    if (H < 1 || W < 1) fail(`adaptive_avg_pool2d: empty spatial input ${H}x${W}`);
    this.x.qadaptive_avg_pool2d_u8(x.ptr, out, N, C, H, W, oH, oW, x.scale, x.scale, x.zeroPoint, ENGINE_ID[engine], channelsLastToo(x) ? 1 : 0);
    return withSpatial(x.shape, oH, oW);
  }

  /** mean over dims (2, 3) of a 4-D tensor (the only reduction PyTorch's qnnpack has). */
  meanHW(engine: Engine, x: QTensorRef, keepdim: boolean, out: number): number[] {
    checkQParams(x, "mean input");
    if (x.shape.length !== 4) fail(`mean over (2, 3) expects a 4-D tensor, got shape [${x.shape.join(", ")}]`);
    const [N, C, H, W] = x.shape;
    if (H * W === 0) fail("mean over an empty (H, W)");
    this.x.qmean_hw_u8(x.ptr, out, N * C, H * W, x.scale, x.zeroPoint, ENGINE_ID[engine]);
    return keepdim ? [N, C, 1, 1] : [N, C];
  }

  // ---- shape ---------------------------------------------------------------------------------

  /** quantized::cat along `dim`; every input is requantized to outQ. Returns the output shape. */
  cat(inputs: readonly QTensorRef[], dim: number, out: number, outQ: QParams, relu = false): number[] {
    if (inputs.length === 0) fail("cat needs at least one tensor");
    checkQParams(outQ, "cat output");
    const rank = inputs[0].shape.length;
    const d = dim < 0 ? dim + rank : dim;
    if (!Number.isInteger(d) || d < 0 || d >= rank) fail(`cat: dim ${dim} is out of range for rank ${rank}`);
    const outShape = inputs[0].shape.slice();
    outShape[d] = 0;
    inputs.forEach((t, i) => {
      checkQParams(t, `cat input ${i}`);
      if (t.shape.length !== rank || t.shape.some((s, j) => j !== d && s !== inputs[0].shape[j])) {
        fail(`cat: input ${i} has shape [${t.shape.join(", ")}], incompatible with [${inputs[0].shape.join(", ")}] along dim ${d}`);
      }
      outShape[d] += t.shape[d];
    });
    let outer = 1;
    for (let j = 0; j < d; j++) outer *= outShape[j];
    let inner = 1;
    for (let j = d + 1; j < rank; j++) inner *= outShape[j];
    const rowOut = outShape[d] * inner;
    // PyTorch's NHWC kernel: dim 1 of 4-D inputs that are all channels-last contiguous too.
    const nhwc = d === 1 && rank === 4 && inputs.every((t) => channelsLastToo(t));
    let offset = 0;
    for (const t of inputs) {
      const block = t.shape[d] * inner;
      if (nhwc && !relu && t.scale === outQ.scale && t.zeroPoint === outQ.zeroPoint) {
        for (let o = 0; o < outer; o++) this.core.u8(out + o * rowOut + offset, block).set(this.core.u8(t.ptr + o * block, block));
      } else {
        // NCHW bytes: channel c of this input is bytes [c * inner, (c + 1) * inner) of each block.
        const vecEnd = nhwc ? catVectorChannels(t.shape[d], this.vectorBytes) * inner : 0;
        this.x.qcat_part_u8(
          t.ptr, out, outer, block, rowOut, offset, t.scale, t.zeroPoint, outQ.scale, outQ.zeroPoint, relu ? 1 : 0, vecEnd, this.scratch,
        );
      }
      offset += block;
    }
    return outShape;
  }

  /** torch.flatten(x, startDim, endDim): a view; copies into `out` only when it is another buffer. */
  flatten(x: QTensorRef, startDim: number, endDim: number, out: number): number[] {
    const rank = x.shape.length;
    const s = startDim < 0 ? startDim + rank : startDim;
    const e = endDim < 0 ? endDim + rank : endDim;
    if (rank === 0) return [1];
    if (!(s >= 0 && e < rank && s <= e)) fail(`flatten: dims ${startDim}..${endDim} are out of range for rank ${rank}`);
    const n = elementCount(x.shape);
    if (out !== x.ptr) this.core.u8(out, n).set(this.core.u8(x.ptr, n));
    const merged = x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
    return [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)];
  }

  /**
   * upsample_nearest2d to `size` or by `scaleFactor` (PyTorch floors in * factor for the size and
   * keeps the factor for the index arithmetic).
   */
  upsampleNearest2d(x: QTensorRef, target: { size: [number, number] } | { scaleFactor: [number, number] }, out: number): number[] {
    checkQParams(x, "upsample_nearest2d input");
    const [N, C, H, W] = nchw(x.shape, "upsample_nearest2d");
    let oH: number;
    let oW: number;
    let fH = 0;
    let fW = 0;
    if ("size" in target) {
      [oH, oW] = target.size;
    } else {
      [fH, fW] = target.scaleFactor;
      if (!(fH > 0 && fW > 0)) fail(`upsample_nearest2d: scale factors must be positive, got ${fH}, ${fW}`);
      oH = Math.floor(H * fH);
      oW = Math.floor(W * fW);
    }
    if (!(Number.isInteger(oH) && Number.isInteger(oW) && oH > 0 && oW > 0)) fail(`upsample_nearest2d: bad output size ${oH}x${oW}`);
    this.x.qupsample_nearest2d_u8(x.ptr, out, N * C, C, H, W, oH, oW, fH, fW, channelsLastToo(x) ? 1 : 0);
    return withSpatial(x.shape, oH, oW);
  }

  // ---- softmax, batch norm -------------------------------------------------------------------

  softmax(engine: Engine, x: QTensorRef, dim: number, out: number, outQ: QParams): void {
    checkQParams(x, "softmax input");
    checkQParams(outQ, "softmax output");
    const rank = x.shape.length;
    const d = dim < 0 ? dim + rank : dim;
    if (!Number.isInteger(d) || d < 0 || d >= rank) fail(`softmax: dim ${dim} is out of range for rank ${rank}`);
    let outer = 1;
    for (let j = 0; j < d; j++) outer *= x.shape[j];
    let inner = 1;
    for (let j = d + 1; j < rank; j++) inner *= x.shape[j];
    if (x.shape[d] === 0 || outer * inner === 0) return;
    this.x.qsoftmax_u8(
      x.ptr, out, outer, x.shape[d], inner, x.scale, x.zeroPoint, outQ.scale, outQ.zeroPoint, ENGINE_ID[engine], this.vectorBytes / 4, this.scratch,
    );
  }

  /** quantized::batch_norm2d (eval mode); the same integers for every engine. */
  batchNorm2d(x: QTensorRef, p: BatchNormParams, out: number, outQ: QParams, relu = false): void {
    checkQParams(x, "batch_norm2d input");
    checkQParams(outQ, "batch_norm2d output");
    if (x.shape.length !== 4) fail(`batch_norm2d expects a 4-D tensor, got shape [${x.shape.join(", ")}]`);
    const [N, C, H, W] = x.shape;
    for (const [name, v] of [["weight", p.weight], ["bias", p.bias], ["running_mean", p.runningMean], ["running_var", p.runningVar]] as const) {
      if (v !== undefined && v.length !== C) fail(`batch_norm2d: ${name} has ${v.length} values for ${C} channels`);
    }
    if (!(Number.isFinite(p.eps) && p.eps >= 0)) fail(`batch_norm2d: eps must be a non-negative number, got ${p.eps}`);
    this.core.scoped((alloc) => {
      const put = (v: Float32Array | undefined): number => {
        if (!v) return 0;
        const ptr = alloc(v.byteLength);
        this.core.f32(ptr, v.length).set(v);
        return ptr;
      };
      const weight = put(p.weight);
      const bias = put(p.bias);
      const mean = put(p.runningMean);
      const variance = put(p.runningVar);
      const alpha = alloc(C * 4);
      const beta = alloc(C * 4);
      this.x.qbatch_norm_fused_params(C, weight, bias, mean, variance, p.eps, x.scale, outQ.scale, alpha, beta);
      this.x.qbatch_norm2d_u8(x.ptr, out, N, C, H * W, x.zeroPoint, outQ.zeroPoint, alpha, beta, relu ? 1 : 0, this.scratch);
    });
  }
}

/** A quint8 tensor held in a JS array (tests, golden verification). */
export interface QTensorU8 extends QParams {
  data: Uint8Array;
  shape: number[];
}

/**
 * Runs `fn` with every input copied into linear memory and an output buffer of `outBytes`, then
 * copies the first `outLength(result)` output bytes back. Frees everything on any path.
 */
export function withQTensors<R>(
  core: WasmCore,
  inputs: readonly QTensorU8[],
  outBytes: number,
  fn: (refs: QTensorRef[], out: number) => R,
): { result: R; out: Uint8Array } {
  return core.scoped((alloc) => {
    const refs = inputs.map((t) => {
      if (t.data.length !== elementCount(t.shape)) fail(`${t.data.length} bytes do not fill shape [${t.shape.join(", ")}]`);
      const ptr = alloc(t.data.length);
      core.u8(ptr, t.data.length).set(t.data);
      return { ptr, shape: t.shape, scale: t.scale, zeroPoint: t.zeroPoint };
    });
    const out = alloc(outBytes);
    const result = fn(refs, out);
    return { result, out: core.u8(out, outBytes).slice() };
  });
}
