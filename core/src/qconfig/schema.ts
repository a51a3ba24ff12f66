// The one description of the qconfig format: the checker validates against it, completion and hover read
// it, and docs/qconfig.schema.json is generated from it (a test keeps the two equal) (any process).
import { ENGINES } from "../backends/engine";
import { OBSERVER_KINDS, QDTYPES, QSCHEMES } from "./types";

export interface EnumValueDoc {
  value: string;
  description: string;
}

export type SchemaNode =
  | {
      kind: "object";
      description: string;
      /** Fixed properties, in the order completion offers them. */
      properties?: Record<string, SchemaNode>;
      /** Schema of any other property (a map such as opTypes); absent: other properties are unknown keys. */
      additionalProperties?: SchemaNode;
      /** Property names completion suggests for a map (known ONNX op types). */
      suggestedKeys?: readonly string[];
      nullable?: boolean;
      nullDescription?: string;
    }
  | { kind: "enum"; description: string; values: readonly EnumValueDoc[] }
  | { kind: "boolean"; description: string; default?: boolean }
  | {
      kind: "integer" | "number";
      description: string;
      minimum?: number;
      maximum?: number;
      exclusiveMinimum?: number;
      default?: number;
    }
  | { kind: "string"; description: string; minLength?: number };

const OBSERVER_DOCS: Record<(typeof OBSERVER_KINDS)[number], string> = {
  minmax:
    "Running minimum and maximum over all calibration batches (PyTorch MinMaxObserver). Per-tensor. Sensitive to outliers.",
  moving_average_minmax:
    "Exponential moving average of each batch's min and max (PyTorch MovingAverageMinMaxObserver). Per-tensor; the QAT default for activations.",
  histogram:
    "Histogram of the values; the range minimizes the L2 quantization error (PyTorch HistogramObserver). Per-tensor; PyTorch's PTQ default for activations.",
  per_channel_minmax:
    "Min and max per channel along chAxis (PyTorch PerChannelMinMaxObserver). The PTQ default for weights on x86, fbgemm and onednn.",
  moving_average_per_channel_minmax:
    "Moving average of per-channel min and max (PyTorch MovingAveragePerChannelMinMaxObserver). The QAT default for weights on x86, fbgemm and onednn.",
  percentile:
    "Range end at the given percentile of |x| (ONNX Runtime's Percentile calibration). Per-tensor activations only; clips rare outliers.",
  entropy:
    "Range that minimizes the KL divergence between the float and quantized histograms (ONNX Runtime's Entropy calibration, TensorRT style). Per-tensor activations only.",
};

const DTYPE_DOCS: Record<(typeof QDTYPES)[number], string> = {
  quint8: "Unsigned 8-bit, 0..255. What every backend's kernels take for activations.",
  qint8: "Signed 8-bit, -128..127. What every backend's kernels take for weights.",
  qint32: "Signed 32-bit. Only biases are int32; no backend takes int32 activations or weights.",
};

const QSCHEME_DOCS: Record<(typeof QSCHEMES)[number], string> = {
  per_tensor_affine: "One scale and zero point for the whole tensor; the zero point follows the data's min and max.",
  per_tensor_symmetric:
    "One scale for the whole tensor and a fixed zero point (0 for qint8, 128 for quint8); the range is symmetric around 0.",
  per_channel_affine: "One scale and zero point per channel along chAxis. Weights only.",
  per_channel_symmetric:
    "One scale per channel along chAxis, zero point 0. Weights only; PyTorch's default for weights on x86, fbgemm and onednn.",
};

const BACKEND_DOCS: Record<(typeof ENGINES)[number], string> = {
  x86: "PyTorch's default server engine: fbgemm or oneDNN kernels chosen per op. Default qconfig: histogram activations with reduceRange, per-channel symmetric qint8 weights.",
  fbgemm: "The fbgemm server kernels (x86 AVX2/AVX-512). Same default qconfig as x86.",
  qnnpack:
    "The mobile (ARM) kernels. Default qconfig: histogram activations over the full 0..255, per-tensor symmetric qint8 weights.",
  onednn:
    "oneDNN kernels for CPUs with VNNI (no overflow risk, so no reduceRange). Weights must be symmetric. Default: histogram activations over 0..255, per-channel symmetric qint8 weights.",
};

function enumOf<T extends string>(description: string, values: readonly T[], docs: Record<T, string>): SchemaNode {
  return { kind: "enum", description, values: values.map((value) => ({ value, description: docs[value] })) };
}

export type ObjectSchema = Extract<SchemaNode, { kind: "object" }>;

