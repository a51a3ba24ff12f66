// Float32 executor: runs an ONNX graph (IR) on the WASM float kernels, batch by batch (any process holding
// a WasmCore). For each concrete input shape it plans once: shape inference and constant folding, one WASM
// buffer per activation (buffers reused across values whose lifetimes do not overlap, and across batches),
// weights packed once. Every computed tensor is shown to an optional observer (`onTensor`) right after it is
// produced, as a view over WASM memory: calibration observes activations without copies, and an observer
// may rewrite the data in place (e.g. fake-quantize it) so downstream nodes see the edited values.
import { InputError, throwIfCancelled } from "../errors";
import {
  DTYPE_BYTES,
  describeNode,
  elementCount,
  isDefaultDomain,
  makeTensor,
  tensorToFloat32,
  type DType,
  type Graph,
  type Model,
  type Node,
  type Tensor,
  type TensorData,
} from "../onnx/ir";
import { inferShapes, type ValueType } from "../onnx/shape-inference";
import { HOST_EVALUATORS } from "../onnx/fold";
import type { WasmCore } from "../wasm/core";
import { FloatKernels } from "../wasm/fkernels";
import { floatOpFor } from "./float-ops";
import { hostFallbackOp } from "./float-ops/host-fallback";
import { isWasmDtype, wasmView, type CompileContext, type ScratchRef, type Step } from "./float-ops/types";

/** A host-side input or output: data in row-major order with its shape. */
export interface HostTensor {
  data: Float32Array;
  shape: readonly number[];
}

/** What the observer hook receives for each computed tensor. */
export interface TensorEvent {
  /** Value name in the graph. */
  name: string;
  /** The producing node (undefined for graph inputs). */
  node: Node | undefined;
  dtype: DType;
  /** Shape of this batch's tensor (dim 0 is the batch size for batched values). */
  shape: readonly number[];
  /** Byte address in WASM linear memory (float32, and the int8/uint8 of QDQ models); 0 for host-resident values. */
  ptr: number;
  /**
   * The data: for WASM-resident values a view over WASM memory, valid only during the callback (copy to keep it).
   * Writing to it changes what downstream nodes read.
   */
  data: Float32Array | TensorData;
  /** Which batch of the run this is, and where it starts in the full input. */
  batchIndex: number;
  batchStart: number;
}

export interface RunOptions {
  /** Samples per batch for graphs whose batch dim is symbolic (default 32); fixed batch dims win. */
  batchSize?: number;
  /** Called for every graph input and every computed (non-constant) value, in execution order. */
  onTensor?: (event: TensorEvent) => void;
  /**
   * Values to force, each holding all N samples ([N, ...] like the value's batched shape): the value's
   * buffer is overwritten with the batch's slice before anything reads it, and a node whose outputs are
   * all overridden is skipped.
   */
  overrides?: ReadonlyMap<string, Float32Array>;
  /** Values to return besides the graph outputs (any computed or constant value). */
  extraOutputs?: readonly string[];
  /** Checked between batches; aborting raises CancelledError. */
  signal?: AbortSignal;
  /** Called after each batch with samples done so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

export interface ExecutorOptions {
  /** Replacement values for initializers (same dtype and shape), e.g. fake-quantized weights. */
  initializerOverrides?: ReadonlyMap<string, Tensor>;
  /** File name used in error messages. */
  file?: string;
  /**
   * "declared" (default): a fixed batch dim in the model (e.g. [1, 3, 224, 224]) sets the batch size.
   * "any": dim 0 of every runtime input is treated as a free batch dim, so such models run RunOptions
   * .batchSize samples at a time (e.g. to calibrate with PyTorch's batch boundaries). Only for graphs whose
   * shape arithmetic follows the batch (Flatten, Shape-derived Reshape); a graph output that does not carry
   * the batch size in dim 0 raises an InputError.
   */
  batchDim?: "declared" | "any";
}

/** One runtime value of a plan. */
interface PlannedValue {
  name: string;
  type: ValueType;
  /** WASM byte address (float32 values) or 0 for host-resident values. */
  ptr: number;
  bytes: number;
}

