// PyTorch 2.11's default qconfigs (get_default_qconfig / get_default_qat_qconfig / get_default_qconfig_mapping)
// against shared/golden/qconfig_defaults.json, for all four backends (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { loadSharedJson } from "../helpers/shared";
import { ENGINES, type Engine } from "../../core/src/backends/engine";
import { defaultQConfig } from "../../core/src/qconfig/defaults";
import { finalizeObserver, resolveNodeQConfig } from "../../core/src/qconfig/resolve";
import type { ResolvedActivation, ResolvedObserver } from "../../core/src/qconfig/types";

type ObsJson = Record<string, string>;
interface BackendJson {
  ptq: { activation: string; weight: string; activation_obj: ObsJson; weight_obj: ObsJson };
  qat: { activation: string; weight: string; activation_obj: ObsJson; weight_obj: ObsJson };
  mapping: { global: string; object_type: [string, string][] };
}
const golden = () => loadSharedJson<Record<Engine, BackendJson>>("golden", "qconfig_defaults.json");

const CLASS_TO_OBSERVER: Record<string, string> = {
  MinMaxObserver: "minmax",
  MovingAverageMinMaxObserver: "moving_average_minmax",
  HistogramObserver: "histogram",
  PerChannelMinMaxObserver: "per_channel_minmax",
  MovingAveragePerChannelMinMaxObserver: "moving_average_per_channel_minmax",
};
const PER_CHANNEL = new Set(["PerChannelMinMaxObserver", "MovingAveragePerChannelMinMaxObserver"]);

/** Compares one resolved observer with a golden *_obj (and its repr, which carries reduce_range for QAT). */
function check(ours: ResolvedObserver, obj: ObsJson, repr: string, where: string): void {
  const cls = obj.observer ?? obj.class;
  assert.equal(ours.observer, CLASS_TO_OBSERVER[cls], `${where}: observer (${cls})`);
  assert.equal(`torch.${ours.dtype}`, obj.dtype, `${where}: dtype`);
  assert.equal(`torch.${ours.qscheme}`, obj.qscheme, `${where}: qscheme`);
  assert.equal(ours.quantMin, Number(obj.quant_min), `${where}: quant_min`);
  assert.equal(ours.quantMax, Number(obj.quant_max), `${where}: quant_max`);
  const reduce = obj.reduce_range ?? (/reduce_range=True/.test(repr) ? "True" : "False");
  assert.equal(ours.reduceRange ? "True" : "False", reduce, `${where}: reduce_range`);
  if (PER_CHANNEL.has(cls)) assert.equal(String(ours.chAxis), obj.ch_axis, `${where}: ch_axis`);
  else assert.equal(ours.chAxis, undefined, `${where}: per-tensor observers have no chAxis`);
}

for (const backend of ENGINES) {
  for (const mode of ["ptq", "qat"] as const) {
    test(`${backend} ${mode} default qconfig matches PyTorch`, () => {
      const g = golden()[backend][mode];
      const d = defaultQConfig(backend, mode);
      check(finalizeObserver(d.activation), g.activation_obj, g.activation, `${backend} ${mode} activation`);
      check(finalizeObserver(d.weight), g.weight_obj, g.weight, `${backend} ${mode} weight`);
    });
  }
}

// ---- get_default_qconfig_mapping: the op-type entries, as ONNX op types ----

/** PyTorch mapping key -> the ONNX op type it becomes in an exported model. */
function onnxOpType(torchKey: string): string {
  const rules: [RegExp, string][] = [
    [/ConvTranspose\dd|conv_transpose\dd/, "ConvTranspose"],
    [/layer_norm|LayerNorm/, "LayerNormalization"],
    [/PReLU/, "PRelu"],
    [/[Hh]ardsigmoid/, "HardSigmoid"],
    [/[Ss]igmoid/, "Sigmoid"],
    [/Softmax/, "Softmax"],
    [/[Tt]anh/, "Tanh"],
    [/'reshape'/, "Reshape"],
  ];
  for (const [re, op] of rules) if (re.test(torchKey)) return op;
  throw new Error(`no ONNX op type for mapping key ${torchKey}: extend defaultOpTypeConfigs and this table`);
}

interface ReprObserver {
  cls: string;
  kwargs: Record<string, string>;
}

