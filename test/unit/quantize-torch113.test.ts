// Extra PyTorch 1.13 reference cases for quantize/dequantize, dynamic quantization, fake quantization and
// the non-histogram observers (test process): test/fixtures/quantize/torch113-cases.json, made by
// generate-torch113.py with exact ties, odd lengths, channel axes 1/2/-1, qint32, custom and reduced
// ranges, custom eps and single-valued or tiny-range tensors. Checked by the verify-golden handlers.
import { test } from "node:test";
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../helpers/shared";
import type { GoldenCase } from "../../core/src/golden/verify";
import { checkCases } from "../golden/golden-file";

const fixture = path.join(repoRoot, "test/fixtures/quantize/torch113-cases.json");

test("PyTorch 1.13 quantize, fake-quant and observer cases all match", async (t) => {
  const cases = JSON.parse(fs.readFileSync(fixture, "utf8")) as GoldenCase[];
  await checkCases(t, "torch113-cases.json", cases, { expectedSkips: {} });
});
