// Golden-case handlers for quantize.json (any process): quantize_per_tensor (+ dequantize),
// quantize_per_channel and quantize_per_tensor_dynamic through the WASM core, compared with PyTorch:
// integers exactly, floats within 1e-6 relative.
import type { CaseHandler, CaseOutcome, GoldenCase } from "./verify";
import { decodeArray, decodeFloat32 } from "./arrays";
import { describeMismatch, firstFloatMismatch, firstIntMismatch, mismatchOutcome } from "./compare";
import { InputError } from "../errors";
import {
  dequantizePerTensor,
  isQuantDtype,
  quantizePerChannel,
  quantizePerTensor,
  quantizePerTensorDynamic,
  type QuantDtype,
} from "../wasm/quantize";

export const FLOAT_RTOL = 1e-6;

export function num(c: GoldenCase, key: string): number {
  const v = c[key];
  if (typeof v !== "number")
    throw new InputError(`case field '${key}' should be a number, got ${JSON.stringify(v)}`);
  return v;
}

export function numArray(c: GoldenCase, key: string): number[] {
  const v = c[key];
  if (!Array.isArray(v) || v.some((e) => typeof e !== "number"))
    throw new InputError(`case field '${key}' should be a list of numbers`);
  return v as number[];
}

function dtypeOf(c: GoldenCase, key = "dtype"): QuantDtype {
  const d = c[key];
  if (!isQuantDtype(d))
    throw new InputError(`case field '${key}' should be quint8, qint8 or qint32, got ${JSON.stringify(d)}`);
  return d;
}

/**
 * Elements where PyTorch's x86 quantize wraps around instead of saturating: |x / scale| is past
 * int32 (fbgemm's AVX2 path clips to 2^31 - 128, converts, then adds the zero point with int32
 * wrap-around). README "Known PyTorch quirks": we saturate instead.
 */
function overflowIndices(x: Float32Array, scale: number): Set<number> {
  const inv = Math.fround(1 / Math.fround(scale));
  const out = new Set<number>();
  for (let i = 0; i < x.length; i++) {
    if (Math.abs(Math.fround(x[i] * inv)) >= 2 ** 31 - 128) out.add(i);
  }
  return out;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

const quantizePerTensorCase: CaseHandler = (c, core) => {
  const x = decodeFloat32(c.x, "x").data;
  const scale = num(c, "scale");
  const zp = num(c, "zero_point");
  const dtype = dtypeOf(c);
  const expected = decodeArray(c.out, "out").data;
  const expectedDequant = c.dequant === undefined ? undefined : decodeFloat32(c.dequant, "dequant").data;
  const q = quantizePerTensor(core, x, scale, zp, dtype);
  const deq = dequantizePerTensor(core, q, scale, zp, dtype);
  const overflow = overflowIndices(x, scale);
  // Elements where PyTorch's int32 arithmetic wraps around; each with what happened.
  const divergent = new Map<number, string>();
  for (let i = 0; i < x.length; i++) {
    if (q[i] === expected[i]) continue;
    if (overflow.has(i)) {
      divergent.set(
        i,
        `quantize(${x[i]}) is ${expected[i]} in PyTorch 2.11 (int32 wrap-around), we saturate to ${q[i]}`,
      );
      continue;
    }
    return {
      status: "fail",
      detail: describeMismatch("out", { index: i, expected: expected[i], actual: q[i] }),
    };
  }
  if (expectedDequant) {
    for (let i = 0; i < x.length; i++) {
      if (divergent.has(i)) continue;
      const m = firstFloatMismatch([expectedDequant[i]], [deq[i]], FLOAT_RTOL);
      if (!m) continue;
      const centred = q[i] - zp;
      if (centred < INT32_MIN || centred > INT32_MAX) {
        // fbgemm::Dequantize computes q - zero_point in int32, which wraps for saturated qint32 values.
        divergent.set(
          i,
          `dequantize(${q[i]}) is ${expectedDequant[i]} in PyTorch 2.11 (q - zero_point wraps in int32), we give ${deq[i]}`,
        );
        continue;
      }
      return { status: "fail", detail: describeMismatch("dequant", { ...m, index: i }) };
    }
  }
  if (divergent.size > 0) {
    const [i, what] = divergent.entries().next().value as [number, string];
    return {
      status: "skip",
      reason:
        `known PyTorch overflow divergence: x[${i}]: ${what}` +
        (divergent.size > 1 ? ` (and ${divergent.size - 1} more)` : "") +
        `; the other ${x.length - divergent.size} elements match`,
    };
  }
  return { status: "pass" };
};

const quantizePerChannelCase: CaseHandler = (c, core) => {
  const x = decodeFloat32(c.x, "x");
  const dtype = dtypeOf(c);
  const q = quantizePerChannel(
    core,
    x.data,
    x.shape,
    numArray(c, "scales"),
    numArray(c, "zero_points"),
    num(c, "axis"),
    dtype,
  );
  const m = firstIntMismatch(decodeArray(c.out, "out").data, q);
  return mismatchOutcome("out", m);
};

const quantizePerTensorDynamicCase: CaseHandler = (c, core): CaseOutcome => {
  const x = decodeFloat32(c.x, "x").data;
  const dtype = dtypeOf(c);
  if (dtype === "qint32") throw new InputError("quantize_per_tensor_dynamic supports quint8 and qint8 only");
  const reduceRange = c.reduce_range === true;
  const out = c.out as GoldenCase;
  if (typeof out !== "object" || out === null)
    throw new InputError("case field 'out' should be a quantized tensor");
  const r = quantizePerTensorDynamic(core, x, dtype, reduceRange);
  const expScale = num(out, "scale");
  const expZp = num(out, "zero_point");
  const sm = firstFloatMismatch([expScale], [r.scale], FLOAT_RTOL);
  if (sm) return { status: "fail", detail: describeMismatch("scale", sm) };
  if (expZp !== r.zeroPoint)
    return { status: "fail", detail: `zero_point = ${r.zeroPoint}, expected ${expZp}` };
  const m = firstIntMismatch(decodeArray(out.int_repr, "out.int_repr").data, r.data);
  return mismatchOutcome("int_repr", m);
};

export const handlers: Record<string, CaseHandler> = {
  quantize_per_tensor: quantizePerTensorCase,
  quantize_per_channel: quantizePerChannelCase,
  quantize_per_tensor_dynamic: quantizePerTensorDynamicCase,
};
