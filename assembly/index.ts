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
export { qgemm_packed_bytes, qgemm_pack_weights } from "./qkernels/gemm";
export { qlinear_thread } from "./qkernels/linear";
export { qconv_nhwc_thread, qconv_gemm_thread } from "./qkernels/conv";
export { qdepthwise_pack_weights, qdepthwise_packed_bytes, qdepthwise_plane_stride, qdepthwise_scratch_bytes, qdepthwise_thread } from "./qkernels/depthwise";
export { qlinear_reference, qconv2d_reference } from "./qkernels/gemm-reference";
export { qadd_u8, qmul_u8, qadd_scalar_requant_u8 } from "./qkernels/elementwise";
export { qrelu_u8, qclamp_u8, qrelu6_upper_u8, qhardswish_u8, qsigmoid_u8, qtanh_u8, qleaky_relu_u8 } from "./qkernels/activation";
export { qmax_pool2d_u8, qavg_pool2d_u8, qadaptive_avg_pool2d_u8, qmean_hw_u8 } from "./qkernels/pool";
export { qcat_part_u8, qupsample_nearest2d_u8 } from "./qkernels/shape";
export { qsoftmax_u8 } from "./qkernels/softmax";
export { qbatch_norm_fused_params, qbatch_norm2d_u8 } from "./qkernels/batch-norm";
export { qwinograd_pack_weights, qwinograd_scratch_bytes, qwinograd_thread } from "./qkernels/winograd";
