// HistogramObserver of PyTorch 2.11 (WASM): histogram accumulation with torch.histc, merging a
// histogram into a wider range by upsampling (16 sub-bins placed by their mid-points), and the
// L2-norm `_non_linear_param_search` that picks the clipping range. Every step follows the float32 /
// float64 precision of PyTorch's tensor and Python arithmetic (noted where it matters).
// State: `bins` f32 at histPtr, and [min, max] f32 at statePtr ([+inf, -inf] before the first batch).
import { minMaxF32, reducedMax, reducedMin } from "../util/reduce";
import { observerQParamsOne } from "../util/qparams";

/** HistogramObserver.upsample_rate in PyTorch 2.11. */
const UPSAMPLE_RATE: i32 = 16;

/** a * b + c rounded once to float32 (C's fmaf), via an exact product and round-to-odd in double. */
export function fmaf(a: f32, b: f32, c: f32): f32 {
  const p: f64 = <f64>a * <f64>b; // exact: 24 + 24 bits
  const cc: f64 = <f64>c;
  let s: f64 = p + cc;
  // TwoSum: the exact sum is s + err.
  const bb: f64 = s - p;
  const err: f64 = p - (s - bb) + (cc - bb);
  if (err != 0) {
    let bits = reinterpret<u64>(s);
    if ((bits & 1) == 0) {
      if (err > 0 == s > 0) bits += 1;
      else bits -= 1;
      s = reinterpret<f64>(bits);
    }
  }
  return <f32>s;
}

/**
 * Float lanes of ATen's AVX2 kernels. The last bits of linspace depend on it, and through the
 * mid-points the histogram merge does: 8 reproduces the 2.11 golden data (and 1.13 here); AVX512's 16
 * does not.
 */
const LINSPACE_LANES: i32 = 8;

/**
 * Element `idx` of torch.linspace(start, end, steps) in float32 as ATen's AVX2 CPU kernel computes it:
 * the first half counts up from start, the second down from end; each block of 8 takes a base
 * (start + step * i0, a fused multiply-add) plus j * step per lane; past the last full pair of blocks
 * the scalar loop (also contracted to FMA) takes over. One thread: the 32769-step mid-point grid is
 * then one chunk.
 */
// @ts-ignore: decorator
@inline
function linspaceAt(start: f32, end: f32, step: f32, steps: i32, idx: i32): f32 {
  const half = steps / 2;
  const vectorized = (steps / (2 * LINSPACE_LANES)) * (2 * LINSPACE_LANES);
  if (idx < vectorized) {
    const i0 = idx - (idx % LINSPACE_LANES);
    const base: f32 = i0 < half ? fmaf(step, <f32>i0, start) : fmaf(-step, <f32>(steps - i0 - 1), end);
    return base + <f32>(idx - i0) * step;
  }
  return idx < half ? fmaf(step, <f32>idx, start) : fmaf(-step, <f32>(steps - idx - 1), end);
}

// @ts-ignore: decorator
@inline
function linspaceStep(start: f32, end: f32, steps: i32): f32 {
  return (end - start) / <f32>(steps - 1);
}

/** Above this many elements a bin's count may pass 2^24, where float32 counting stops being exact. */
const EXACT_COUNT_LIMIT: i32 = 1 << 24;

/**
 * torch.histc(x, bins, min=lo, max=hi) written to `out` (f32 counts, overwritten): elements outside
 * [lo, hi] and non-finite ones are skipped; the bin is trunc((x - lo) * bins / (hi - lo)) in float32,
 * the last edge belonging to the last bin. lo == hi widens the range to [lo - 1, hi + 1] as ATen does.
 * `allInside` says every element is finite and within [lo, hi] (the range came from the data), so no
 * element needs the range test. `lanes` holds 4 * bins i32.
 */
function histc(src: usize, n: i32, bins: i32, lo: f32, hi: f32, out: usize, lanes: usize, allInside: bool): void {
  let left: f64 = <f64>lo;
  let right: f64 = <f64>hi;
  if (left == right) {
    left -= 1;
    right += 1;
  }
  const l = <f32>left;
  const r = <f32>right;
  if (allInside && n <= EXACT_COUNT_LIMIT) histcInside(src, n, bins, l, r, out, lanes);
  else histcChecked(src, n, bins, l, r, out, lanes);
}

