// ONNX reader: model bytes -> IR (any process, fs-free). Decoding uses the protobufjs-generated ONNX schema
// from the onnx-proto package; tensors stored outside the model file are fetched through a caller-supplied
// `readExternal` callback (core/src/node/read-model.ts supplies one that reads from disk).
import { onnx } from "onnx-proto";
import { InputError } from "../errors";
import {
  DTYPE_BYTES,
  Graph,
  MAX_OPSET,
  MAX_TENSOR_ELEMENTS,
  MIN_OPSET,
  allocTensorData,
  dtypeFromOnnx,
  elementCount,
  isDefaultDomain,
  onnxDtypeName,
  validateGraph,
  type Attribute,
  type DType,
  type Dim,
  type Model,
  type Node,
  type Tensor,
  type TensorData,
  type TensorType,
  type ValueInfo,
} from "./ir";

/** Reads `length` bytes (all remaining bytes when undefined) at `offset` of an external data file. */
export type ReadExternal = (location: string, offset: number, length: number | undefined) => Uint8Array;

/**
 * Limits on what the reader accepts, so a corrupt or hostile file fails with a clear message instead of
 * exhausting memory. The WASM core is 32-bit (4 GiB at most), so nothing larger could run anyway.
 */
export const READ_LIMITS = {
  /** Protobuf itself cannot encode more than 2 GiB in one message; larger weights go in external data. */
  maxModelBytes: 2 ** 31 - 1,
  /** Nodes in the main graph and all subgraphs together (mobilenet_v2 has ~100; large CNNs a few thousand). */
  maxNodes: 1_000_000,
  /** Elements of one tensor (initializer, attribute or external): 2^29 float32 values = 2 GiB. */
  maxTensorElements: MAX_TENSOR_ELEMENTS,
  /** A declared dimension of a graph input, output or value annotation. */
  maxDim: 2 ** 31 - 1,
} as const;

export interface ReadOptions {
  /** Name used in error messages (usually the file path). */
  file?: string;
  /** Resolves tensors whose data_location is EXTERNAL; without it such models are rejected. */
  readExternal?: ReadExternal;
  /** Skip the opset range check (e.g. to inspect a model before refusing it). Default false. */
  allowAnyOpset?: boolean;
  /** Tighter limits than READ_LIMITS (a process that must stay small; tests). */
  limits?: Partial<ReadLimits>;
}

export type ReadLimits = { -readonly [K in keyof typeof READ_LIMITS]: number };

type Longish = number | { toNumber(): number; toString(): string } | null | undefined;

function num(v: Longish): number {
  if (v === null || v === undefined) return 0;
  return typeof v === "number" ? v : v.toNumber();
}

/** Decodes ONNX model bytes into the IR. Throws InputError (naming `options.file`) on any problem. */
export function readModel(bytes: Uint8Array, options: ReadOptions = {}): Model {
  const file = options.file;
  try {
    return readModelUnchecked(bytes, options);
  } catch (e) {
    if (e instanceof InputError) {
      throw file && !e.message.startsWith(`${file}:`) ? new InputError(e.message, file) : e;
    }
    throw e;
  }
}