interface PlannedStep {
  node: Node;
  run: Step;
  /** Outputs shown to onTensor after the step, in node output order. */
  outputs: PlannedValue[];
}

interface Plan {
  inputShapes: Map<string, number[]>;
  types: Map<string, ValueType>;
  constants: Map<string, Tensor>;
  values: Map<string, PlannedValue>;
  inputs: PlannedValue[];
  steps: PlannedStep[];
  /** Host-resident runtime values (non-float). */
  host: Map<string, Tensor>;
  /** Constants that differ between input shapes: their WASM copies belong to the plan, not the executor. */
  shapeDependent: Set<string>;
  buffers: number[];
  scratch: number;
}

/**
 * Runs a float model on WASM. Create once per model, run many times; call dispose() to free WASM memory.
 * Concurrent run() calls on one executor are queued and run one after another.
 */
export class FloatExecutor {
  readonly graph: Graph;
  private readonly kernels: FloatKernels;
  private readonly persistentBuffers = new Map<string, number>();
  private readonly plans = new Map<string, Plan>();
  private queue: Promise<void> = Promise.resolve();
  private disposed = false;

  private constructor(
    readonly core: WasmCore,
    graph: Graph,
    private readonly options: ExecutorOptions,
  ) {
    this.graph = graph;
    this.kernels = new FloatKernels(core);
  }

  /** Checks that every node can run, then returns an executor. Throws InputError naming unsupported nodes. */
  static create(core: WasmCore, model: Model | Graph, options: ExecutorOptions = {}): FloatExecutor {
    const graph = "graph" in model ? model.graph : model;
    const unsupported = graph.nodes.filter((n) => !isDefaultDomain(n.domain) || !floatOpFor(n.opType));
    if (unsupported.length) {
      const list = unsupported.slice(0, 5).map(describeNode).join(", ");
      const more = unsupported.length > 5 ? ` and ${unsupported.length - 5} more` : "";
      throw new InputError(`the float executor cannot run ${list}${more}: op not supported`, options.file);
    }
    for (const i of graph.runtimeInputs) {
      if (i.type && i.type.dtype !== "float32") {
        throw new InputError(`graph input '${i.name}' is ${i.type.dtype}; the float executor takes float32 inputs`, options.file);
      }
    }
    return new FloatExecutor(core, graph, options);
  }

  /** The graph's runtime inputs (name, declared shape). */
  get inputNames(): string[] {
    return this.graph.runtimeInputs.map((i) => i.name);
  }

