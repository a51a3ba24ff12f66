// The in-memory graph IR every pass, executor and writer works on (any process, fs-free).
// An ONNX model read by read.ts becomes a Model holding one Graph; passes mutate the Graph through the
// methods below and write.ts turns it back into bytes.
//
// Conventions (read these before writing a pass):
// - A value is identified by its name (a string), exactly as in ONNX. A node's `inputs` lists value names
//   in order; an empty string marks an omitted optional input (e.g. Conv without bias has 2 inputs, or
//   Clip with "" min). Each value has at most one producer: a node output, a graph input or an initializer.
// - `graph.nodes` is kept in topological order by the reader; mutation helpers insert at sensible places,
//   but after arbitrary edits call `graph.sortTopologically()` (it throws InputError on cycles).
// - Initializers are Tensors with typed-array data in the ONNX dtype's natural JS array (int64 ->
//   BigInt64Array, bool -> Uint8Array, float16/bfloat16 -> Uint16Array of raw bits). Their data is owned by
//   the graph: replace the Tensor rather than mutating shared data when a pass changes weights.
// - Attributes are typed (`Attribute`); use attrInt/attrFloat/attrInts/... for reads with defaults.
// - Producer/consumer lookups are computed on demand (no stale caches); build a GraphIndex once per
//   pass sweep when doing many lookups.
import { InputError } from "../errors";

// ---------------------------------------------------------------------------------------------------------
// Element types

/** ONNX element types this IR can hold. Names follow numpy where one exists. */
export type DType =
  | "float32"
  | "float64"
  | "float16"
  | "bfloat16"
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "bool";

/** ONNX TensorProto.DataType numbers for each DType (stable: part of the ONNX spec). */
export const ONNX_DTYPE_CODE: Readonly<Record<DType, number>> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
  uint32: 12,
  uint64: 13,
  bfloat16: 16,
};

const ONNX_DTYPE_NAMES: Record<number, string> = {
  0: "undefined",
  8: "string",
  14: "complex64",
  15: "complex128",
  17: "float8e4m3fn",
  18: "float8e4m3fnuz",
  19: "float8e5m2",
  20: "float8e5m2fnuz",
  21: "uint4",
  22: "int4",
  23: "float4e2m1",
};

/** The DType for an ONNX data type code, or undefined when this IR cannot hold it. */
export function dtypeFromOnnx(code: number): DType | undefined {
  for (const [name, c] of Object.entries(ONNX_DTYPE_CODE)) if (c === code) return name as DType;
  return undefined;
}

/** A readable name for any ONNX data type code (for error messages). */
export function onnxDtypeName(code: number): string {
  return dtypeFromOnnx(code) ?? ONNX_DTYPE_NAMES[code] ?? `data type ${code}`;
}

export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** Bytes per element of each DType. */
export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  bool: 1,
};

/** The most elements one tensor may hold: 2^29 (2 GiB of float32), beyond what the 32-bit WASM core could run. */
export const MAX_TENSOR_ELEMENTS = 2 ** 29;

/**
 * Throws InputError unless `dims` is a valid shape (non-negative safe integers) of at most MAX_TENSOR_ELEMENTS
 * elements; `what` starts the message (e.g. "node 'c' (ConstantOfShape): output").
 */
export function checkTensorSize(dims: readonly number[], what: string): number {
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new InputError(`${what} has invalid shape [${dims.join(", ")}]`);
  const n = elementCount(dims);
  if (n > MAX_TENSOR_ELEMENTS) {
    throw new InputError(`${what} has shape [${dims.join(", ")}] of ${n} elements, over the limit of ${MAX_TENSOR_ELEMENTS}`);
  }
  return n;
}

