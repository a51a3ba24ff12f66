// Fusion: groups ONNX nodes into the units PyTorch quantizes as one module or op (Conv+ReLU ->
// ConvReLU2d, Gemm+ReLU -> LinearReLU, Add+ReLU -> add_relu) following a backend's patterns (any
// process, fs-free). The graph is not rewritten: a group lists its nodes, and later passes observe and
// convert per group.
import type { FusionPattern } from "../backends/patterns";
import type { Graph, GraphIndex, Node } from "../onnx/ir";

export interface FusedGroup {
  /** Root first, then the fused trailing ops. */
  nodes: Node[];
  /** The pattern that matched, or undefined for a single op. */
  pattern?: FusionPattern;
}

export interface FuseOptions {
  /** Nodes that may not join a group (kept in float, or not runnable in int8). */
  excluded?: (node: Node) => boolean;
}

/** The nodes following `root` along `pattern`, or undefined when the chain does not match. */
export function matchPattern(graph: Graph, index: GraphIndex, root: Node, pattern: FusionPattern, options: FuseOptions = {}): Node[] | undefined {
  if (root.opType !== pattern.ops[0]) return undefined;
  const chain = [root];
  let current = root;
  for (const op of pattern.ops.slice(1)) {
    const value = current.outputs[0];
    // The intermediate value must feed only the next op: PyTorch cannot fuse a conv whose pre-ReLU
    // output is also read elsewhere (and a graph output must stay observable).
    if (!value || graph.isGraphOutput(value)) return undefined;
    const readers = index.consumers.get(value) ?? [];
    if (readers.length !== 1) return undefined;
    const next = readers[0];
    if (next.opType !== op || next.inputs[0] !== value) return undefined;
    if (options.excluded?.(next)) return undefined;
    chain.push(next);
    current = next;
  }
  return chain;
}

/**
 * Partitions `candidates` (in topological order) into fused groups: at each node not yet taken, the first
 * matching pattern wins; otherwise the node is a group of its own.
 */
export function fuseGroups(graph: Graph, candidates: readonly Node[], patterns: readonly FusionPattern[], options: FuseOptions = {}): FusedGroup[] {
  const index = graph.buildIndex();
  const taken = new Set<Node>();
  const groups: FusedGroup[] = [];
  for (const node of candidates) {
    if (taken.has(node)) continue;
    let group: FusedGroup = { nodes: [node] };
    for (const pattern of patterns) {
      const chain = matchPattern(graph, index, node, pattern, options);
      if (chain && chain.every((n) => !taken.has(n))) {
        group = { nodes: chain, pattern };
        break;
      }
    }
    for (const n of group.nodes) taken.add(n);
    groups.push(group);
  }
  return groups;
}
