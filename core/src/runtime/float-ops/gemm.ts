// Float Gemm and MatMul on the packed WASM GEMM (any process holding a WasmCore). Transposes are folded
// into packing strides; Gemm's C is fused as a per-column bias when it is a row vector, otherwise added by
// the broadcasting kernel. MatMul broadcasts batch dims numpy-style. Constant weights are packed once.
import { attrFloat, attrInt, tensorToFloat32, type Node } from "../../onnx/ir";
import { broadcastShapes, broadcastStrides } from "../../onnx/fold";
import { count, packFromHost, type CompileContext, type FloatOp, type Step } from "./types";

export const gemmOp: FloatOp = {
  compile(node: Node, ctx: CompileContext): Step {
    const [aName, bName, cName] = node.inputs;
    const aShape = ctx.type(aName).shape;
    const outShape = ctx.type(node.outputs[0]).shape;
    const transA = attrInt(node, "transA", 0) === 1;
    const transB = attrInt(node, "transB", 0) === 1;
    const alpha = attrFloat(node, "alpha", 1);
    const beta = attrFloat(node, "beta", 1);
    const [M, N] = outShape;
    const K = transA ? aShape[0] : aShape[1];
    const k = ctx.kernels;
    const a = ctx.ptr(aName);
    const bConstant = ctx.constant(bName);
    const b = bConstant ? 0 : ctx.ptr(bName);
    const out = ctx.ptr(node.outputs[0]);
    // A(i,k) strides; B(k,j) strides.
    const [aRow, aCol] = transA ? [1, M] : [K, 1];
    const [bRow, bCol] = transB ? [1, K] : [N, 1];
    const packedFloats = k.packedAFloats(M, K);
    const scratch = ctx.scratch(packedFloats + k.gemmScratchFloats(K, N));
    // Constant weights (the usual Linear layer) are packed once per executor.
    const packedB = bConstant
      ? ctx.persistent(`gemm-packed-b:${node.outputs[0]}`, k.packedBFloats(K, N), (dst) =>
          packFromHost(ctx, tensorToFloat32(bConstant), dst, (src, d) => k.packB(src, K, N, bRow, bCol, d)),
        )
      : 0;

    // C handling: beta*C folded on the host when constant; a row vector becomes the GEMM's column bias.
    let bias: { ptr: number; mode: "col" } | undefined;
    let addC: (() => void) | undefined;
    if (cName && beta !== 0) {
      const cShape = ctx.type(cName).shape;
      const cConst = ctx.constant(cName);
      let cPtr: number;
      if (cConst) {
        const scaled = tensorToFloat32(cConst).map((v) => v * beta);
        cPtr = ctx.persistent(`gemm-c:${node.outputs[0]}`, scaled.length, (dst) => ctx.core.f32(dst, scaled.length).set(scaled));
      } else {
        if (beta !== 1) {
          const betaPtr = uploadScalar(ctx, `gemm-beta:${node.outputs[0]}`, beta);
          const cRuntime = ctx.ptr(cName);
          const scaledC = ctx.planBuffer(count(cShape));
          cPtr = scaledC;
          addC = () => k.binary("mul", cRuntime, cShape, betaPtr, [], scaledC, cShape);
        } else {
          cPtr = ctx.ptr(cName);
        }
      }
      const isRowVector = count(cShape) === N && (cShape.length === 1 || (cShape.length === 2 && cShape[0] === 1)) && N > 1;
      if (isRowVector && alpha === 1) {
        bias = { ptr: cPtr, mode: "col" };
      } else {
        const prior = addC;
        const alphaPtr = alpha !== 1 ? uploadScalar(ctx, `gemm-alpha:${node.outputs[0]}`, alpha) : 0;
        addC = () => {
          prior?.();
          if (alphaPtr) k.binary("mul", out, outShape, alphaPtr, [], out, outShape);
          k.binary("add", out, outShape, cPtr, cShape, out, outShape);
        };
      }
    } else if (alpha !== 1) {
      const alphaPtr = uploadScalar(ctx, `gemm-alpha:${node.outputs[0]}`, alpha);
      addC = () => k.binary("mul", out, outShape, alphaPtr, [], out, outShape);
    }
    const scale = addC;
    return () => {
      const packed = scratch.ptr;
      k.packA(a, M, K, aRow, aCol, packed);
      if (packedB) k.gemmPrepacked(packed, M, K, packedB, N, out, N, bias, packed + packedFloats * 4);
      else k.gemm(packed, M, K, b, bRow, bCol, N, out, N, bias, packed + packedFloats * 4);
      scale?.();
    };
  },
};

