// Contracts between the float executor and its op implementations (any process holding a WasmCore).
// An op compiles a node, for one concrete input shape, into a Step: a closure over fixed WASM pointers that
// runs one batch. Compilation happens once per input shape; steps run once per batch.
import type { DType, Node, Tensor } from "../../onnx/ir";
import type { ValueType } from "../../onnx/shape-inference";
import type { WasmCore } from "../../wasm/core";
import type { FloatKernels } from "../../wasm/fkernels";

/** Runs one node for the current batch. */
export type Step = () => void;

/** A scratch request: the executor allocates one shared scratch block, large enough for every step. */
export interface ScratchRef {
  /** Byte address, valid when steps run (not during compile). */
  ptr: number;
}

export interface CompileContext {
  readonly core: WasmCore;
  readonly kernels: FloatKernels;
  /** Static type of a value for this plan. */
  type(name: string): ValueType;
  /** The value when it is known before running (initializer, Constant, folded), else undefined. */
  constant(name: string): Tensor | undefined;
  /**
   * Byte address of a float32 value in WASM memory: the runtime buffer of an activation, or a persistent
   * float32 copy of a constant (converted from its dtype, uploaded once per executor).
   */
  ptr(name: string): number;
  /** True when the value lives on the host (non-float runtime values computed by host fallbacks). */
  isHostValue(name: string): boolean;
  /**
   * A buffer of `floats` float32 derived from constants (packed weights, folded parameters), filled once
   * by `fill` and shared by every plan under `key`. When the node reads shape-dependent constants the
   * buffer belongs to the current plan instead.
   */
  persistent(key: string, floats: number, fill: (ptr: number) => void): number;
  /** A buffer owned by the current plan (kept across batches, freed with the plan), e.g. repacked runtime weights. */
  planBuffer(floats: number): number;
  /** Scratch space for this step (contents undefined at step start; shared between steps). */
  scratch(floats: number): ScratchRef;
  /** Host tensors for host-fallback ops (reads copy float buffers out of WASM). */
  readHost(name: string): Tensor;
  writeHost(name: string, value: Tensor): void;
}

export interface FloatOp {
  /** Compiles a node for the current plan; throws InputError for unsupported attribute combinations. */
  compile(node: Node, ctx: CompileContext): Step;
}

/** Element count of a shape. */
export function count(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Dtypes the executor keeps in WASM buffers: float32 activations and the int8/uint8 of QDQ models. */
export function isWasmDtype(dtype: DType): boolean {
  return dtype === "float32" || dtype === "int8" || dtype === "uint8";
}

/** A typed-array view of `n` elements of a WASM-resident value. */
export function wasmView(core: WasmCore, dtype: DType, ptr: number, n: number): Float32Array | Int8Array | Uint8Array {
  if (dtype === "int8") return core.i8(ptr, n);
  if (dtype === "uint8") return core.u8(ptr, n);
  return core.f32(ptr, n);
}

/** Copies host floats into a temporary WASM buffer, runs `use`, frees it. */
export function packFromHost(ctx: CompileContext, data: Float32Array, dst: number, use: (src: number, dst: number) => void): void {
  const src = ctx.core.copyIn(data);
  try {
    use(src, dst);
  } finally {
    ctx.core.free(src);
  }
}
