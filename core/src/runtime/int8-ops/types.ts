// Contracts between the int8 executor and its op implementations (any process holding a WasmCore).
// An int8 op compiles one converted group (a fused Conv+ReLU, an Add, a MaxPool, ...) for concrete input
// shapes into a step over fixed WASM pointers; the executor allocates every buffer.
import type { Engine } from "../../backends/engine";
import type { Graph, Node } from "../../onnx/ir";
import type { ConvertedGroup } from "../../passes/convert";
import type { WasmCore } from "../../wasm/core";
import type { KernelThreadPool } from "../../wasm/thread-pool";

/** Runs one group for the current batch. */
export type Int8Step = () => void;

export interface Int8CompileContext {
  readonly core: WasmCore;
  readonly engine: Engine;
  readonly pool?: KernelThreadPool;
  /** Shapes of the group's activation inputs (group.inputs order). */
  readonly inputShapes: readonly (readonly number[])[];
  /**
   * Per input: whether PyTorch holds that tensor in channels-last memory format (see
   * `CompiledInt8Op.channelsLast`). Our buffers are always NCHW; the flag only picks PyTorch's arithmetic.
   */
  readonly inputChannelsLast: readonly boolean[];
  /** Byte addresses of the uint8 inputs, valid when the step runs (fixed per compiled shape). */
  inputPtr(index: number): number;
  /** Byte address of the uint8 output (call inside the step factory, once the buffer exists). */
  outputPtr(): number;
  /** A persistent allocation owned by the executor (freed on dispose). */
  allocate(bytes: number): number;
  /** An object built once per executor and group (packed weights), disposed with the executor. */
  once<T extends { dispose(): void }>(key: string, make: () => T): T;
}

export interface CompiledInt8Op {
  outputShape: number[];
  /**
   * Whether PyTorch's output tensor is channels-last (4-D only). Quantized conv allocates its output
   * channels-last on every engine, and most ops then keep their input's memory format; kernels that read
   * a channels-last tensor (avg/adaptive pooling, cat) take PyTorch's NHWC code, which rounds differently.
   * Default false (contiguous NCHW).
   */
  channelsLast?: boolean;
  /** When set, the output is the input buffer itself (flatten, reshape): no copy, no step. */
  aliasInput?: number;
  /** Builds the step once the output buffer exists. */
  step?: (ctx: Int8CompileContext) => Int8Step;
}

export interface Int8Op {
  /** Why this node cannot run in int8 (attributes, constant inputs...), or undefined when it can. */
  support(node: Node, graph: Graph): string | undefined;
  /** Output shape and a step factory for the group at these input shapes. Throws InputError on bad shapes. */
  compile(group: ConvertedGroup, graph: Graph, ctx: Int8CompileContext): CompiledInt8Op;
}

/** Element count of a shape. */
export function count(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
