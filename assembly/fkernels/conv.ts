// Float32 2-D convolution helpers (WASM): im2col feeding the packed GEMM for dense and grouped convs, and
// a direct SIMD kernel for depthwise convs (groups == input channels), which GEMM handles poorly.
// Layout NCHW; pads are given per side (top, left, bottom, right) as ONNX allows asymmetric padding.

/**
 * Unfolds one image's `C` channels (plane H x W at x) into dst laid out [C*kh*kw][OH*OW], zero where a
 * tap falls in the padding. Row (c, ki, kj) holds x[c, oh*sh - pt + ki*dh, ow*sw - pl + kj*dw].
 */
export function fim2col(
  x: usize,
  C: i32,
  H: i32,
  W: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  pt: i32,
  pl: i32,
  dh: i32,
  dw: i32,
  OH: i32,
  OW: i32,
  dst: usize,
): void {
  let out = dst;
  for (let c = 0; c < C; c++) {
    const plane = x + (<usize>c * <usize>H * <usize>W << 2);
    for (let ki = 0; ki < kh; ki++) {
      for (let kj = 0; kj < kw; kj++) {
        // Output columns whose tap lands inside the row: ow*sw - pl + kj*dw in [0, W).
        const off = kj * dw - pl;
        let owLo = off >= 0 ? 0 : (-off + sw - 1) / sw;
        let owHi = W - off <= 0 ? 0 : (W - off + sw - 1) / sw;
        if (owLo > OW) owLo = OW;
        if (owHi > OW) owHi = OW;
        if (owHi < owLo) owHi = owLo;
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * sh - pt + ki * dh;
          if (ih < 0 || ih >= H) {
            memory.fill(out, 0, <usize>OW << 2);
          } else {
            const row = plane + (<usize>ih * <usize>W << 2);
            if (owLo > 0) memory.fill(out, 0, <usize>owLo << 2);
            if (sw == 1) {
              memory.copy(out + (<usize>owLo << 2), row + (<usize>(owLo + off) << 2), <usize>(owHi - owLo) << 2);
            } else {
              for (let ow = owLo; ow < owHi; ow++) {
                store<f32>(out + (<usize>ow << 2), load<f32>(row + (<usize>(ow * sw + off) << 2)));
              }
            }
            if (owHi < OW) memory.fill(out + (<usize>owHi << 2), 0, <usize>(OW - owHi) << 2);
          }
          out += <usize>OW << 2;
        }
      }
    }
  }
}

/** Scratch floats fdepthwise_conv2d needs: one zero-padded input plane plus SIMD over-read slack. */
export function fdepthwise_scratch_floats(OH: i32, OW: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32): i32 {
  const PH = (OH - 1) * sh + (kh - 1) * dh + 1;
  const PW = (OW - 1) * sw + (kw - 1) * dw + 1 + 8;
  return PH * PW + 8;
}

/**
 * Depthwise convolution of one image: input channel c feeds output channels c*mult .. c*mult+mult-1,
 * each with its own kh x kw filter w[oc] (ONNX weight layout [C*mult, 1, kh, kw]). bias may be 0.
 */
export function fdepthwise_conv2d(
  x: usize,
  w: usize,
  bias: usize,
  out: usize,
  C: i32,
  H: i32,
  W: i32,
  mult: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  pt: i32,
  pl: i32,
  dh: i32,
  dw: i32,
  OH: i32,
  OW: i32,
  scratch: usize,
): void {
  const PH = (OH - 1) * sh + (kh - 1) * dh + 1;
  const PW = (OW - 1) * sw + (kw - 1) * dw + 1 + 8;
  const rowBytes = <usize>PW << 2;
  for (let c = 0; c < C; c++) {
    // Copy the channel into a zero-padded plane so the inner loops need no bounds checks.
    const plane = x + (<usize>c * <usize>H * <usize>W << 2);
    for (let py = 0; py < PH; py++) {
      const dstRow = scratch + <usize>py * rowBytes;
      const iy = py - pt;
      if (iy < 0 || iy >= H) {
        memory.fill(dstRow, 0, rowBytes);
        continue;
      }
      const lo = min(pl, PW);
      const copy = max(0, min(W, PW - pl));
      if (lo > 0) memory.fill(dstRow, 0, <usize>lo << 2);
      if (copy > 0) memory.copy(dstRow + (<usize>pl << 2), plane + (<usize>iy * <usize>W << 2), <usize>copy << 2);
      const rest = PW - pl - copy;
      if (rest > 0) memory.fill(dstRow + (<usize>(pl + copy) << 2), 0, <usize>rest << 2);
    }
    memory.fill(scratch + <usize>PH * rowBytes, 0, 32);
    for (let m = 0; m < mult; m++) {
      const oc = c * mult + m;
      const filt = w + (<usize>oc * <usize>kh * <usize>kw << 2);
      const b: f32 = bias ? load<f32>(bias + (<usize>oc << 2)) : 0;
      const dstPlane = out + (<usize>oc * <usize>OH * <usize>OW << 2);
      const fast3x3 = kh == 3 && kw == 3 && dh == 1 && dw == 1 && (sw == 1 || sw == 2);
      for (let oh = 0; oh < OH; oh++) {
        const dstRow = dstPlane + (<usize>oh * <usize>OW << 2);
        let ow = 0;
        if (fast3x3) {
          ow = depthwise3x3Row(scratch + <usize>(oh * sh) * rowBytes, rowBytes, filt, b, dstRow, OW, sw);
        }
        for (; ow + 4 <= OW; ow += 4) {
          let acc = f32x4.splat(b);
          for (let ki = 0; ki < kh; ki++) {
            const src = scratch + <usize>(oh * sh + ki * dh) * rowBytes;
            for (let kj = 0; kj < kw; kj++) {
              const wv = v128.load32_splat(filt + (<usize>(ki * kw + kj) << 2));
              const base = src + (<usize>(ow * sw + kj * dw) << 2);
              let v: v128;
              if (sw == 1) {
                v = v128.load(base);
              } else if (sw == 2) {
                v = f32x4.shuffle(v128.load(base), v128.load(base, 16), 0, 2, 4, 6);
              } else {
                const step = <usize>sw << 2;
                v = f32x4.splat(load<f32>(base));
                v = f32x4.replace_lane(v, 1, load<f32>(base + step));
                v = f32x4.replace_lane(v, 2, load<f32>(base + 2 * step));
                v = f32x4.replace_lane(v, 3, load<f32>(base + 3 * step));
              }
              acc = f32x4.add(acc, f32x4.mul(wv, v));
            }
          }
          v128.store(dstRow + (<usize>ow << 2), acc);
        }
        for (; ow < OW; ow++) {
          let acc: f32 = b;
          for (let ki = 0; ki < kh; ki++) {
            const src = scratch + <usize>(oh * sh + ki * dh) * rowBytes;
            for (let kj = 0; kj < kw; kj++) {
              acc += load<f32>(filt + (<usize>(ki * kw + kj) << 2)) * load<f32>(src + (<usize>(ow * sw + kj * dw) << 2));
            }
          }
          store<f32>(dstRow + (<usize>ow << 2), acc);
        }
      }
    }
  }
}