function readModelUnchecked(bytes: Uint8Array, options: ReadOptions): Model {
  if (bytes.length === 0) throw new InputError("the file is empty, not an ONNX model");
  const limits: ReadLimits = { ...READ_LIMITS, ...options.limits };
  if (bytes.length > limits.maxModelBytes) {
    throw new InputError(`the model is ${bytes.length} bytes, over the limit of ${limits.maxModelBytes}; store the weights as external data`);
  }
  let proto: onnx.ModelProto;
  try {
    proto = onnx.ModelProto.decode(bytes);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new InputError(`not a valid ONNX model: protobuf decoding failed (${why}); the file may be truncated or corrupt`);
  }
  if (!proto.graph) {
    throw new InputError("not a valid ONNX model: it has no graph (is this an ONNX file?)");
  }
  const irVersion = num(proto.irVersion as Longish);
  if (irVersion < 3 || irVersion > 20) {
    throw new InputError(`not a valid ONNX model: IR version ${irVersion} is out of range (is this an ONNX file?)`);
  }
  const opsetImports = proto.opsetImport.map((o) => ({ domain: o.domain ?? "", version: num(o.version as Longish) }));
  const main = opsetImports.find((o) => isDefaultDomain(o.domain));
  if (!main) throw new InputError("the model imports no default-domain (ai.onnx) opset");
  if (!options.allowAnyOpset && (main.version < MIN_OPSET || main.version > MAX_OPSET)) {
    throw new InputError(
      `opset ${main.version} is not supported (QuantScope reads opsets ${MIN_OPSET}-${MAX_OPSET}); ` +
        `re-export with torch.onnx.export(..., opset_version=17)`,
    );
  }
  const ctx: Ctx = { readExternal: options.readExternal, nodes: 0, limits };
  const graph = readGraph(proto.graph, ctx);
  validateGraph(graph);
  // ONNX requires node order to be topological, but some tools write unsorted graphs; passes rely on it.
  graph.sortTopologically();
  const metadata = new Map<string, string>();
  for (const p of proto.metadataProps) metadata.set(p.key ?? "", p.value ?? "");
  return {
    irVersion,
    opsetImports,
    producerName: proto.producerName ?? "",
    producerVersion: proto.producerVersion ?? "",
    domain: proto.domain ?? "",
    modelVersion: num(proto.modelVersion as Longish),
    docString: proto.docString ?? "",
    metadata,
    graph,
  };
}

interface Ctx {
  readExternal?: ReadExternal;
  /** Nodes read so far, over all graphs. */
  nodes: number;
  limits: ReadLimits;
}

/**
 * Refuses names with control characters: no exporter writes them, they mean a corrupt file, and they would
 * break the one-line error messages that quote names.
 */
function checkName(name: string, what: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    throw new InputError(`${what} ${JSON.stringify(name)} contains control characters; the file is probably corrupt`);
  }
  return name;
}

function readGraph(g: onnx.IGraphProto, ctx: Ctx): Graph {
  ctx.nodes += (g.node ?? []).length;
  if (ctx.nodes > ctx.limits.maxNodes) {
    throw new InputError(`the model has over ${ctx.limits.maxNodes} nodes, more than QuantScope reads`);
  }
  const graph = new Graph({
    name: g.name ?? "graph",
    docString: g.docString || undefined,
    inputs: (g.input ?? []).map((v) => readValueInfo(v, ctx)),
    outputs: (g.output ?? []).map((v) => readValueInfo(v, ctx)),
  });
  for (const t of g.initializer ?? []) {
    const tensor = readTensor(t, ctx, "initializer");
    if (graph.initializers.has(tensor.name)) throw new InputError(`initializer '${tensor.name}' is defined twice`);
    graph.initializers.set(tensor.name, tensor);
  }
  if ((g.sparseInitializer ?? []).length > 0) {
    throw new InputError("sparse initializers are not supported; densify them before quantizing");
  }
  for (const v of g.valueInfo ?? []) {
    const info = readValueInfo(v, ctx);
    graph.valueInfo.set(info.name, info);
  }
  graph.nodes = (g.node ?? []).map((n) => readNode(n, ctx));
  return graph;
}

function readValueInfo(v: onnx.IValueInfoProto, ctx: Ctx): ValueInfo {
  const name = checkName(v.name ?? "", "value name");
  const info: ValueInfo = { name };
  if (v.docString) info.docString = v.docString;
  const tt = v.type?.tensorType;
  const kind = v.type ? (v.type as onnx.TypeProto).value : undefined;
  if (kind && kind !== "tensorType") {
    throw new InputError(`value '${name}' has a ${kind.replace(/Type$/, "")} type; only tensors are supported`);
  }
  if (tt) {
    const dtype = dtypeFromOnnx(tt.elemType ?? 0);
    if (dtype) {
      const type: TensorType = { dtype };
      if (tt.shape) type.shape = (tt.shape.dim ?? []).map((d) => readDim(d, name, ctx.limits.maxDim));
      info.type = type;
    } else if ((tt.elemType ?? 0) !== 0) {
      throw new InputError(`value '${name}' has element type ${onnxDtypeName(tt.elemType ?? 0)}, which is not supported`);
    }
  }
  return info;
}

