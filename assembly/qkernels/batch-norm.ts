// Quantized quint8 batch_norm2d (eval mode, running statistics) on NCHW tensors (WASM), identical
// for every engine (ATen q_batch_norm2d_impl + q_batch_norm_kernel).
//
// PyTorch folds the statistics into per-channel float32 alpha/beta (compute_fused_params):
//   inv_sigma = (float)(1.0 / sqrtf(var + (float)eps))
//   alpha     = (float)((inv_sigma * weight) * (double)(s_in / s_out))
//   beta      = (float)((double)(bias - mean * inv_sigma * weight) / s_out)
// and computes y = zp_out + lrintf(fma(alpha, q - zp_in, beta)) per element, clamped (ReLU: at
// zp_out). The AVX2 body uses vfmadd; the scalar channel tail is the same expression, which GCC
// contracts to an FMA in that translation unit (confirmed against PyTorch's integers).
import { fmaF32, clampU8, lrintF32 } from "../util/float-exact";
import { applyLutU8 } from "../util/lut";

/** Writes C float32 alpha and beta values (absent weight/bias: pass 0 pointers for 1 and 0). */
export function qbatch_norm_fused_params(
  C: i32,
  weight: usize,
  bias: usize,
  mean: usize,
  variance: usize,
  eps: f64,
  inScale: f64,
  outScale: f64,
  alpha: usize,
  beta: usize,
): void {
  const ratio: f64 = inScale / outScale;
  for (let c = 0; c < C; c++) {
    const off = <usize>c << 2;
    const w: f32 = weight != 0 ? load<f32>(weight + off) : 1;
    const b: f32 = bias != 0 ? load<f32>(bias + off) : 0;
    const invSigma = <f32>(1.0 / <f64>Mathf.sqrt(load<f32>(variance + off) + <f32>eps));
    store<f32>(alpha + off, <f32>(<f64>(invSigma * w) * ratio));
    store<f32>(beta + off, <f32>(<f64>(b - load<f32>(mean + off) * invSigma * w) / outScale));
  }
}

export function qbatch_norm2d_u8(
  src: usize,
  dst: usize,
  N: i32,
  C: i32,
  HW: i32,
  inZp: i32,
  outZp: i32,
  alpha: usize,
  beta: usize,
  relu: i32,
  scratch: usize,
): void {
  // Each channel's result is a function of the byte: a 256-entry table per channel once the planes
  // are larger than the table, direct evaluation otherwise. `scratch` needs 256 bytes.
  const lo = relu != 0 ? outZp : 0;
  const useTable = N * HW > 256;
  for (let c = 0; c < C; c++) {
    const a = load<f32>(alpha + (<usize>c << 2));
    const b = load<f32>(beta + (<usize>c << 2));
    if (useTable) {
      for (let q = 0; q < 256; q++) store<u8>(scratch + <usize>q, <u8>bnOne(q, a, b, inZp, outZp, lo));
    }
    for (let n = 0; n < N; n++) {
      const plane = <usize>((n * C + c) * HW);
      if (useTable) {
        applyLutU8(src + plane, dst + plane, HW, scratch);
        continue;
      }
      for (let i = 0; i < HW; i++) {
        store<u8>(dst + plane + <usize>i, <u8>bnOne(<i32>load<u8>(src + plane + <usize>i), a, b, inZp, outZp, lo));
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function bnOne(q: i32, a: f32, b: f32, inZp: i32, outZp: i32, lo: i32): i32 {
  const y = outZp + lrintF32(fmaF32(a, <f32>(q - inZp), b));
  return clampU8(y < lo ? lo : y);
}