/**
 * histc of finite data inside [l, r], at most 2^24 elements: 8 bin indices per step (the same f32 sub,
 * mul and div per lane, the bin clamped and turned into an address in SIMD), each lane counting into its
 * own i32 histogram so repeated bins (the zeros after a ReLU) do not chain loads and stores. No count
 * can pass 2^24, so the sums are exactly the float32 counts PyTorch accumulates.
 */
function histcInside(src: usize, n: i32, bins: i32, l: f32, r: f32, out: usize, lanes: usize): void {
  const width: f32 = r - l;
  const nb: f32 = <f32>bins;
  const last = bins - 1;
  const histBytes = <usize>bins << 2;
  memory.fill(lanes, 0, 4 * histBytes);
  const vl = f32x4.splat(l);
  const vnb = f32x4.splat(nb);
  const vw = f32x4.splat(width);
  const vlast = i32x4.splat(last);
  let bases = i32x4.splat(<i32>lanes);
  bases = i32x4.replace_lane(bases, 1, <i32>(lanes + histBytes));
  bases = i32x4.replace_lane(bases, 2, <i32>(lanes + 2 * histBytes));
  bases = i32x4.replace_lane(bases, 3, <i32>(lanes + 3 * histBytes));
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const x0 = v128.load(src + (<usize>i << 2));
    const x1 = v128.load(src + (<usize>i << 2), 16);
    const p0 = i32x4.min_s(i32x4.trunc_sat_f32x4_s(f32x4.div(f32x4.mul(f32x4.sub(x0, vl), vnb), vw)), vlast);
    const p1 = i32x4.min_s(i32x4.trunc_sat_f32x4_s(f32x4.div(f32x4.mul(f32x4.sub(x1, vl), vnb), vw)), vlast);
    const a0 = i32x4.add(i32x4.shl(p0, 2), bases);
    const a1 = i32x4.add(i32x4.shl(p1, 2), bases);
    bump(<usize>i32x4.extract_lane(a0, 0));
    bump(<usize>i32x4.extract_lane(a0, 1));
    bump(<usize>i32x4.extract_lane(a0, 2));
    bump(<usize>i32x4.extract_lane(a0, 3));
    bump(<usize>i32x4.extract_lane(a1, 0));
    bump(<usize>i32x4.extract_lane(a1, 1));
    bump(<usize>i32x4.extract_lane(a1, 2));
    bump(<usize>i32x4.extract_lane(a1, 3));
  }
  for (; i < n; i++) {
    const x = load<f32>(src + (<usize>i << 2));
    bump(lanes + (<usize>min<i32>(<i32>(((x - l) * nb) / width), last) << 2));
  }
  for (let b = 0; b < bins; b++) {
    const off = <usize>b << 2;
    const count = load<i32>(lanes + off) + load<i32>(lanes + histBytes + off) + load<i32>(lanes + 2 * histBytes + off) + load<i32>(lanes + 3 * histBytes + off);
    store<f32>(out + off, <f32>count);
  }
}

// @ts-ignore: decorator
@inline
function bump(p: usize): void {
  store<i32>(p, load<i32>(p) + 1);
}

