// Golden-case handlers for quantized linear, conv and dynamic linear kernels in ops.json (any process):
// each case is run through the packed WASM kernels (SIMD path) under the case's engine and compared with
// PyTorch: uint8 outputs exactly; dynamic linear's float outputs within 1e-6 relative, no absolute slack.
import type { CaseHandler, CaseOutcome, GoldenCase } from "./verify";
import { decodeArray, decodeFloat32, type Tensor } from "./arrays";
import { firstFloatMismatch, firstIntMismatch, mismatchOutcome } from "./compare";
import { InputError } from "../errors";
import { isEngine, type Engine } from "../backends/engine";
import { PackedLinear, type QuantizedWeights } from "../wasm/qlinear";
import { PackedConv2d } from "../wasm/qconv";
import type { WasmCore } from "../wasm/core";

const DYNAMIC_RTOL = 1e-6;

function field(c: GoldenCase | Record<string, unknown>, key: string): unknown {
  if (!(key in c)) throw new InputError(`case has no field '${key}'`);
  return c[key];
}

function num(c: Record<string, unknown>, key: string): number {
  const v = field(c, key);
  if (typeof v !== "number")
    throw new InputError(`case field '${key}' should be a number, got ${JSON.stringify(v)}`);
  return v;
}

function obj(c: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = field(c, key);
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new InputError(`case field '${key}' should be an object`);
  return v as Record<string, unknown>;
}

/** A conv hyper-parameter given as one number (both dimensions) or [h, w]. */
function pair(c: Record<string, unknown>, key: string): [number, number] {
  const v = field(c, key);
  if (typeof v === "number") return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((e) => typeof e === "number"))
    return [v[0] as number, v[1] as number];
  throw new InputError(`conv parameter '${key}' should be a number or [h, w], got ${JSON.stringify(v)}`);
}

function engineOf(c: GoldenCase): Engine {
  const e = c.engine;
  if (typeof e !== "string" || !isEngine(e))
    throw new InputError(`case engine should be x86, fbgemm, qnnpack or onednn, got ${JSON.stringify(e)}`);
  return e;
}

interface QuantizedActivation {
  data: Uint8Array;
  shape: number[];
  scale: number;
  zeroPoint: number;
}

function activation(c: GoldenCase, key: string): QuantizedActivation {
  const q = obj(c, key);
  const t = decodeArray(q.int_repr, `${key}.int_repr`);
  if (!(t.data instanceof Uint8Array))
    throw new InputError(`${key} should be quint8 (uint8 int_repr), got ${t.dtype}`);
  return { data: t.data, shape: t.shape, scale: num(q, "scale"), zeroPoint: num(q, "zero_point") };
}

function weights(c: GoldenCase): { w: QuantizedWeights; shape: number[] } {
  const q = obj(c, "w");
  const t = decodeArray(q.int_repr, "w.int_repr");
  if (!(t.data instanceof Int8Array))
    throw new InputError(`w should be qint8 (int8 int_repr), got ${t.dtype}`);
  const scheme = q.qscheme;
  if (scheme === "per_channel_affine" || scheme === "per_channel_symmetric") {
    if (num(q, "axis") !== 0) throw new InputError(`per-channel weights must use axis 0`);
    const scales = field(q, "scales");
    const zps = field(q, "zero_points");
    if (!Array.isArray(scales) || !Array.isArray(zps))
      throw new InputError(`w.scales and w.zero_points should be lists`);
    return { w: { data: t.data, scales: scales as number[], zeroPoints: zps as number[] }, shape: t.shape };
  }
  return {
    w: { data: t.data, scales: [num(q, "scale")], zeroPoints: [num(q, "zero_point")] },
    shape: t.shape,
  };
}

function biasOf(c: GoldenCase): Float32Array | undefined {
  if (c.bias === undefined || c.bias === null) return undefined;
  return decodeFloat32(c.bias, "bias").data;
}

