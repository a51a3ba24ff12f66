// ONNX writer: IR -> model bytes (any process, fs-free), the inverse of read.ts. Tensors are written as
// little-endian raw_data; large ones can go to one external data blob the caller saves beside the model.
import { onnx } from "onnx-proto";
import {
  ONNX_DTYPE_CODE,
  type Attribute,
  type Dim,
  type Graph,
  type Model,
  type Node,
  type Tensor,
  type ValueInfo,
} from "./ir";

export interface ExternalDataOptions {
  /** File name (relative to the model's folder) recorded in each externalized tensor. */
  location: string;
  /** Tensors of at least this many bytes go to the external blob (default 1024). */
  sizeThreshold?: number;
}

export interface WrittenModel {
  /** The .onnx protobuf bytes. */
  model: Uint8Array;
  /** The external data blob to save as `location` beside the model (absent when nothing was externalized). */
  externalData?: Uint8Array;
}

/** Serializes a model with every tensor inline. */
export function writeModel(model: Model): Uint8Array {
  return encode(model, undefined).model;
}

/** Serializes a model, moving initializers of at least `sizeThreshold` bytes to an external blob. */
export function writeModelWithExternalData(model: Model, external: ExternalDataOptions): WrittenModel {
  return encode(model, external);
}

interface Sink {
  location: string;
  threshold: number;
  chunks: Uint8Array[];
  size: number;
}

function encode(model: Model, external: ExternalDataOptions | undefined): WrittenModel {
  const sink: Sink | undefined = external
    ? { location: external.location, threshold: external.sizeThreshold ?? 1024, chunks: [], size: 0 }
    : undefined;
  const proto: onnx.IModelProto = {
    irVersion: model.irVersion,
    opsetImport: model.opsetImports.map((o) => ({ domain: o.domain, version: o.version })),
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    domain: model.domain,
    modelVersion: model.modelVersion,
    docString: model.docString,
    metadataProps: [...model.metadata].map(([key, value]) => ({ key, value })),
    graph: graphProto(model.graph, sink),
  };
  const bytes = onnx.ModelProto.encode(proto).finish();
  if (!sink || sink.size === 0) return { model: bytes };
  const blob = new Uint8Array(sink.size);
  let at = 0;
  for (const c of sink.chunks) {
    blob.set(c, at);
    at += c.length;
  }
  return { model: bytes, externalData: blob };
}

function graphProto(g: Graph, sink: Sink | undefined): onnx.IGraphProto {
  return {
    name: g.name,
    docString: g.docString ?? "",
    node: g.nodes.map((n) => nodeProto(n, sink)),
    input: g.inputs.map(valueInfoProto),
    output: g.outputs.map(valueInfoProto),
    initializer: [...g.initializers.values()].map((t) => tensorProto(t, sink)),
    valueInfo: [...g.valueInfo.values()].map(valueInfoProto),
  };
}

function nodeProto(n: Node, sink: Sink | undefined): onnx.INodeProto {
  return {
    name: n.name,
    opType: n.opType,
    domain: n.domain,
    input: n.inputs,
    output: n.outputs,
    docString: n.docString ?? "",
    attribute: [...n.attributes].map(([name, a]) => attributeProto(name, a, sink)),
  };
}

const AT = onnx.AttributeProto.AttributeType;

function attributeProto(name: string, a: Attribute, sink: Sink | undefined): onnx.IAttributeProto {
  const enc = new TextEncoder();
  switch (a.type) {
    case "float":
      return { name, type: AT.FLOAT, f: a.value };
    case "int":
      return { name, type: AT.INT, i: a.value };
    case "string":
      return { name, type: AT.STRING, s: enc.encode(a.value) };
    case "tensor":
      // Attribute tensors stay inline: Constant values are small and readers expect them in place.
      return { name, type: AT.TENSOR, t: tensorProto(a.value, undefined) };
    case "graph":
      return { name, type: AT.GRAPH, g: graphProto(a.value, sink) };
    case "floats":
      return { name, type: AT.FLOATS, floats: a.value };
    case "ints":
      return { name, type: AT.INTS, ints: a.value };
    case "strings":
      return { name, type: AT.STRINGS, strings: a.value.map((s) => enc.encode(s)) };
    case "tensors":
      return { name, type: AT.TENSORS, tensors: a.value.map((t) => tensorProto(t, undefined)) };
    case "graphs":
      return { name, type: AT.GRAPHS, graphs: a.value.map((g) => graphProto(g, sink)) };
  }
}

function tensorBytes(t: Tensor): Uint8Array {
  // Copy: the data may be a view over shared WASM memory or a larger buffer.
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice();
}

function tensorProto(t: Tensor, sink: Sink | undefined): onnx.ITensorProto {
  const base: onnx.ITensorProto = {
    name: t.name,
    dataType: ONNX_DTYPE_CODE[t.dtype],
    dims: t.dims,
    docString: t.docString ?? "",
  };
  const bytes = tensorBytes(t);
  if (sink && bytes.length >= sink.threshold) {
    // Align each tensor to 4 KiB like onnx.save_model does, so the blob can be memory-mapped.
    const pad = (4096 - (sink.size % 4096)) % 4096;
    if (pad) {
      sink.chunks.push(new Uint8Array(pad));
      sink.size += pad;
    }
    const offset = sink.size;
    sink.chunks.push(bytes);
    sink.size += bytes.length;
    return {
      ...base,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: "location", value: sink.location },
        { key: "offset", value: String(offset) },
        { key: "length", value: String(bytes.length) },
      ],
    };
  }
  return { ...base, rawData: bytes };
}

function valueInfoProto(v: ValueInfo): onnx.IValueInfoProto {
  const out: onnx.IValueInfoProto = { name: v.name, docString: v.docString ?? "" };
  if (v.type) {
    out.type = {
      tensorType: {
        elemType: ONNX_DTYPE_CODE[v.type.dtype],
        shape: v.type.shape ? { dim: v.type.shape.map(dimProto) } : undefined,
      },
    };
  }
  return out;
}

function dimProto(d: Dim): onnx.TensorShapeProto.IDimension {
  if (typeof d === "number") return { dimValue: d };
  if (typeof d === "string") return { dimParam: d };
  return {};
}