function readDim(d: onnx.TensorShapeProto.IDimension, value: string, maxDim: number): Dim {
  if (d.dimValue !== null && d.dimValue !== undefined && (d as onnx.TensorShapeProto.Dimension).value === "dimValue") {
    const v = num(d.dimValue as Longish);
    if (!Number.isSafeInteger(v) || v < 0 || v > maxDim) {
      throw new InputError(`value '${value}' declares dimension ${d.dimValue?.toString()}, which is not a valid size`);
    }
    return v;
  }
  if (d.dimParam) return checkName(d.dimParam, `value '${value}' has a symbolic dimension`);
  return null;
}

function readNode(n: onnx.INodeProto, ctx: Ctx): Node {
  const node: Node = {
    name: checkName(n.name ?? "", "node name"),
    opType: checkName(n.opType ?? "", "op type"),
    domain: checkName(n.domain ?? "", "op domain"),
    inputs: (n.input ?? []).map((v) => checkName(v, "value name")),
    outputs: (n.output ?? []).map((v) => checkName(v, "value name")),
    attributes: new Map(),
  };
  if (n.docString) node.docString = n.docString;
  if (!node.opType) throw new InputError(`a node${node.name ? ` '${node.name}'` : ""} has no op_type`);
  for (const a of n.attribute ?? []) {
    const name = checkName(a.name ?? "", "attribute name");
    if (a.refAttrName) {
      throw new InputError(`node '${node.name}' (${node.opType}): attribute references (functions) are not supported`);
    }
    node.attributes.set(name, readAttribute(a, node, ctx));
  }
  return node;
}

const AT = onnx.AttributeProto.AttributeType;

function readAttribute(a: onnx.IAttributeProto, node: Node, ctx: Ctx): Attribute {
  const where = `node '${node.name}' (${node.opType}) attribute '${a.name}'`;
  switch (a.type) {
    case AT.FLOAT:
      return { type: "float", value: a.f ?? 0 };
    case AT.INT:
      return { type: "int", value: num(a.i as Longish) };
    case AT.STRING:
      return { type: "string", value: utf8(a.s) };
    case AT.TENSOR:
      if (!a.t) throw new InputError(`${where} is a tensor attribute without a tensor`);
      return { type: "tensor", value: readTensor(a.t, ctx, where) };
    case AT.GRAPH:
      if (!a.g) throw new InputError(`${where} is a graph attribute without a graph`);
      return { type: "graph", value: readGraph(a.g, ctx) };
    case AT.FLOATS:
      return { type: "floats", value: [...(a.floats ?? [])] };
    case AT.INTS:
      return { type: "ints", value: (a.ints ?? []).map((v) => num(v as Longish)) };
    case AT.STRINGS:
      return { type: "strings", value: (a.strings ?? []).map(utf8) };
    case AT.TENSORS:
      return { type: "tensors", value: (a.tensors ?? []).map((t) => readTensor(t, ctx, where)) };
    case AT.GRAPHS:
      return { type: "graphs", value: (a.graphs ?? []).map((g) => readGraph(g, ctx)) };
    default:
      throw new InputError(`${where} has unsupported attribute type ${a.type ?? "UNDEFINED"}`);
  }
}

function utf8(b: Uint8Array | null | undefined): string {
  return b ? new TextDecoder().decode(b) : "";
}

