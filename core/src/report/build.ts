// Builds the REPORT.json object from a QuantizedModel (any process, fs-free). See docs/report.md.
import type { QuantizedModel } from "../passes/convert";
import type { ResolvedObserver } from "../qconfig/types";
import { REPORT_VERSION, type QuantizationReport, type ReportObserver } from "./schema";

function observerOf(o: ResolvedObserver): ReportObserver {
  return { kind: o.observer, dtype: o.dtype, qscheme: o.qscheme, reduceRange: o.reduceRange, quantMin: o.quantMin, quantMax: o.quantMax };
}

export function buildReport(
  q: QuantizedModel,
  extra: { model?: string; accuracy?: QuantizationReport["accuracy"]; sqnr?: ReadonlyMap<string, number> } = {},
): QuantizationReport {
  const plan = q.plan;
  const sharers = new Map<string, string[]>();
  for (const [value, source] of plan.qparamsOf) {
    if (value === source) continue;
    const list = sharers.get(source) ?? [];
    list.push(value);
    sharers.set(source, list);
  }
  const activations: QuantizationReport["activations"] = q.activations.map((a) => ({
    tensor: a.tensor,
    producer_node: a.producerNode,
    role: a.role,
    observer: observerOf(a.observer),
    min: a.min,
    max: a.max,
    scale: a.scale,
    zero_point: a.zeroPoint,
    shared_with: sharers.get(a.tensor) ?? [],
  }));
  for (const [tensor, f] of plan.fixed) {
    const producer = plan.graph.producerOf(tensor);
    activations.push({
      tensor,
      producer_node: producer ? producer.name || producer.outputs[0] : "",
      role: "fixed",
      observer: { kind: "fixed_qparams", dtype: f.dtype, qscheme: "per_tensor_affine", reduceRange: false, quantMin: f.quantMin, quantMax: f.quantMax },
      min: (f.quantMin - f.zeroPoint) * f.scale,
      max: (f.quantMax - f.zeroPoint) * f.scale,
      scale: f.scale,
      zero_point: f.zeroPoint,
      shared_with: sharers.get(tensor) ?? [],
    });
  }
  return {
    version: REPORT_VERSION,
    backend: plan.backend.engine,
    ...(extra.model !== undefined ? { model: extra.model } : {}),
    calibration: { samples: q.calibration.samples, batch_size: q.calibration.batchSize, batches: q.calibration.batches },
    activations,
    weights: q.groups
      .filter((g) => g.weight)
      .map((g) => {
        const w = g.weight!;
        return {
          tensor: w.tensor,
          node: w.node,
          qscheme: w.qscheme,
          dtype: "qint8" as const,
          ...(w.axis !== undefined ? { axis: w.axis } : {}),
          scales: Array.from(w.scales),
          zero_points: Array.from(w.zeroPoints),
        };
      }),
    layers: q.groups.map((g) => ({
      node: g.id,
      ops: g.nodes.map((n) => n.opType),
      ...(g.pattern ? { fusion: g.pattern.name } : {}),
      torch: g.torchEquivalent,
      output: g.output,
      scale: g.outputQParams.scale,
      zero_point: g.outputQParams.zeroPoint,
      ...(extra.sqnr !== undefined && Number.isFinite(extra.sqnr.get(g.output)) ? { sqnr_db: extra.sqnr.get(g.output)! } : {}),
    })),
    float_nodes: plan.floatNodes.map(({ node, reason }) => ({ node: node.name || node.outputs[0], op: node.opType, reason })),
    folded_batch_norms: plan.foldedBatchNorms.map((f) => ({ batch_norm: f.batchNorm, into: f.into })),
    ...(extra.accuracy ? { accuracy: extra.accuracy } : {}),
  };
}