/** Allocates a zeroed typed array of the natural JS type for `dtype`. */
export function allocTensorData(dtype: DType, length: number): TensorData {
  // A corrupt shape must not become a RangeError or a multi-gigabyte allocation.
  if (!Number.isSafeInteger(length) || length < 0 || length > MAX_TENSOR_ELEMENTS) {
    throw new InputError(`a tensor of ${length} elements is over the limit of ${MAX_TENSOR_ELEMENTS} (or not a valid size)`);
  }
  switch (dtype) {
    case "float32":
      return new Float32Array(length);
    case "float64":
      return new Float64Array(length);
    case "float16":
    case "bfloat16":
    case "uint16":
      return new Uint16Array(length);
    case "int8":
      return new Int8Array(length);
    case "uint8":
    case "bool":
      return new Uint8Array(length);
    case "int16":
      return new Int16Array(length);
    case "int32":
      return new Int32Array(length);
    case "uint32":
      return new Uint32Array(length);
    case "int64":
      return new BigInt64Array(length);
    case "uint64":
      return new BigUint64Array(length);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Tensors and value types

/** A constant tensor: an initializer, a Constant's value, or a tensor attribute. */
export interface Tensor {
  name: string;
  dtype: DType;
  /** Concrete dimensions (row-major, C order). */
  dims: number[];
  data: TensorData;
  docString?: string;
}

/** One dimension of a value's static shape: a size, a symbolic name (e.g. "batch"), or unknown (null). */
export type Dim = number | string | null;

/** Static type of a graph value. `shape` undefined means the rank is unknown. */
export interface TensorType {
  dtype: DType;
  shape?: Dim[];
}

/** A graph input, output or intermediate value annotation. */
export interface ValueInfo {
  name: string;
  type?: TensorType;
  docString?: string;
}

export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Makes a tensor, checking that data length matches the dims. */
export function makeTensor(name: string, dtype: DType, dims: number[], data?: TensorData): Tensor {
  const n = elementCount(dims);
  const d = data ?? allocTensorData(dtype, n);
  if (d.length !== n) {
    throw new InputError(`tensor '${name}' has ${d.length} elements but its shape [${dims.join(", ")}] needs ${n}`);
  }
  return { name, dtype, dims: [...dims], data: d };
}

/** A float32 tensor from a Float32Array or plain numbers. */
export function float32Tensor(name: string, dims: number[], data: Float32Array | readonly number[]): Tensor {
  return makeTensor(name, "float32", dims, data instanceof Float32Array ? data : Float32Array.from(data));
}

/** An int64 tensor (shape operands, axes) from plain numbers. */
export function int64Tensor(name: string, dims: number[], values: readonly number[]): Tensor {
  return makeTensor(name, "int64", dims, BigInt64Array.from(values, (v) => BigInt(v)));
}

/** A tensor's elements as plain numbers (int64 converted; exact up to 2^53). */
export function tensorToNumbers(t: Tensor): number[] {
  const out: number[] = new Array(t.data.length);
  for (let i = 0; i < t.data.length; i++) out[i] = Number(t.data[i]);
  return out;
}

/** A tensor's elements as Float32Array (converted from any numeric dtype; float16 bits decoded). */
export function tensorToFloat32(t: Tensor): Float32Array {
  if (t.dtype === "float32") return t.data as Float32Array;
  const out = new Float32Array(t.data.length);
  if (t.dtype === "float16") {
    const bits = t.data as Uint16Array;
    for (let i = 0; i < bits.length; i++) out[i] = halfToFloat(bits[i]);
  } else if (t.dtype === "bfloat16") {
    const bits = t.data as Uint16Array;
    const u = new Uint32Array(out.buffer);
    for (let i = 0; i < bits.length; i++) u[i] = bits[i] << 16;
  } else {
    for (let i = 0; i < t.data.length; i++) out[i] = Number(t.data[i]);
  }
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

// ---------------------------------------------------------------------------------------------------------
// Attributes

export type Attribute =
  | { type: "float"; value: number }
  | { type: "int"; value: number }
  | { type: "string"; value: string }
  | { type: "tensor"; value: Tensor }
  | { type: "graph"; value: Graph }
  | { type: "floats"; value: number[] }
  | { type: "ints"; value: number[] }
  | { type: "strings"; value: string[] }
  | { type: "tensors"; value: Tensor[] }
  | { type: "graphs"; value: Graph[] };

export type AttributeType = Attribute["type"];

// ---------------------------------------------------------------------------------------------------------
// Nodes

export interface Node {
  /** Node name; may be empty in ONNX files. Use graph.uniqueNodeName() when creating nodes. */
  name: string;
  opType: string;
  /** "" (or "ai.onnx") is the default ONNX domain; "com.microsoft" etc. for contrib ops. */
  domain: string;
  /** Input value names in order; "" marks an omitted optional input. */
  inputs: string[];
  /** Output value names in order; "" marks an omitted optional output. */
  outputs: string[];
  attributes: Map<string, Attribute>;
  docString?: string;
}

/** Creates a node; `attributes` may be given as a plain object of typed attributes. */
export function makeNode(
  opType: string,
  inputs: string[],
  outputs: string[],
  options: { name?: string; domain?: string; attributes?: Record<string, Attribute> | Map<string, Attribute> } = {},
): Node {
  const attrs =
    options.attributes instanceof Map ? new Map(options.attributes) : new Map(Object.entries(options.attributes ?? {}));
  return {
    name: options.name ?? "",
    opType,
    domain: options.domain ?? "",
    inputs: [...inputs],
    outputs: [...outputs],
    attributes: attrs,
  };
}

/** True for the default ONNX operator domain. */
export function isDefaultDomain(domain: string): boolean {
  return domain === "" || domain === "ai.onnx";
}

/** Short description for error messages: `node 'conv1' (Conv)`. */
export function describeNode(node: Node): string {
  const label = node.name || (node.outputs[0] ? `producing '${node.outputs[0]}'` : "<unnamed>");
  const op = isDefaultDomain(node.domain) ? node.opType : `${node.domain}.${node.opType}`;
  return node.name ? `node '${label}' (${op})` : `node ${label} (${op})`;
}

function wrongAttr(node: Node, name: string, want: string, got: Attribute): InputError {
  return new InputError(`${describeNode(node)}: attribute '${name}' should be ${want}, got ${got.type}`);
}

/** Integer attribute, or `fallback` when absent. */
export function attrInt(node: Node, name: string, fallback: number): number;
export function attrInt(node: Node, name: string): number | undefined;
export function attrInt(node: Node, name: string, fallback?: number): number | undefined {
  const a = node.attributes.get(name);
  if (!a) return fallback;
  if (a.type !== "int") throw wrongAttr(node, name, "an int", a);
  return a.value;
}

/** Float attribute, or `fallback` when absent. */
export function attrFloat(node: Node, name: string, fallback: number): number;
export function attrFloat(node: Node, name: string): number | undefined;
export function attrFloat(node: Node, name: string, fallback?: number): number | undefined {
  const a = node.attributes.get(name);
  if (!a) return fallback;
  if (a.type === "float" || a.type === "int") return a.value;
  throw wrongAttr(node, name, "a float", a);
}

/** String attribute, or `fallback` when absent. */
export function attrString(node: Node, name: string, fallback: string): string;
export function attrString(node: Node, name: string): string | undefined;
export function attrString(node: Node, name: string, fallback?: string): string | undefined {
  const a = node.attributes.get(name);
  if (!a) return fallback;
  if (a.type !== "string") throw wrongAttr(node, name, "a string", a);
  return a.value;
}

/** Integer-list attribute, or `fallback` when absent. */
export function attrInts(node: Node, name: string, fallback: number[]): number[];
export function attrInts(node: Node, name: string): number[] | undefined;
export function attrInts(node: Node, name: string, fallback?: number[]): number[] | undefined {
  const a = node.attributes.get(name);
  if (!a) return fallback;
  if (a.type !== "ints") throw wrongAttr(node, name, "a list of ints", a);
  return a.value;
}

/** Float-list attribute, or `fallback` when absent. */
export function attrFloats(node: Node, name: string, fallback: number[]): number[];
export function attrFloats(node: Node, name: string): number[] | undefined;
export function attrFloats(node: Node, name: string, fallback?: number[]): number[] | undefined {
  const a = node.attributes.get(name);
  if (!a) return fallback;
  if (a.type !== "floats") throw wrongAttr(node, name, "a list of floats", a);
  return a.value;
}

/** Tensor attribute (Constant's `value`), or undefined. */
export function attrTensor(node: Node, name: string): Tensor | undefined {
  const a = node.attributes.get(name);
  if (!a) return undefined;
  if (a.type !== "tensor") throw wrongAttr(node, name, "a tensor", a);
  return a.value;
}

// ---------------------------------------------------------------------------------------------------------
// Graph

/** Producer/consumer lookup tables, a snapshot of the graph when built. */
export interface GraphIndex {
  /** The node producing each value (graph inputs and initializers have none). */
  producer: Map<string, Node>;
  /** The nodes reading each value, in graph order (a node appears once per input slot that reads it). */
  consumers: Map<string, Node[]>;
}

export class Graph {
  name: string;
  nodes: Node[];
  /** Graph inputs (may include names that are also initializers, in older exports). */
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  /** Initializers by name, in file order. */
  initializers: Map<string, Tensor>;
  /** Type annotations for intermediate values (graph.value_info), by name. */
  valueInfo: Map<string, ValueInfo>;
  docString?: string;

  constructor(init: Partial<Pick<Graph, "name" | "nodes" | "inputs" | "outputs" | "docString">> = {}) {
    this.name = init.name ?? "graph";
    this.nodes = init.nodes ?? [];
    this.inputs = init.inputs ?? [];
    this.outputs = init.outputs ?? [];
    this.initializers = new Map();
    this.valueInfo = new Map();
    this.docString = init.docString;
  }

  // ----- lookups

  /** Inputs the caller must feed: graph inputs that are not initializers. */
  get runtimeInputs(): ValueInfo[] {
    return this.inputs.filter((i) => !this.initializers.has(i.name));
  }

  isInitializer(name: string): boolean {
    return this.initializers.has(name);
  }

  isGraphInput(name: string): boolean {
    return this.inputs.some((i) => i.name === name);
  }

  isGraphOutput(name: string): boolean {
    return this.outputs.some((o) => o.name === name);
  }

  getInitializer(name: string): Tensor | undefined {
    return this.initializers.get(name);
  }

  /** Producer and consumer tables; rebuild after mutating. */
  buildIndex(): GraphIndex {
    const producer = new Map<string, Node>();
    const consumers = new Map<string, Node[]>();
    for (const n of this.nodes) {
      for (const o of n.outputs) if (o) producer.set(o, n);
      for (const i of n.inputs) {
        if (!i) continue;
        let list = consumers.get(i);
        if (!list) consumers.set(i, (list = []));
        list.push(n);
      }
      for (const g of subgraphs(n)) {
        for (const outer of g.outerScopeReads()) {
          let list = consumers.get(outer);
          if (!list) consumers.set(outer, (list = []));
          list.push(n);
        }
      }
    }
    return { producer, consumers };
  }

  /** The node producing `value`, if any. */
  producerOf(value: string): Node | undefined {
    return this.nodes.find((n) => n.outputs.includes(value));
  }

  /** Nodes reading `value` (each once), in graph order. */
  consumersOf(value: string): Node[] {
    return this.nodes.filter((n) => n.inputs.includes(value));
  }

  /** Static type of a value: from graph inputs/outputs, value_info or initializers. */
  typeOf(value: string): TensorType | undefined {
    const init = this.initializers.get(value);
    if (init) return { dtype: init.dtype, shape: [...init.dims] };
    return (
      this.valueInfo.get(value)?.type ??
      this.inputs.find((i) => i.name === value)?.type ??
      this.outputs.find((o) => o.name === value)?.type
    );
  }

  /** Every value name that exists in the graph (inputs, initializers, node outputs). */
  allValueNames(): Set<string> {
    const names = new Set<string>();
    for (const i of this.inputs) names.add(i.name);
    for (const k of this.initializers.keys()) names.add(k);
    for (const n of this.nodes) for (const o of n.outputs) if (o) names.add(o);
    return names;
  }

  /** Values read inside this graph but defined outside it (for subgraphs of If/Loop/Scan). */
  outerScopeReads(): Set<string> {
    const defined = this.allValueNames();
    const reads = new Set<string>();
    for (const n of this.nodes) {
      for (const i of n.inputs) if (i && !defined.has(i)) reads.add(i);
      for (const g of subgraphs(n)) for (const r of g.outerScopeReads()) if (!defined.has(r)) reads.add(r);
    }
    for (const o of this.outputs) if (!defined.has(o.name)) reads.add(o.name);
    return reads;
  }

  // ----- naming

  /** A value name not used anywhere in the graph, based on `base` ("x" -> "x", "x_1", "x_2", ...). */
  uniqueValueName(base: string): string {
    const used = this.allValueNames();
    for (const v of this.valueInfo.keys()) used.add(v);
    for (const o of this.outputs) used.add(o.name);
    return uniqueIn(used, base);
  }

  /** A node name not used by another node, based on `base`. */
  uniqueNodeName(base: string): string {
    return uniqueIn(new Set(this.nodes.map((n) => n.name)), base);
  }

  /**
   * Renames a value everywhere: its producer, every consumer, graph inputs/outputs, initializers and
   * value_info. Throws if `to` already exists.
   */
  renameValue(from: string, to: string): void {
    if (from === to) return;
    if (this.allValueNames().has(to) || this.valueInfo.has(to)) {
      throw new InputError(`cannot rename '${from}' to '${to}': a value named '${to}' already exists`);
    }
    for (const n of this.nodes) {
      n.inputs = n.inputs.map((i) => (i === from ? to : i));
      n.outputs = n.outputs.map((o) => (o === from ? to : o));
    }
    for (const v of [...this.inputs, ...this.outputs]) if (v.name === from) v.name = to;
    const init = this.initializers.get(from);
    if (init) {
      this.initializers = renameKey(this.initializers, from, to);
      init.name = to;
    }
    const vi = this.valueInfo.get(from);
    if (vi) {
      this.valueInfo = renameKey(this.valueInfo, from, to);
      vi.name = to;
    }
  }

  /**
   * Makes every node input reading `from` read `to` instead (graph outputs too unless `keepOutputs`).
   * `except` nodes keep reading `from` (e.g. the node that now consumes `from` to produce `to`).
   */
  replaceAllUses(from: string, to: string, options: { except?: Iterable<Node>; keepOutputs?: boolean } = {}): void {
    const except = new Set(options.except ?? []);
    for (const n of this.nodes) {
      if (except.has(n)) continue;
      for (let k = 0; k < n.inputs.length; k++) if (n.inputs[k] === from) n.inputs[k] = to;
    }
    if (!options.keepOutputs) for (const o of this.outputs) if (o.name === from) o.name = to;
  }

  // ----- node mutation

  /** Appends a node at the end (call sortTopologically() later if it is not already in order). */
  addNode(node: Node): Node {
    this.nodes.push(node);
    return node;
  }

  /** Inserts `node` right after `anchor` in the node list. */
  insertAfter(anchor: Node, ...nodes: Node[]): void {
    const at = this.indexOfNode(anchor);
    this.nodes.splice(at + 1, 0, ...nodes);
  }

  /** Inserts `node` right before `anchor` in the node list. */
  insertBefore(anchor: Node, ...nodes: Node[]): void {
    const at = this.indexOfNode(anchor);
    this.nodes.splice(at, 0, ...nodes);
  }

  /**
   * Removes a node. With `bypass`, the node's first output is rewired to its first input first (for
   * Identity-like nodes), so consumers and graph outputs keep working.
   */
  removeNode(node: Node, options: { bypass?: boolean } = {}): void {
    const at = this.indexOfNode(node);
    if (options.bypass) {
      const from = node.outputs[0];
      const to = node.inputs[0];
      if (from && to) {
        // Keep the graph output's name stable: if `from` is a graph output, rename the producer of `to`.
        if (this.isGraphOutput(from) && !this.isGraphOutput(to) && !this.isGraphInput(to) && !this.isInitializer(to)) {
          this.nodes.splice(at, 1);
          this.renameValue(to, from);
          return;
        }
        this.replaceAllUses(from, to, { except: [node] });
      }
    }
    this.nodes.splice(at, 1);
  }

  /** Replaces one node by a sequence of nodes at the same position. */
  replaceNode(node: Node, replacement: Node[]): void {
    const at = this.indexOfNode(node);
    this.nodes.splice(at, 1, ...replacement);
  }

  private indexOfNode(node: Node): number {
    const at = this.nodes.indexOf(node);
    if (at < 0) throw new Error(`${describeNode(node)} is not in graph '${this.name}'`);
    return at;
  }

  // ----- initializers

  /** Adds (or replaces) an initializer; `tensor.name` is the value name. */
  addInitializer(tensor: Tensor): Tensor {
    this.initializers.set(tensor.name, tensor);
    return tensor;
  }

  removeInitializer(name: string): void {
    this.initializers.delete(name);
    this.inputs = this.inputs.filter((i) => i.name !== name);
  }

  /** Removes nodes whose outputs nobody reads and initializers nobody reads (repeats to a fixed point). */
  removeUnused(): { nodes: number; initializers: number } {
    let removedNodes = 0;
    let removedInits = 0;
    for (;;) {
      const { consumers } = this.buildIndex();
      const outputs = new Set(this.outputs.map((o) => o.name));
      const live = (v: string) => !!v && (outputs.has(v) || consumers.has(v));
      const before = this.nodes.length;
      this.nodes = this.nodes.filter((n) => n.outputs.some(live));
      removedNodes += before - this.nodes.length;
      if (this.nodes.length === before) break;
    }
    const { consumers } = this.buildIndex();
    const outputs = new Set(this.outputs.map((o) => o.name));
    for (const name of [...this.initializers.keys()]) {
      if (!consumers.has(name) && !outputs.has(name)) {
        this.removeInitializer(name);
        removedInits++;
      }
    }
    for (const name of [...this.valueInfo.keys()]) if (!this.allValueNames().has(name)) this.valueInfo.delete(name);
    return { nodes: removedNodes, initializers: removedInits };
  }

  // ----- order

  /** Nodes in a topological order (stable: keeps the current order where possible). Throws on cycles. */
  topologicalOrder(): Node[] {
    const available = new Set<string>([...this.inputs.map((i) => i.name), ...this.initializers.keys(), ""]);
    const { producer } = this.buildIndex();
    const state = new Map<Node, 1 | 2>(); // 1 = visiting, 2 = done
    const order: Node[] = [];
    const visit = (root: Node) => {
      // Iterative DFS so deep graphs do not overflow the JS stack.
      const stack: { node: Node; next: number; deps: string[] }[] = [];
      const push = (n: Node) => {
        state.set(n, 1);
        const deps = [...n.inputs];
        for (const g of subgraphs(n)) deps.push(...g.outerScopeReads());
        stack.push({ node: n, next: 0, deps });
      };
      push(root);
      while (stack.length) {
        const top = stack[stack.length - 1];
        if (top.next < top.deps.length) {
          const dep = top.deps[top.next++];
          if (available.has(dep)) continue;
          const p = producer.get(dep);
          if (!p) continue; // dangling inputs are reported by validateGraph, not here
          const s = state.get(p);
          if (s === 2) continue;
          if (s === 1) {
            const cycle = stack.slice(stack.findIndex((e) => e.node === p)).map((e) => describeNode(e.node));
            throw new InputError(`the graph has a cycle: ${cycle.join(" -> ")} -> ${describeNode(p)}`);
          }
          push(p);
        } else {
          state.set(top.node, 2);
          order.push(top.node);
          stack.pop();
        }
      }
    };
    for (const n of this.nodes) if (!state.has(n)) visit(n);
    return order;
  }

  /** Reorders `nodes` topologically in place. */
  sortTopologically(): void {
    this.nodes = this.topologicalOrder();
  }

  /** A deep copy (tensor data is shared: treat initializer data as immutable). */
  clone(): Graph {
    const g = new Graph({
      name: this.name,
      nodes: this.nodes.map(cloneNode),
      inputs: this.inputs.map(cloneValueInfo),
      outputs: this.outputs.map(cloneValueInfo),
      docString: this.docString,
    });
    for (const [k, t] of this.initializers) g.initializers.set(k, { ...t, dims: [...t.dims] });
    for (const [k, v] of this.valueInfo) g.valueInfo.set(k, cloneValueInfo(v));
    return g;
  }
}

/** Subgraphs held in a node's attributes (If/Loop/Scan bodies). */
export function subgraphs(node: Node): Graph[] {
  const out: Graph[] = [];
  for (const a of node.attributes.values()) {
    if (a.type === "graph") out.push(a.value);
    else if (a.type === "graphs") out.push(...a.value);
  }
  return out;
}

export function cloneNode(n: Node): Node {
  const attributes = new Map<string, Attribute>();
  for (const [k, a] of n.attributes) {
    if (a.type === "graph") attributes.set(k, { type: "graph", value: a.value.clone() });
    else if (a.type === "graphs") attributes.set(k, { type: "graphs", value: a.value.map((g) => g.clone()) });
    else if (Array.isArray(a.value)) attributes.set(k, { ...a, value: [...a.value] } as Attribute);
    else attributes.set(k, { ...a });
  }
  return { ...n, inputs: [...n.inputs], outputs: [...n.outputs], attributes };
}

function cloneValueInfo(v: ValueInfo): ValueInfo {
  return { ...v, type: v.type ? { dtype: v.type.dtype, shape: v.type.shape ? [...v.type.shape] : undefined } : undefined };
}

function uniqueIn(used: Set<string>, base: string): string {
  if (!used.has(base)) return base;
  for (let k = 1; ; k++) {
    const candidate = `${base}_${k}`;
    if (!used.has(candidate)) return candidate;
  }
}

function renameKey<V>(m: Map<string, V>, from: string, to: string): Map<string, V> {
  const out = new Map<string, V>();
  for (const [k, v] of m) out.set(k === from ? to : k, v);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Model

export interface OpsetImport {
  /** "" for the default ONNX domain. */
  domain: string;
  version: number;
}

export interface Model {
  irVersion: number;
  opsetImports: OpsetImport[];
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  docString: string;
  metadata: Map<string, string>;
  graph: Graph;
}

/** Lowest and highest default-domain opset this project reads and writes. */
export const MIN_OPSET = 13;
export const MAX_OPSET = 21;

/** The default-domain (ai.onnx) opset version of a model. */
export function defaultOpset(model: Model): number {
  const imp = model.opsetImports.find((o) => isDefaultDomain(o.domain));
  if (!imp) throw new InputError("the model imports no default-domain (ai.onnx) opset");
  return imp.version;
}

/** A fresh model around a graph (writer defaults: IR version 8, opset 17). */
export function makeModel(graph: Graph, options: Partial<Omit<Model, "graph">> = {}): Model {
  return {
    irVersion: options.irVersion ?? 8,
    opsetImports: options.opsetImports ?? [{ domain: "", version: 17 }],
    producerName: options.producerName ?? "quantscope",
    producerVersion: options.producerVersion ?? "",
    domain: options.domain ?? "",
    modelVersion: options.modelVersion ?? 0,
    docString: options.docString ?? "",
    metadata: options.metadata ?? new Map(),
    graph,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Validation

/**
 * Structural checks every reader output passes: each input is defined (graph input, initializer, an
 * earlier node's output or an outer-scope value), each value has one producer, outputs exist, no cycles.
 * `outerScope` lists names visible from an enclosing graph (for subgraphs).
 */
export function validateGraph(graph: Graph, outerScope: ReadonlySet<string> = new Set()): void {
  const producedBy = new Map<string, Node | "input" | "initializer">();
  for (const i of graph.inputs) producedBy.set(i.name, "input");
  for (const k of graph.initializers.keys()) if (!producedBy.has(k)) producedBy.set(k, "initializer");
  for (const n of graph.nodes) {
    for (const o of n.outputs) {
      if (!o) continue;
      const prev = producedBy.get(o);
      if (prev !== undefined) {
        const what = typeof prev === "string" ? `a graph ${prev}` : describeNode(prev);
        throw new InputError(`value '${o}' is produced twice: by ${what} and by ${describeNode(n)}`);
      }
      producedBy.set(o, n);
    }
  }
  for (const n of graph.nodes) {
    for (const i of n.inputs) {
      if (i && !producedBy.has(i) && !outerScope.has(i)) {
        throw new InputError(`${describeNode(n)} reads '${i}', which no node, graph input or initializer defines`);
      }
    }
  }
  for (const o of graph.outputs) {
    if (!producedBy.has(o.name) && !outerScope.has(o.name)) {
      throw new InputError(`graph output '${o.name}' is not produced by any node`);
    }
  }
  graph.topologicalOrder(); // throws on cycles
  const visible = new Set<string>([...outerScope, ...producedBy.keys()]);
  for (const n of graph.nodes) for (const g of subgraphs(n)) validateGraph(g, visible);
}