/**
 * The common MobileNet case, 3x3 taps, no dilation, stride 1 or 2: one output row from three padded input
 * rows, the nine weights held in registers. Returns how many outputs it wrote (a multiple of 4).
 */
function depthwise3x3Row(src: usize, rowBytes: usize, filt: usize, b: f32, dst: usize, OW: i32, sw: i32): i32 {
  const w00 = v128.load32_splat(filt), w01 = v128.load32_splat(filt, 4), w02 = v128.load32_splat(filt, 8);
  const w10 = v128.load32_splat(filt, 12), w11 = v128.load32_splat(filt, 16), w12 = v128.load32_splat(filt, 20);
  const w20 = v128.load32_splat(filt, 24), w21 = v128.load32_splat(filt, 28), w22 = v128.load32_splat(filt, 32);
  const vb = f32x4.splat(b);
  const r0 = src;
  const r1 = src + rowBytes;
  const r2 = src + 2 * rowBytes;
  let ow = 0;
  if (sw == 1) {
    for (; ow + 4 <= OW; ow += 4) {
      const o = <usize>ow << 2;
      let acc = vb;
      acc = f32x4.add(acc, f32x4.mul(w00, v128.load(r0 + o)));
      acc = f32x4.add(acc, f32x4.mul(w01, v128.load(r0 + o, 4)));
      acc = f32x4.add(acc, f32x4.mul(w02, v128.load(r0 + o, 8)));
      acc = f32x4.add(acc, f32x4.mul(w10, v128.load(r1 + o)));
      acc = f32x4.add(acc, f32x4.mul(w11, v128.load(r1 + o, 4)));
      acc = f32x4.add(acc, f32x4.mul(w12, v128.load(r1 + o, 8)));
      acc = f32x4.add(acc, f32x4.mul(w20, v128.load(r2 + o)));
      acc = f32x4.add(acc, f32x4.mul(w21, v128.load(r2 + o, 4)));
      acc = f32x4.add(acc, f32x4.mul(w22, v128.load(r2 + o, 8)));
      v128.store(dst + o, acc);
    }
  } else {
    for (; ow + 4 <= OW; ow += 4) {
      const o = <usize>ow << 3;
      let acc = vb;
      let a = v128.load(r0 + o), c = v128.load(r0 + o, 16), d = v128.load(r0 + o, 8), e = v128.load(r0 + o, 24);
      acc = f32x4.add(acc, f32x4.mul(w00, f32x4.shuffle(a, c, 0, 2, 4, 6)));
      acc = f32x4.add(acc, f32x4.mul(w01, f32x4.shuffle(a, c, 1, 3, 5, 7)));
      acc = f32x4.add(acc, f32x4.mul(w02, f32x4.shuffle(d, e, 0, 2, 4, 6)));
      a = v128.load(r1 + o);
      c = v128.load(r1 + o, 16);
      d = v128.load(r1 + o, 8);
      e = v128.load(r1 + o, 24);
      acc = f32x4.add(acc, f32x4.mul(w10, f32x4.shuffle(a, c, 0, 2, 4, 6)));
      acc = f32x4.add(acc, f32x4.mul(w11, f32x4.shuffle(a, c, 1, 3, 5, 7)));
      acc = f32x4.add(acc, f32x4.mul(w12, f32x4.shuffle(d, e, 0, 2, 4, 6)));
      a = v128.load(r2 + o);
      c = v128.load(r2 + o, 16);
      d = v128.load(r2 + o, 8);
      e = v128.load(r2 + o, 24);
      acc = f32x4.add(acc, f32x4.mul(w20, f32x4.shuffle(a, c, 0, 2, 4, 6)));
      acc = f32x4.add(acc, f32x4.mul(w21, f32x4.shuffle(a, c, 1, 3, 5, 7)));
      acc = f32x4.add(acc, f32x4.mul(w22, f32x4.shuffle(d, e, 0, 2, 4, 6)));
      v128.store(dst + (<usize>ow << 2), acc);
    }
  }
  return ow;
}
