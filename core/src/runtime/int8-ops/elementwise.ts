// Int8 elementwise ops and average pooling (Add, Mul, HardSwish, GlobalAveragePool, AveragePool), pending
// the engine-exact kernels of core/src/wasm/qelementwise.ts (any process holding a WasmCore).
import type { Int8Op } from "./types";

export const elementwiseInt8Ops: Readonly<Record<string, Int8Op>> = {};
