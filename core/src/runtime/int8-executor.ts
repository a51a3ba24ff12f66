// Int8 executor: runs a QuantizedModel the way PyTorch's converted model runs: float inputs are quantized
// at the QuantStubs, each fused group runs on the engine-exact int8 kernels, int8 values are dequantized
// where they leave the int8 region (graph outputs, float islands), and nodes kept in float run on the float
// executor (any process holding a WasmCore). Plans are built once per input shape; every buffer lives in
// WASM memory, so a batch runs without host copies between int8 ops.
import { InputError, throwIfCancelled } from "../errors";
import { Graph, cloneNode, describeNode, elementCount, type Node } from "../onnx/ir";
import type { ConvertedGroup, QParams, QuantizedModel } from "../passes/convert";
import type { WasmCore } from "../wasm/core";
import { quantizePerTensorPtr } from "../wasm/quantize";
import type { KernelThreadPool } from "../wasm/thread-pool";
import { FloatExecutor, type HostTensor } from "./float-executor";
import { INT8_OPS } from "./int8-ops";
import { count, type Int8CompileContext } from "./int8-ops/types";

export interface Int8RunOptions {
  /** Samples per batch for symbolic batch dims (default 32); fixed batch dims win. */
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface Int8Output {
  /** Dequantized (float) values, [N, ...]. */
  data: Float32Array;
  shape: number[];
  /** The uint8 values and their qparams when the output was produced in int8. */
  int8?: { data: Uint8Array; scale: number; zeroPoint: number };
}

interface Value {
  kind: "u8" | "f32";
  ptr: number;
  shape: number[];
  /** int8 values: PyTorch would hold this tensor channels-last (the bytes here are NCHW regardless). */
  channelsLast?: boolean;
}

type Step = () => void | Promise<void>;

interface Plan {
  steps: Step[];
  /** Per graph input: its float buffer. */
  inputs: Map<string, Value>;
  /** Per graph output: where its float (and int8) data end up. */
  outputs: Map<string, { f32: Value; u8?: Value; qparams?: QParams }>;
  buffers: number[];
}

/**
 * Runs a QuantizedModel. Create once, run many times; dispose() frees the packed weights and buffers.
 * Not re-entrant.
 */
export class Int8Executor {
  private readonly plans = new Map<string, Plan>();
  private readonly owned = new Map<string, { dispose(): void }>();
  private readonly persistent: number[] = [];
  private readonly groupsByRoot = new Map<Node, ConvertedGroup>();
  private readonly fusedTail = new Set<Node>();
  private readonly floatExecutors = new Map<Node, FloatExecutor>();
  private disposed = false;

  constructor(
    readonly core: WasmCore,
    readonly model: QuantizedModel,
    private readonly options: { pool?: KernelThreadPool; file?: string; /** Values to return dequantized besides the graph outputs. */ extraOutputs?: readonly string[] } = {},
  ) {
    for (const g of model.groups) {
      this.groupsByRoot.set(g.nodes[0], g);
      for (const n of g.nodes.slice(1)) this.fusedTail.add(n);
    }
  }

  get graph(): Graph {
    return this.model.plan.graph;
  }