export const OBSERVER_CONFIG_SCHEMA: ObjectSchema = {
  kind: "object",
  description:
    "How a tensor is observed during calibration and which integer type and scheme it is quantized to. Fields not given are inherited from the next less specific level (global, then the backend's default).",
  properties: {
    observer: enumOf("The observer (calibration method) that picks the range.", OBSERVER_KINDS, OBSERVER_DOCS),
    dtype: enumOf("The quantized integer type.", QDTYPES, DTYPE_DOCS),
    qscheme: enumOf(
      "Per-tensor or per-channel, affine (free zero point) or symmetric (zero point fixed). Per-channel schemes need a per-channel observer and are for weights only.",
      QSCHEMES,
      QSCHEME_DOCS,
    ),
    reduceRange: {
      kind: "boolean",
      description:
        "Use 7 of the 8 bits: 0..127 for quint8, -64..63 for qint8 (PyTorch's reduce_range). x86/fbgemm activations need it on CPUs without VNNI, where the u8*s8 multiply-add (vpmaddubsw) saturates int16. Explicit quantMin/quantMax are halved too.",
      default: false,
    },
    quantMin: {
      kind: "integer",
      description:
        "Smallest quantized integer. Give it together with quantMax (PyTorch ignores one alone); the range must include 0 and fit the dtype.",
    },
    quantMax: {
      kind: "integer",
      description:
        "Largest quantized integer. Give it together with quantMin (PyTorch ignores one alone); the range must include 0 and fit the dtype.",
    },
    chAxis: {
      kind: "integer",
      description: "Channel axis of per-channel observers: 0 for Conv and Gemm/MatMul weights (output channels), 1 for ConvTranspose.",
      minimum: 0,
      default: 0,
    },
    averagingConstant: {
      kind: "number",
      description:
        "Moving-average observers: weight of each new batch, new = old + c * (batch - old). In (0, 1]; 1 keeps only the last batch.",
      exclusiveMinimum: 0,
      maximum: 1,
      default: 0.01,
    },
    bins: {
      kind: "integer",
      description: "Histogram, percentile and entropy observers: number of histogram bins.",
      minimum: 1,
      default: 2048,
    },
    percentile: {
      kind: "number",
      description: "Percentile observer: the percentile of |x| that becomes the range end, in (0, 100].",
      exclusiveMinimum: 0,
      maximum: 100,
      default: 99.999,
    },
  },
};

export const QCONFIG_ENTRY_SCHEMA: ObjectSchema = {
  kind: "object",
  description: "Quantization of an op: its activations (outputs) and its weights.",
  properties: {
    activation: { ...OBSERVER_CONFIG_SCHEMA, description: "How the op's outputs (activations) are observed and quantized." },
    weight: {
      ...OBSERVER_CONFIG_SCHEMA,
      description: "How the op's weights are quantized (Conv, ConvTranspose, Gemm, MatMul with a constant operand).",
    },
  },
};

/** ONNX op types the pipeline quantizes or passes through; suggested for opTypes and used for did-you-mean. */
export const KNOWN_OP_TYPES = [
  "Conv",
  "ConvTranspose",
  "Gemm",
  "MatMul",
  "Add",
  "Mul",
  "Concat",
  "Relu",
  "Clip",
  "LeakyRelu",
  "PRelu",
  "Sigmoid",
  "HardSigmoid",
  "HardSwish",
  "Tanh",
  "Softmax",
  "MaxPool",
  "AveragePool",
  "GlobalAveragePool",
  "ReduceMean",
  "Resize",
  "Reshape",
  "Flatten",
  "Transpose",
  "Squeeze",
  "Unsqueeze",
  "Gather",
  "Split",
  "Pad",
  "BatchNormalization",
  "LayerNormalization",
] as const;

const nullableEntry = (description: string): SchemaNode => ({
  ...QCONFIG_ENTRY_SCHEMA,
  description,
  nullable: true,
  nullDescription: "null keeps this op in float (no quantize/dequantize around it).",
});