/** histc with the range test per element (non-finite data) and float32 counting (any size). */
function histcChecked(src: usize, n: i32, bins: i32, l: f32, r: f32, out: usize, lanes: usize): void {
  const width: f32 = r - l;
  const nb: f32 = <f32>bins;
  const last = bins - 1;
  let i = 0;
  // Bin indices 4 at a time (the same f32 sub, mul and div per lane). Each lane counts into its own
  // zeroed histogram (`out` and three at `lanes`), so repeated bins do not chain loads and stores.
  const histBytes = <usize>bins << 2;
  const out1 = lanes;
  const out2 = lanes + histBytes;
  const out3 = lanes + 2 * histBytes;
  memory.fill(out, 0, histBytes);
  memory.fill(lanes, 0, 3 * histBytes);
  const vl = f32x4.splat(l);
  const vr = f32x4.splat(r);
  const vnb = f32x4.splat(nb);
  const vw = f32x4.splat(width);
  for (; i + 4 <= n; i += 4) {
    const x = v128.load(src + (<usize>i << 2));
    const inside = v128.and(f32x4.ge(x, vl), f32x4.le(x, vr));
    const pos = i32x4.trunc_sat_f32x4_s(f32x4.div(f32x4.mul(f32x4.sub(x, vl), vnb), vw));
    if (i32x4.extract_lane(inside, 0)) countBin(out, i32x4.extract_lane(pos, 0), last);
    if (i32x4.extract_lane(inside, 1)) countBin(out1, i32x4.extract_lane(pos, 1), last);
    if (i32x4.extract_lane(inside, 2)) countBin(out2, i32x4.extract_lane(pos, 2), last);
    if (i32x4.extract_lane(inside, 3)) countBin(out3, i32x4.extract_lane(pos, 3), last);
  }
  for (let b = 0; b < bins; b++) {
    const off = <usize>b << 2;
    const sum = load<f32>(out1 + off) + load<f32>(out2 + off) + load<f32>(out3 + off);
    store<f32>(out + off, load<f32>(out + off) + sum);
  }
  for (; i < n; i++) {
    const x = load<f32>(src + (<usize>i << 2));
    if (!(x >= l && x <= r)) continue;
    countBin(out, <i32>(((x - l) * nb) / width), last);
  }
}

/** One count into bin `pos`; the right edge (pos == bins) belongs to the last bin. */
// @ts-ignore: decorator
@inline
function countBin(out: usize, pos: i32, last: i32): void {
  const p = out + (<usize>min<i32>(pos, last) << 2);
  store<f32>(p, load<f32>(p) + 1);
}

/**
 * torch.bucketize(v, edges, right=True) on `count` f32 edges: ATen's binary search (cus_upper_bound),
 * the number of leading edges not greater than v when the edges are sorted.
 */
function upperBound(edges: usize, count: i32, v: f32): i32 {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = lo + ((hi - lo) >> 1);
    if (!(load<f32>(edges + (<usize>mid << 2)) > v)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * `_upscale_histogram`: spreads each old bin over 16 sub-bins, places each sub-bin by its mid-point
 * (torch.bucketize(right=True) - 1, clamped) into `bins` bins over [newMin, newMax], and adds the
 * weights (old / 16) in order into `out`, as torch.bincount does.
 *
 * The mid-points come block by block as ATen's linspace makes them (one FMA base per 8 lanes). With
 * sorted edges the bucket of each mid-point is found by walking from the previous one, which gives the
 * binary search's answer in O(bins * 16) for the whole merge. When the new range is only some hundreds
 * of ulps wide, ATen's linspace can step backwards and the edges are not sorted; then each mid-point
 * takes ATen's binary search, whose answer on such edges differs from a linear scan. Empty old bins
 * add +0 sixteen times, which changes nothing, so they are skipped.
 */
function upscaleInto(hist: usize, bins: i32, oldMin: f32, oldMax: f32, newMin: f32, newMax: f32, edges: usize, out: usize): void {
  const fine = bins * UPSAMPLE_RATE;
  const binSize: f32 = (oldMax - oldMin) / <f32>fine;
  const halfBin: f32 = <f32>0.5 * binSize;
  const midSteps = fine + 1;
  const midStep = linspaceStep(oldMin, oldMax, midSteps);
  const midHalf = midSteps / 2;
  const midVectorized = (midSteps / (2 * LINSPACE_LANES)) * (2 * LINSPACE_LANES);
  const edgeSteps = bins + 1;
  const edgeStep = linspaceStep(newMin, newMax, edgeSteps);
  let sorted = true;
  let previous: f32 = -Infinity;
  for (let j = 0; j < edgeSteps; j++) {
    const e = linspaceAt(newMin, newMax, edgeStep, edgeSteps, j);
    if (!(e >= previous)) sorted = false;
    previous = e;
    store<f32>(edges + (<usize>j << 2), e);
  }
  let bucket = 0; // upper bound of the last mid-point: edges before it are <= that mid-point
  let base: f32 = 0;
  for (let i = 0; i < bins; i++) {
    const w: f32 = load<f32>(hist + (<usize>i << 2)) / <f32>UPSAMPLE_RATE;
    if (w == 0) continue;
    const k0 = i * UPSAMPLE_RATE;
    for (let k = k0; k < k0 + UPSAMPLE_RATE; k++) {
      let point: f32;
      if (k < midVectorized) {
        const lane = k & (LINSPACE_LANES - 1);
        const i0 = k - lane;
        if (lane == 0 || k == k0) {
          base = i0 < midHalf ? fmaf(midStep, <f32>i0, oldMin) : fmaf(-midStep, <f32>(midSteps - i0 - 1), oldMax);
        }
        point = base + <f32>lane * midStep;
      } else {
        point = linspaceAt(oldMin, oldMax, midStep, midSteps, k);
      }
      const mid: f32 = point + halfBin;
      if (sorted && mid == mid) {
        while (bucket < edgeSteps && load<f32>(edges + (<usize>bucket << 2)) <= mid) bucket++;
        while (bucket > 0 && load<f32>(edges + (<usize>(bucket - 1) << 2)) > mid) bucket--;
      } else {
        bucket = upperBound(edges, edgeSteps, mid);
      }
      // bucket - 1, clamped to a real bin.
      let b = bucket - 1;
      if (b >= bins) b = bins - 1;
      if (b < 0) b = 0;
      const p = out + (<usize>b << 2);
      store<f32>(p, load<f32>(p) + w);
    }
  }
}

/** Sum of `n` f32 rounded to f32 (torch.sum's pairwise sum is this accurate for our sizes). */
function sumF32(src: usize, n: i32): f32 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) s += <f64>load<f32>(src + (<usize>i << 2));
  return <f32>s;
}

