// Layer sensitivity (any process, fs-free): how much each int8 layer costs, measured two ways on real int8
// runs: only that layer quantized (everything else float), and only that layer kept in float (everything
// else int8). Layers are ranked by what keeping them in float regains (accuracy points with labels, else
// agreement with the float model's top-1; output SQNR breaks ties), and the smallest prefix of that ranking
// that meets a target drop is searched greedily, each step measured.
import type { QuantizedModel } from "../passes/convert";
import { applyChanges, evaluateVariant, type LayerNodes, type VariantContext, type VariantResult } from "./what-if";

export interface LayerSensitivity {
  /** The layer's root node. */
  node: string;
  /** Every ONNX node of the layer (fused ops included). */
  nodes: string[];
  /** Only this layer quantized. */
  only_this_int8: VariantResult;
  /** Everything quantized but this layer. */
  all_but_this: VariantResult;
  /** Points regained by keeping this layer in float (full int8 drop - all_but_this drop). */
  gain_points: number;
  /** Output SQNR gained by keeping this layer in float, dB. */
  gain_sqnr_db: number;
  /** 1 = most sensitive. */
  rank: number;
}

export interface FloatSuggestion {
  /** The allowed drop in points (accuracy with labels, top-1 agreement with the float model otherwise). */
  target_drop_points: number;
  /** Layers to keep in float, in the order they were added. */
  keep_in_float: string[];
  /** The drop measured with those layers in float. */
  result: VariantResult;
  met: boolean;
}

export interface SensitivityResult {
  /** What the drop is measured against: "accuracy" (labels given) or "agreement" (the float model's top-1). */
  metric: "accuracy" | "agreement";
  /** The fully quantized model. */
  baseline: VariantResult;
  layers: LayerSensitivity[];
  suggestion?: FloatSuggestion;
}

/** Layers worth keeping in float: those that requantize (own or fixed output qparams), by root node. */
export function candidateLayers(model: QuantizedModel): LayerNodes {
  const layers = new Map<string, string[]>();
  for (const g of model.groups) {
    if (g.observation === "inherit") continue;
    layers.set(g.id, g.nodes.map((n) => n.name || n.outputs[0]));
  }
  return layers;
}

export async function analyzeSensitivity(
  ctx: VariantContext,
  model: QuantizedModel,
  options: { targetDropPoints?: number; onProgress?: (done: number, total: number, message: string) => void } = {},
): Promise<SensitivityResult> {
  const layers = candidateLayers(model);
  const allNodes = model.plan.graph.nodes.map((n) => n.name || n.outputs[0]);
  const baseQ = ctx.qconfig;
  const { quantized: _b, ...baseline } = await evaluateVariant(ctx, applyChanges(baseQ, [], layers, ctx.backend));
  const total = layers.size * 2;
  let done = 0;
  const results: Omit<LayerSensitivity, "rank">[] = [];
  for (const [node, nodes] of layers) {
    const others = new Set(nodes);
    const onlyQ = applyChanges(baseQ, [], layers, ctx.backend);
    onlyQ.nodes = { ...onlyQ.nodes };
    for (const n of allNodes) if (!others.has(n)) onlyQ.nodes[n] = null;
    const { quantized: _o, ...only } = await evaluateVariant(ctx, onlyQ);
    options.onProgress?.(++done, total, `sensitivity: ${node} alone in int8`);
    const { quantized: _a, ...allBut } = await evaluateVariant(ctx, applyChanges(baseQ, [{ node, float: true }], layers, ctx.backend));
    options.onProgress?.(++done, total, `sensitivity: ${node} in float`);
    results.push({
      node,
      nodes: [...nodes],
      only_this_int8: only,
      all_but_this: allBut,
      gain_points: baseline.drop_points - allBut.drop_points,
      gain_sqnr_db: allBut.output_sqnr_db - baseline.output_sqnr_db,
    });
  }
  const ranked = [...results]
    .sort((a, b) => b.gain_points - a.gain_points || b.gain_sqnr_db - a.gain_sqnr_db || a.only_this_int8.output_sqnr_db - b.only_this_int8.output_sqnr_db)
    .map((r, i) => ({ ...r, rank: i + 1 }));
  const out: SensitivityResult = { metric: ctx.labels ? "accuracy" : "agreement", baseline, layers: ranked };
  if (options.targetDropPoints !== undefined) out.suggestion = await suggestFloatLayers(ctx, layers, ranked, baseline, options.targetDropPoints);
  return out;
}

/**
 * Adds layers to float in rank order until the measured drop is within the target; a layer whose addition
 * does not lower the measured drop is left quantized.
 */
async function suggestFloatLayers(
  ctx: VariantContext,
  layers: LayerNodes,
  ranked: readonly LayerSensitivity[],
  baseline: VariantResult,
  target: number,
): Promise<FloatSuggestion> {
  let keep: string[] = [];
  let current = baseline;
  for (const layer of ranked) {
    if (current.drop_points <= target) break;
    const trial = [...keep, layer.node];
    const { quantized: _q, ...result } = await evaluateVariant(
      ctx,
      applyChanges(ctx.qconfig, trial.map((node) => ({ node, float: true })), layers, ctx.backend),
    );
    if (result.drop_points < current.drop_points) {
      keep = trial;
      current = result;
    }
  }
  return { target_drop_points: target, keep_in_float: keep, result: current, met: current.drop_points <= target };
}
