// Test helper: the UCI digits of ../shared/golden/models/digits.json decoded once per process, with the
// split the golden models use (first 60% train, first 256 of those = calibration, rest = test).
import { goldenTensor, loadSharedJson } from "./shared";

export interface Digits {
  /** All images, [N, 1, 8, 8] flattened, already normalized. */
  x: Float32Array;
  y: Int32Array;
  count: number;
  trainCount: number;
  /** Images [start, start+n) as a [n, 1, 8, 8] input. */
  slice(start: number, n: number): { data: Float32Array; shape: number[] };
  /** The first `n` test images. */
  test(n: number): { data: Float32Array; shape: number[] };
  /** The calibration images (first 256 of train). */
  calibration(): { data: Float32Array; shape: number[] };
}

let cached: Digits | undefined;

export function digits(): Digits {
  if (cached) return cached;
  const raw = loadSharedJson<{ x: unknown; y: unknown; train_count: number }>("golden", "models", "digits.json");
  const x = goldenTensor(raw.x, "digits.x").data as Float32Array;
  const yt = goldenTensor(raw.y, "digits.y");
  const y = Int32Array.from(yt.data as ArrayLike<number>, Number);
  const count = y.length;
  const per = 64;
  const slice = (start: number, n: number) => ({ data: x.subarray(start * per, (start + n) * per), shape: [n, 1, 8, 8] });
  cached = {
    x,
    y,
    count,
    trainCount: raw.train_count,
    slice,
    test: (n) => slice(raw.train_count, n),
    calibration: () => slice(0, 256),
  };
  return cached;
}