/** Decodes a TensorProto (raw_data, typed *_data fields or external data) into a Tensor. */
export function readTensor(t: onnx.ITensorProto, ctx: Ctx, where = "tensor"): Tensor {
  const name = checkName(t.name ?? "", "tensor name");
  const label = name ? `tensor '${name}'` : where;
  const code = t.dataType ?? 0;
  const dtype = dtypeFromOnnx(code);
  if (!dtype) throw new InputError(`${label} has element type ${onnxDtypeName(code)}, which is not supported`);
  if (t.segment) throw new InputError(`${label} is segmented, which is not supported`);
  const dims = (t.dims ?? []).map((d) => num(d as Longish));
  if (dims.some((d) => d < 0 || !Number.isSafeInteger(d))) {
    throw new InputError(`${label} has invalid dims [${dims.join(", ")}]`);
  }
  const n = elementCount(dims);
  const maxElements = ctx.limits.maxTensorElements;
  if (n > maxElements) {
    throw new InputError(`${label} has shape [${dims.join(", ")}] of ${n} elements, over the limit of ${maxElements}`);
  }
  let raw: Uint8Array | undefined;
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    raw = readExternalData(t, label, ctx);
  } else if (t.rawData && t.rawData.length > 0) {
    raw = t.rawData;
  }
  let data: TensorData;
  if (raw) {
    const want = n * DTYPE_BYTES[dtype];
    if (raw.length !== want) {
      throw new InputError(`${label} holds ${raw.length} bytes of data but shape [${dims.join(", ")}] of ${dtype} needs ${want}`);
    }
    data = fromLittleEndianBytes(dtype, raw, n);
  } else {
    data = fromTypedFields(t, dtype, n, label);
  }
  const tensor: Tensor = { name, dtype, dims, data };
  if (t.docString) tensor.docString = t.docString;
  return tensor;
}

function readExternalData(t: onnx.ITensorProto, label: string, ctx: Ctx): Uint8Array {
  const entries = new Map((t.externalData ?? []).map((e) => [e.key ?? "", e.value ?? ""]));
  const location = entries.get("location");
  if (!location) throw new InputError(`${label} is stored externally but names no location`);
  if (location.includes("..") || /^[/\\]/.test(location) || /^[a-zA-Z]:/.test(location) || location.includes("\0")) {
    throw new InputError(`${label} names external data '${location}' outside the model's folder, which is not allowed`);
  }
  if (!ctx.readExternal) {
    throw new InputError(`${label} is stored in external file '${location}', but no external data reader was given`);
  }
  const offset = entries.has("offset") ? Number(entries.get("offset")) : 0;
  const length = entries.has("length") ? Number(entries.get("length")) : undefined;
  if (!Number.isSafeInteger(offset) || offset < 0 || (length !== undefined && (!Number.isSafeInteger(length) || length < 0))) {
    throw new InputError(`${label} has an invalid external data offset/length`);
  }
  return ctx.readExternal(location, offset, length);
}

/** Copies little-endian bytes into a fresh, aligned typed array of `dtype`. */
export function fromLittleEndianBytes(dtype: DType, raw: Uint8Array, n: number): TensorData {
  const data = allocTensorData(dtype, n);
  // Hosts running this are little-endian (x86, ARM in LE mode, every browser), so a byte copy is exact.
  new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(raw.subarray(0, data.byteLength));
  return data;
}

function fromTypedFields(t: onnx.ITensorProto, dtype: DType, n: number, label: string): TensorData {
  let src: ArrayLike<number | Longish>;
  switch (dtype) {
    case "float32":
      src = t.floatData ?? [];
      break;
    case "float64":
      src = t.doubleData ?? [];
      break;
    case "int64":
      src = t.int64Data ?? [];
      break;
    case "uint32":
    case "uint64":
      src = t.uint64Data ?? [];
      break;
    default:
      // int8/uint8/int16/uint16/int32/bool/float16/bfloat16 all live in int32_data.
      src = t.int32Data ?? [];
  }
  if (src.length !== n) {
    throw new InputError(`${label} holds ${src.length} values but its shape [${t.dims?.join(", ")}] needs ${n}`);
  }
  // Allocated only after the count matched, so corrupt dims cannot request absurd allocations.
  const data = allocTensorData(dtype, n);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) {
      const v = src[i] as Longish;
      data[i] = BigInt(typeof v === "number" ? v : (v?.toString() ?? "0"));
    }
  } else {
    for (let i = 0; i < n; i++) data[i] = num(src[i] as Longish);
  }
  return data;
}