function uploadScalar(ctx: CompileContext, key: string, v: number): number {
  return ctx.persistent(key, 1, (dst) => ctx.core.f32(dst, 1).set([v]));
}

export const matmulOp: FloatOp = {
  compile(node: Node, ctx: CompileContext): Step {
    const [aName, bName] = node.inputs;
    const aShape0 = ctx.type(aName).shape;
    const bShape0 = ctx.type(bName).shape;
    const aShape = aShape0.length === 1 ? [1, aShape0[0]] : aShape0;
    const bShape = bShape0.length === 1 ? [bShape0[0], 1] : bShape0;
    const M = aShape[aShape.length - 2];
    const K = aShape[aShape.length - 1];
    const N = bShape[bShape.length - 1];
    const batch = broadcastShapes(node, aShape.slice(0, -2), bShape.slice(0, -2));
    const batches = count(batch);
    const aBatchStrides = broadcastStrides(aShape.slice(0, -2), batch).map((s) => s * M * K);
    const bBatchStrides = broadcastStrides(bShape.slice(0, -2), batch).map((s) => s * K * N);
    const k = ctx.kernels;
    const a = ctx.ptr(aName);
    const bConstant = ctx.constant(bName);
    const b = bConstant ? 0 : ctx.ptr(bName);
    const out = ctx.ptr(node.outputs[0]);
    const packedFloats = k.packedAFloats(M, K);
    const scratch = ctx.scratch(packedFloats + k.gemmScratchFloats(K, N));
    // Constant B: every [K, N] slice packed once; offsets below then index packed slices.
    const sliceFloats = k.packedBFloats(K, N);
    const bSlices = count(bShape.slice(0, -2));
    const packedB = bConstant
      ? ctx.persistent(`matmul-packed-b:${node.outputs[0]}`, sliceFloats * bSlices, (dst) =>
          packFromHost(ctx, tensorToFloat32(bConstant), dst, (src, d) => {
            for (let sl = 0; sl < bSlices; sl++) k.packB(src + sl * K * N * 4, K, N, N, 1, d + sl * sliceFloats * 4);
          }),
        )
      : 0;
    const offsets: [number, number][] = [];
    for (let i = 0; i < batches; i++) {
      let rem = i;
      let oa = 0;
      let ob = 0;
      for (let d = batch.length - 1; d >= 0; d--) {
        const q = rem % batch[d];
        rem = (rem - q) / batch[d];
        oa += q * aBatchStrides[d];
        ob += q * bBatchStrides[d];
      }
      offsets.push([oa * 4, packedB ? (ob / (K * N)) * sliceFloats * 4 : ob * 4]);
    }
    return () => {
      const packed = scratch.ptr;
      for (let i = 0; i < batches; i++) {
        const [oa, ob] = offsets[i];
        k.packA(a + oa, M, K, K, 1, packed);
        const c = out + i * M * N * 4;
        if (packedB) k.gemmPrepacked(packed, M, K, packedB + ob, N, c, N, undefined, packed + packedFloats * 4);
        else k.gemm(packed, M, K, b + ob, N, 1, N, c, N, undefined, packed + packedFloats * 4);
      }
    };
  },
};
