// Registry of float op implementations by ONNX op type (default domain), one file per op family (any
// process holding a WasmCore). Ops missing here but present in onnx/fold.ts run through the host fallback.
import { HOST_EVALUATORS } from "../../onnx/fold";
import { convOp } from "./conv";
import { elementwiseOps } from "./elementwise";
import { gemmOp, matmulOp } from "./gemm";
import { hostFallbackOp } from "./host-fallback";
import { layoutOps } from "./layout";
import { normalizationOps } from "./normalization";
import { poolOps } from "./pool";
import { dequantizeLinearOp, quantizeLinearOp } from "./quantize-linear";
import { padOp, reduceMeanOp, resizeOp } from "./resample";
import type { FloatOp } from "./types";

export const FLOAT_OPS: Readonly<Record<string, FloatOp>> = {
  Conv: convOp,
  Gemm: gemmOp,
  MatMul: matmulOp,
  ...elementwiseOps,
  ...poolOps,
  ...normalizationOps,
  ...layoutOps,
  ReduceMean: reduceMeanOp,
  Resize: resizeOp,
  Pad: padOp,
  QuantizeLinear: quantizeLinearOp,
  DequantizeLinear: dequantizeLinearOp,
};

/** The implementation for an op type, or undefined when the executor cannot run it. */
export function floatOpFor(opType: string): FloatOp | undefined {
  return FLOAT_OPS[opType] ?? (opType in HOST_EVALUATORS ? hostFallbackOp : undefined);
}

/** Every op type the float executor runs. */
export const SUPPORTED_FLOAT_OPS: readonly string[] = [...new Set([...Object.keys(FLOAT_OPS), ...Object.keys(HOST_EVALUATORS)])].sort();

export type { CompileContext, FloatOp, Step } from "./types";
