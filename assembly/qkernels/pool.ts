// Quantized quint8 pooling on NCHW tensors with each PyTorch engine's exact integers (WASM):
// max_pool2d (with padding and dilation), avg_pool2d, adaptive_avg_pool2d and mean over (H, W).
//
// Max pooling is a byte maximum. ATen skips padding taps; qnnpack (used when ceil_mode is off)
// clamps every tap's coordinates into the input (pytorch_qnnp's max-pooling indirection), which with
// dilation can pull in an edge pixel outside the dilated window. The averaging kernels differ:
// - x86 / fbgemm / onednn, NCHW input (ATen avg_pool2d_out_frame / adaptive_avg_pool_single_out_frame
//   / qmean_inner_dim_kernel):
//     avg_pool2d:      nearbyint((float)(sum - size * zp) * m + zp), m = (float)(s_in / s_out / divisor)
//     adaptive:        nearbyint((float)sum * kr), kr = ((1.0f / kD) / kH) / kW in f32 (raw bytes)
//     mean over (H,W): nearbyint((float)sum / N)
// - x86 / fbgemm / onednn when the PyTorch tensor is channels-last (every quantized conv output and
//   what inherits its format, or a contiguous tensor with C == 1 or H * W == 1; the host passes
//   `channelsLast`; our bytes stay NCHW), where PyTorch takes its NHWC kernels: zp + nearbyint((float)(sum - size * zp) * (1 / (1 / m)))
//   (quantize_val with scale 1.0f / m); the vector body of avg_pool2d (whole vectors of channels,
//   `vectorLanes`) multiplies by m directly. Rounding relative to zp differs from the NCHW formula
//   on ties when zp is odd.
// - qnnpack (average-pooling / global-average-pooling, fp32 requantization): zp +
//   nearbyint((float)(sum - size * zp) * (s_in / (s_out * size))), padding taps count as the zero
//   point and the divisor is always the kernel area (count_include_pad and divisor_override are
//   ignored); PyTorch takes it for avg_pool2d without ceil_mode, and for adaptive pooling when the
//   input divides evenly by the output (and is not an identity). Otherwise ATen's kernels run.
import { ENGINE_QNNPACK } from "../util/engine";
import { clampU8 } from "../util/float-exact";

// @ts-ignore: decorator
@inline
function roundClampU8(v: f32): i32 {
  const r = nearest<f32>(v);
  return r <= 0 ? 0 : r >= 255 ? 255 : <i32>r;
}

/** Sum of bytes in rows [h0, h1) x columns [w0, w1) of one plane with row stride W. */
// @ts-ignore: decorator
@inline
function windowSum(plane: usize, W: i32, h0: i32, h1: i32, w0: i32, w1: i32): i32 {
  let sum = 0;
  for (let h = h0; h < h1; h++) {
    const row = plane + <usize>(h * W);
    for (let w = w0; w < w1; w++) sum += <i32>load<u8>(row + <usize>w);
  }
  return sum;
}

export function qmax_pool2d_u8(
  src: usize,
  dst: usize,
  planes: i32,
  H: i32,
  W: i32,
  oH: i32,
  oW: i32,
  kH: i32,
  kW: i32,
  sH: i32,
  sW: i32,
  pH: i32,
  pW: i32,
  dH: i32,
  dW: i32,
  clampTaps: i32,
): void {
  if (clampTaps != 0) {
    maxPoolClamped(src, dst, planes, H, W, oH, oW, kH, kW, sH, sW, pH, pW, dH, dW);
    return;
  }
  for (let p = 0; p < planes; p++) {
    const plane = src + <usize>(p * H * W);
    const out = dst + <usize>(p * oH * oW);
    for (let oh = 0; oh < oH; oh++) {
      const h0 = oh * sH - pH;
      // Kernel rows that land inside the input: h0 + i * dH in [0, H).
      const i0 = h0 < 0 ? (-h0 + dH - 1) / dH : 0;
      const i1 = min<i32>(kH, h0 >= H ? 0 : (H - 1 - h0) / dH + 1);
      for (let ow = 0; ow < oW; ow++) {
        const w0 = ow * sW - pW;
        const j0 = w0 < 0 ? (-w0 + dW - 1) / dW : 0;
        const j1 = min<i32>(kW, w0 >= W ? 0 : (W - 1 - w0) / dW + 1);
        let m = 0;
        for (let i = i0; i < i1; i++) {
          const rowStart = (h0 + i * dH) * W + w0; // may be negative; every tap read is in bounds
          for (let j = j0; j < j1; j++) m = max<i32>(m, <i32>load<u8>(plane + <usize>(rowStart + j * dW)));
        }
        store<u8>(out + <usize>(oh * oW + ow), <u8>m);
      }
    }
  }
}