function compareInts(expected: Tensor, actual: Uint8Array): CaseOutcome {
  const m = firstIntMismatch(expected.data, actual);
  return mismatchOutcome("out", m);
}

function withPacked<P extends { dispose(): void }, T>(packed: P, fn: (p: P) => T): T {
  try {
    return fn(packed);
  } finally {
    packed.dispose();
  }
}

function linearCase(relu: boolean): CaseHandler {
  return (c, core) => {
    const engine = engineOf(c);
    const x = activation(c, "x");
    const { w, shape } = weights(c);
    if (shape.length !== 2 || x.shape.length !== 2 || x.shape[1] !== shape[1]) {
      throw new InputError(
        `linear shapes x [${x.shape.join(", ")}] and w [${shape.join(", ")}] do not match`,
      );
    }
    const [n, k] = shape;
    const m = x.shape[0];
    const expected = decodeArray(c.out, "out");
    const out = withPacked(new PackedLinear(core, engine, n, k, w, biasOf(c)), (p) =>
      p.runArrays(x.data, m, requantOf(c, x, relu)),
    );
    return compareInts(expected, out);
  };
}

/** The int8 op's requantization: the input activation's qparams, the case's output qparams, fused ReLU. */
function requantOf(c: GoldenCase, x: { scale: number; zeroPoint: number }, relu: boolean) {
  return { inScale: x.scale, inZeroPoint: x.zeroPoint, outScale: num(c, "out_scale"), outZeroPoint: num(c, "out_zero_point"), relu };
}

function conv2dCase(relu: boolean): CaseHandler {
  return (c, core) => {
    const engine = engineOf(c);
    const p = obj(c, "params");
    const x = activation(c, "x");
    const { w, shape } = weights(c);
    if (x.shape.length !== 4 || shape.length !== 4) throw new InputError(`conv2d expects 4-D x and w`);
    const [batch, cin, h, wd] = x.shape;
    const groups = num(p, "groups");
    const geometry = {
      inChannels: cin,
      outChannels: shape[0],
      kernel: [shape[2], shape[3]] as [number, number],
      stride: pair(p, "stride"),
      padding: pair(p, "pad"),
      dilation: pair(p, "dil"),
      groups,
    };
    if (shape[1] * groups !== cin)
      throw new InputError(
        `conv2d weight [${shape.join(", ")}] does not fit ${cin} input channels in ${groups} groups`,
      );
    const expected = decodeArray(c.out, "out");
    const out = withPacked(new PackedConv2d(core, engine, geometry, w, biasOf(c)), (packed) =>
      packed.runArrays(x.data, batch, h, wd, requantOf(c, x, relu)),
    );
    return compareInts(expected, out);
  };
}

const linearDynamicCase: CaseHandler = (c: GoldenCase, core: WasmCore) => {
  const engine = engineOf(c);
  const x = decodeFloat32(c.x, "x");
  const { w, shape } = weights(c);
  if (shape.length !== 2 || x.shape.length !== 2 || x.shape[1] !== shape[1]) {
    throw new InputError(
      `linear_dynamic shapes x [${x.shape.join(", ")}] and w [${shape.join(", ")}] do not match`,
    );
  }
  const reduceRange = c.reduce_range === true;
  const expected = decodeFloat32(c.out, "out");
  const out = withPacked(new PackedLinear(core, engine, shape[0], shape[1], w, biasOf(c)), (p) =>
    p.runDynamic(x.data, x.shape[0], reduceRange),
  );
  const m = firstFloatMismatch(expected.data, out, DYNAMIC_RTOL, 0);
  return mismatchOutcome("out", m);
};

export const handlers: Record<string, CaseHandler> = {
  linear: linearCase(false),
  linear_relu: linearCase(true),
  conv2d: conv2dCase(false),
  conv2d_relu: conv2dCase(true),
  linear_dynamic: linearDynamicCase,
};
