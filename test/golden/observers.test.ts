// observers.json through the WASM observers: scale, zero point, min_val and max_val after every batch,
// and the final histogram of HistogramObserver, must match PyTorch 2.11 (test process).
import { test } from "node:test";
import { checkGoldenFile } from "./golden-file";

test("observers.json matches PyTorch after every batch", async (t) => {
  await checkGoldenFile(t, "observers.json", { expectedSkips: {} });
});
