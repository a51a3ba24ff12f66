// Quantized linear layers on the WASM core (any process): weights are packed once into a PackedLinear,
// then each call runs static (uint8 in/out) or dynamic (float in/out) linear with PyTorch's integer
// semantics for the chosen engine, optionally split across a KernelThreadPool.
import type { Engine } from "../backends/engine";
import type { WasmCore } from "./core";
import { DESC_WORDS, blockRowsFor, writeDesc } from "./qgemm-desc";
import {
  chooseDynamicQParams,
  dynamicConstants,
  quantizeDynamicInput,
  requantConstants,
  type RequantConstants,
} from "./qrequant";
import type { KernelThreadPool } from "./thread-pool";

/** Int8 weights of a linear or conv layer: per-tensor (one scale) or per-channel along axis 0. */
export interface QuantizedWeights {
  /** int8 values, output channel major. */
  data: Int8Array;
  /** One scale (per-tensor) or one per output channel. */
  scales: ArrayLike<number>;
  /** One zero point (per-tensor) or one per output channel. */
  zeroPoints: ArrayLike<number>;
}

export interface LinearRequant {
  inScale: number;
  inZeroPoint: number;
  outScale: number;
  outZeroPoint: number;
  relu: boolean;
}

/** Owns a small set of WASM allocations; `dispose` frees them. */
export class WasmAllocations {
  private readonly ptrs: number[] = [];
  constructor(protected readonly core: WasmCore) {}
  protected allocate(bytes: number): number {
    const p = this.core.alloc(bytes);
    this.ptrs.push(p);
    return p;
  }
  protected release(ptr: number): void {
    const i = this.ptrs.indexOf(ptr);
    if (i >= 0) this.ptrs.splice(i, 1);
    this.core.free(ptr);
  }
  dispose(): void {
    for (const p of this.ptrs.splice(0)) this.core.free(p);
  }
}