  /**
   * Runs all samples of `inputs` (each [N, ...]) in batches and returns the graph outputs (plus
   * `extraOutputs`), each concatenated over batches.
   */
  run(inputs: ReadonlyMap<string, HostTensor> | Record<string, HostTensor>, options: RunOptions = {}): Promise<Map<string, Tensor>> {
    // Runs share the plans' buffers and yield between batches, so concurrent calls are queued.
    const result = this.queue.then(() => this.runExclusive(inputs, options));
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private async runExclusive(inputs: ReadonlyMap<string, HostTensor> | Record<string, HostTensor>, options: RunOptions): Promise<Map<string, Tensor>> {
    this.checkAlive();
    const given = inputs instanceof Map ? inputs : new Map(Object.entries(inputs));
    const runtimeInputs = this.graph.runtimeInputs;
    for (const i of runtimeInputs) {
      if (!given.has(i.name)) throw this.error(`no data given for graph input '${i.name}'`);
    }
    for (const name of given.keys()) {
      if (!runtimeInputs.some((i) => i.name === name)) throw this.error(`'${name}' is not an input of the graph`);
    }
    // A graph without runtime inputs (all constants) runs once, as a single "batch".
    const first = runtimeInputs.length ? given.get(runtimeInputs[0].name)! : undefined;
    if (first && first.shape.length === 0) throw this.error(`input '${runtimeInputs[0].name}' must have a batch dimension`);
    const total = first ? first.shape[0] : 1;
    if (total === 0) throw this.error(`input '${runtimeInputs[0].name}' holds no samples (its first dimension is 0)`);
    for (const [name, t] of given) {
      if (t.shape[0] !== total) throw this.error(`inputs disagree on the number of samples (${name} has ${t.shape[0]}, expected ${total})`);
      if (t.data.length !== elementCount(t.shape)) {
        throw this.error(`input '${name}' has ${t.data.length} values but shape [${t.shape.join(", ")}]`);
      }
    }
    const batch = this.batchSizeFor(options.batchSize, total);
    const wanted = [...this.graph.outputs.map((o) => o.name), ...(options.extraOutputs ?? [])];
    const collected = new Map<string, { parts: Tensor[] }>();
    for (const w of wanted) collected.set(w, { parts: [] });

    let lastYield = performance.now();
    for (let start = 0, index = 0; start < total; start += batch, index++) {
      throwIfCancelled(options.signal);
      const size = Math.min(batch, total - start);
      const shapes = new Map<string, number[]>();
      for (const [name, t] of given) shapes.set(name, [size, ...t.shape.slice(1)]);
      const plan = this.planFor(shapes);
      const batchOut = this.runPlan(plan, given, start, size, index, options);
      for (const w of wanted) collected.get(w)!.parts.push(batchOut.get(w)!);
      options.onProgress?.(start + size, total);
      // Let the event loop breathe between batches (at most every 20 ms) so cancellation gets through.
      if (start + size < total && performance.now() - lastYield > 20) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
    const result = new Map<string, Tensor>();
    for (const [name, { parts }] of collected) result.set(name, concatBatches(name, parts, this.options.file));
    return result;
  }

  /** Types of every value for a given set of input shapes (plans if needed). */
  typesFor(inputShapes: ReadonlyMap<string, readonly number[]>): Map<string, ValueType> {
    this.checkAlive();
    return this.planFor(new Map([...inputShapes].map(([k, v]) => [k, [...v]]))).types;
  }

  /** How many input shapes currently hold planned activation buffers (at most MAX_PLANS). */
  get planCount(): number {
    return this.plans.size;
  }

  /** Frees the activation buffers of every plan (weights stay packed); the next run plans again. */
  releaseActivations(): void {
    this.checkAlive();
    for (const plan of this.plans.values()) this.freePlan(plan);
    this.plans.clear();
  }

  /** Frees every WASM buffer this executor allocated. The executor cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const plan of this.plans.values()) this.freePlan(plan);
    this.plans.clear();
    for (const ptr of this.persistentBuffers.values()) this.core.free(ptr);
    this.persistentBuffers.clear();
    this.kernels.dispose();
  }

  // ---------------------------------------------------------------------------------------------------

  private error(message: string): InputError {
    return new InputError(message, this.options.file);
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error("FloatExecutor used after dispose()");
  }

  private batchSizeFor(requested: number | undefined, total: number): number {
    const first = this.graph.runtimeInputs[0];
    if (!first) return 1;
    const declared = first.type?.shape?.[0];
    if (typeof declared === "number" && this.options.batchDim !== "any") return declared;
    return Math.max(1, Math.min(requested ?? 32, total));
  }

  private planFor(inputShapes: Map<string, number[]>): Plan {
    const key = [...inputShapes].map(([k, v]) => `${k}:${v.join("x")}`).join(";");
    let plan = this.plans.get(key);
    if (plan) {
      // Most recently used last, so the eviction below drops the stalest plan.
      this.plans.delete(key);
    } else {
      plan = this.buildPlan(inputShapes);
      while (this.plans.size >= MAX_PLANS) {
        const [oldest, stale] = this.plans.entries().next().value!;
        this.freePlan(stale);
        this.plans.delete(oldest);
      }
    }
    this.plans.set(key, plan);
    return plan;
  }

  private buildPlan(inputShapes: Map<string, number[]>): Plan {
    const graph = this.graph;
    let inference;
    try {
      inference = inferShapes(graph, inputShapes, {
        initializerOverrides: this.options.initializerOverrides,
        relaxBatchDim: this.options.batchDim === "any",
      });
    } catch (e) {
      if (e instanceof InputError && this.options.file && !e.message.startsWith(this.options.file)) {
        throw new InputError(e.message, this.options.file);
      }
      throw e;
    }
    const { types, constants, folded, shapeDependent } = inference;
    if (this.options.batchDim === "any") {
      const batch = [...inputShapes.values()][0]?.[0];
      for (const o of graph.outputs) {
        if (types.get(o.name)?.shape[0] !== batch) {
          throw this.error(`graph output '${o.name}' does not keep the batch size in dim 0 (shape [${types.get(o.name)?.shape.join(", ")}] for a batch of ${batch}); run with the declared batch size`);
        }
      }
    }
    const order = graph.topologicalOrder().filter((n) => !folded.has(n));
    const keep = new Set(graph.outputs.map((o) => o.name));

    // Lifetimes: a buffer is free after its last reader (graph outputs live to the end).
    const lastUse = new Map<string, number>();
    order.forEach((n, i) => n.inputs.forEach((name) => name && lastUse.set(name, i)));

    const plan: Plan = {
      inputShapes,
      types,
      constants,
      values: new Map(),
      inputs: [],
      steps: [],
      host: new Map(),
      shapeDependent,
      buffers: [],
      scratch: 0,
    };
    const freeBlocks: { ptr: number; bytes: number }[] = [];
    const allocValue = (name: string): PlannedValue => {
      const type = types.get(name)!;
      const bytes = elementCount(type.shape) * DTYPE_BYTES[type.dtype];
      const v: PlannedValue = { name, type, ptr: 0, bytes };
      if (isWasmDtype(type.dtype)) {
        // Best fit among freed blocks, else a new buffer.
        let best = -1;
        for (let i = 0; i < freeBlocks.length; i++) {
          if (freeBlocks[i].bytes >= bytes && (best < 0 || freeBlocks[i].bytes < freeBlocks[best].bytes)) best = i;
        }
        if (best >= 0) {
          v.ptr = freeBlocks[best].ptr;
          v.bytes = freeBlocks[best].bytes;
          freeBlocks.splice(best, 1);
        } else {
          v.ptr = this.core.alloc(bytes);
          plan.buffers.push(v.ptr);
        }
      }
      plan.values.set(name, v);
      return v;
    };
    const release = (name: string) => {
      const v = plan.values.get(name);
      if (v && v.ptr && !keep.has(name)) freeBlocks.push({ ptr: v.ptr, bytes: v.bytes });
    };

    try {
      for (const inp of graph.runtimeInputs) plan.inputs.push(allocValue(inp.name));
      for (const inp of plan.inputs) if (!lastUse.has(inp.name)) release(inp.name);

      const scratchRefs: { ref: ScratchRef; floats: number }[] = [];
      const current: { node?: Node } = {};
      const ctx = this.compileContext(plan, scratchRefs, current);
      order.forEach((node, i) => {
        current.node = node;
        const outputs = node.outputs.filter((o) => o).map(allocValue);
        const hostSide = [...node.inputs, ...node.outputs].some((name) => {
          if (!name) return false;
          const t = types.get(name);
          return !!t && t.dtype !== "float32" && !constants.has(name);
        });
        // Float kernels read float32 only: nodes touching other runtime dtypes run on the host, except
        // Quantize/DequantizeLinear, whose WASM kernels produce and read int8/uint8 buffers.
        const qdq = node.opType === "QuantizeLinear" || node.opType === "DequantizeLinear";
        const op = hostSide && !qdq && node.opType in HOST_EVALUATORS ? hostFallbackOp : floatOpFor(node.opType);
        if (!op) throw this.error(`${describeNode(node)}: op not supported by the float executor`);
        if (hostSide && !qdq && op !== hostFallbackOp) {
          // A float kernel over an int8/uint8 buffer would write 4 bytes per element into a 1-byte-per-element
          // buffer and corrupt the WASM heap (found by fuzzing: Relu after QuantizeLinear).
          const name = [...node.inputs, ...node.outputs].find((v) => v && types.get(v)!.dtype !== "float32" && !constants.has(v))!;
          throw this.error(`${describeNode(node)}: value '${name}' is ${types.get(name)!.dtype}; the float executor runs ${node.opType} on float32 only`);
        }
        const run = op.compile(node, ctx);
        plan.steps.push({ node, run, outputs });
        // Release inputs read for the last time here (never a value this node also writes).
        for (const name of new Set(node.inputs)) {
          if (name && lastUse.get(name) === i && !node.outputs.includes(name) && !constants.has(name)) release(name);
        }
        // Outputs nobody reads are observed right after this step, so later steps may reuse their buffers.
        for (const o of outputs) if (!lastUse.has(o.name)) release(o.name);
      });
      const scratchFloats = Math.max(0, ...scratchRefs.map((s) => s.floats));
      plan.scratch = this.core.alloc(scratchFloats * 4 + 64);
      for (const s of scratchRefs) s.ref.ptr = plan.scratch;
    } catch (e) {
      this.freePlan(plan);
      throw e;
    }
    return plan;
  }

  private compileContext(plan: Plan, scratchRefs: { ref: ScratchRef; floats: number }[], current: { node?: Node }): CompileContext {
    const core = this.core;
    // Derived buffers (uploaded constants, packed weights) are cached for the executor's lifetime unless
    // they come from shape-dependent constants: those differ per input shape and live with the plan.
    const planScoped = (names: readonly string[]) => names.some((n) => plan.shapeDependent.has(n));
    const cached = (key: string, floats: number, fill: (ptr: number) => void, scoped: boolean) => {
      if (!scoped) return this.persistent(key, floats, fill);
      const ptr = core.alloc(Math.max(1, floats) * 4);
      plan.buffers.push(ptr);
      fill(ptr);
      return ptr;
    };
    const constantPtr = (name: string, t: Tensor) =>
      cached(`const:${name}`, t.data.length, (p) => core.f32(p, t.data.length).set(tensorToFloat32(t)), planScoped([name]));
    return {
      core,
      kernels: this.kernels,
      type: (name) => {
        const t = plan.types.get(name);
        if (!t) throw this.error(`value '${name}' has no known type`);
        return t;
      },
      constant: (name) => plan.constants.get(name),
      ptr: (name) => {
        const c = plan.constants.get(name);
        if (c) return constantPtr(name, c);
        const v = plan.values.get(name);
        if (!v) throw new Error(`internal: value '${name}' is used before it is planned`);
        if (!v.ptr) throw this.error(`value '${name}' is ${v.type.dtype}, which this op cannot read from WASM memory`);
        return v.ptr;
      },
      isHostValue: (name) => {
        const v = plan.values.get(name);
        return !!v && !v.ptr;
      },
      persistent: (key, floats, fill) => cached(key, floats, fill, planScoped(current.node?.inputs ?? [])),
      planBuffer: (floats) => cached("", floats, () => {}, true),
      scratch: (floats) => {
        const ref: ScratchRef = { ptr: 0 };
        scratchRefs.push({ ref, floats });
        return ref;
      },
      readHost: (name) => {
        const c = plan.constants.get(name);
        if (c) return c;
        const v = plan.values.get(name);
        if (!v) throw new Error(`internal: value '${name}' is not planned`);
        if (v.ptr) return makeTensor(name, v.type.dtype, v.type.shape, wasmView(core, v.type.dtype, v.ptr, elementCount(v.type.shape)).slice());
        const h = plan.host.get(name);
        if (!h) throw new Error(`internal: host value '${name}' was not computed`);
        return h;
      },
      writeHost: (name, value) => {
        const v = plan.values.get(name);
        if (!v) throw new Error(`internal: value '${name}' is not planned`);
        if (value.dims.join() !== v.type.shape.join()) {
          throw this.error(`value '${name}' came out with shape [${value.dims.join(", ")}], expected [${v.type.shape.join(", ")}]`);
        }
        if (v.ptr) {
          const view = wasmView(core, v.type.dtype, v.ptr, value.data.length);
          if (v.type.dtype === "float32") view.set(tensorToFloat32(value));
          else view.set(value.data as Int8Array | Uint8Array);
        }
        else plan.host.set(name, value);
      },
    };
  }

  private persistent(key: string, floats: number, fill: (ptr: number) => void): number {
    let ptr = this.persistentBuffers.get(key);
    if (ptr === undefined) {
      ptr = this.core.alloc(Math.max(1, floats) * 4);
      this.persistentBuffers.set(key, ptr);
      fill(ptr);
    }
    return ptr;
  }

  private freePlan(plan: Plan): void {
    for (const p of plan.buffers) this.core.free(p);
    plan.buffers = [];
    if (plan.scratch) this.core.free(plan.scratch);
    plan.scratch = 0;
  }

  private runPlan(
    plan: Plan,
    given: ReadonlyMap<string, HostTensor>,
    start: number,
    size: number,
    batchIndex: number,
    options: RunOptions,
  ): Map<string, Tensor> {
    const core = this.core;
    const observe = options.onTensor;
    const overrides = options.overrides;
    const wanted = new Set([...this.graph.outputs.map((o) => o.name), ...(options.extraOutputs ?? [])]);
    const out = new Map<string, Tensor>();
    // Copied when produced: buffers are reused by later values once their readers are done.
    const capture = (v: PlannedValue) => {
      if (!wanted.has(v.name)) return;
      if (v.ptr) out.set(v.name, makeTensor(v.name, v.type.dtype, v.type.shape, wasmView(core, v.type.dtype, v.ptr, elementCount(v.type.shape)).slice()));
      else out.set(v.name, plan.host.get(v.name)!);
    };
    const emit = (v: PlannedValue, node: Node | undefined) => {
      if (!observe) return capture(v);
      const n = elementCount(v.type.shape);
      const data = v.ptr ? wasmView(core, v.type.dtype, v.ptr, n) : plan.host.get(v.name)!.data;
      observe({ name: v.name, node, dtype: v.type.dtype, shape: v.type.shape, ptr: v.ptr, data, batchIndex, batchStart: start });
      capture(v);
    };
    const applyOverride = (v: PlannedValue): boolean => {
      const o = overrides?.get(v.name);
      if (!o) return false;
      const per = elementCount(v.type.shape) / size;
      if (!Number.isInteger(per) || o.length % per !== 0 || v.type.shape[0] !== size) {
        throw this.error(`override for '${v.name}' does not fit its batched shape [${v.type.shape.join(", ")}]`);
      }
      if (v.type.dtype !== "float32") throw this.error(`override for '${v.name}': only float32 values can be overridden`);
      core.f32(v.ptr, per * size).set(o.subarray(start * per, (start + size) * per));
      return true;
    };

    for (const v of plan.inputs) {
      const src = given.get(v.name)!;
      const per = elementCount(src.shape.slice(1));
      core.f32(v.ptr, per * size).set(src.data.subarray(start * per, (start + size) * per));
      applyOverride(v);
      emit(v, undefined);
    }
    for (const step of plan.steps) {
      const skip = overrides !== undefined && step.outputs.length > 0 && step.outputs.every((o) => overrides.has(o.name));
      if (!skip) core.guard(step.run);
      for (const o of step.outputs) {
        applyOverride(o);
        emit(o, step.node);
      }
    }
    for (const name of wanted) {
      if (out.has(name)) continue;
      const c = plan.constants.get(name);
      if (!c) throw this.error(`'${name}' is not a value of the graph`);
      out.set(name, c);
    }
    return out;
  }
}

/** Plans (activation buffer sets) kept per executor; distinct input shapes beyond this evict the oldest. */
const MAX_PLANS = 4;

/** Resolves on the next macrotask: setImmediate where it exists (Node), else setTimeout. */
function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}

/** Concatenates per-batch results along dim 0 (values without a batch dim must agree across batches). */
function concatBatches(name: string, parts: Tensor[], file: string | undefined): Tensor {
  if (parts.length === 1) return parts[0];
  const first = parts[0];
  const rest = first.dims.slice(1);
  for (const p of parts) {
    if (p.dims.length !== first.dims.length || p.dims.slice(1).join() !== rest.join()) {
      throw new InputError(`output '${name}' changes shape between batches; run it with one batch`, file);
    }
  }
  const total = parts.reduce((s, p) => s + p.dims[0], 0);
  const data = new (first.data.constructor as { new (n: number): TensorData })(total * elementCount(rest));
  let at = 0;
  for (const p of parts) {
    (data as Float32Array).set(p.data as Float32Array, at);
    at += p.data.length;
  }
  return makeTensor(name, first.dtype, [total, ...rest], data);
}