function maxPoolClamped(
  src: usize,
  dst: usize,
  planes: i32,
  H: i32,
  W: i32,
  oH: i32,
  oW: i32,
  kH: i32,
  kW: i32,
  sH: i32,
  sW: i32,
  pH: i32,
  pW: i32,
  dH: i32,
  dW: i32,
): void {
  for (let p = 0; p < planes; p++) {
    const plane = src + <usize>(p * H * W);
    const out = dst + <usize>(p * oH * oW);
    for (let oh = 0; oh < oH; oh++) {
      for (let ow = 0; ow < oW; ow++) {
        let m = 0;
        for (let i = 0; i < kH; i++) {
          const h = min<i32>(max<i32>(oh * sH + i * dH - pH, 0), H - 1);
          const row = plane + <usize>(h * W);
          for (let j = 0; j < kW; j++) {
            const w = min<i32>(max<i32>(ow * sW + j * dW - pW, 0), W - 1);
            m = max<i32>(m, <i32>load<u8>(row + <usize>w));
          }
        }
        store<u8>(out + <usize>(oh * oW + ow), <u8>m);
      }
    }
  }
}

/**
 * avg_pool2d; output quantization equals the input's in PyTorch, passed explicitly for clarity.
 * divisorOverride 0 means none (ATen semantics; qnnpack ignores it and count_include_pad).
 */
export function qavg_pool2d_u8(
  src: usize,
  dst: usize,
  N: i32,
  C: i32,
  H: i32,
  W: i32,
  oH: i32,
  oW: i32,
  kH: i32,
  kW: i32,
  sH: i32,
  sW: i32,
  pH: i32,
  pW: i32,
  countIncludePad: i32,
  divisorOverride: i32,
  inScale: f64,
  outScale: f64,
  zp: i32,
  engine: i32,
  ceilMode: i32,
  channelsLast: i32,
  vectorLanes: i32,
): void {
  const planes = N * C;
  const qnnpack = engine == ENGINE_QNNPACK && ceilMode == 0;
  const qnnpackScale: f32 = <f32>inScale / (<f32>outScale * <f32>(kH * kW));
  for (let p = 0; p < planes; p++) {
    const plane = src + <usize>(p * H * W);
    const out = dst + <usize>(p * oH * oW);
    const c = p % C;
    for (let oh = 0; oh < oH; oh++) {
      for (let ow = 0; ow < oW; ow++) {
        let hs = oh * sH - pH;
        let ws = ow * sW - pW;
        let he = min<i32>(hs + kH, H + pH);
        let we = min<i32>(ws + kW, W + pW);
        const poolSize = (he - hs) * (we - ws);
        hs = max<i32>(hs, 0);
        ws = max<i32>(ws, 0);
        he = min<i32>(he, H);
        we = min<i32>(we, W);
        const size = (he - hs) * (we - ws);
        const acc = windowSum(plane, W, hs, he, ws, we) - size * zp;
        let q: i32;
        if (qnnpack) {
          q = clampU8(roundClampU8Signed(<f32>acc * qnnpackScale) + zp);
        } else {
          const divisor = divisorOverride != 0 ? divisorOverride : countIncludePad != 0 ? poolSize : size;
          if (channelsLast != 0) {
            // _qavg_pool_nhwc_kernel: float ops on float scales.
            const m: f32 = <f32>inScale / <f32>outScale / <f32>divisor;
            // do_avg_pool_nhwc_on_AVX_n covers whole vectors of channels (8 lanes on AVX2, 16 on AVX512).
            const useVector = vectorLanes > 0 && c < C - (C % vectorLanes);
            const factor: f32 = useVector ? m : <f32>1.0 / (<f32>1.0 / m);
            q = clampU8(roundClampU8Signed(<f32>acc * factor) + zp);
          } else {
            const m = <f32>(inScale / outScale / <f64>divisor);
            q = roundClampU8(<f32>acc * m + <f32>zp);
          }
        }
        store<u8>(out + <usize>(oh * oW + ow), <u8>q);
      }
    }
  }
}