/**
 * HistogramObserver.forward on `n` floats at src. Infinite values are ignored as PyTorch does; NaNs
 * are ignored too (PyTorch's result for them is unspecified). scratch holds 7*bins + 8 f32: the update
 * histogram, the moved one, the merge's bin edges (bins + 1) and, 16 bytes further, four per-lane
 * counting histograms.
 */
export function observeHistogram(histPtr: usize, bins: i32, statePtr: usize, src: usize, n: i32, scratch: usize): void {
  if (n <= 0) return;
  minMaxF32(src, n);
  let xMin = reducedMin;
  let xMax = reducedMax;
  // Finite extremes mean no NaN or infinity: every element lies in any range that holds [xMin, xMax].
  const allFinite = isFinite(xMin) && isFinite(xMax);
  if (!allFinite) {
    // Recompute over the finite elements only.
    xMin = Infinity;
    xMax = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = load<f32>(src + (<usize>i << 2));
      if (!isFinite(v)) continue;
      if (v < xMin) xMin = v;
      if (v > xMax) xMax = v;
    }
    if (xMin > xMax) return;
  }
  const curMin = load<f32>(statePtr);
  const curMax = load<f32>(statePtr, 4);
  const histBytes = <usize>bins << 2;
  const lanes = scratch + 3 * histBytes + 16;
  if (curMin == Infinity || curMax == -Infinity) {
    histc(src, n, bins, xMin, xMax, histPtr, lanes, allFinite);
    store<f32>(statePtr, xMin);
    store<f32>(statePtr, xMax, 4);
    return;
  }
  const newMin: f32 = min<f32>(curMin, xMin);
  const newMax: f32 = max<f32>(curMax, xMax);
  const update = scratch;
  histc(src, n, bins, newMin, newMax, update, lanes, allFinite);
  if (newMin == curMin && newMax == curMax) {
    for (let i = 0; i < bins; i++) {
      const off = <usize>i << 2;
      store<f32>(histPtr + off, load<f32>(histPtr + off) + load<f32>(update + off));
    }
    return;
  }
  const transformed = scratch + histBytes;
  if (curMin == curMax) {
    // All earlier values were one number: it moves, with the whole count, to its bin in the new range.
    const count = sumF32(histPtr, bins);
    const one = scratch + 2 * histBytes;
    store<f32>(one, curMin);
    histc(one, 1, bins, newMin, newMax, transformed, lanes, true);
    for (let i = 0; i < bins; i++) {
      const off = <usize>i << 2;
      store<f32>(transformed + off, load<f32>(transformed + off) * count);
    }
  } else {
    memory.fill(transformed, 0, histBytes);
    upscaleInto(histPtr, bins, curMin, curMax, newMin, newMax, scratch + 2 * histBytes, transformed);
  }
  for (let i = 0; i < bins; i++) {
    const off = <usize>i << 2;
    store<f32>(histPtr + off, load<f32>(update + off) + load<f32>(transformed + off));
  }
  store<f32>(statePtr, newMin);
  store<f32>(statePtr, newMax, 4);
}

