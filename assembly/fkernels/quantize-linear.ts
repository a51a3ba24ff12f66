// ONNX QuantizeLinear / DequantizeLinear on float32 <-> int8/uint8 tensors (WASM), per tensor or per axis,
// for running QDQ models in float simulation. The tensor is viewed as [outer, axisLen, inner]; channel c
// uses scales[c] and zeroPoints[c] (a per-tensor op passes axisLen 1).

/** q = saturate(roundHalfEven(x / scale) + zeroPoint), stored as int8 (signed != 0) or uint8. */
export function fquantize_linear(
  x: usize,
  out: usize,
  outer: i32,
  axisLen: i32,
  inner: i32,
  scales: usize,
  zeroPoints: usize,
  signed: i32,
): void {
  const lo: f32 = signed ? -128 : 0;
  const hi: f32 = signed ? 127 : 255;
  let i: usize = 0;
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < axisLen; c++) {
      const s = load<f32>(scales + (<usize>c << 2));
      const zp = <f32>load<i32>(zeroPoints + (<usize>c << 2));
      for (let k = 0; k < inner; k++) {
        // f32 division like ONNX Runtime, then round half to even and saturate.
        let v = nearest<f32>(load<f32>(x + (i << 2)) / s) + zp;
        // NaN has no integer: it quantizes to the zero point (a trap would abort the whole run).
        v = v != v ? min(max(zp, lo), hi) : min(max(v, lo), hi);
        if (signed) store<i8>(out + i, <i8>(<i32>v));
        else store<u8>(out + i, <u8>(<i32>v));
        i++;
      }
    }
  }
}

/** y = (q - zeroPoint) * scale from int8 (signed != 0) or uint8 input. */
export function fdequantize_linear(
  x: usize,
  out: usize,
  outer: i32,
  axisLen: i32,
  inner: i32,
  scales: usize,
  zeroPoints: usize,
  signed: i32,
): void {
  let i: usize = 0;
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < axisLen; c++) {
      const s = load<f32>(scales + (<usize>c << 2));
      const zp = load<i32>(zeroPoints + (<usize>c << 2));
      for (let k = 0; k < inner; k++) {
        const q: i32 = signed ? <i32>load<i8>(x + i) : <i32>load<u8>(x + i);
        store<f32>(out + (i << 2), <f32>(q - zp) * s);
        i++;
      }
    }
  }
}