export const QCONFIG_SCHEMA: ObjectSchema = {
  kind: "object",
  description: "QuantScope quantization configuration for one model (`*.qconfig.json`). See docs/qconfig.md.",
  properties: {
    $schema: { kind: "string", description: "URI or path of the JSON Schema for this file (docs/qconfig.schema.json)." },
    backend: enumOf(
      "The PyTorch quantized engine the model will run on. Decides the default qconfig and which combinations are legal. Default: the quantscope.backend setting (x86).",
      ENGINES,
      BACKEND_DOCS,
    ),
    global: {
      ...QCONFIG_ENTRY_SCHEMA,
      description: "Applies to every quantized op, on top of the backend's default qconfig.",
    },
    opTypes: {
      kind: "object",
      description:
        "Per ONNX op type (\"Conv\", \"Gemm\", ...), on top of global. null keeps every op of that type in float.",
      additionalProperties: nullableEntry("Quantization of every op of this ONNX op type, on top of global."),
      suggestedKeys: KNOWN_OP_TYPES,
    },
    nodes: {
      kind: "object",
      description:
        "Per ONNX node name (the node's `name` in the graph), on top of its op type's entry. null keeps the node in float; the most specific setting wins.",
      additionalProperties: nullableEntry("Quantization of this one node, on top of its op type's entry and global."),
    },
    calibration: {
      kind: "object",
      description: "How calibration data is fed to the observers.",
      properties: {
        batchSize: { kind: "integer", description: "Samples per calibration batch.", minimum: 1, default: 32 },
        numBatches: {
          kind: "integer",
          description: "Stop after this many batches. Default: the whole calibration set.",
          minimum: 1,
        },
        seed: {
          kind: "integer",
          description: "Shuffle the calibration set with this seed. Default: keep the file order.",
          minimum: 0,
        },
      },
    },
  },
};

/** The schema node that describes the value at `path` (property names from the root), if any. */
export function schemaAt(path: readonly (string | number)[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = QCONFIG_SCHEMA;
  for (const segment of path) {
    if (!node || node.kind !== "object" || typeof segment !== "string") return undefined;
    node = (node.properties && Object.hasOwn(node.properties, segment) ? node.properties[segment] : undefined) ?? node.additionalProperties;
  }
  return node;
}

/** JSON Schema (draft 2020-12) for the format: the content of docs/qconfig.schema.json. */
export function toJsonSchema(): Record<string, unknown> {
  const defs: Record<string, unknown> = {};
  const convert = (n: SchemaNode): Record<string, unknown> => {
    if (n === OBSERVER_CONFIG_SCHEMA) return { $ref: "#/$defs/observerConfig" };
    switch (n.kind) {
      case "object": {
        const out: Record<string, unknown> = { description: n.description };
        if (n.properties && n.properties === OBSERVER_CONFIG_SCHEMA.properties && n !== OBSERVER_CONFIG_SCHEMA) {
          return { $ref: "#/$defs/observerConfig", description: n.description };
        }
        if (n.properties && n.properties === QCONFIG_ENTRY_SCHEMA.properties) {
          const ref = { $ref: "#/$defs/qconfigEntry", description: n.description };
          return n.nullable ? { description: n.description, oneOf: [{ $ref: "#/$defs/qconfigEntry" }, { type: "null", description: n.nullDescription }] } : ref;
        }
        out.type = n.nullable ? ["object", "null"] : "object";
        if (n.properties) out.properties = Object.fromEntries(Object.entries(n.properties).map(([k, v]) => [k, convert(v)]));
        out.additionalProperties = n.additionalProperties ? convert(n.additionalProperties) : false;
        if (n.suggestedKeys) out.examples = [Object.fromEntries(n.suggestedKeys.slice(0, 2).map((k) => [k, {}]))];
        return out;
      }
      case "enum":
        return {
          description: n.description,
          enum: n.values.map((v) => v.value),
          // Editors that understand it show one line per value.
          markdownEnumDescriptions: n.values.map((v) => v.description),
        };
      case "boolean":
        return { type: "boolean", description: n.description, ...(n.default !== undefined ? { default: n.default } : {}) };
      case "integer":
      case "number": {
        const out: Record<string, unknown> = { type: n.kind, description: n.description };
        if (n.minimum !== undefined) out.minimum = n.minimum;
        if (n.exclusiveMinimum !== undefined) out.exclusiveMinimum = n.exclusiveMinimum;
        if (n.maximum !== undefined) out.maximum = n.maximum;
        if (n.default !== undefined) out.default = n.default;
        return out;
      }
      case "string":
        return { type: "string", description: n.description };
    }
  };
  defs.observerConfig = {
    type: "object",
    description: OBSERVER_CONFIG_SCHEMA.description,
    properties: Object.fromEntries(
      Object.entries(OBSERVER_CONFIG_SCHEMA.properties ?? {}).map(([k, v]) => [k, convert(v)]),
    ),
    additionalProperties: false,
  };
  defs.qconfigEntry = {
    type: "object",
    description: QCONFIG_ENTRY_SCHEMA.description,
    properties: {
      activation: { $ref: "#/$defs/observerConfig", description: "How the op's outputs (activations) are observed and quantized." },
      weight: { $ref: "#/$defs/observerConfig", description: "How the op's weights are quantized." },
    },
    additionalProperties: false,
  };
  const root = convert(QCONFIG_SCHEMA);
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://quantscope.dev/schemas/qconfig.schema.json",
    title: "QuantScope qconfig",
    ...root,
    $defs: defs,
  };
}
