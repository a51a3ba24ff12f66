// resolveNodeQConfig: node > opType > PyTorch's op-type defaults > global > backend default, field by field,
// with null keeping ops in float (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { resolveNodeQConfig, mergeObserverConfig } from "../../core/src/qconfig/resolve";
import type { QConfigFile, ResolvedQConfig } from "../../core/src/qconfig/types";

/** Resolves `node` in `file` and compares the listed fields of the activation/weight and the sources. */
function check(file: QConfigFile, node: { opType: string; name?: string }, expected: null | Record<string, unknown>): void {
  const r = resolveNodeQConfig(file, node);
  if (expected === null) {
    assert.equal(r, null);
    return;
  }
  assert.ok(r, "quantized");
  const flat: Record<string, unknown> = {};
  for (const key of Object.keys(expected)) {
    const [part, field] = key.split(".") as [keyof ResolvedQConfig, string];
    const obj = r[part] as Record<string, unknown> | undefined;
    flat[key] = field ? obj?.[field] : obj;
  }
  assert.deepEqual(flat, expected);
}

test("nothing configured: the backend default", () => {
  check({}, { opType: "Conv" }, { "activation.observer": "histogram", "activation.quantMax": 127, "weight.qscheme": "per_channel_symmetric", "source.activation": "backend default" });
  check({ backend: "qnnpack" }, { opType: "Conv" }, { "activation.quantMax": 255, "weight.observer": "minmax", "weight.qscheme": "per_tensor_symmetric" });
});

test("global overrides only the fields it names", () => {
  const file: QConfigFile = { global: { activation: { observer: "minmax" } } };
  check(file, { opType: "Conv" }, { "activation.observer": "minmax", "activation.reduceRange": true, "activation.quantMax": 127, "activation.bins": undefined, "source.activation": "global", "source.weight": "backend default" });
});

test("opType over global, node over opType", () => {
  const file: QConfigFile = {
    global: { activation: { observer: "minmax" } },
    opTypes: { Gemm: { activation: { observer: "moving_average_minmax", averagingConstant: 0.1 } } },
    nodes: { "/fc2/Gemm": { activation: { averagingConstant: 0.5 } } },
  };
  check(file, { opType: "Gemm", name: "/fc1/Gemm" }, { "activation.observer": "moving_average_minmax", "activation.averagingConstant": 0.1, "source.activation": "opType" });
  check(file, { opType: "Gemm", name: "/fc2/Gemm" }, { "activation.observer": "moving_average_minmax", "activation.averagingConstant": 0.5, "source.activation": "node" });
  check(file, { opType: "Conv", name: "/c/Conv" }, { "activation.observer": "minmax", "source.activation": "global" });
});

test("null keeps ops in float; a node entry beats a null op type", () => {
  const file: QConfigFile = { opTypes: { Conv: null }, nodes: { "/keep/Conv": {}, "/float/Gemm": null } };
  check(file, { opType: "Conv", name: "/x/Conv" }, null);
  check(file, { opType: "Conv", name: "/keep/Conv" }, { "activation.observer": "histogram" });
  check(file, { opType: "Gemm", name: "/float/Gemm" }, null);
  check(file, { opType: "Gemm", name: "/other/Gemm" }, { "weight.observer": "per_channel_minmax" });
});

test("PyTorch's op-type defaults apply on top of global", () => {
  const file: QConfigFile = { global: { weight: { observer: "per_channel_minmax", qscheme: "per_channel_affine" } } };
  check(file, { opType: "ConvTranspose" }, { "weight.observer": "minmax", "weight.qscheme": "per_tensor_symmetric", "source.weight": "backend default" });
  check({ backend: "onednn" }, { opType: "ConvTranspose" }, { "weight.observer": "per_channel_minmax" });
  check({}, { opType: "Sigmoid" }, { "activation.observer": "fixed_qparams", "activation.scale": 1 / 256, "activation.zeroPoint": 0 });
  check({}, { opType: "Tanh" }, { "activation.zeroPoint": 128 });
  check({}, { opType: "Reshape" }, { "activation.observer": "reuse_input", weight: undefined });
  // An explicit opTypes entry replaces the fixed qparams.
  check({ opTypes: { Sigmoid: { activation: { observer: "minmax" } } } }, { opType: "Sigmoid" }, { "activation.observer": "minmax", "source.activation": "opType" });
});

test("inheritance stays coherent: granularity follows the observer, a new dtype drops the range", () => {
  assert.deepEqual(mergeObserverConfig({ observer: "per_channel_minmax", qscheme: "per_channel_symmetric", chAxis: 1 }, { observer: "minmax" }), {
    observer: "minmax",
    qscheme: "per_tensor_symmetric",
  });
  assert.deepEqual(mergeObserverConfig({ dtype: "quint8", quantMin: 0, quantMax: 255 }, { dtype: "qint8" }), { dtype: "qint8" });
  assert.deepEqual(mergeObserverConfig({ dtype: "quint8", quantMin: 0, quantMax: 255 }, { dtype: "quint8", reduceRange: false }), { dtype: "quint8", quantMin: 0, quantMax: 255, reduceRange: false });
  check({ global: { activation: { quantMin: 0, quantMax: 255 } } }, { opType: "Conv" }, { "activation.quantMin": 0, "activation.quantMax": 127, "activation.customRange": true });
});

test("QAT mode uses the QAT defaults", () => {
  const r = resolveNodeQConfig({ backend: "qnnpack" }, { opType: "Conv" }, { mode: "qat" });
  assert.equal(r?.activation.observer, "moving_average_minmax");
  assert.equal(r?.weight?.observer, "moving_average_minmax");
});
