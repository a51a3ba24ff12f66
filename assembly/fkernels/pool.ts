// Float32 pooling kernels over NCHW planes (WASM): max pool, average pool (ONNX count_include_pad and
// ceil-mode semantics: the window is clipped to the padded input), global average pool.

/**
 * Max pool over `planes` planes of H x W. Window of output (oh, ow) covers rows oh*sh - pt + ki*dh.
 * Taps in the padding are ignored; a window with no valid tap yields -inf (cannot happen with ONNX pads < kernel).
 */
export function fmaxpool2d(
  x: usize,
  out: usize,
  planes: i32,
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
): void {
  for (let p = 0; p < planes; p++) {
    const src = x + (<usize>p * <usize>H * <usize>W << 2);
    const dst = out + (<usize>p * <usize>OH * <usize>OW << 2);
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - pt;
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * sw - pl;
        let best: f32 = -Infinity;
        for (let ki = 0; ki < kh; ki++) {
          const ih = h0 + ki * dh;
          if (ih < 0 || ih >= H) continue;
          const row = src + (<usize>ih * <usize>W << 2);
          for (let kj = 0; kj < kw; kj++) {
            const iw = w0 + kj * dw;
            if (iw < 0 || iw >= W) continue;
            const v = load<f32>(row + (<usize>iw << 2));
            // NaN wins, like PyTorch's max_pool2d.
            if (v > best || v != v) best = v;
          }
        }
        store<f32>(dst + (<usize>(oh * OW + ow) << 2), best);
      }
    }
  }
}

/**
 * Average pool. The divisor is the window clipped to the padded input (pb, pr are the bottom/right pads)
 * when countIncludePad != 0, else the number of taps inside the input.
 */
export function favgpool2d(
  x: usize,
  out: usize,
  planes: i32,
  H: i32,
  W: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  pt: i32,
  pl: i32,
  pb: i32,
  pr: i32,
  OH: i32,
  OW: i32,
  countIncludePad: i32,
): void {
  for (let p = 0; p < planes; p++) {
    const src = x + (<usize>p * <usize>H * <usize>W << 2);
    const dst = out + (<usize>p * <usize>OH * <usize>OW << 2);
    for (let oh = 0; oh < OH; oh++) {
      let hs = oh * sh - pt;
      let he = min(hs + kh, H + pb);
      const ph = he - hs;
      hs = max(hs, 0);
      he = min(he, H);
      for (let ow = 0; ow < OW; ow++) {
        let ws = ow * sw - pl;
        let we = min(ws + kw, W + pr);
        const pw = we - ws;
        ws = max(ws, 0);
        we = min(we, W);
        let sum: f32 = 0;
        for (let ih = hs; ih < he; ih++) {
          const row = src + (<usize>ih * <usize>W << 2);
          for (let iw = ws; iw < we; iw++) sum += load<f32>(row + (<usize>iw << 2));
        }
        const count = countIncludePad ? ph * pw : (he - hs) * (we - ws);
        store<f32>(dst + (<usize>(oh * OW + ow) << 2), count > 0 ? sum / <f32>count : 0);
      }
    }
  }
}

/** Mean of each of `planes` contiguous planes of `size` floats. */
export function fglobal_avgpool(x: usize, out: usize, planes: i32, size: i32): void {
  for (let p = 0; p < planes; p++) {
    const src = x + (<usize>p * <usize>size << 2);
    let acc = f32x4.splat(0);
    let i = 0;
    for (; i + 4 <= size; i += 4) acc = f32x4.add(acc, v128.load(src + (<usize>i << 2)));
    let sum: f32 =
      f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
    for (; i < size; i++) sum += load<f32>(src + (<usize>i << 2));
    store<f32>(out + (<usize>p << 2), sum / <f32>size);
  }
}
