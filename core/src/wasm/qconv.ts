// Quantized 2-D convolution on the WASM core (any process): weights are packed once into a
// PackedConv2d for one of four kernels (1x1 pointwise transposed GEMM, exact Winograd F(2x2, 3x3) for
// 3x3 stride 1, depthwise, or implicit/im2col GEMM for everything else), then each call runs NCHW
// uint8 -> uint8 with PyTorch's integer semantics for the chosen engine, optionally split across a
// KernelThreadPool. Every path yields the same int32 accumulators as the scalar reference.
import type { Engine } from "../backends/engine";
import type { WasmCore } from "./core";
import { DESC_WORDS, blockRowsFor, writeDesc } from "./qgemm-desc";
import { requantConstants } from "./qrequant";
import {
  Scratch,
  WasmAllocations,
  align16,
  checkQParams,
  perChannel,
  perChannelF,
  threadsFor,
  writeEpilogue,
  type LinearRequant,
  type QuantizedWeights,
} from "./qlinear";
import type { KernelThreadPool } from "./thread-pool";

export interface Conv2dGeometry {
  inChannels: number;
  outChannels: number;
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

export class PackedConv2d extends WasmAllocations {
  /** True when groups == in channels == out channels: the dedicated depthwise kernel runs. */
  readonly depthwise: boolean;
  /**
   * True for 3x3 stride-1 undilated single-group convs with a multiple of 8 input channels (at most
   * 904, so the exact integer Winograd F(2x2, 3x3) cannot overflow): assembly/qkernels/winograd.ts.
   */
  readonly winograd: boolean;
  /** True for 1x1 stride-1 unpadded single-group convs: the transposed GEMM of pointwise.ts. */
  readonly pointwise: boolean;
  private readonly cg: number;
  private readonly og: number;
  private readonly kg: number;
  private readonly kp: number;
  private readonly np: number;
  private readonly packed: number;
  private readonly raw: number;
  private readonly rawZps: number;
  private readonly epi: { bint: number; a: number; bf: number; cc: number };
  private readonly desc: number;
  private readonly scratch: Scratch;
  private readonly nhwc: Scratch;
  private readonly weightScales: number[];
  /**
   * Whose requantization arithmetic this layer follows. PyTorch's x86 engine runs quantized conv on
   * oneDNN when the CPU has AVX512-VNNI (as the golden machine does), groups <= 100 and the weights are
   * symmetric (qconv.cpp, should_use_onednn_quant); otherwise on fbgemm.
   */
  readonly requantEngine: Engine;
  /** Layout and scales the epilogue arrays currently hold; rewritten only when they change. */
  private epiKey = "";
  private readonly bias: Float32Array | undefined;

