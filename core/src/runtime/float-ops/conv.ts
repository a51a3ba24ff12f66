// Float Conv (1-D and 2-D, groups, depthwise, dilation, asymmetric pads) on the WASM kernels (any process
// holding a WasmCore). Dense and grouped convs run as packed GEMM (1x1 stride-1 convs read the input
// directly, others through im2col); depthwise convs use the direct SIMD kernel.
import { InputError } from "../../errors";
import { attrInt, attrInts, describeNode, tensorToFloat32, type Node } from "../../onnx/ir";
import { windowGeometry } from "../../onnx/shape-inference";
import type { Conv2dGeometry } from "../../wasm/fkernels";
import { packFromHost, type CompileContext, type FloatOp, type Step } from "./types";

/** 2-D geometry of a Conv or pool node; 1-D nodes become H = 1. */
export function conv2dGeometry(node: Node, xShape: readonly number[], kernel: readonly number[], ceilMode = false): Conv2dGeometry {
  const spatial = xShape.slice(2);
  if (spatial.length !== 1 && spatial.length !== 2) {
    throw new InputError(`${describeNode(node)}: only 1-D and 2-D windows are supported, got input [${xShape.join(", ")}]`);
  }
  const geo = windowGeometry(node, spatial, kernel, ceilMode);
  if (spatial.length === 1) {
    return {
      C: xShape[1], H: 1, W: spatial[0], kh: 1, kw: kernel[0], sh: 1, sw: geo.strides[0],
      pt: 0, pl: geo.pads[0], pb: 0, pr: geo.pads[1], dh: 1, dw: geo.dilations[0], OH: 1, OW: geo.outSpatial[0],
    };
  }
  return {
    C: xShape[1], H: spatial[0], W: spatial[1], kh: kernel[0], kw: kernel[1], sh: geo.strides[0], sw: geo.strides[1],
    pt: geo.pads[0], pl: geo.pads[1], pb: geo.pads[2], pr: geo.pads[3], dh: geo.dilations[0], dw: geo.dilations[1],
    OH: geo.outSpatial[0], OW: geo.outSpatial[1],
  };
}

export const convOp: FloatOp = {
  compile(node: Node, ctx: CompileContext): Step {
    const [xName, wName, bName] = node.inputs;
    const xShape = ctx.type(xName).shape;
    const wShape = ctx.type(wName).shape;
    const group = attrInt(node, "group", 1);
    const kernel = attrInts(node, "kernel_shape", wShape.slice(2));
    const g = conv2dGeometry(node, xShape, kernel);
    const N = xShape[0];
    const M = wShape[0];
    const Cg = g.C / group;
    const Mg = M / group;
    const K = Cg * g.kh * g.kw;
    const P = g.OH * g.OW;
    const x = ctx.ptr(xName);
    const out = ctx.ptr(node.outputs[0]);
    const bias = bName ? ctx.ptr(bName) : 0;
    const wConst = ctx.constant(wName);
    const k = ctx.kernels;
    const inImage = g.C * g.H * g.W * 4;
    const outImage = M * P * 4;

    if (group === g.C && Cg === 1) {
      // Depthwise: weights [C*mult, 1, kh, kw] are used as stored.
      const w = ctx.ptr(wName);
      const scratch = ctx.scratch(k.depthwiseScratchFloats(g));
      const mult = M / g.C;
      return () => {
        for (let n = 0; n < N; n++) {
          k.depthwiseConv2d(x + n * inImage, w, bias, out + n * outImage, g, mult, scratch.ptr);
        }
      };
    }

    // Dense/grouped: one packed A per group, [Mg, K] rows of the weight.
    const packedFloats = k.packedAFloats(Mg, K);
    const packGroups = (wPtr: number, dst: number) => {
      for (let gi = 0; gi < group; gi++) k.packA(wPtr + gi * Mg * K * 4, Mg, K, K, 1, dst + gi * packedFloats * 4);
    };
    let packed: number;
    let repack: (() => void) | undefined;
    if (wConst) {
      // Constant weights are packed once per executor, straight from the host copy.
      packed = ctx.persistent(`conv-packed:${wName}:${group}`, packedFloats * group, (dst) =>
        packFromHost(ctx, tensorToFloat32(wConst), dst, packGroups),
      );
    } else {
      const w = ctx.ptr(wName);
      const dst = ctx.planBuffer(packedFloats * group);
      packed = dst;
      repack = () => packGroups(w, dst);
    }
    const direct = g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.pt === 0 && g.pl === 0 && g.pb === 0 && g.pr === 0;
    const colFloats = direct ? 0 : K * P;
    const gemmFloats = k.gemmScratchFloats(K, P);
    const scratch = ctx.scratch(colFloats + gemmFloats);
    const geomGroup: Conv2dGeometry = { ...g, C: Cg };
    return () => {
      repack?.();
      const col = scratch.ptr;
      const gemmScratch = scratch.ptr + colFloats * 4;
      for (let n = 0; n < N; n++) {
        for (let gi = 0; gi < group; gi++) {
          const xg = x + n * inImage + gi * Cg * g.H * g.W * 4;
          let b = xg;
          if (!direct) {
            k.im2col(xg, geomGroup, col);
            b = col;
          }
          const dst = out + n * outImage + gi * Mg * P * 4;
          const biasRef = bias ? { ptr: bias + gi * Mg * 4, mode: "row" as const } : undefined;
          k.gemm(packed + gi * packedFloats * 4, Mg, K, b, P, 1, P, dst, P, biasRef, gemmScratch);
        }
      }
    };
  },
};
