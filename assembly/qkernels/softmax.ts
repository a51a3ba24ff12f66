// Quantized quint8 softmax along one dim of a contiguous tensor seen as [outer, D, inner] (WASM).
//
// qnnpack (when asked for its fixed output 1/256, 0): pytorch_qnnp softargmax: a 256-entry u32
//   table t[i] = lrint(qscale * exp((i - 255) * s_in)), qscale = min(UINT32_MAX / D, 2^23 - 1),
//   indexed by x - max(x) + 255 along the dim; y = min(((t << 8) + sum / 2) / sum, 255) in u32.
// Otherwise (every engine; qsoftmax_naive): dequantize s * (q - zp) in f32, float softmax
//   as ATen's kernels, then quantize with 1 / s_out. Checked bit for bit against torch.softmax's
//   float outputs (PyTorch 1.13):
//   - last dim (_vec_softmax_lastdim): Sleef exp(x - max) (util/float-exact.ts), the sum as
//     vec::reduce_all's `lanes` f32 accumulators (8 on AVX2, 16 on AVX512) folded by a butterfly,
//     then e * (1 / sum);
//   - an inner dim (_vec_softmax): positions in whole `lanes`-wide groups of each outer row use
//     Sleef exp, the rest libm expf (here: correctly rounded, which glibc's is nearly always); both
//     sum sequentially along the dim in f32 and divide e / sum.
// `scratch` needs 1024 bytes (qnnpack's table; the float path uses its first 64).
import { ENGINE_QNNPACK } from "../util/engine";
import { quantizeU8, sleefExpF32 } from "../util/float-exact";

export function qsoftmax_u8(
  src: usize,
  dst: usize,
  outer: i32,
  D: i32,
  inner: i32,
  inScale: f64,
  inZp: i32,
  outScale: f64,
  outZp: i32,
  engine: i32,
  lanes: i32,
  scratch: usize,
): void {
  if (engine == ENGINE_QNNPACK && outScale == 0.00390625 && outZp == 0) {
    qnnpackSoftmax(src, dst, outer, D, inner, <f32>inScale, scratch);
    return;
  }
  const s = <f32>inScale;
  const inv: f32 = <f32>1.0 / <f32>outScale;
  const lastDim = inner == 1;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = src + <usize>(o * D * inner + j);
      const obase = dst + <usize>(o * D * inner + j);
      // Bytes order like their dequantized values, so the max is taken on bytes.
      let qmax = 0;
      for (let d = 0; d < D; d++) qmax = max<i32>(qmax, <i32>load<u8>(base + <usize>(d * inner)));
      const xmax: f32 = s * <f32>(qmax - inZp);
      const sleef = lastDim || j < inner - (inner % lanes);
      let sum: f32 = 0;
      if (lastDim) {
        sum = reduceAllSum(base, D, s, inZp, xmax, lanes, scratch);
      } else {
        for (let d = 0; d < D; d++) {
          const x: f32 = s * <f32>(<i32>load<u8>(base + <usize>(d * inner)) - inZp);
          sum += expF32(x - xmax, sleef);
        }
      }
      const rec: f32 = <f32>1.0 / sum;
      for (let d = 0; d < D; d++) {
        const x: f32 = s * <f32>(<i32>load<u8>(base + <usize>(d * inner)) - inZp);
        const e = expF32(x - xmax, sleef);
        const p: f32 = lastDim ? e * rec : e / sum;
        store<u8>(obase + <usize>(d * inner), <u8>quantizeU8(p, inv, outZp));
      }
    }
  }
}

/**
 * vec::reduce_all(+) over exp(x - max) of a contiguous row: fewer than `lanes` values fold left to
 * right; otherwise lane-wise accumulation of whole vectors, a partial last vector added into its
 * lanes, then a butterfly (lane i with i ^ lanes/2, ... , i ^ 1) whose lane 0 is the sum.
 */
function reduceAllSum(row: usize, D: i32, s: f32, zp: i32, xmax: f32, lanes: i32, acc: usize): f32 {
  if (D < lanes) {
    let sum: f32 = 0;
    for (let d = 0; d < D; d++) sum = d == 0 ? expAt(row, d, s, zp, xmax) : sum + expAt(row, d, s, zp, xmax);
    return sum;
  }
  for (let l = 0; l < lanes; l++) store<f32>(acc + (<usize>l << 2), expAt(row, l, s, zp, xmax));
  let d = lanes;
  for (; d + lanes <= D; d += lanes) {
    for (let l = 0; l < lanes; l++) {
      const p = acc + (<usize>l << 2);
      store<f32>(p, load<f32>(p) + expAt(row, d + l, s, zp, xmax));
    }
  }
  for (let l = 0; d + l < D; l++) {
    const p = acc + (<usize>l << 2);
    store<f32>(p, load<f32>(p) + expAt(row, d + l, s, zp, xmax));
  }
  for (let step = lanes >> 1; step >= 1; step >>= 1) {
    // Every lane adds its partner; read the old values first (one vector operation in ATen).
    for (let l = 0; l < lanes; l++) {
      if ((l & step) != 0) continue;
      const a = load<f32>(acc + (<usize>l << 2));
      const b = load<f32>(acc + (<usize>(l | step) << 2));
      store<f32>(acc + (<usize>l << 2), a + b);
      store<f32>(acc + (<usize>(l | step) << 2), b + a);
    }
  }
  return load<f32>(acc);
}

// @ts-ignore: decorator
@inline
function expAt(row: usize, d: i32, s: f32, zp: i32, xmax: f32): f32 {
  const x: f32 = s * <f32>(<i32>load<u8>(row + <usize>d) - zp);
  return sleefExpF32(x - xmax);
}

/** Sleef's vectorized expf, or libm's (correctly rounded here) for ATen's scalar tails. */
// @ts-ignore: decorator
@inline
function expF32(x: f32, sleef: bool): f32 {
  return sleef ? sleefExpF32(x) : <f32>Math.exp(<f64>x);
}

function qnnpackSoftmax(src: usize, dst: usize, outer: i32, D: i32, inner: i32, inScale: f32, table: usize): void {
  const qscale: f64 = min<f64>(4294967295.0 / <f64>D, 8388607.0);
  for (let i = 0; i < 256; i++) {
    const v: f64 = qscale * Math.exp(<f64>(i - 255) * <f64>inScale);
    store<u32>(table + (<usize>i << 2), <u32>nearest<f64>(v));
  }
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = src + <usize>(o * D * inner + j);
      const obase = dst + <usize>(o * D * inner + j);
      let qmax = 0;
      for (let d = 0; d < D; d++) qmax = max<i32>(qmax, <i32>load<u8>(base + <usize>(d * inner)));
      const offset = table + (<usize>(255 - qmax) << 2);
      let sum: u32 = 0;
      for (let d = 0; d < D; d++) sum += load<u32>(offset + (<usize>load<u8>(base + <usize>(d * inner)) << 2));
      const rounding: u32 = sum >> 1;
      for (let d = 0; d < D; d++) {
        const t = load<u32>(offset + (<usize>load<u8>(base + <usize>(d * inner)) << 2));
        const q: u32 = ((t << 8) + rounding) / sum;
        store<u8>(obase + <usize>(d * inner), <u8>(q > 255 ? 255 : q));
      }
    }
  }
}