  /** Packs `weights` ([OC][C/groups][KH][KW] int8) once; `bias` is float32. */
  constructor(
    core: WasmCore,
    readonly engine: Engine,
    readonly geometry: Conv2dGeometry,
    weights: QuantizedWeights,
    bias?: Float32Array,
  ) {
    super(core);
    const g = geometry;
    for (const v of [g.inChannels, g.outChannels, g.groups, ...g.kernel, ...g.stride, ...g.dilation]) {
      if (!Number.isInteger(v) || v < 1)
        throw new RangeError(`conv geometry values must be positive integers`);
    }
    if (g.padding.some((p) => !Number.isInteger(p) || p < 0))
      throw new RangeError(`conv padding must be non-negative integers`);
    if (g.inChannels % g.groups || g.outChannels % g.groups)
      throw new RangeError(
        `channels ${g.inChannels}->${g.outChannels} are not divisible by groups ${g.groups}`,
      );
    const [kh, kw] = g.kernel;
    this.cg = g.inChannels / g.groups;
    this.og = g.outChannels / g.groups;
    this.kg = kh * kw * this.cg;
    this.kp = (this.kg + 1) >> 1;
    this.np = (this.og + 7) & ~7;
    const oc = g.outChannels;
    if (weights.data.length !== oc * this.kg)
      throw new RangeError(
        `conv weight has ${weights.data.length} values, expected ${oc}x${this.cg}x${kh}x${kw}`,
      );
    if (bias && bias.length !== oc)
      throw new RangeError(`conv bias has ${bias.length} values, expected ${oc}`);
    this.depthwise = g.groups === g.inChannels && g.groups === g.outChannels;
    this.winograd =
      !this.depthwise &&
      g.groups === 1 &&
      kh === 3 &&
      kw === 3 &&
      g.stride[0] === 1 &&
      g.stride[1] === 1 &&
      g.dilation[0] === 1 &&
      g.dilation[1] === 1 &&
      g.inChannels % 8 === 0 &&
      g.inChannels <= 904;
    this.pointwise =
      !this.depthwise &&
      g.groups === 1 &&
      kh === 1 &&
      kw === 1 &&
      g.stride[0] === 1 &&
      g.stride[1] === 1 &&
      g.padding[0] === 0 &&
      g.padding[1] === 0;
    const symmetric = Array.from(weights.zeroPoints).every((z) => z === 0);
    this.requantEngine = engine === "x86" ? (g.groups <= 100 && symmetric ? "onednn" : "fbgemm") : engine;
    this.weightScales = perChannelF(weights.scales, oc, "weight scales");
    this.bias = bias ? Float32Array.from(bias) : undefined;
    this.raw = this.allocate(oc * this.kg);
    core.i8(this.raw, oc * this.kg).set(weights.data);
    this.rawZps = this.allocate(oc * 4);
    core.i32(this.rawZps, oc).set(perChannel(weights.zeroPoints, oc, "weight zero points"));
    if (this.pointwise) {
      this.packed = this.allocate(core.exports.qpointwise_packed_bytes(oc, g.inChannels));
      core.exports.qpointwise_pack_weights(this.raw, this.rawZps, oc, g.inChannels, this.packed);
    } else if (this.winograd) {
      this.packed = this.allocate(core.exports.qgemm_packed_bytes(oc, g.inChannels) * 16);
      core.exports.qwinograd_pack_weights(this.raw, this.rawZps, oc, g.inChannels, this.packed);
    } else if (this.depthwise) {
      this.packed = this.allocate(core.exports.qdepthwise_packed_bytes(oc, kh * kw));
      core.exports.qdepthwise_pack_weights(this.raw, this.rawZps, oc, kh * kw, this.packed);
    } else {
      // GEMM reduction order is (kh, kw, channel): reorder [OC][cg][KH][KW] -> [OC][KH][KW][cg].
      const src = weights.data;
      const reordered = new Int8Array(oc * this.kg);
      for (let o = 0; o < oc; o++) {
        for (let c = 0; c < this.cg; c++) {
          for (let i = 0; i < kh * kw; i++)
            reordered[o * this.kg + i * this.cg + c] = src[(o * this.cg + c) * kh * kw + i];
        }
      }
      const tmp = this.allocate(oc * this.kg);
      core.i8(tmp, oc * this.kg).set(reordered);
      const bytes = core.exports.qgemm_packed_bytes(this.og, this.kg) * g.groups;
      this.packed = this.allocate(bytes);
      core.exports.qgemm_pack_weights(tmp, this.rawZps, g.groups, this.og, this.kg, this.packed);
      this.release(tmp);
    }
    const epiBytes = Math.max(g.groups * this.np, oc) * 4;
    this.epi = {
      bint: this.allocate(epiBytes),
      a: this.allocate(epiBytes),
      bf: this.allocate(epiBytes),
      cc: this.allocate(epiBytes),
    };
    this.desc = this.allocate(DESC_WORDS * 4);
    this.scratch = new Scratch(core);
    this.nhwc = new Scratch(core);
  }

  override dispose(): void {
    this.scratch.dispose();
    this.nhwc.dispose();
    super.dispose();
  }