  /** Runs all samples of `inputs` (each [N, ...]) and returns every graph output, concatenated over batches. */
  async run(inputs: ReadonlyMap<string, HostTensor>, options: Int8RunOptions = {}): Promise<Map<string, Int8Output>> {
    if (this.disposed) throw new Error("Int8Executor used after dispose()");
    const runtimeInputs = this.graph.runtimeInputs;
    for (const i of runtimeInputs) if (!inputs.has(i.name)) throw new InputError(`no data given for graph input '${i.name}'`, this.options.file);
    const first = inputs.get(runtimeInputs[0].name)!;
    const total = first.shape[0];
    for (const [name, t] of inputs) {
      if (t.shape[0] !== total) throw new InputError(`inputs disagree on the number of samples (${name} has ${t.shape[0]}, expected ${total})`);
      if (t.data.length !== elementCount([...t.shape])) throw new InputError(`input '${name}' has ${t.data.length} values but shape [${t.shape.join(", ")}]`);
    }
    const declared = runtimeInputs[0].type?.shape?.[0];
    const batch = typeof declared === "number" ? declared : Math.max(1, Math.min(options.batchSize ?? 32, total));
    const parts = new Map<string, { f32: Float32Array[]; u8: Uint8Array[]; shape: number[]; qparams?: QParams }>();
    for (let start = 0; start < total; start += batch) {
      throwIfCancelled(options.signal);
      const size = Math.min(batch, total - start);
      const shapes = new Map<string, number[]>();
      for (const [name, t] of inputs) shapes.set(name, [size, ...t.shape.slice(1)]);
      const plan = this.planFor(shapes);
      for (const [name, t] of inputs) {
        const v = plan.inputs.get(name);
        if (!v) continue;
        const row = count(t.shape.slice(1));
        this.core.f32(v.ptr, size * row).set(t.data.subarray(start * row, (start + size) * row));
      }
      for (const step of plan.steps) {
        const r = step();
        if (r) await r;
      }
      for (const [name, out] of plan.outputs) {
        let p = parts.get(name);
        if (!p) parts.set(name, (p = { f32: [], u8: [], shape: out.f32.shape.slice(1), qparams: out.qparams }));
        p.f32.push(this.core.copyOut(Float32Array, out.f32.ptr, count(out.f32.shape)));
        if (out.u8) p.u8.push(this.core.copyOut(Uint8Array, out.u8.ptr, count(out.u8.shape)));
      }
      options.onProgress?.(start + size, total);
      if (start + size < total) await new Promise((r) => setTimeout(r, 0));
    }
    const result = new Map<string, Int8Output>();
    for (const [name, p] of parts) {
      const out: Int8Output = { data: concat(Float32Array, p.f32), shape: [total, ...p.shape] };
      if (p.qparams && p.u8.length) out.int8 = { data: concat(Uint8Array, p.u8), scale: p.qparams.scale, zeroPoint: p.qparams.zeroPoint };
      result.set(name, out);
    }
    return result;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const plan of this.plans.values()) for (const b of plan.buffers) this.core.free(b);
    this.plans.clear();
    for (const o of this.owned.values()) o.dispose();
    this.owned.clear();
    for (const p of this.persistent) this.core.free(p);
    for (const f of this.floatExecutors.values()) f.dispose();
  }

  // -------------------------------------------------------------------------------------------------------

  private planFor(shapes: Map<string, number[]>): Plan {
    const key = [...shapes].map(([k, v]) => `${k}:${v.join("x")}`).join(";");
    let plan = this.plans.get(key);
    if (!plan) {
      plan = this.buildPlan(shapes);
      this.plans.set(key, plan);
    }
    return plan;
  }

