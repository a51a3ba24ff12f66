// Shared setup of the model pipeline golden tests (test process): the digits split, the ONNX-tensor ->
// PyTorch-observer mapping of each golden model (documented in docs/mapping.md), and a cached
// calibrate + convert per model and backend.
import * as fs from "node:fs";
import type { Engine } from "../../core/src/backends/engine";
import { createCore } from "../../core/src/node/load-core";
import { convert, type QuantizedModel } from "../../core/src/passes/convert";
import { argmax, calibrateModel, type CalibrateResponse } from "../../core/src/pipeline";
import type { FloatTensor } from "../../core/src/passes/calibrate";
import type { WasmCore } from "../../core/src/wasm/core";
import { loadSharedJson, sharedPath } from "../helpers/shared";

export const MODELS = ["cnn", "mlp", "dwcnn"] as const;
export type ModelName = (typeof MODELS)[number];

/**
 * Where PyTorch's eager observers sit in each exported ONNX graph: ONNX value -> observer module. The
 * QuantStub observes the graph input; a fused ConvReLU2d/LinearReLU observes the ReLU's output; a plain
 * Conv2d/Linear its own output; the FloatFunctional `skip` the Add's output (before relu4, a separate
 * quantized ReLU that keeps its qparams); Hardswish its output. Pooling and flatten have no observer.
 */
export const OBSERVER_MAP: Record<ModelName, Record<string, string>> = {
  cnn: {
    input: "quant",
    "/relu1/Relu_output_0": "conv1",
    "/relu2/Relu_output_0": "conv2",
    "/relu3/Relu_output_0": "conv3",
    "/conv4/Conv_output_0": "conv4",
    "/Add_output_0": "skip",
    logits: "fc",
  },
  mlp: {
    input: "quant",
    "/relu1/Relu_output_0": "fc1",
    "/relu2/Relu_output_0": "fc2",
    logits: "fc3",
  },
  dwcnn: {
    input: "quant",
    "/relu1/Relu_output_0": "conv1",
    "/relud/Relu_output_0": "dw",
    "/relup/Relu_output_0": "pw",
    "/hs/HardSwish_output_0": "hs",
    logits: "fc",
  },
};

/** ONNX node -> quantized module holding its weight (and the fused float weight's key prefix). */
export function moduleOfNode(node: string): string {
  return node.split("/")[1];
}

export interface GoldenObserver {
  min_val: number;
  max_val: number;
  scale: number[];
  zero_point: number[];
}

export interface GoldenWeight {
  int_repr: { shape: number[]; data: number[] };
  scales?: number[];
  scale?: number;
  zero_points?: number[];
}

export interface GoldenBackend {
  int8_acc: number;
  observers: Record<string, GoldenObserver>;
  quantized_modules: Record<string, { scale?: number; zero_point?: number; weight?: GoldenWeight; bias?: { data: number[] } }>;
  int8_logits_first64: { shape: number[]; data: number[] };
  fused_float_state: Record<string, { shape: number[]; data: number[] }>;
}

export interface GoldenModel {
  float_acc: number;
  backends: Record<Engine, GoldenBackend>;
}

export function goldenModel(name: ModelName): GoldenModel {
  return loadSharedJson<GoldenModel>("golden", "models", `${name}.json`);
}

export function modelBytes(name: ModelName): Uint8Array {
  return fs.readFileSync(sharedPath("golden", "models", `${name}.onnx`));
}

interface Digits {
  x: { shape: number[]; data: number[] };
  y: { data: number[] };
}

let split: { calib: FloatTensor; test: FloatTensor; testLabels: number[] } | undefined;

/** First 60% train (its first 256 rows calibrate), the rest test. */
export function digitsSplit(): { calib: FloatTensor; test: FloatTensor; testLabels: number[] } {
  if (!split) {
    const d = loadSharedJson<Digits>("golden", "models", "digits.json");
    const n = d.x.shape[0];
    const row = d.x.shape.slice(1).reduce((a, b) => a * b, 1);
    const nTrain = Math.floor(n * 0.6);
    const all = Float32Array.from(d.x.data);
    split = {
      calib: { data: all.slice(0, 256 * row), shape: [256, ...d.x.shape.slice(1)] },
      test: { data: all.slice(nTrain * row), shape: [n - nTrain, ...d.x.shape.slice(1)] },
      testLabels: d.y.data.slice(nTrain),
    };
  }
  return split;
}

let corePromise: Promise<WasmCore> | undefined;
export function testCore(): Promise<WasmCore> {
  corePromise ??= createCore();
  return corePromise;
}

const cache = new Map<string, Promise<{ calibrated: CalibrateResponse; quantized: QuantizedModel }>>();

/** Calibrates on the 256 calibration images in one batch (as PyTorch did) and converts; cached. */
export function quantizedFor(model: ModelName, backend: Engine): Promise<{ calibrated: CalibrateResponse; quantized: QuantizedModel }> {
  const key = `${model}/${backend}`;
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      const core = await testCore();
      const calibrated = await calibrateModel(core, { model: modelBytes(model), modelName: model, backend, calib: digitsSplit().calib, batchSize: 256 });
      return { calibrated, quantized: convert(core, calibrated.plan, calibrated.calibration, 256) };
    })();
    cache.set(key, p);
  }
  return p;
}

export function argmaxRows(logits: ArrayLike<number>, rows: number, classes: number): number[] {
  return Array.from({ length: rows }, (_, i) => argmax(logits, i * classes, classes));
}