/** 2^24: quotients below it are exact integers in float32 and their products with a float32 fit a double. */
const FMOD_FAST_QUOTIENT: f64 = 16777216;

/**
 * C's fmodf(a, b) (what `%` computes: the sign of a, |result| < |b|), exactly and without the library's
 * bit-by-bit long division: for |a / b| < 2^24 the double quotient cannot round across an integer, so
 * its integer part q is exact, and q * b and a - q * b are exact in double. (Were q ever one too large,
 * the remainder would come out on the wrong side; the repair step would move it back.) Huge quotients,
 * NaN and infinities take the library routine. Checked bit for bit against `%` on 24M pairs.
 */
function fmodF32(a: f32, b: f32): f32 {
  const ad = <f64>a;
  const bd = <f64>b;
  const q = trunc<f64>(ad / bd);
  if (!(abs<f64>(q) < FMOD_FAST_QUOTIENT)) return a % b;
  let r: f64 = ad - q * bd;
  if (r == 0) return copysign<f32>(0, a);
  if (r < 0 != ad < 0) r += ad < 0 == bd < 0 ? bd : -bd;
  return <f32>r;
}

// @ts-ignore: decorator
@inline
function divFloor(a: f32, b: f32): f32 {
  // c10::div_floor_floating
  if (b == 0) return a / b;
  const mod: f32 = fmodF32(a, b);
  let div: f32 = (a - mod) / b;
  if (mod != 0 && (b < 0) != (mod < 0)) div -= 1;
  let floordiv: f32;
  if (div != 0) {
    floordiv = Mathf.floor(div);
    if (div - floordiv > <f32>0.5) floordiv += 1;
  } else {
    floordiv = copysign<f32>(0, a / b);
  }
  return floordiv;
}

// @ts-ignore: decorator
@inline
function l2Norm(deltaBegin: f32, deltaEnd: f32, density: f32): f32 {
  const norm: f32 = (deltaEnd * deltaEnd * deltaEnd - deltaBegin * deltaBegin * deltaBegin) / <f32>3;
  return density * norm;
}

/** `_compute_quantization_error(start, end)`: the L2 error of clipping to bins [start, end]. */
function quantizationError(hist: usize, bins: i32, minVal: f32, maxVal: f32, dstBins: f64, start: i32, end: i32): f64 {
  // Python doubles (from .item()), then float32 tensors.
  const binWidthD: f64 = (<f64>maxVal - <f64>minVal) / <f64>bins;
  const dstWidthD: f64 = (binWidthD * <f64>(end - start + 1)) / dstBins;
  if (dstWidthD == 0) return 0;
  const bw = <f32>binWidthD;
  const dw = <f32>dstWidthD;
  const half = <f32>(dstWidthD / 2);
  const lastDst = <f32>(dstBins - 1);
  const midNorm: f32 = (half * half * half - -half * -half * -half) / <f32>3;
  let total: f64 = 0;
  for (let i = 0; i < bins; i++) {
    const srcBegin: f32 = <f32>(i - start) * bw;
    const srcEnd: f32 = srcBegin + bw;
    let dBegin = divFloor(srcBegin, dw);
    dBegin = dBegin < 0 ? 0 : dBegin > lastDst ? lastDst : dBegin;
    const dBeginCenter: f32 = (dBegin + <f32>0.5) * dw;
    let dEnd = divFloor(srcEnd, dw);
    dEnd = dEnd < 0 ? 0 : dEnd > lastDst ? lastDst : dEnd;
    const density: f32 = load<f32>(hist + (<usize>i << 2)) / bw;
    let norm: f32 = l2Norm(srcBegin - dBeginCenter, half, density);
    norm += (dEnd - dBegin - <f32>1) * (density * midNorm);
    const dEndCenter: f32 = dEnd * dw + half;
    norm += l2Norm(-half, srcEnd - dEndCenter, density);
    total += <f64>norm;
  }
  return <f64>(<f32>total);
}

