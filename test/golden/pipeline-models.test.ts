// The model pipeline against PyTorch's eager static quantization (shared/golden/models): for cnn, mlp and
// dwcnn with the x86, qnnpack, fbgemm and onednn backends, calibrated on the first 256 training images in one batch:
// observer placement and qparams, quantized weights, integer-exact execution, int8 accuracy and the first
// 64 int8 argmaxes (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import type { Engine } from "../../core/src/backends/engine";
import { quantizeWeight, type QuantizedModel } from "../../core/src/passes/convert";
import { top1Accuracy } from "../../core/src/pipeline";
import { Int8Executor } from "../../core/src/runtime/int8-executor";
import {
  MODELS,
  OBSERVER_MAP,
  argmaxRows,
  digitsSplit,
  goldenModel,
  moduleOfNode,
  quantizedFor,
  testCore,
} from "./pipeline-golden";

const BACKENDS: readonly Engine[] = ["x86", "qnnpack", "fbgemm", "onednn"];
/**
 * Backends whose kernels reproduce PyTorch's int8 logits exactly from PyTorch's qparams and weights: all four.
 * cnn on onednn is the case that needs PyTorch's memory formats: its pool reads relu4's channels-last output
 * (conv outputs are channels-last) and rounds relative to the odd zero point 75 (docs/quantization-numerics.md).
 */
const EXACT_BACKENDS: readonly Engine[] = ["x86", "qnnpack", "fbgemm", "onednn"];

async function runInt8(q: QuantizedModel): Promise<Float32Array> {
  const core = await testCore();
  const exec = new Int8Executor(core, q);
  try {
    const { test: x } = digitsSplit();
    const out = await exec.run(new Map([["input", x]]), { batchSize: 256 });
    return out.get("logits")!.data;
  } finally {
    exec.dispose();
  }
}

