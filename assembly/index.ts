// The exported ABI of the QuantScope WASM core, nothing else (WASM). Every kernel takes pointers into
// linear memory and plain numbers; the host-side binding lives in core/src/wasm/.
export { alloc, free } from "./util/memory";
export * from "./fkernels/gemm";
export * from "./fkernels/conv";
export * from "./fkernels/pool";
export * from "./fkernels/elementwise";
export * from "./fkernels/batchnorm";
export * from "./fkernels/softmax";
export * from "./fkernels/transpose";
