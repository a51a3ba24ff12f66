// Child process of the model benchmark: QuantScope quantizes MobileNetV2 for x86 on 32 calibration images
// (timing calibration and the whole quantize), writes the QDQ file for the ONNX Runtime child, then times
// int8 inference at batch 1 on 1 and 2 threads. Prints one JSON line.
// Usage: node --import tsx bench/models/ours.ts OUT_QDQ.onnx [threads,...]
import * as fs from "node:fs";
import { createKernelThreadPool } from "../../core/src/node/kernel-threads";
import { loadCore } from "../../core/src/node/load-core";
import { quantizeModel } from "../../core/src/pipeline";
import { Int8Executor } from "../../core/src/runtime/int8-executor";
import { CALIBRATION_IMAGES, INPUT_SHAPE, MOBILENET, images, measureLatency, type Latency } from "./common";

async function main() {
  const out = process.argv[2];
  const threadCounts = (process.argv[3] ?? "1,2").split(",").map(Number);
  const core = await loadCore();
  const bytes = fs.readFileSync(MOBILENET);
  const calib = { data: images(CALIBRATION_IMAGES), shape: [CALIBRATION_IMAGES, ...INPUT_SHAPE.slice(1)] };
  let calibrationMs = 0;
  const t0 = performance.now();
  const result = await quantizeModel(core, {
    model: bytes,
    backend: "x86",
    calib,
    batchSize: CALIBRATION_IMAGES,
    onProgress: (p) => {
      if (p.phase === "calibrate" && p.done === p.total) calibrationMs = performance.now() - t0;
    },
  });
  const quantizeMs = performance.now() - t0;
  fs.writeFileSync(out, result.onnx);
  const x = new Map([["input", { data: images(1, 777), shape: INPUT_SHAPE }]]);
  const latency: Record<number, Latency> = {};
  for (const t of threadCounts) {
    const pool = t > 1 ? await createKernelThreadPool(core, t) : undefined;
    const exec = new Int8Executor(core, result.quantized, { pool });
    latency[t] = await measureLatency(() => exec.run(x));
    exec.dispose();
    pool?.close();
  }
  console.log(
    JSON.stringify({
      calibration_ms: calibrationMs,
      quantize_ms: quantizeMs,
      int8_layers: result.report.layers.length,
      float_nodes: result.report.float_nodes.length,
      latency,
    }),
  );
  process.exit(0);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
