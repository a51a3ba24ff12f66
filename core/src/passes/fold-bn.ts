// BatchNorm folding: Conv -> BatchNormalization becomes one Conv with scaled weights and a shifted bias,
// computed in float32 step by step as PyTorch's fuse_conv_bn_weights does (any process, fs-free).
// Models exported in eval mode usually arrive folded already; this pass handles the ones that do not.
import { InputError } from "../errors";
import { attrFloat, attrInt, describeNode, float32Tensor, tensorToFloat32, type Graph, type Node } from "../onnx/ir";

const f32 = Math.fround;

export interface FoldedBatchNorm {
  batchNorm: string;
  into: string;
}

/** Folds every BatchNormalization whose input is a Conv (or Gemm) output read by nothing else. */
export function foldBatchNorms(graph: Graph): FoldedBatchNorm[] {
  const folded: FoldedBatchNorm[] = [];
  for (const bn of [...graph.nodes]) {
    if (bn.opType !== "BatchNormalization" || !graph.nodes.includes(bn)) continue;
    const index = graph.buildIndex();
    const root = index.producer.get(bn.inputs[0]);
    if (!root || (root.opType !== "Conv" && root.opType !== "Gemm")) continue;
    if ((index.consumers.get(bn.inputs[0]) ?? []).length !== 1 || graph.isGraphOutput(bn.inputs[0])) continue;
    if (bn.outputs.filter((o) => o).length !== 1) continue; // training-mode BN: running stats are outputs
    if (root.opType === "Gemm" && !gemmFoldable(graph, root)) continue;
    const params = bn.inputs.slice(1, 5).map((name) => graph.getInitializer(name));
    if (params.some((t) => !t)) continue; // statistics computed at run time: nothing to fold
    const [gamma, beta, mean, variance] = params.map((t) => tensorToFloat32(t!));
    const eps = attrFloat(bn, "epsilon", 1e-5);
    foldInto(graph, root, bn, { gamma, beta, mean, variance, eps });
    folded.push({ batchNorm: bn.name || bn.outputs[0], into: root.name || root.outputs[0] });
  }
  return folded;
}

function gemmFoldable(graph: Graph, gemm: Node): boolean {
  return (
    attrInt(gemm, "transA", 0) === 0 &&
    attrInt(gemm, "transB", 0) === 1 &&
    attrFloat(gemm, "alpha", 1) === 1 &&
    attrFloat(gemm, "beta", 1) === 1 &&
    graph.isInitializer(gemm.inputs[1])
  );
}

interface BnStats {
  gamma: Float32Array;
  beta: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  eps: number;
}

function foldInto(graph: Graph, root: Node, bn: Node, s: BnStats): void {
  const weight = graph.getInitializer(root.inputs[1]);
  if (!weight) throw new InputError(`${describeNode(root)}: cannot fold ${describeNode(bn)} into a weight computed at run time`);
  const w = tensorToFloat32(weight);
  const outChannels = weight.dims[0];
  if (s.gamma.length !== outChannels) {
    throw new InputError(`${describeNode(bn)} has ${s.gamma.length} channels but ${describeNode(root)} produces ${outChannels}`);
  }
  const perChannel = w.length / outChannels;
  const biasName = root.inputs[2];
  const bias = biasName ? graph.getInitializer(biasName) : undefined;
  if (biasName && !bias) return;
  const b = bias ? tensorToFloat32(bias) : new Float32Array(outChannels);

  const newW = new Float32Array(w.length);
  const newB = new Float32Array(outChannels);
  for (let c = 0; c < outChannels; c++) {
    // torch.rsqrt(running_var + eps), then the products in float32 in PyTorch's order.
    const rsqrt = f32(1 / Math.sqrt(f32(s.variance[c] + f32(s.eps))));
    const factor = f32(s.gamma[c] * rsqrt);
    for (let k = 0; k < perChannel; k++) newW[c * perChannel + k] = f32(w[c * perChannel + k] * factor);
    newB[c] = f32(f32(f32(f32(b[c] - s.mean[c]) * rsqrt) * s.gamma[c]) + s.beta[c]);
  }
  const wName = graph.uniqueValueName(`${root.inputs[1]}_bn_folded`);
  const bName = graph.uniqueValueName(`${biasName || root.outputs[0]}_bias_bn_folded`);
  graph.addInitializer(float32Tensor(wName, [...weight.dims], newW));
  graph.addInitializer(float32Tensor(bName, [outChannels], newB));
  root.inputs[1] = wName;
  root.inputs[2] = bName;
  graph.removeNode(bn, { bypass: true });
  graph.removeUnused();
}
