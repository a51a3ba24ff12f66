// fake_quant.json through the WASM fake-quant kernels and the fused QAT module: outputs, scales and zero
// points must match PyTorch 2.11 at every step (test process).
import { test } from "node:test";
import { checkGoldenFile } from "./golden-file";

test("fake_quant.json matches PyTorch at every step", async (t) => {
  await checkGoldenFile(t, "fake_quant.json", { expectedSkips: {} });
});