export function perChannel(values: ArrayLike<number>, n: number, what: string): Int32Array {
  if (values.length !== 1 && values.length !== n)
    throw new RangeError(`${what} needs 1 or ${n} values, got ${values.length}`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = values.length === 1 ? values[0] : values[i];
  return out;
}

/**
 * Rows a thread claims at a time when several share a linear job: about 8 claims per thread, so when
 * one core runs slower (other load) the rest of the work moves to the others, and at most one block of
 * L2-sized tiles, so each claim still reuses every weight panel over a full block of rows.
 */
export function chunkRowsFor(m: number, threads: number, blockRows: number): number {
  if (threads <= 1) return blockRows;
  const rows = (Math.ceil(m / (threads * 8)) + 3) & ~3;
  return Math.max(4, Math.min(blockRows, rows));
}

/**
 * Scratch memory reused across calls, grown on demand. The pointer it hands out is aligned to a cache
 * line, so per-thread regions at cache-line multiples (see alignCacheLine) never share a line.
 */
export class Scratch {
  private raw = 0;
  ptr = 0;
  bytes = 0;
  constructor(private readonly core: WasmCore) {}
  ensure(bytes: number): number {
    if (bytes > this.bytes) {
      this.core.free(this.raw);
      this.raw = 0;
      this.ptr = 0;
      this.bytes = 0;
      this.raw = this.core.alloc(bytes + CACHE_LINE);
      this.ptr = alignCacheLine(this.raw);
      this.bytes = bytes;
    }
    return this.ptr;
  }
  dispose(): void {
    this.core.free(this.raw);
    this.raw = 0;
    this.ptr = 0;
    this.bytes = 0;
  }
}

/** Writes per-channel constants into four arrays of `groups * np` (channel g*og+o at g*np+o). */
export function writeEpilogue(
  core: WasmCore,
  ptrs: { bint: number; a: number; bf: number; cc: number },
  k: RequantConstants,
  groups: number,
  og: number,
  np: number,
): void {
  const bint = core.i32(ptrs.bint, groups * np);
  const a = core.f32(ptrs.a, groups * np);
  const bf = core.f32(ptrs.bf, groups * np);
  const cc = core.f32(ptrs.cc, groups * np);
  bint.fill(0);
  a.fill(0);
  bf.fill(0);
  cc.fill(0);
  for (let g = 0; g < groups; g++) {
    for (let o = 0; o < og; o++) {
      const c = g * og + o;
      bint[g * np + o] = k.bint[c];
      a[g * np + o] = k.a[c];
      bf[g * np + o] = k.bf[c];
      cc[g * np + o] = k.cc[c];
    }
  }
}

export class PackedLinear extends WasmAllocations {
  readonly k: number;
  readonly n: number;
  readonly kp: number;
  readonly np: number;
  private readonly packed: number;
  private readonly raw: number;
  private readonly rawZps: number;
  private readonly epi: { bint: number; a: number; bf: number; cc: number };
  private readonly desc: number;
  private readonly scratch: Scratch;
  private readonly weightScales: Float64Array;
  private readonly bias: Float32Array | undefined;

  /** Packs `weights` ([n][k] int8) once. `bias` is float32 (PyTorch keeps it unquantized). */
  constructor(
    core: WasmCore,
    readonly engine: Engine,
    n: number,
    k: number,
    weights: QuantizedWeights,
    bias?: Float32Array,
  ) {
    super(core);
    if (!Number.isInteger(n) || !Number.isInteger(k) || n < 1 || k < 1) {
      throw new RangeError(`linear needs positive integer sizes, got ${n} outputs x ${k} inputs`);
    }
    if (weights.data.length !== n * k)
      throw new RangeError(`linear weight has ${weights.data.length} values, expected ${n}x${k}`);
    if (bias && bias.length !== n)
      throw new RangeError(`linear bias has ${bias.length} values, expected ${n}`);
    this.n = n;
    this.k = k;
    this.kp = (k + 1) >> 1;
    this.np = (n + 7) & ~7;
    this.weightScales = Float64Array.from(perChannelF(weights.scales, n, "weight scales"));
    this.bias = bias ? Float32Array.from(bias) : undefined;
    const zps = perChannel(weights.zeroPoints, n, "weight zero points");
    this.raw = this.allocate(n * k);
    core.i8(this.raw, n * k).set(weights.data);
    this.rawZps = this.allocate(n * 4);
    core.i32(this.rawZps, n).set(zps);
    this.packed = this.allocate(core.exports.qgemm_packed_bytes(n, k));
    core.exports.qgemm_pack_weights(this.raw, this.rawZps, 1, n, k, this.packed);
    const epiBytes = this.np * 4;
    this.epi = {
      bint: this.allocate(epiBytes),
      a: this.allocate(epiBytes),
      bf: this.allocate(epiBytes),
      cc: this.allocate(epiBytes),
    };
    this.desc = this.allocate(DESC_WORDS * 4);
    this.scratch = new Scratch(core);
  }

  override dispose(): void {
    this.scratch.dispose();
    super.dispose();
  }

  private prepare(m: number, input: number, output: number, mode: 0 | 1, threads: number): void {
    const blockRows = blockRowsFor(this.kp);
    // Each thread's tiles and staging rows start on their own cache line: no false sharing between threads.
    const stride = alignCacheLine(blockRows * this.kp * 4 + blockRows * this.np * 4);
    const scratch = this.scratch.ensure(stride * threads);
    writeDesc(this.core, this.desc, {
      MODE: mode,
      M: m,
      K: this.k,
      N: this.n,
      KP: this.kp,
      NP: this.np,
      WEIGHTS: this.packed,
      WEIGHT_ZPS: this.rawZps,
      EPI_BINT: this.epi.bint,
      EPI_A: this.epi.a,
      EPI_BF: this.epi.bf,
      EPI_C: this.epi.cc,
      INPUT: input,
      OUTPUT: output,
      SCRATCH: scratch,
      SCRATCH_STRIDE: stride,
      BLOCK_ROWS: blockRows,
      NEXT_ROW: 0,
      CHUNK_ROWS: chunkRowsFor(m, threads, blockRows),
    });
  }

  /** Layout and scales the epilogue arrays currently hold; rewritten only when they change. */
  private epiKey = "";

  private setEpilogue(key: string, write: () => void): void {
    if (key === this.epiKey) return;
    write();
    this.epiKey = key;
  }

  private setRequant(q: LinearRequant): void {
    checkQParams(q.inScale, q.inZeroPoint, "input");
    checkQParams(q.outScale, q.outZeroPoint, "output");
    this.setEpilogue(`packed ${q.inScale} ${q.outScale}`, () =>
      writeEpilogue(
        this.core,
        this.epi,
        requantConstants(this.engine, this.n, q.inScale, this.weightScales, this.bias, q.outScale),
        1,
        this.n,
        this.np,
      ),
    );
    writeDesc(this.core, this.desc, {
      IN_ZP: q.inZeroPoint,
      OUT_ZP: q.outZeroPoint,
      OUT_LO: q.relu ? q.outZeroPoint : 0,
      OUT_HI: 255,
    });
  }

  /**
   * Static quantized linear: `m` rows of uint8 input at `input` ([m][k]) to uint8 output at `output`
   * ([m][n]), both in WASM memory.
   */
  run(input: number, output: number, m: number, q: LinearRequant, pool?: KernelThreadPool): void {
    const threads = threadsFor(pool, m * this.k * this.n);
    this.prepare(m, input, output, 0, threads);
    this.setRequant(q);
    if (pool && threads > 1) pool.run("qlinear_thread", this.desc, threads);
    else this.core.guard(() => this.core.exports.qlinear_thread(this.desc, 0, 1));
  }

  /** The scalar reference kernel on the same inputs (for tests and as a fallback). */
  runReference(input: number, output: number, m: number, q: LinearRequant): void {
    this.prepare(m, input, output, 0, 1);
    this.setEpilogue(`dense ${q.inScale} ${q.outScale}`, () =>
      writeEpilogue(
        this.core,
        this.epi,
        requantConstants(this.engine, this.n, q.inScale, this.weightScales, this.bias, q.outScale),
        1,
        this.n,
        this.n,
      ),
    );
    writeDesc(this.core, this.desc, {
      IN_ZP: q.inZeroPoint,
      OUT_ZP: q.outZeroPoint,
      OUT_LO: q.relu ? q.outZeroPoint : 0,
      OUT_HI: 255,
      WEIGHTS: this.raw,
    });
    this.core.guard(() => this.core.exports.qlinear_reference(this.desc));
  }

  /** Convenience: copies `x` in, runs, copies the [m][n] result out. */
  runArrays(
    x: Uint8Array,
    m: number,
    q: LinearRequant,
    pool?: KernelThreadPool,
    reference = false,
  ): Uint8Array {
    if (x.length !== m * this.k)
      throw new RangeError(`linear input has ${x.length} values, expected ${m}x${this.k}`);
    return this.core.scoped((alloc) => {
      const inp = alloc(x.length);
      const out = alloc(m * this.n);
      this.core.u8(inp, x.length).set(x);
      if (reference) this.runReference(inp, out, m, q);
      else this.run(inp, out, m, q, pool);
      return this.core.copyOut(Uint8Array, out, m * this.n);
    });
  }

  /**
   * Dynamic quantized linear (float in, float out): the input is quantized per tensor to uint8 with
   * PyTorch's ChooseQuantizationParams (range halved with reduce_range, which qnnpack ignores).
   */
  runDynamic(
    x: Float32Array,
    m: number,
    reduceRange: boolean,
    pool?: KernelThreadPool,
    reference = false,
  ): Float32Array {
    if (x.length !== m * this.k)
      throw new RangeError(`linear input has ${x.length} values, expected ${m}x${this.k}`);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < x.length; i++) {
      if (x[i] < lo) lo = x[i];
      if (x[i] > hi) hi = x[i];
    }
    if (x.length === 0) lo = hi = 0;
    const qp = chooseDynamicQParams(lo, hi, reduceRange && this.engine !== "qnnpack");
    const xq = new Uint8Array(x.length);
    quantizeDynamicInput(x, qp, xq);
    const consts = dynamicConstants(this.n, qp.scale, this.weightScales, this.bias);
    return this.core.scoped((alloc) => {
      const inp = alloc(xq.length);
      const out = alloc(m * this.n * 4);
      this.core.u8(inp, xq.length).set(xq);
      const threads = reference ? 1 : threadsFor(pool, m * this.k * this.n);
      this.prepare(m, inp, out, 1, threads);
      this.setEpilogue(`dynamic ${reference ? "dense" : "packed"} ${qp.scale}`, () =>
        writeEpilogue(this.core, this.epi, consts, 1, this.n, reference ? this.n : this.np),
      );
      writeDesc(this.core, this.desc, { IN_ZP: qp.zeroPoint });
      if (reference) {
        writeDesc(this.core, this.desc, { WEIGHTS: this.raw });
        this.core.guard(() => this.core.exports.qlinear_reference(this.desc));
      } else if (pool && threads > 1) pool.run("qlinear_thread", this.desc, threads);
      else this.core.guard(() => this.core.exports.qlinear_thread(this.desc, 0, 1));
      return this.core.copyOut(Float32Array, out, m * this.n);
    });
  }
}

