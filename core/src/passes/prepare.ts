// Prepare: decides, for a float ONNX graph and a backend, which nodes run in int8 (fused as PyTorch fuses
// them), where observers go, and which tensors reuse another tensor's qparams (any process, fs-free).
// The result, a QuantPlan, drives calibration (which tensors to observe), convert (which qparams each
// int8 op uses) and the report. Placement follows PyTorch's eager mode (see docs/mapping.md):
// - a QuantStub observer on every float value entering the int8 region (graph inputs, float islands);
// - one observer at the end of each fused group that owns its output (ConvReLU2d, Linear, add, ...);
// - no observer for ops that keep their input's qparams (ReLU after a quantized op, pooling, flatten);
// - a DeQuantStub wherever an int8 value leaves the region (graph outputs, float consumers).
import type { BackendSpec } from "../backends/backend";
import { OP_OBSERVATION, type FusionPattern, type OutputObservation } from "../backends/patterns";
import { InputError } from "../errors";
import { describeNode, type Graph, type Node } from "../onnx/ir";
import { finalizeObserver, resolveGlobal, resolveNodeQConfig } from "../qconfig/resolve";
import type { FixedQParams, QConfigFile, ResolvedObserver, ResolvedQConfig } from "../qconfig/types";
import { foldBatchNorms, type FoldedBatchNorm } from "./fold-bn";
import { fuseGroups } from "./fuse";

/** Why an observer sits on a tensor (shown in reports and docs/mapping.md). */
export type ObserverRole =
  /** PyTorch's QuantStub: a float value (graph input or float-island output) entering int8. */
  | "input"
  /** The output observer of a fused group or single op (activation_post_process). */
  | "output";

export interface ObserverSite {
  /** The observed ONNX value. */
  tensor: string;
  /** The node producing it ("" for a graph input). */
  producerNode: string;
  role: ObserverRole;
  observer: ResolvedObserver;
  /** The group whose output this is (role "output"). */
  group?: string;
}

export interface QuantGroup {
  /** The root node's name (unique; unnamed nodes get their first output's name). */
  id: string;
  /** Root first, then fused trailing ops (e.g. Conv, Relu). */
  nodes: Node[];
  pattern?: FusionPattern;
  /** Activation inputs of the root (initializers excluded), in order. */
  inputs: string[];
  /** The value the last node produces: the group's int8 output. */
  output: string;
  /** The group ends in a fused ReLU (its int8 output is clamped at the zero point). */
  relu: boolean;
  observation: OutputObservation;
  /** The tensor whose observer gives the output qparams (observation "own"). */
  observedTensor?: string;
  fixed?: FixedQParams;
  qconfig: ResolvedQConfig;
  /** PyTorch's counterpart, for reports. */
  torchEquivalent: string;
}

export interface QuantPlan {
  backend: BackendSpec;
  /** The graph after BN folding and constant cleanup; every later pass works on this graph. */
  graph: Graph;
  groups: QuantGroup[];
  /** Nodes that stay float (kept by the qconfig, or with no int8 kernel), in graph order. */
  floatNodes: { node: Node; reason: string }[];
  /** Every observer, in graph order. */
  observers: ObserverSite[];
  /**
   * For every int8 value: the tensor whose qparams it uses (itself when observed; the input for pooling
   * and friends). Fixed-qparams outputs map to themselves and are listed in `fixed`.
   */
  qparamsOf: Map<string, string>;
  fixed: Map<string, FixedQParams>;
  /** Int8 values read in float (graph outputs, float-island inputs): a DeQuantStub each. */
  dequantized: string[];
  foldedBatchNorms: FoldedBatchNorm[];
}

/** Answers whether the int8 runtime has a kernel for a node (undefined) or why not (a reason). */
export type Int8Support = (node: Node, graph: Graph) => string | undefined;

export interface PrepareOptions {
  backend: BackendSpec;
  qconfig?: QConfigFile;
  int8Support: Int8Support;
}

function nodeId(node: Node): string {
  return node.name || node.outputs[0];
}

/** Identity nodes on initializers (torch.onnx's shared biases) become initializers. */
function inlineConstantIdentities(graph: Graph): void {
  for (const node of [...graph.nodes]) {
    if (node.opType !== "Identity") continue;
    const src = graph.getInitializer(node.inputs[0]);
    if (!src || graph.isGraphOutput(node.outputs[0])) continue;
    graph.addInitializer({ ...src, name: node.outputs[0], dims: [...src.dims] });
    graph.removeNode(node);
  }
}

