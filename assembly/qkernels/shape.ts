// Quantized quint8 shape kernels (WASM): concatenation with requantization and nearest upsampling on
// NCHW tensors, identical for every engine. (flatten is a view: the host reuses the bytes.)
//
// cat (ATen quantized_cat_impl, NCHW): dequantize every input (s * (q - zp) in f32), at::cat, then
// quantize_per_tensor with the output parameters (x * (1.0f / s_out), round half to even). Each
// input byte therefore maps through a 256-entry table; the host calls this once per input.
// When every input is 4-D and channels-last contiguous and dim is 1, PyTorch runs qcat_nhwc_kernel
// instead: per pixel and input, an input with the output's parameters is copied, otherwise channels
// [0, vecEnd) take the AVX2 body (FMA dequantize, x * (float)(1.0 / s_out)) and the rest the scalar
// one (the NCHW formula). The host passes vecEnd (0 outside that path).
// upsample_nearest2d: source index floor(dst * scale) with ATen's nearest_idx shortcuts. A 4-D 1x1
// input with several channels is also channels-last contiguous, and PyTorch then runs its NHWC kernel into
// an NCHW-allocated output: the bytes come out in [N, oH, oW, C] order (verified with PyTorch 1.13);
// we reproduce that layout.
import { fmaF32, quantizeU8 } from "../util/float-exact";
import { applyLutU8 } from "../util/lut";

/**
 * Copies one input of a cat into `dst`: `outer` blocks of `block` bytes from `src`, written every
 * `dstStride` bytes starting at `dstOffset`, requantized from (inScale, inZp) to (outScale, outZp).
 * `scratch` needs 512 bytes.
 */
export function qcat_part_u8(
  src: usize,
  dst: usize,
  outer: i32,
  block: i32,
  dstStride: i32,
  dstOffset: i32,
  inScale: f64,
  inZp: i32,
  outScale: f64,
  outZp: i32,
  relu: i32,
  vecEnd: i32,
  scratch: usize,
): void {
  const s = <f32>inScale;
  const inv: f32 = <f32>1.0 / <f32>outScale;
  const vecInv = <f32>(1.0 / outScale);
  const premul: f32 = s * <f32>-inZp;
  const vecLut = scratch + 256;
  for (let q = 0; q < 256; q++) {
    let x: f32 = s * <f32>(q - inZp);
    let v: f32 = fmaF32(s, <f32>q, premul);
    if (relu != 0) {
      x = max<f32>(x, 0);
      v = max<f32>(v, 0);
    }
    store<u8>(scratch + <usize>q, <u8>quantizeU8(x, inv, outZp));
    store<u8>(vecLut + <usize>q, <u8>quantizeU8(v, vecInv, outZp));
  }
  for (let o = 0; o < outer; o++) {
    const from = src + <usize>(o * block);
    const to = dst + <usize>(o * dstStride + dstOffset);
    applyLutU8(from, to, vecEnd, vecLut);
    applyLutU8(from + <usize>vecEnd, to + <usize>vecEnd, block - vecEnd, scratch);
  }
}

// @ts-ignore: decorator
@inline
function nearestIndex(o: i32, inLen: i32, outLen: i32, scale: f32): i32 {
  if (outLen == inLen) return o;
  if (outLen == 2 * inLen) return o >> 1;
  return min<i32>(<i32>Mathf.floor(<f32>o * scale), inLen - 1);
}

/**
 * upsample_nearest2d; scaleFactorH/W are the scale_factor arguments (0 when output sizes were given),
 * which PyTorch turns into (float)(1.0 / scale_factor), else (float)in / out.
 */
export function qupsample_nearest2d_u8(
  src: usize,
  dst: usize,
  planes: i32,
  planesPerImage: i32,
  H: i32,
  W: i32,
  oH: i32,
  oW: i32,
  scaleFactorH: f64,
  scaleFactorW: f64,
  channelsLast: i32,
): void {
  if (channelsLast != 0 && H * W == 1 && planesPerImage > 1) {
    // out[n] viewed as [oH * oW, C]: every pixel holds the image's C input bytes.
    const images = planes / planesPerImage;
    const C = planesPerImage;
    for (let n = 0; n < images; n++) {
      for (let pix = 0; pix < oH * oW; pix++) {
        memory.copy(dst + <usize>(n * C * oH * oW + pix * C), src + <usize>(n * C), <usize>C);
      }
    }
    return;
  }
  const sh: f32 = scaleFactorH > 0 ? <f32>(1.0 / scaleFactorH) : <f32>H / <f32>oH;
  const sw: f32 = scaleFactorW > 0 ? <f32>(1.0 / scaleFactorW) : <f32>W / <f32>oW;
  for (let p = 0; p < planes; p++) {
    const plane = src + <usize>(p * H * W);
    const out = dst + <usize>(p * oH * oW);
    for (let oh = 0; oh < oH; oh++) {
      const row = plane + <usize>(nearestIndex(oh, H, oH, sh) * W);
      const orow = out + <usize>(oh * oW);
      for (let ow = 0; ow < oW; ow++) store<u8>(orow + <usize>ow, load<u8>(row + <usize>nearestIndex(ow, W, oW, sw)));
    }
  }
}
