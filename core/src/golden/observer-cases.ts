// Golden-case handlers for observers.json (any process): feeds each case's batches in order to the WASM
// observer built from the PyTorch class + kwargs, and after every batch compares calculate_qparams()
// (scales, zero points) and min_val/max_val; HistogramObserver cases also compare the final histogram.
import type { CaseHandler, GoldenCase } from "./verify";
import { decodeFloat32 } from "./arrays";
import { describeMismatch, firstFloatMismatch, firstIntMismatch } from "./compare";
import { InputError } from "../errors";
import { createObserver, observerSpecFromTorch } from "../wasm/observers";
import { FLOAT_RTOL } from "./quantize-cases";

function asNumbers(v: unknown, what: string): number[] {
  if (typeof v === "number") return [v];
  if (Array.isArray(v) && v.every((e) => typeof e === "number")) return v as number[];
  throw new InputError(`${what} should be a number or a list of numbers`);
}

function asArray(v: number | Float32Array): number[] {
  return typeof v === "number" ? [v] : Array.from(v);
}

const observerCase: CaseHandler = (c, core) => {
  const kwargs = (c.kwargs ?? {}) as Record<string, unknown>;
  if (typeof kwargs !== "object" || Array.isArray(kwargs))
    throw new InputError("case field 'kwargs' should be an object");
  const spec = observerSpecFromTorch(String(c.observer), kwargs);
  const inputs = c.inputs;
  const steps = c.steps;
  if (!Array.isArray(inputs) || !Array.isArray(steps) || inputs.length !== steps.length) {
    throw new InputError("case needs 'inputs' and 'steps' lists of the same length");
  }
  const observer = createObserver(core, spec);
  try {
    for (let s = 0; s < inputs.length; s++) {
      const x = decodeFloat32(inputs[s], `inputs[${s}]`);
      observer.observe(x.data, x.shape);
      const step = steps[s] as GoldenCase;
      const q = observer.calculateQParams();
      const checks: [string, ReturnType<typeof firstIntMismatch>][] = [
        ["scale", firstFloatMismatch(asNumbers(step.scale, "scale"), q.scales, FLOAT_RTOL)],
        ["zero_point", firstIntMismatch(asNumbers(step.zero_point, "zero_point"), q.zeroPoints)],
        [
          "min_val",
          firstFloatMismatch(asNumbers(step.min_val, "min_val"), asArray(observer.minVal), FLOAT_RTOL),
        ],
        [
          "max_val",
          firstFloatMismatch(asNumbers(step.max_val, "max_val"), asArray(observer.maxVal), FLOAT_RTOL),
        ],
      ];
      for (const [what, m] of checks) {
        if (m) return { status: "fail", detail: `after batch ${s + 1}: ${describeMismatch(what, m)}` };
      }
    }
    if (c.histogram !== undefined) {
      if (!observer.histogram)
        return { status: "fail", detail: "the case has a histogram but the observer keeps none" };
      const m = firstFloatMismatch(
        asNumbers(c.histogram, "histogram"),
        observer.histogram().bins,
        FLOAT_RTOL,
      );
      if (m) return { status: "fail", detail: describeMismatch("histogram", m) };
    }
    return { status: "pass" };
  } finally {
    observer.dispose();
  }
};

export const handlers: Record<string, CaseHandler> = {
  MinMaxObserver: observerCase,
  MovingAverageMinMaxObserver: observerCase,
  PerChannelMinMaxObserver: observerCase,
  MovingAveragePerChannelMinMaxObserver: observerCase,
  HistogramObserver: observerCase,
};
