// Tiny ONNX models for the onnxruntime side of the kernel benchmark (bench processes): one
// QLinearMatMul or QLinearConv node with int8 weights as initializers, encoded with onnx-proto.
import { onnx } from "onnx-proto";
import { pseudoRandomBytes, type BenchCase } from "./cases";

const T = onnx.TensorProto.DataType;

function scalar(name: string, type: number, value: number): onnx.ITensorProto {
  if (type === T.FLOAT) return { name, dataType: type, dims: [], floatData: [value] };
  return { name, dataType: type, dims: [], int32Data: [value] };
}

function valueInfo(name: string, elemType: number, dims: number[]): onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } };
}

function model(graph: onnx.IGraphProto): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 13 }],
    producerName: "quantscope-bench",
    graph,
  }).finish();
}

/** The model and the shape of its single uint8 input. */
export function buildModel(c: BenchCase): { bytes: Uint8Array; inputShape: number[] } {
  if (c.kind === "gemm") {
    const b: onnx.ITensorProto = {
      name: "b",
      dataType: T.INT8,
      dims: [c.k, c.n],
      rawData: pseudoRandomBytes(c.k * c.n, 1),
    };
    return {
      inputShape: [c.m, c.k],
      bytes: model({
        name: "qlinear_matmul",
        node: [
          {
            opType: "QLinearMatMul",
            input: ["a", "a_scale", "a_zp", "b", "b_scale", "b_zp", "y_scale", "y_zp"],
            output: ["y"],
          },
        ],
        initializer: [
          scalar("a_scale", T.FLOAT, 0.02),
          scalar("a_zp", T.UINT8, 128),
          b,
          scalar("b_scale", T.FLOAT, 0.01),
          scalar("b_zp", T.INT8, 0),
          scalar("y_scale", T.FLOAT, 0.5),
          scalar("y_zp", T.UINT8, 128),
        ],
        input: [valueInfo("a", T.UINT8, [c.m, c.k])],
        output: [valueInfo("y", T.UINT8, [c.m, c.n])],
      }),
    };
  }
  const per = (c.c / c.groups) * c.k * c.k;
  const w: onnx.ITensorProto = {
    name: "w",
    dataType: T.INT8,
    dims: [c.oc, c.c / c.groups, c.k, c.k],
    rawData: pseudoRandomBytes(c.oc * per, 3),
  };
  const bias: onnx.ITensorProto = {
    name: "bias",
    dataType: T.INT32,
    dims: [c.oc],
    int32Data: new Array<number>(c.oc).fill(0),
  };
  const oh = c.h + 2 * c.pad - c.k + 1;
  const ow = c.w + 2 * c.pad - c.k + 1;
  return {
    inputShape: [1, c.c, c.h, c.w],
    bytes: model({
      name: "qlinear_conv",
      node: [
        {
          opType: "QLinearConv",
          input: ["x", "x_scale", "x_zp", "w", "w_scale", "w_zp", "y_scale", "y_zp", "bias"],
          output: ["y"],
          attribute: [
            { name: "kernel_shape", type: onnx.AttributeProto.AttributeType.INTS, ints: [c.k, c.k] },
            {
              name: "pads",
              type: onnx.AttributeProto.AttributeType.INTS,
              ints: [c.pad, c.pad, c.pad, c.pad],
            },
            { name: "strides", type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 1] },
            { name: "group", type: onnx.AttributeProto.AttributeType.INT, i: c.groups },
          ],
        },
      ],
      initializer: [
        scalar("x_scale", T.FLOAT, 0.02),
        scalar("x_zp", T.UINT8, 128),
        w,
        scalar("w_scale", T.FLOAT, 0.01),
        scalar("w_zp", T.INT8, 0),
        scalar("y_scale", T.FLOAT, 0.5),
        scalar("y_zp", T.UINT8, 128),
        bias,
      ],
      input: [valueInfo("x", T.UINT8, [1, c.c, c.h, c.w])],
      output: [valueInfo("y", T.UINT8, [1, c.oc, oh, ow])],
    }),
  };
}