  /** Output [OH, OW] for an input of [H, W]. */
  outputSize(h: number, w: number): [number, number] {
    const g = this.geometry;
    const oh = Math.floor((h + 2 * g.padding[0] - g.dilation[0] * (g.kernel[0] - 1) - 1) / g.stride[0]) + 1;
    const ow = Math.floor((w + 2 * g.padding[1] - g.dilation[1] * (g.kernel[1] - 1) - 1) / g.stride[1]) + 1;
    if (oh < 1 || ow < 1) throw new RangeError(`conv input ${h}x${w} is smaller than the kernel's reach`);
    return [oh, ow];
  }

  private prepare(
    batch: number,
    h: number,
    w: number,
    input: number,
    output: number,
    q: LinearRequant,
    threads: number,
    reference: boolean,
  ): void {
    checkQParams(q.inScale, q.inZeroPoint, "input");
    checkQParams(q.outScale, q.outZeroPoint, "output");
    const g = this.geometry;
    const [oh, ow] = this.outputSize(h, w);
    const dense = reference || this.depthwise || this.pointwise;
    const key = `${dense ? "dense" : "packed"} ${q.inScale} ${q.outScale}`;
    if (key !== this.epiKey) {
      const consts = requantConstants(
        this.requantEngine,
        g.outChannels,
        q.inScale,
        this.weightScales,
        this.bias,
        q.outScale,
      );
      writeEpilogue(
        this.core,
        this.epi,
        consts,
        dense ? 1 : g.groups,
        dense ? g.outChannels : this.og,
        dense ? g.outChannels : this.np,
      );
      this.epiKey = key;
    }
    let scratch = 0;
    let stride = 0;
    let blockRows = 0;
    let nhwc = 0;
    let nhwcRows = h + 2 * g.padding[0];
    let nhwcCols = w + 2 * g.padding[1];
    if (!reference && this.pointwise) {
      blockRows = 16; // panels of 8 pixels per block
      stride = align16(this.core.exports.qpointwise_scratch_bytes(blockRows, g.inChannels));
      scratch = this.scratch.ensure(stride * threads);
    } else if (!reference && this.winograd) {
      // Whole 4x4 input patches for every 2x2 output tile: up to one extra zero row and column.
      nhwcRows = Math.max(nhwcRows, 2 * Math.ceil(oh / 2) + 2);
      nhwcCols = Math.max(nhwcCols, 2 * Math.ceil(ow / 2) + 2);
      // In the transform domain the reduction is over the C input channels (C / 2 pairs).
      const perTile = 16 * ((g.inChannels / 2) * 4 + this.np * 4);
      blockRows = Math.max(4, Math.min(64, Math.floor((384 * 1024) / perTile) & ~3));
      stride = align16(this.core.exports.qwinograd_scratch_bytes(blockRows, g.inChannels, g.outChannels));
      scratch = this.scratch.ensure(stride * threads);
      nhwc = this.nhwc.ensure(batch * nhwcRows * nhwcCols * g.inChannels * 2);
    } else if (!reference && this.depthwise) {
      const bytes = this.core.exports.qdepthwise_scratch_bytes(
        h,
        w,
        g.padding[0],
        g.padding[1],
        oh,
        ow,
        g.kernel[0],
        g.kernel[1],
        g.stride[0],
        g.stride[1],
        g.dilation[0],
        g.dilation[1],
      );
      stride = align16(bytes);
      scratch = this.scratch.ensure(stride * threads);
    } else if (!reference) {
      blockRows = blockRowsFor(this.kp);
      stride = align16(2 * blockRows * this.kp * 4 + blockRows * this.np * 4);
      scratch = this.scratch.ensure(stride * threads);
      nhwc = this.nhwc.ensure(batch * nhwcRows * nhwcCols * g.inChannels * 2);
    }
    writeDesc(this.core, this.desc, {
      MODE: 0,
      M: batch * oh * ow,
      K: this.kg,
      N: this.og,
      KP: this.winograd && !reference ? g.inChannels / 2 : this.kp,
      NP: this.np,
      WEIGHTS: reference ? this.raw : this.packed,
      WEIGHT_ZPS: this.rawZps,
      EPI_BINT: this.epi.bint,
      EPI_A: this.epi.a,
      EPI_BF: this.epi.bf,
      EPI_C: this.epi.cc,
      INPUT: input,
      IN_ZP: q.inZeroPoint,
      OUTPUT: output,
      OUT_ZP: q.outZeroPoint,
      OUT_LO: q.relu ? q.outZeroPoint : 0,
      OUT_HI: 255,
      SCRATCH: scratch,
      SCRATCH_STRIDE: stride,
      BLOCK_ROWS: blockRows,
      C: g.inChannels,
      H: h,
      W: w,
      OC: g.outChannels,
      OH: oh,
      OW: ow,
      KH: g.kernel[0],
      KW: g.kernel[1],
      SH: g.stride[0],
      SW: g.stride[1],
      PH: g.padding[0],
      PW: g.padding[1],
      DH: g.dilation[0],
      DW: g.dilation[1],
      GROUPS: g.groups,
      BATCH: batch,
      NHWC: nhwc,
      NHWC_HP: nhwcRows,
      NHWC_WP: nhwcCols,
    });
  }