export function perChannelF(values: ArrayLike<number>, n: number, what: string): number[] {
  if (values.length !== 1 && values.length !== n)
    throw new RangeError(`${what} needs 1 or ${n} values, got ${values.length}`);
  return Array.from({ length: n }, (_, i) => (values.length === 1 ? values[0] : values[i]));
}

export function checkQParams(scale: number, zeroPoint: number, what: string): void {
  if (!(scale > 0) || !Number.isFinite(scale))
    throw new RangeError(`${what} scale must be positive and finite, got ${scale}`);
  if (!Number.isInteger(zeroPoint) || zeroPoint < 0 || zeroPoint > 255)
    throw new RangeError(`${what} zero point must be an integer in [0, 255], got ${zeroPoint}`);
}

/**
 * Threads worth using for a job of `work` multiply-accumulate equivalents: waking a worker costs tens
 * of microseconds, so each thread should get at least the pool's minWorkPerThread.
 */
export function threadsFor(pool: KernelThreadPool | undefined, work: number): number {
  if (!pool) return 1;
  const byWork = pool.minWorkPerThread > 0 ? Math.floor(work / pool.minWorkPerThread) : pool.threads;
  return Math.max(1, Math.min(pool.threads, byWork));
}

export function align16(n: number): number {
  return (n + 15) & ~15;
}

const CACHE_LINE = 64;

/** `n` rounded up to a whole number of 64-byte cache lines. */
export function alignCacheLine(n: number): number {
  return (n + CACHE_LINE - 1) & ~(CACHE_LINE - 1);
}
