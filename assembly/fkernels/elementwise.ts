// Float32 elementwise kernels (WASM): broadcasting binary ops over up to 6 dims, and the activations
// (relu, clip, hardswish, hardsigmoid, sigmoid, tanh).

const BINARY_ADD: i32 = 0;
const BINARY_SUB: i32 = 1;
const BINARY_MUL: i32 = 2;
const BINARY_DIV: i32 = 3;

@inline
function applyScalar(op: i32, a: f32, b: f32): f32 {
  if (op == BINARY_ADD) return a + b;
  if (op == BINARY_SUB) return a - b;
  if (op == BINARY_MUL) return a * b;
  return a / b;
}

@inline
function applyVector(op: i32, a: v128, b: v128): v128 {
  if (op == BINARY_ADD) return f32x4.add(a, b);
  if (op == BINARY_SUB) return f32x4.sub(a, b);
  if (op == BINARY_MUL) return f32x4.mul(a, b);
  return f32x4.div(a, b);
}

/** One contiguous run of n outputs; a and b advance by strideA/strideB (each 0 or 1) elements. */
function binaryRun(op: i32, a: usize, strideA: i32, b: usize, strideB: i32, out: usize, n: i32): void {
  let i = 0;
  if (strideA == 1 && strideB == 1) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, applyVector(op, v128.load(a + o), v128.load(b + o)));
    }
  } else if (strideA == 1 && strideB == 0) {
    const bv = v128.load32_splat(b);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, applyVector(op, v128.load(a + o), bv));
    }
  } else if (strideA == 0 && strideB == 1) {
    const av = v128.load32_splat(a);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, applyVector(op, av, v128.load(b + o)));
    }
  }
  for (; i < n; i++) {
    const va = load<f32>(a + (<usize>(i * strideA) << 2));
    const vb = load<f32>(b + (<usize>(i * strideB) << 2));
    store<f32>(out + (<usize>i << 2), applyScalar(op, va, vb));
  }
}

/**
 * out = a (op) b with broadcasting. `dims` points at 6 i32 output dims (leading 1s for lower ranks);
 * `stridesA`/`stridesB` at 6 i32 element strides each (0 along broadcast dims). The innermost stride of
 * each operand must be 0 or 1 (the host collapses dims so it is). op: 0 add, 1 sub, 2 mul, 3 div.
 */
export function fbinary(op: i32, a: usize, b: usize, out: usize, dims: usize, stridesA: usize, stridesB: usize): void {
  const d0 = load<i32>(dims), d1 = load<i32>(dims, 4), d2 = load<i32>(dims, 8);
  const d3 = load<i32>(dims, 12), d4 = load<i32>(dims, 16), n = load<i32>(dims, 20);
  const a0 = load<i32>(stridesA), a1 = load<i32>(stridesA, 4), a2 = load<i32>(stridesA, 8);
  const a3 = load<i32>(stridesA, 12), a4 = load<i32>(stridesA, 16), a5 = load<i32>(stridesA, 20);
  const b0 = load<i32>(stridesB), b1 = load<i32>(stridesB, 4), b2 = load<i32>(stridesB, 8);
  const b3 = load<i32>(stridesB, 12), b4 = load<i32>(stridesB, 16), b5 = load<i32>(stridesB, 20);
  let o = out;
  for (let i0 = 0; i0 < d0; i0++)
    for (let i1 = 0; i1 < d1; i1++)
      for (let i2 = 0; i2 < d2; i2++)
        for (let i3 = 0; i3 < d3; i3++)
          for (let i4 = 0; i4 < d4; i4++) {
            const offA = i0 * a0 + i1 * a1 + i2 * a2 + i3 * a3 + i4 * a4;
            const offB = i0 * b0 + i1 * b1 + i2 * b2 + i3 * b3 + i4 * b4;
            binaryRun(op, a + (<usize>offA << 2), a5, b + (<usize>offB << 2), b5, o, n);
            o += <usize>n << 2;
          }
}

export function frelu(x: usize, out: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.max(v128.load(x + o), zero));
  }
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    store<f32>(out + (<usize>i << 2), v > 0 || v != v ? v : 0);
  }
}

/** Clamps to [lo, hi] (NaN stays NaN, as in PyTorch's clamp). */
export function fclip(x: usize, out: usize, n: i32, lo: f32, hi: f32): void {
  const vlo = f32x4.splat(lo);
  const vhi = f32x4.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.min(f32x4.max(v128.load(x + o), vlo), vhi));
  }
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    store<f32>(out + (<usize>i << 2), v != v ? v : min(max(v, lo), hi));
  }
}

/** x * clamp(x + 3, 0, 6) / 6, PyTorch's hardswish formula (ONNX HardSwish, alpha 1/6, beta 0.5). */
export function fhardswish(x: usize, out: usize, n: i32): void {
  const three = f32x4.splat(3);
  const six = f32x4.splat(6);
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    const r = f32x4.min(f32x4.max(f32x4.add(v, three), zero), six);
    v128.store(out + o, f32x4.div(f32x4.mul(v, r), six));
  }
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    store<f32>(out + (<usize>i << 2), (v * min(max(v + 3, 0), 6)) / 6);
  }
}

/** max(0, min(1, alpha*x + beta)). */
export function fhardsigmoid(x: usize, out: usize, n: i32, alpha: f32, beta: f32): void {
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(beta);
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const v = f32x4.add(f32x4.mul(v128.load(x + o), va), vb);
    v128.store(out + o, f32x4.min(f32x4.max(v, zero), one));
  }
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2)) * alpha + beta;
    store<f32>(out + (<usize>i << 2), min(max(v, 0), 1));
  }
}

export function fsigmoid(x: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    // Split by sign so exp never overflows.
    let y: f32;
    if (v >= 0) {
      y = 1 / (1 + Mathf.exp(-v));
    } else {
      const e = Mathf.exp(v);
      y = e / (1 + e);
    }
    store<f32>(out + (<usize>i << 2), y);
  }
}

export function ftanh(x: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), Mathf.tanh(load<f32>(x + (<usize>i << 2))));
}

/** x > 0 ? x : alpha * x (PyTorch's leaky_relu, ONNX LeakyRelu). */
export function fleaky_relu(x: usize, out: usize, n: i32, alpha: f32): void {
  const va = f32x4.splat(alpha);
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    v128.store(out + o, v128.bitselect(v, f32x4.mul(v, va), f32x4.gt(v, zero)));
  }
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    store<f32>(out + (<usize>i << 2), v > 0 ? v : v * alpha);
  }
}