  /** NCHW uint8 [batch][C][h][w] at `input` to [batch][OC][OH][OW] at `output`, in WASM memory. */
  run(
    input: number,
    output: number,
    batch: number,
    h: number,
    w: number,
    q: LinearRequant,
    pool?: KernelThreadPool,
  ): void {
    const g = this.geometry;
    const [oh, ow] = this.outputSize(h, w);
    // Depthwise and Winograd do more memory work per multiply-accumulate: weigh them up.
    const macs = batch * oh * ow * g.outChannels * this.kg;
    const threads = threadsFor(pool, this.depthwise ? macs * 4 : macs);
    this.prepare(batch, h, w, input, output, q, threads, false);
    const exec = (
      k:
        | "qdepthwise_thread"
        | "qconv_nhwc_thread"
        | "qconv_gemm_thread"
        | "qwinograd_thread"
        | "qpointwise_thread",
    ) => {
      if (pool && threads > 1) pool.run(k, this.desc, threads);
      else this.core.guard(() => this.core.exports[k](this.desc, 0, 1));
    };
    if (this.depthwise) exec("qdepthwise_thread");
    else if (this.pointwise) exec("qpointwise_thread");
    else {
      exec("qconv_nhwc_thread");
      exec(this.winograd ? "qwinograd_thread" : "qconv_gemm_thread");
    }
  }

  /** The scalar reference kernel on the same inputs (for tests and as a fallback). */
  runReference(input: number, output: number, batch: number, h: number, w: number, q: LinearRequant): void {
    this.prepare(batch, h, w, input, output, q, 1, true);
    this.core.guard(() => this.core.exports.qconv2d_reference(this.desc));
  }

  /** Convenience: copies `x` in, runs, copies the NCHW result out. */
  runArrays(
    x: Uint8Array,
    batch: number,
    h: number,
    w: number,
    q: LinearRequant,
    pool?: KernelThreadPool,
    reference = false,
  ): Uint8Array {
    const g = this.geometry;
    if (x.length !== batch * g.inChannels * h * w)
      throw new RangeError(`conv input has ${x.length} values, expected ${batch}x${g.inChannels}x${h}x${w}`);
    const [oh, ow] = this.outputSize(h, w);
    const outLen = batch * g.outChannels * oh * ow;
    return this.core.scoped((alloc) => {
      const inp = alloc(x.length);
      const out = alloc(outLen);
      this.core.u8(inp, x.length).set(x);
      if (reference) this.runReference(inp, out, batch, h, w, q);
      else this.run(inp, out, batch, h, w, q, pool);
      return this.core.copyOut(Uint8Array, out, outLen);
    });
  }
}
