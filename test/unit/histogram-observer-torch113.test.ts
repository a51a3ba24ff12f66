// HistogramObserver against test/fixtures/quantize/histogram-cases.json (test process): PyTorch 2.11's
// accumulation and merge run on Debian's PyTorch 1.13 kernels (see generate-histogram-torch113.py),
// with many merges over growing and shrinking ranges, ReLU zeros, outliers, constant and tiny-range
// batches, infinities and bin counts other than 2048. The merge is sensitive to the last bit of
// torch.linspace, so these cases pin the emulation of ATen's AVX2 kernel. The "tiny range" cases merge
// over ranges some hundred ulps wide at large magnitude, where linspace's edges come out unsorted and
// only ATen's binary search (not a linear scan) gives torch.bucketize's bins; the generator asserts both.
import { test } from "node:test";
import * as fs from "node:fs";
import * as path from "node:path";
import * as assert from "node:assert/strict";
import { repoRoot } from "../helpers/shared";
import type { GoldenCase } from "../../core/src/golden/verify";
import { checkCases } from "../golden/golden-file";

const fixture = path.join(repoRoot, "test/fixtures/quantize/histogram-cases.json");

test("HistogramObserver matches 2.11's algorithm on torch kernels after every batch", async (t) => {
  const cases = JSON.parse(fs.readFileSync(fixture, "utf8")) as GoldenCase[];
  const tinyRange = cases.filter(
    (c) => Array.isArray(c.batches) && String(c.batches[0]).startsWith("tiny range"),
  );
  assert.ok(tinyRange.length >= 3, "the fixture should hold the tiny-range (unsorted edges) cases");
  await checkCases(t, "histogram-cases.json", cases, { expectedSkips: {} });
});
