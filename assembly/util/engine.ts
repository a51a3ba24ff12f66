// Engine ids shared by every quantized kernel (WASM). The host passes one of these to pick PyTorch's
// per-engine semantics (requantization rounding, bias handling, pooling rounding).
export const ENGINE_X86: i32 = 0;
export const ENGINE_FBGEMM: i32 = 1;
export const ENGINE_QNNPACK: i32 = 2;
export const ENGINE_ONEDNN: i32 = 3;
