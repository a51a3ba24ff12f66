// Benchmark of `compare` against `quantize` (bench process): MobileNetV2 (shared/golden/models) for x86,
// calibrated on 8 pseudo-random images; times quantizeModel alone and compareModels (calibration with
// statistics, convert, weight comparison, propagated and shadow activation comparison on the same 8 images)
// in the same process, and reports the ratio (target: compare at most 2x quantize).
// Usage: npm run bench:models [-- --json] (runs after bench/models/main.ts)
import * as fs from "node:fs";
import { loadCore } from "../../core/src/node/load-core";
import { compareModels } from "../../core/src/numeric/compare-models";
import { quantizeModel } from "../../core/src/pipeline";
import { INPUT_SHAPE, MOBILENET, images } from "../models/common";

const IMAGES = 8;

async function main() {
  const json = process.argv.includes("--json");
  const core = await loadCore();
  const bytes = fs.readFileSync(MOBILENET);
  const calib = { data: images(IMAGES), shape: [IMAGES, ...INPUT_SHAPE.slice(1)] };
  const x = { data: images(IMAGES, 4242), shape: [IMAGES, ...INPUT_SHAPE.slice(1)] };

  // CPU time next to wall clock: on shared cores the wall clock mostly measures the neighbours.
  const cpuMs = (since: NodeJS.CpuUsage) => {
    const u = process.cpuUsage(since);
    return (u.user + u.system) / 1000;
  };
  let t0 = performance.now();
  let c0 = process.cpuUsage();
  const quantized = await quantizeModel(core, { model: bytes, backend: "x86", calib, batchSize: IMAGES });
  const quantizeMs = performance.now() - t0;
  const quantizeCpuMs = cpuMs(c0);

  t0 = performance.now();
  c0 = process.cpuUsage();
  const { report } = await compareModels(core, { model: bytes, modelName: "mobilenet_v2.onnx", backend: "x86", calib, batchSize: IMAGES, x });
  const compareMs = performance.now() - t0;
  const compareCpuMs = cpuMs(c0);

  const result = {
    model: "mobilenet_v2 (random weights), x86",
    images: IMAGES,
    int8_layers: quantized.report.layers.length,
    quantize_s: quantizeMs / 1000,
    compare_s: compareMs / 1000,
    ratio: compareMs / quantizeMs,
    quantize_cpu_s: quantizeCpuMs / 1000,
    compare_cpu_s: compareCpuMs / 1000,
    cpu_ratio: compareCpuMs / quantizeCpuMs,
    compare_phases_ms: report.timing_ms,
  };
  if (json) console.log(JSON.stringify(result));
  else {
    console.log(`MobileNetV2 x86, ${IMAGES} images, ${result.int8_layers} int8 layers`);
    console.log(`quantize: ${result.quantize_s.toFixed(2)} s wall, ${result.quantize_cpu_s.toFixed(2)} s CPU`);
    console.log(`compare:  ${result.compare_s.toFixed(2)} s wall, ${result.compare_cpu_s.toFixed(2)} s CPU`);
    console.log(`compare / quantize: ${result.ratio.toFixed(2)}x wall, ${result.cpu_ratio.toFixed(2)}x CPU (target <= 2x)`);
    console.log(`compare phases (ms): ${Object.entries(report.timing_ms ?? {}).map(([k, v]) => `${k.replace(/_ms$/, "")} ${v}`).join(", ")}`);
  }
  process.exit(0);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