  private buildPlan(shapes: Map<string, number[]>): Plan {
    const core = this.core;
    const graph = this.graph;
    const model = this.model;
    const plan: Plan = { steps: [], inputs: new Map(), outputs: new Map(), buffers: [] };
    // Buffers are reused once every value living in them is dead (after its last reader), so a batch needs
    // about as much memory as its widest point, not the sum of all activations.
    const pinned = new Set([...graph.outputs.map((o) => o.name), ...(this.options.extraOutputs ?? [])]);
    const lastUse = this.lastUses();
    const free: { ptr: number; bytes: number }[] = [];
    const bufferBytes = new Map<number, number>();
    const residents = new Map<number, Set<string>>();
    const alloc = (bytes: number) => {
      const need = Math.max(16, bytes);
      let best = -1;
      for (let i = 0; i < free.length; i++) if (free[i].bytes >= need && (best < 0 || free[i].bytes < free[best].bytes)) best = i;
      if (best >= 0) return free.splice(best, 1)[0].ptr;
      const p = core.alloc(need);
      plan.buffers.push(p);
      bufferBytes.set(p, need);
      return p;
    };
    const reside = (ptr: number, name: string) => {
      let set = residents.get(ptr);
      if (!set) residents.set(ptr, (set = new Set()));
      set.add(name);
    };
    const releaseDead = (index: number) => {
      for (const [ptr, names] of residents) {
        for (const name of [...names]) if (!pinned.has(name) && (lastUse.get(name) ?? index) <= index) names.delete(name);
        if (names.size === 0) {
          residents.delete(ptr);
          free.push({ ptr, bytes: bufferBytes.get(ptr)! });
        }
      }
    };
    const floatValues = new ResidentValues(reside);
    const int8Values = new ResidentValues(reside);
    try {
      for (const [name, shape] of shapes) {
        const v: Value = { kind: "f32", ptr: alloc(count(shape) * 4), shape };
        floatValues.set(name, v);
        plan.inputs.set(name, v);
      }

      const qparamsOf = (name: string): QParams => {
        const q = model.qparams.get(name);
        if (!q) throw new Error(`internal: no qparams for int8 value '${name}'`);
        return q;
      };
      const asInt8 = (name: string): Value => {
        const have = int8Values.get(name);
        if (have) return have;
        const f = floatValues.get(name);
        if (!f) throw new Error(`internal: value '${name}' is not available`);
        const q = qparamsOf(name);
        const v: Value = { kind: "u8", ptr: alloc(count(f.shape)), shape: f.shape };
        const n = count(f.shape);
        plan.steps.push(() => quantizePerTensorPtr(core, f.ptr, v.ptr, n, q.scale, q.zeroPoint, "quint8"));
        int8Values.set(name, v);
        return v;
      };
      const asFloat = (name: string): Value => {
        const have = floatValues.get(name);
        if (have) return have;
        const u = int8Values.get(name);
        if (!u) throw new Error(`internal: value '${name}' is not available`);
        const q = qparamsOf(name);
        const n = count(u.shape);
        const v: Value = { kind: "f32", ptr: alloc(n * 4), shape: u.shape };
        plan.steps.push(() => core.exports.dequantizePerTensor(u.ptr, v.ptr, n, q.scale, q.zeroPoint, 0));
        floatValues.set(name, v);
        return v;
      };

      graph.nodes.forEach((node, index) => {
        if (this.fusedTail.has(node)) return;
        const group = this.groupsByRoot.get(node);
        if (group) this.planGroup(group, asInt8, int8Values, alloc, plan);
        else this.planFloatNode(node, asFloat, floatValues, alloc, plan);
        releaseDead(index);
      });

      for (const name of [...graph.outputs.map((o) => o.name), ...(this.options.extraOutputs ?? [])]) {
        if (plan.outputs.has(name)) continue;
        const u8 = int8Values.get(name);
        const f32 = asFloat(name);
        plan.outputs.set(name, { f32, u8, qparams: u8 ? qparamsOf(name) : undefined });
      }
      return plan;
    } catch (e) {
      for (const b of plan.buffers) core.free(b);
      throw e;
    }
  }

  /** The index (in graph order) of the last node reading each value; a fused group reads at its root. */
  private lastUses(): Map<string, number> {
    const last = new Map<string, number>();
    this.graph.nodes.forEach((node, index) => {
      if (this.fusedTail.has(node)) return;
      const group = this.groupsByRoot.get(node);
      for (const v of group ? group.inputs : node.inputs) if (v) last.set(v, index);
      for (const o of group ? [group.output] : node.outputs) if (o && !last.has(o)) last.set(o, index);
    });
    return last;
  }