/**
 * `_non_linear_param_search`: greedily narrows [start_bin, end_bin] by quantiles in steps of 1e-5
 * while the L2 quantization error keeps falling. Writes the chosen [min, max] (f32) to rangeOut.
 * scratch holds `bins` f32 (the cumulative sum).
 */
export function histogramSearchRange(histPtr: usize, bins: i32, statePtr: usize, dstBins: f64, scratch: usize, rangeOut: usize): void {
  const minVal = load<f32>(statePtr);
  const maxVal = load<f32>(statePtr, 4);
  const binWidth: f32 = (maxVal - minVal) / <f32>bins;
  const total: f64 = <f64>sumF32(histPtr, bins);
  // torch.cumsum accumulates float32 in double on the CPU, storing each prefix as float32.
  const cSum = scratch;
  let acc: f64 = 0;
  for (let i = 0; i < bins; i++) {
    acc += <f64>load<f32>(histPtr + (<usize>i << 2));
    store<f32>(cSum + (<usize>i << 2), <f32>acc);
  }
  const stepsize: f64 = 1e-5;
  let alpha: f64 = 0.0;
  let beta: f64 = 1.0;
  let startBin = 0;
  let endBin = bins - 1;
  let normMin: f64 = Infinity;
  while (alpha < beta) {
    const nextAlpha = alpha + stepsize;
    const nextBeta = beta - stepsize;
    // Tensor-vs-Python-float comparisons run in float32.
    const lowQ = <f32>(nextAlpha * total);
    const highQ = <f32>(nextBeta * total);
    let l = startBin;
    let r = endBin;
    while (l < endBin && load<f32>(cSum + (<usize>l << 2)) < lowQ) l++;
    while (r > startBin && load<f32>(cSum + (<usize>r << 2)) > highQ) r--;
    let nextStart = startBin;
    let nextEnd = endBin;
    if (l - startBin > endBin - r) {
      nextStart = l;
      alpha = nextAlpha;
    } else {
      nextEnd = r;
      beta = nextBeta;
    }
    if (nextStart == startBin && nextEnd == endBin) continue;
    const norm = quantizationError(histPtr, bins, minVal, maxVal, dstBins, nextStart, nextEnd);
    if (norm > normMin) break;
    normMin = norm;
    startBin = nextStart;
    endBin = nextEnd;
  }
  store<f32>(rangeOut, minVal + binWidth * <f32>startBin);
  store<f32>(rangeOut, minVal + binWidth * <f32>(endBin + 1), 4);
}

/**
 * HistogramObserver.calculate_qparams: search the range, then `_calculate_qparams` on it. Unobserved
 * gives 1.0 / 0. rangeOut receives the searched [min, max]; scratch holds `bins` f32.
 */
export function histogramQParams(
  histPtr: usize,
  bins: i32,
  statePtr: usize,
  dstBins: f64,
  quantMin: f64,
  quantMax: f64,
  flags: i32,
  eps: f32,
  scratch: usize,
  rangeOut: usize,
  scaleOut: usize,
  zpOut: usize,
): void {
  const minVal = load<f32>(statePtr);
  const maxVal = load<f32>(statePtr, 4);
  if (minVal == Infinity && maxVal == -Infinity) {
    store<f32>(scaleOut, 1.0);
    store<i32>(zpOut, 0);
    store<f32>(rangeOut, minVal);
    store<f32>(rangeOut, maxVal, 4);
    return;
  }
  histogramSearchRange(histPtr, bins, statePtr, dstBins, scratch, rangeOut);
  observerQParamsOne(load<f32>(rangeOut), load<f32>(rangeOut, 4), quantMin, quantMax, flags, eps, scaleOut, zpOut);
}
