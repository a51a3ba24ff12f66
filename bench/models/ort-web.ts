// Child process of the model benchmark: onnxruntime-web (WASM SIMD backend) runs one model at batch 1 with
// a given thread count (threads are fixed when ORT-web's WASM backend starts: one process per count; never
// loaded beside onnxruntime-node). Prints one JSON line.
// Usage: node --import tsx bench/models/ort-web.ts MODEL.onnx THREADS
import * as fs from "node:fs";
import { INPUT_SHAPE, images, measureLatency } from "./common";

type Ort = typeof import("onnxruntime-common");

async function main() {
  const [file, threadsArg] = process.argv.slice(2);
  const threads = Number(threadsArg);
  const ort: Ort = require("onnxruntime-web");
  (ort.env.wasm as { numThreads: number }).numThreads = threads;
  const session = await ort.InferenceSession.create(fs.readFileSync(file), {
    executionProviders: ["wasm"],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
  });
  const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", images(1, 777), INPUT_SHAPE) };
  const latency = await measureLatency(() => session.run(feeds));
  await session.release();
  console.log(JSON.stringify({ threads, latency }));
  process.exit(0);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