  private planGroup(
    group: ConvertedGroup,
    asInt8: (name: string) => Value,
    int8Values: Map<string, Value>,
    alloc: (bytes: number) => number,
    plan: Plan,
  ): void {
    const root = group.nodes[0];
    const op = INT8_OPS[root.opType];
    if (!op) throw new InputError(`${describeNode(root)}: op ${root.opType} has no int8 kernel`);
    const inputs = group.inputs.map(asInt8);
    let outputPtr = 0;
    const ctx: Int8CompileContext = {
      core: this.core,
      engine: this.model.plan.backend.engine,
      pool: this.options.pool,
      inputShapes: inputs.map((v) => v.shape),
      inputChannelsLast: inputs.map((v) => v.channelsLast === true),
      inputPtr: (i) => inputs[i].ptr,
      outputPtr: () => outputPtr,
      allocate: (bytes) => {
        const p = this.core.alloc(bytes);
        this.persistent.push(p);
        return p;
      },
      once: <T extends { dispose(): void }>(key: string, make: () => T): T => {
        let o = this.owned.get(key) as T | undefined;
        if (!o) this.owned.set(key, (o = make()));
        return o;
      },
    };
    const compiled = op.compile(group, this.graph, ctx);
    const channelsLast = compiled.channelsLast === true && compiled.outputShape.length === 4;
    if (compiled.aliasInput !== undefined) {
      int8Values.set(group.output, { kind: "u8", ptr: inputs[compiled.aliasInput].ptr, shape: compiled.outputShape, channelsLast });
      return;
    }
    outputPtr = alloc(Math.max(1, count(compiled.outputShape)));
    int8Values.set(group.output, { kind: "u8", ptr: outputPtr, shape: compiled.outputShape, channelsLast });
    plan.steps.push(compiled.step!(ctx));
  }

  /** A node kept in float runs alone on the float executor (host copies in and out). */
  private planFloatNode(
    node: Node,
    asFloat: (name: string) => Value,
    floatValues: Map<string, Value>,
    alloc: (bytes: number) => number,
    plan: Plan,
  ): void {
    const graph = this.graph;
    const runtimeInputs = node.inputs.filter((i) => i && !graph.isInitializer(i));
    const inputs = runtimeInputs.map(asFloat);
    let exec = this.floatExecutors.get(node);
    if (!exec) {
      const sub = new Graph({
        name: describeNode(node),
        nodes: [cloneNode(node)],
        inputs: runtimeInputs.map((name, i) => ({ name, type: { dtype: "float32" as const, shape: ["batch", ...inputs[i].shape.slice(1)] } })),
        outputs: node.outputs.filter((o) => o).map((name) => ({ name })),
      });
      for (const i of node.inputs) {
        const t = i ? graph.getInitializer(i) : undefined;
        if (t) sub.addInitializer(t);
      }
      exec = FloatExecutor.create(this.core, sub, { file: this.options.file });
      this.floatExecutors.set(node, exec);
    }
    const types = exec.typesFor(new Map(runtimeInputs.map((name, i) => [name, inputs[i].shape])));
    const outputs = node.outputs
      .filter((o) => o)
      .map((name) => {
        const t = types.get(name);
        if (!t || t.dtype !== "float32") throw new InputError(`${describeNode(node)}: output '${name}' is not float32; only float tensors can flow between int8 and float nodes`);
        const v: Value = { kind: "f32", ptr: alloc(Math.max(1, count(t.shape)) * 4), shape: [...t.shape] };
        floatValues.set(name, v);
        return { name, v };
      });
    const runner = exec;
    plan.steps.push(async () => {
      const feed = new Map<string, HostTensor>();
      runtimeInputs.forEach((name, i) => feed.set(name, { data: this.core.copyOut(Float32Array, inputs[i].ptr, count(inputs[i].shape)), shape: inputs[i].shape }));
      const result = await runner.run(feed, { batchSize: inputs[0]?.shape[0] ?? 1 });
      for (const { name, v } of outputs) this.core.f32(v.ptr, count(v.shape)).set(result.get(name)!.data as Float32Array);
    });
  }
}

/** Values by name, recording which buffer each one lives in (for buffer reuse). */
class ResidentValues extends Map<string, Value> {
  constructor(private readonly onSet: (ptr: number, name: string) => void) {
    super();
  }

  override set(name: string, value: Value): this {
    this.onSet(value.ptr, name);
    return super.set(name, value);
  }
}

function concat<T extends Float32Array | Uint8Array>(ctor: { new (n: number): T }, parts: T[]): T {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new ctor(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
