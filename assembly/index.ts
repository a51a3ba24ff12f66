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
export { quantizePerTensor, dequantizePerTensor, quantizePerChannel, dequantizePerChannel, quantizePerTensorDynamic } from "./quantize";
export { fakeQuantizePerTensor, fakeQuantizePerChannel, fusedMovingAvgObsFakeQuant } from "./fake-quant";
export { observerQParams } from "./util/qparams";
export { observeMinMax } from "./observers/minmax";
export { observeMovingAverageMinMax, observeMovingAveragePerChannelMinMax } from "./observers/moving-average";
export { observePerChannelMinMax } from "./observers/per-channel";
export { observeHistogram, histogramQParams } from "./observers/histogram";
