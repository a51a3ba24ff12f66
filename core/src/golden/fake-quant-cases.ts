// Golden-case handlers for fake_quant.json (any process): fake_quantize_per_tensor_affine,
// fake_quantize_per_channel_affine, and the default QAT fake-quant module of a backend stepped over
// several batches (output, scale and zero point after every step).
import type { CaseHandler, GoldenCase } from "./verify";
import { decodeFloat32 } from "./arrays";
import { describeMismatch, firstFloatMismatch, firstIntMismatch, mismatchOutcome, type Mismatch } from "./compare";
import { InputError } from "../errors";
import {
  QAT_BACKENDS,
  createFusedMovingAvgObsFakeQuantize,
  defaultQatFakeQuantSpec,
  fakeQuantizePerChannel,
  fakeQuantizePerTensor,
  type QatBackend,
} from "../wasm/fake-quant";
import { FLOAT_RTOL, num, numArray } from "./quantize-cases";

const perTensorCase: CaseHandler = (c, core) => {
  const x = decodeFloat32(c.x, "x");
  const out = fakeQuantizePerTensor(
    core,
    x.data,
    num(c, "scale"),
    num(c, "zero_point"),
    num(c, "quant_min"),
    num(c, "quant_max"),
  );
  const m = firstFloatMismatch(decodeFloat32(c.out, "out").data, out, FLOAT_RTOL);
  return mismatchOutcome("out", m);
};

const perChannelCase: CaseHandler = (c, core) => {
  const x = decodeFloat32(c.x, "x");
  const out = fakeQuantizePerChannel(
    core,
    x.data,
    x.shape,
    numArray(c, "scales"),
    numArray(c, "zero_points"),
    num(c, "axis"),
    num(c, "quant_min"),
    num(c, "quant_max"),
  );
  const m = firstFloatMismatch(decodeFloat32(c.out, "out").data, out, FLOAT_RTOL);
  return mismatchOutcome("out", m);
};

const qatCase: CaseHandler = (c, core) => {
  if (c.module !== "FusedMovingAvgObsFakeQuantize")
    throw new InputError(`unsupported QAT module ${JSON.stringify(c.module)}`);
  const backend = c.backend;
  if (typeof backend !== "string" || !(QAT_BACKENDS as readonly string[]).includes(backend)) {
    throw new InputError(`unknown backend ${JSON.stringify(backend)}`);
  }
  const role = c.role;
  if (role !== "activation" && role !== "weight")
    throw new InputError(`role should be activation or weight, got ${JSON.stringify(role)}`);
  const inputs = c.inputs;
  const steps = c.steps;
  if (!Array.isArray(inputs) || !Array.isArray(steps) || inputs.length !== steps.length) {
    throw new InputError("case needs 'inputs' and 'steps' lists of the same length");
  }
  // Golden data comes from x86 builds (fbgemm's qparams); builds without fbgemm say "aten".
  const impl = c.qparams_impl ?? "fbgemm";
  if (impl !== "fbgemm" && impl !== "aten")
    throw new InputError(`qparams_impl should be fbgemm or aten, got ${JSON.stringify(impl)}`);
  const fq = createFusedMovingAvgObsFakeQuantize(core, {
    ...defaultQatFakeQuantSpec(backend as QatBackend, role),
    qparamsImpl: impl,
  });
  try {
    for (let s = 0; s < inputs.length; s++) {
      const x = decodeFloat32(inputs[s], `inputs[${s}]`);
      const r = fq.step(x.data, x.shape);
      // The golden scale/zero_point are the module's calculate_qparams() after the step.
      const q = fq.calculateQParams();
      const step = steps[s] as GoldenCase;
      const checks: [string, Mismatch | undefined][] = [
        ["scale", firstFloatMismatch(numArray(step, "scale"), q.scales, FLOAT_RTOL)],
        ["zero_point", firstIntMismatch(numArray(step, "zero_point"), q.zeroPoints)],
        ["out", firstFloatMismatch(decodeFloat32(step.out, "out").data, r.out, FLOAT_RTOL)],
      ];
      // Optional: the module's own scale/zero_point buffers (the qparams the step fake-quantized with).
      if (step.module_scale !== undefined) {
        checks.push([
          "module scale",
          firstFloatMismatch(numArray(step, "module_scale"), r.scales, FLOAT_RTOL),
        ]);
        checks.push([
          "module zero_point",
          firstIntMismatch(numArray(step, "module_zero_point"), r.zeroPoints),
        ]);
      }
      for (const [what, m] of checks) {
        if (m) return { status: "fail", detail: `step ${s + 1}: ${describeMismatch(what, m)}` };
      }
    }
    return { status: "pass" };
  } finally {
    fq.dispose();
  }
};

export const handlers: Record<string, CaseHandler> = {
  fake_quantize_per_tensor_affine: perTensorCase,
  fake_quantize_per_channel_affine: perChannelCase,
  qat_fake_quant: qatCase,
};