/** nearbyint to i32 for values that may be negative, saturated far outside the byte range. */
// @ts-ignore: decorator
@inline
function roundClampU8Signed(v: f32): i32 {
  const r = nearest<f32>(v);
  return r <= -65536 ? -65536 : r >= 65536 ? 65536 : <i32>r;
}

// @ts-ignore: decorator
@inline
function adaptiveStart(o: i32, outLen: i32, inLen: i32): i32 {
  return <i32>Mathf.floor(<f32>(o * inLen) / <f32>outLen);
}

// @ts-ignore: decorator
@inline
function adaptiveEnd(o: i32, outLen: i32, inLen: i32): i32 {
  return <i32>Mathf.ceil(<f32>((o + 1) * inLen) / <f32>outLen);
}

/** adaptive_avg_pool2d to (oH, oW); output quantization equals the input's. */
export function qadaptive_avg_pool2d_u8(
  src: usize,
  dst: usize,
  N: i32,
  C: i32,
  H: i32,
  W: i32,
  oH: i32,
  oW: i32,
  inScale: f64,
  outScale: f64,
  zp: i32,
  engine: i32,
  channelsLast: i32,
): void {
  if (engine == ENGINE_QNNPACK && !(oH == H && oW == W) && H % oH == 0 && W % oW == 0) {
    const kH = H / oH;
    const kW = W / oW;
    qavg_pool2d_u8(src, dst, N, C, H, W, oH, oW, kH, kW, kH, kW, 0, 0, 0, 0, inScale, outScale, zp, engine, 0, channelsLast, 0);
    return;
  }
  const planes = N * C;
  for (let p = 0; p < planes; p++) {
    const plane = src + <usize>(p * H * W);
    const out = dst + <usize>(p * oH * oW);
    for (let oh = 0; oh < oH; oh++) {
      const h0 = adaptiveStart(oh, oH, H);
      const h1 = adaptiveEnd(oh, oH, H);
      const kH = h1 - h0;
      const kDHr: f32 = <f32>1.0 / <f32>kH;
      for (let ow = 0; ow < oW; ow++) {
        const w0 = adaptiveStart(ow, oW, W);
        const w1 = adaptiveEnd(ow, oW, W);
        const kW = w1 - w0;
        const sum = windowSum(plane, W, h0, h1, w0, w1);
        let q: i32;
        if (channelsLast != 0) {
          const size = kH * kW;
          const m: f32 = <f32>inScale / <f32>outScale / <f32>size;
          q = clampU8(roundClampU8Signed(<f32>(sum - size * zp) * (<f32>1.0 / (<f32>1.0 / m))) + zp);
        } else {
          q = roundClampU8(<f32>sum * (kDHr / <f32>kW));
        }
        store<u8>(out + <usize>(oh * oW + ow), <u8>q);
      }
    }
  }
}

/** mean over the last two dims (keepdim or not is a shape matter); output quantization = input's. */
export function qmean_hw_u8(src: usize, dst: usize, planes: i32, HW: i32, scale: f64, zp: i32, engine: i32): void {
  const qnnpackScale: f32 = <f32>scale / (<f32>scale * <f32>HW);
  for (let p = 0; p < planes; p++) {
    const plane = src + <usize>(p * HW);
    let sum = 0;
    for (let i = 0; i < HW; i++) sum += <i32>load<u8>(plane + <usize>i);
    let q: i32;
    if (engine == ENGINE_QNNPACK) q = clampU8(roundClampU8Signed(<f32>(sum - HW * zp) * qnnpackScale) + zp);
    else q = roundClampU8(<f32>sum / <f32>HW);
    store<u8>(dst + <usize>p, <u8>q);
  }
}