/** Parses `functools.partial(<class '...X'>, a=1, b=torch.q){}` or `<class '...X'>`. */
function parseObserverRepr(repr: string): ReprObserver {
  const cls = /<class '[\w.]*\.(\w+)'>/.exec(repr)?.[1];
  assert.ok(cls, `cannot read observer class from ${repr}`);
  const kwargs: Record<string, string> = {};
  const args = /<class '[^']*'>, (.*)\)\{\}$/.exec(repr)?.[1] ?? "";
  for (const m of args.matchAll(/(\w+)=([^,]+)/g)) kwargs[m[1]] = m[2].trim();
  return { cls, kwargs };
}

function parseQConfigRepr(repr: string): { activation: ReprObserver; weight: ReprObserver } {
  const m = /^QConfig\(activation=(.*), weight=(.*)\)$/.exec(repr);
  assert.ok(m, `cannot read ${repr}`);
  return { activation: parseObserverRepr(m[1]), weight: parseObserverRepr(m[2]) };
}

/** Builds what PyTorch's observer constructor would hold, using each class's own defaults. */
function expectedFromRepr(o: ReprObserver): ResolvedActivation | undefined | "none" {
  if (o.cls === "NoopObserver" || o.cls === "PlaceholderObserver") return "none";
  if (o.cls === "ReuseInputObserver") return { observer: "reuse_input" };
  const k = o.kwargs;
  const dtype = (k.dtype ?? "torch.quint8").replace("torch.", "") as ResolvedObserver["dtype"];
  if (o.cls === "FixedQParamsObserver") {
    return { observer: "fixed_qparams", dtype, scale: Number(k.scale), zeroPoint: Number(k.zero_point), quantMin: Number(k.quant_min), quantMax: Number(k.quant_max) };
  }
  const observer = CLASS_TO_OBSERVER[o.cls] as ResolvedObserver["observer"];
  assert.ok(observer, `unknown observer class ${o.cls}`);
  const perChannel = PER_CHANNEL.has(o.cls);
  const qscheme = (k.qscheme ?? (perChannel ? "torch.per_channel_affine" : "torch.per_tensor_affine")).replace("torch.", "") as ResolvedObserver["qscheme"];
  return finalizeObserver({ observer, dtype, qscheme, reduceRange: k.reduce_range === "True" });
}

function comparable(o: ResolvedActivation | undefined): unknown {
  if (!o || o.observer === "reuse_input" || o.observer === "fixed_qparams") return o;
  // Histogram bins and moving-average constants are class defaults the reprs do not show.
  return { observer: o.observer, dtype: o.dtype, qscheme: o.qscheme, reduceRange: o.reduceRange, quantMin: o.quantMin, quantMax: o.quantMax, chAxis: o.chAxis };
}

for (const backend of ENGINES) {
  test(`${backend} default qconfig mapping: every op-type entry resolves as PyTorch's`, () => {
    const mapping = golden()[backend].mapping;
    assert.ok(mapping.object_type.length >= 20, "the golden mapping has its op-type entries");
    for (const [key, repr] of mapping.object_type) {
      const opType = onnxOpType(key);
      const want = parseQConfigRepr(repr);
      const got = resolveNodeQConfig({ backend }, { opType });
      assert.ok(got, `${key} is quantized`);
      const wantAct = expectedFromRepr(want.activation);
      const wantWeight = expectedFromRepr(want.weight);
      assert.deepEqual(comparable(got.activation), comparable(wantAct as ResolvedActivation), `${backend} ${key} -> ${opType} activation`);
      assert.deepEqual(comparable(got.weight), wantWeight === "none" ? undefined : comparable(wantWeight as ResolvedObserver), `${backend} ${key} -> ${opType} weight`);
    }
  });

  test(`${backend} default qconfig mapping: ops without an entry get the global qconfig`, () => {
    const want = parseQConfigRepr(golden()[backend].mapping.global);
    for (const opType of ["Conv", "Gemm", "MatMul", "Add"]) {
      const got = resolveNodeQConfig({ backend }, { opType });
      assert.ok(got);
      assert.deepEqual(comparable(got.activation), comparable(expectedFromRepr(want.activation) as ResolvedActivation), `${opType} activation`);
      assert.deepEqual(comparable(got.weight), comparable(expectedFromRepr(want.weight) as ResolvedObserver), `${opType} weight`);
    }
  });
}
