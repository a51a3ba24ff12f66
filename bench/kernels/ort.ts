// Child process of the kernel benchmark: onnxruntime-web (WASM SIMD) or onnxruntime-node (native) on
// every case, 1 and 2 threads; prints one JSON line per (case, threads). Each package runs in its own
// process: loaded together they share a backend registry and 'cpu' silently runs on WASM.
// Usage: node --import tsx bench/kernels/ort.ts web|node [threads,...] [case name]
import { CASES, applyBenchPriority, measure, opsOf, pseudoRandomBytes } from "./cases";
import { buildModel } from "./onnx-models";

type Ort = typeof import("onnxruntime-common");

async function main() {
  applyBenchPriority();
  const flavour = process.argv[2];
  if (flavour !== "web" && flavour !== "node") throw new Error("usage: ort.ts web|node [threads]");
  const threadCounts = (process.argv[3] ?? "1,2").split(",").map(Number);
  const only = process.argv[4];
  const ort: Ort = flavour === "web" ? require("onnxruntime-web") : require("onnxruntime-node");
  for (const t of threadCounts) {
    if (flavour === "web") {
      // Threads are fixed when the WASM backend initialises: one process per thread count.
      if (threadCounts.length > 1) throw new Error("onnxruntime-web: pass one thread count per process");
      (ort.env.wasm as { numThreads: number }).numThreads = t;
    }
    for (const c of CASES.filter((x) => only === undefined || x.name === only)) {
      const { bytes, inputShape } = buildModel(c);
      const session = await ort.InferenceSession.create(bytes, {
        executionProviders: [flavour === "web" ? "wasm" : "cpu"],
        intraOpNumThreads: t,
        interOpNumThreads: 1,
        executionMode: "sequential",
        graphOptimizationLevel: "all",
      });
      const n = inputShape.reduce((a, b) => a * b, 1);
      const feeds = { [session.inputNames[0]]: new ort.Tensor("uint8", pseudoRandomBytes(n, 2), inputShape) };
      const m = await measure(opsOf(c), () => session.run(feeds));
      await session.release();
      console.log(
        JSON.stringify({
          case: c.name,
          threads: t,
          gops: m.gops,
          cpuGops: m.cpuGops,
          busiestThreadGops: m.busiestThreadGops,
        }),
      );
    }
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
