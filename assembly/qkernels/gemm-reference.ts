// Scalar reference kernels for quantized linear and conv (WASM): the plain definition of the
// arithmetic, used to check the SIMD kernels and as a fallback. They read raw int8 weights [N][K]
// (linear) or [OC][C/groups][KH][KW] (conv) with one zero point per output channel, and dense
// per-channel epilogue constants (see util/requant-epilogue.ts).
import {
  dget,
  D_MODE,
  D_M,
  D_K,
  D_N,
  D_WEIGHTS,
  D_WEIGHT_ZPS,
  D_EPI_BINT,
  D_EPI_A,
  D_EPI_BF,
  D_EPI_C,
  D_INPUT,
  D_IN_ZP,
  D_OUTPUT,
  D_OUT_ZP,
  D_OUT_LO,
  D_OUT_HI,
  D_C,
  D_H,
  D_W,
  D_OC,
  D_OH,
  D_OW,
  D_KH,
  D_KW,
  D_SH,
  D_SW,
  D_PH,
  D_PW,
  D_DH,
  D_DW,
  D_GROUPS,
  D_BATCH,
} from "../util/qgemm-desc";
import { requantScalar } from "../util/requant-epilogue";

/** Linear: out[m][n] from input [M][K] uint8; uint8 (mode 0) or float32 (mode 1) output. */
export function qlinear_reference(desc: usize): void {
  const m = dget(desc, D_M);
  const k = dget(desc, D_K);
  const n = dget(desc, D_N);
  const mode = dget(desc, D_MODE);
  const x = <usize>dget(desc, D_INPUT);
  const w = <usize>dget(desc, D_WEIGHTS);
  const wzp = <usize>dget(desc, D_WEIGHT_ZPS);
  const xzp = dget(desc, D_IN_ZP);
  const out = <usize>dget(desc, D_OUTPUT);
  for (let r = 0; r < m; r++) {
    for (let j = 0; j < n; j++) {
      const zw = load<i32>(wzp + (<usize>j << 2));
      let acc = 0;
      for (let kk = 0; kk < k; kk++) {
        acc += (<i32>load<u8>(x + <usize>r * k + kk) - xzp) * (<i32>load<i8>(w + <usize>j * k + kk) - zw);
      }
      writeOut(desc, mode, out, r * n + j, j, acc);
    }
  }
}

// @ts-ignore: decorator
@inline
function writeOut(desc: usize, mode: i32, out: usize, index: i32, channel: i32, acc: i32): void {
  const off = <usize>channel << 2;
  const bint = load<i32>(<usize>dget(desc, D_EPI_BINT) + off);
  const a = load<f32>(<usize>dget(desc, D_EPI_A) + off);
  const bf = load<f32>(<usize>dget(desc, D_EPI_BF) + off);
  if (mode == 0) {
    const cc = load<f32>(<usize>dget(desc, D_EPI_C) + off);
    const q = requantScalar(acc, bint, a, bf, cc, dget(desc, D_OUT_ZP), dget(desc, D_OUT_LO), dget(desc, D_OUT_HI));
    store<u8>(out + index, <u8>q);
  } else {
    store<f32>(out + (<usize>index << 2), <f32>(acc + bint) * a + bf);
  }
}

/** Conv2d NCHW: direct loops over the definition, zero-point padding contributing nothing. */
export function qconv2d_reference(desc: usize): void {
  const batch = dget(desc, D_BATCH);
  const c = dget(desc, D_C);
  const h = dget(desc, D_H);
  const wd = dget(desc, D_W);
  const oc = dget(desc, D_OC);
  const oh = dget(desc, D_OH);
  const ow = dget(desc, D_OW);
  const kh = dget(desc, D_KH);
  const kw = dget(desc, D_KW);
  const sh = dget(desc, D_SH);
  const sw = dget(desc, D_SW);
  const ph = dget(desc, D_PH);
  const pw = dget(desc, D_PW);
  const dh = dget(desc, D_DH);
  const dw = dget(desc, D_DW);
  const groups = dget(desc, D_GROUPS);
  const cg = c / groups;
  const og = oc / groups;
  const x = <usize>dget(desc, D_INPUT);
  const w = <usize>dget(desc, D_WEIGHTS);
  const wzp = <usize>dget(desc, D_WEIGHT_ZPS);
  const xzp = dget(desc, D_IN_ZP);
  const out = <usize>dget(desc, D_OUTPUT);
  for (let n = 0; n < batch; n++) {
    for (let o = 0; o < oc; o++) {
      const g = o / og;
      const zw = load<i32>(wzp + (<usize>o << 2));
      for (let y = 0; y < oh; y++) {
        for (let xx = 0; xx < ow; xx++) {
          let acc = 0;
          for (let ci = 0; ci < cg; ci++) {
            const ch = g * cg + ci;
            for (let i = 0; i < kh; i++) {
              const iy = y * sh - ph + i * dh;
              if (iy < 0 || iy >= h) continue;
              for (let j = 0; j < kw; j++) {
                const ix = xx * sw - pw + j * dw;
                if (ix < 0 || ix >= wd) continue;
                const xv = <i32>load<u8>(x + ((<usize>(n * c + ch) * h + iy) * wd + ix)) - xzp;
                const wv = <i32>load<i8>(w + ((<usize>(o * cg + ci) * kh + i) * kw + j)) - zw;
                acc += xv * wv;
              }
            }
          }
          writeOut(desc, 0, out, ((n * oc + o) * oh + y) * ow + xx, o, acc);
        }
      }
    }
  }
}