/** Builds the plan. `graph` is cloned first; the caller's model is not modified. */
export function prepare(input: Graph, options: PrepareOptions): QuantPlan {
  const graph = input.clone();
  inlineConstantIdentities(graph);
  const foldedBatchNorms = foldBatchNorms(graph);
  graph.sortTopologically();

  const backend = options.backend;
  const file: QConfigFile = options.qconfig ?? {};
  const resolveOpts = { backend: backend.engine };
  const names = new Set<string>();
  for (const n of graph.nodes) {
    const id = nodeId(n);
    if (names.has(id)) throw new InputError(`two nodes share the name '${id}'; node names must be unique to be configured`);
    names.add(id);
  }

  // 1. Which nodes may run in int8.
  const qconfigs = new Map<Node, ResolvedQConfig>();
  const floatNodes: { node: Node; reason: string }[] = [];
  for (const node of graph.nodes) {
    const qc = resolveNodeQConfig(file, { opType: node.opType, name: nodeId(node) }, resolveOpts);
    if (!qc) {
      floatNodes.push({ node, reason: "kept in float by the qconfig" });
      continue;
    }
    const unsupported = options.int8Support(node, graph);
    if (unsupported !== undefined) {
      floatNodes.push({ node, reason: unsupported });
      continue;
    }
    qconfigs.set(node, qc);
  }
  const candidates = graph.nodes.filter((n) => qconfigs.has(n));
  const fused = fuseGroups(graph, candidates, backend.fusionPatterns, { excluded: (n) => !qconfigs.has(n) });

  // 2. Observation per group.
  const groups: QuantGroup[] = fused.map(({ nodes, pattern }) => {
    const root = nodes[0];
    const last = nodes[nodes.length - 1];
    const qconfig = qconfigs.get(root)!;
    const info = OP_OBSERVATION[root.opType] ?? { observation: "own" as const, torchEquivalent: root.opType };
    let observation: OutputObservation = pattern ? "own" : info.observation;
    let fixed: FixedQParams | undefined;
    if (qconfig.activation.observer === "reuse_input") observation = "inherit";
    else if (qconfig.activation.observer === "fixed_qparams") {
      observation = "fixed";
      fixed = qconfig.activation;
    }
    const observedTensor = observation === "own" ? (pattern?.observeAt === "root" ? root.outputs[0] : last.outputs[0]) : undefined;
    return {
      id: nodeId(root),
      nodes,
      pattern,
      inputs: root.inputs.filter((i) => i && !graph.isInitializer(i)),
      output: last.outputs[0],
      relu: nodes.length > 1 && last.opType === "Relu",
      observation,
      observedTensor,
      fixed,
      qconfig,
      torchEquivalent: pattern?.torchEquivalent ?? info.torchEquivalent,
    };
  });

  // 3. Walk groups in order: quantize their inputs where needed, then record their outputs' qparams.
  const index = graph.buildIndex();
  const qparamsOf = new Map<string, string>();
  const fixedMap = new Map<string, FixedQParams>();
  const observers: ObserverSite[] = [];
  const inputObserver = (): ResolvedObserver => finalizeObserver(resolveGlobal(file, resolveOpts).activation);
  const addSite = (site: ObserverSite) => {
    if (!observers.some((o) => o.tensor === site.tensor)) observers.push(site);
    qparamsOf.set(site.tensor, site.tensor);
  };
  for (const group of groups) {
    for (const value of group.inputs) {
      if (qparamsOf.has(value)) continue;
      // A float value entering int8: QuantStub. Its observer follows the global qconfig, as the stub's does.
      addSite({ tensor: value, producerNode: producerName(index.producer.get(value)), role: "input", observer: inputObserver() });
    }
    const root = group.nodes[0];
    switch (group.observation) {
      case "own": {
        const act = group.qconfig.activation as ResolvedObserver;
        const observed = group.observedTensor!;
        addSite({ tensor: observed, producerNode: producerName(index.producer.get(observed)), role: "output", observer: act, group: group.id });
        qparamsOf.set(group.output, observed);
        break;
      }
      case "inherit": {
        const src = qparamsOf.get(group.inputs[0]);
        if (src === undefined) throw new Error(`internal: ${describeNode(root)} inherits qparams from an unquantized input`);
        for (const n of group.nodes) qparamsOf.set(n.outputs[0], src);
        break;
      }
      case "fixed":
        qparamsOf.set(group.output, group.output);
        fixedMap.set(group.output, group.fixed!);
        break;
    }
  }

  // 4. Int8 values read in float: group outputs that are graph outputs or feed a float node. (Quantized copies
  // of float values need no DeQuantStub: the float value itself is still there.)
  const int8Nodes = new Set(groups.flatMap((g) => g.nodes));
  const dequantized = groups
    .map((g) => g.output)
    .filter((value) => graph.isGraphOutput(value) || (index.consumers.get(value) ?? []).some((n) => !int8Nodes.has(n)));

  return { backend, graph, groups, floatNodes, observers, qparamsOf, fixed: fixedMap, dequantized, foldedBatchNorms };
}

function producerName(node: Node | undefined): string {
  return node ? nodeId(node) : "";
}