for (const model of MODELS) {
  for (const backend of BACKENDS) {
    test(`${model}/${backend}: observers sit where PyTorch's do, with the same qparams`, async () => {
      const { calibrated } = await quantizedFor(model, backend);
      const golden = goldenModel(model).backends[backend].observers;
      const mapping = OBSERVER_MAP[model];
      const ours = [...calibrated.calibration.activations.keys()].sort();
      assert.deepEqual(
        ours,
        Object.keys(mapping).sort(),
        "observed tensors differ from PyTorch's observer placement",
      );
      assert.deepEqual(
        Object.values(mapping)
          .map((m) => `${m}.activation_post_process`)
          .sort(),
        Object.keys(golden).sort(),
        "the mapping must cover every golden observer",
      );
      for (const [tensor, module] of Object.entries(mapping)) {
        const g = golden[`${module}.activation_post_process`];
        const a = calibrated.calibration.activations.get(tensor)!;
        const rel = Math.abs(a.scale - g.scale[0]) / g.scale[0];
        assert.ok(
          rel <= 1e-4,
          `${tensor} (${module}): scale ${a.scale} vs PyTorch ${g.scale[0]} (relative ${rel.toExponential(2)})`,
        );
        assert.equal(a.zeroPoint, g.zero_point[0], `${tensor} (${module}): zero point`);
        assert.ok(
          Math.abs(a.min - g.min_val) <= 1e-4 * Math.max(1, Math.abs(g.min_val)),
          `${tensor}: min ${a.min} vs ${g.min_val}`,
        );
        assert.ok(
          Math.abs(a.max - g.max_val) <= 1e-4 * Math.max(1, Math.abs(g.max_val)),
          `${tensor}: max ${a.max} vs ${g.max_val}`,
        );
      }
    });

    test(`${model}/${backend}: int8 weights equal PyTorch's int_repr (BN-folded convs within one step)`, async () => {
      const { quantized } = await quantizedFor(model, backend);
      const modules = goldenModel(model).backends[backend].quantized_modules;
      let weights = 0;
      for (const g of quantized.groups) {
        if (!g.weight) continue;
        weights++;
        const gw = modules[moduleOfNode(g.id)].weight!;
        const expected = gw.int_repr.data;
        assert.equal(g.weight.data.length, expected.length, `${g.id}: weight size`);
        let differ = 0;
        for (let i = 0; i < expected.length; i++) {
          const d = Math.abs(g.weight.data[i] - expected[i]);
          assert.ok(d <= 1, `${g.id}: weight ${i} is ${g.weight.data[i]}, PyTorch ${expected[i]}`);
          if (d) differ++;
        }
        // Linear layers have no BatchNorm: bit-exact. Convs carry the exporter's BN folding, whose float
        // rounding differs from torch.ao's fuse in a handful of weights (see the fused-weights test).
        if (g.nodes[0].opType !== "Conv") assert.equal(differ, 0, `${g.id}: ${differ} weights differ`);
        else
          assert.ok(
            differ <= expected.length / 1000,
            `${g.id}: ${differ} of ${expected.length} weights off by one`,
          );
        const scales = gw.scales ?? [gw.scale!];
        for (let c = 0; c < scales.length; c++) {
          assert.ok(
            Math.abs(g.weight.scales[c] - scales[c]) <= 1e-6 * scales[c],
            `${g.id}: weight scale ${c}`,
          );
        }
      }
      assert.ok(weights >= 3, "every golden model has at least three weighted layers");
    });

    test(`${model}/${backend}: PyTorch's own fused float weights quantize to exactly its int_repr`, async () => {
      const core = await testCore();
      const { quantized } = await quantizedFor(model, backend);
      const golden = goldenModel(model).backends[backend];
      // torch.ao's fuse is backend-independent; the golden keeps the fused float weights once, under x86.
      const fusedState = goldenModel(model).backends.x86.fused_float_state;
      for (const g of quantized.groups) {
        if (!g.weight) continue;
        const mod = moduleOfNode(g.id);
        const fused = fusedState[`${mod}.0.weight`] ?? fusedState[`${mod}.weight`];
        const w = quantizeWeight(
          core,
          g.nodes[0],
          { data: Float32Array.from(fused.data), dims: fused.shape, name: g.weight.tensor },
          g.qconfig.weight!,
        );
        assert.deepEqual(
          Array.from(w.data),
          golden.quantized_modules[mod].weight!.int_repr.data,
          `${g.id}: int_repr`,
        );
      }
    });

    if (EXACT_BACKENDS.includes(backend))
      test(`${model}/${backend}: with PyTorch's qparams and weights the int8 logits are PyTorch's, integer for integer`, async () => {
        const { quantized } = await quantizedFor(model, backend);
        const golden = goldenModel(model).backends[backend];
        // Same plan, PyTorch's numbers: activation qparams from its observers, weights from its modules.
        const qparams = new Map(quantized.qparams);
        for (const [value, source] of quantized.plan.qparamsOf) {
          const g = golden.observers[`${OBSERVER_MAP[model][source]}.activation_post_process`];
          qparams.set(value, { scale: g.scale[0], zeroPoint: g.zero_point[0] });
        }
        const groups = quantized.groups.map((g) => {
          const out = {
            ...g,
            inputQParams: g.inputs.map((i) => qparams.get(i)!),
            outputQParams: qparams.get(g.output)!,
          };
          if (g.weight) {
            const m = golden.quantized_modules[moduleOfNode(g.id)];
            out.weight = {
              ...g.weight,
              data: Int8Array.from(m.weight!.int_repr.data),
              scales: Float32Array.from(m.weight!.scales ?? [m.weight!.scale!]),
            };
            out.bias = Float32Array.from(m.bias!.data);
          }
          return out;
        });
        const logits = await runInt8({ ...quantized, qparams, groups });
        const expected = golden.int8_logits_first64.data;
        for (let i = 0; i < expected.length; i++) {
          assert.ok(
            Math.abs(logits[i] - expected[i]) <= 1e-6 * Math.max(1, Math.abs(expected[i])),
            `logit ${i}: ${logits[i]} vs PyTorch ${expected[i]}`,
          );
        }
      });

    test(`${model}/${backend}: int8 accuracy within 0.3 points of PyTorch's, argmax equal on >= 63 of the first 64`, async () => {
      const { quantized } = await quantizedFor(model, backend);
      const golden = goldenModel(model).backends[backend];
      const logits = await runInt8(quantized);
      const acc = top1Accuracy(logits, 10, digitsSplit().testLabels);
      assert.ok(
        Math.abs(acc - golden.int8_acc) <= 0.003,
        `int8 accuracy ${acc} vs PyTorch ${golden.int8_acc}`,
      );
      const ours = argmaxRows(logits, 64, 10);
      const theirs = argmaxRows(golden.int8_logits_first64.data, 64, 10);
      const agree = ours.filter((a, i) => a === theirs[i]).length;
      assert.ok(agree >= 63, `argmax agrees on ${agree}/64 rows`);
    });
  }
}
