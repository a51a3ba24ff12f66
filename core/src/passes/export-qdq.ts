// QDQ export: the float graph with QuantizeLinear -> DequantizeLinear pairs on every int8 activation and
// DequantizeLinear on int8 weights and int32 biases (any process, fs-free). ONNX Runtime fuses the pairs
// into QLinearConv/QLinearMatMul/QLinearAdd...; the qparams are ours, so the file reproduces our int8
// model up to ORT's own requantization rounding.
import { makeModel, makeNode, type Model } from "../onnx/ir";
import { writeModel } from "../onnx/write";
import type { QuantizedModel } from "./convert";
import { addConst, materializedValues, quantizeBias, weightInModelLayout } from "./export-common";

/** The QDQ model as IR (for tests and the QOperator exporter's checks). */
export function buildQdqModel(q: QuantizedModel, source?: Pick<Model, "opsetImports" | "irVersion">): Model {
  const graph = q.plan.graph.clone();
  const opset = Math.max(13, source?.opsetImports.find((o) => o.domain === "" || o.domain === "ai.onnx")?.version ?? 17);

  // Weights first, while node outputs still carry their original names.
  for (const group of q.groups) {
    if (!group.weight) continue;
    const root = graph.nodes.find((n) => (n.name || n.outputs[0]) === group.id);
    if (!root) throw new Error(`internal: node '${group.id}' vanished from the graph`);
    const w = group.weight;
    const perChannel = w.scales.length > 1 || w.qscheme.startsWith("per_channel");
    const { tensor, axis } = weightInModelLayout(group, graph.uniqueValueName(`${w.tensor}_quantized`));
    graph.addInitializer(tensor);
    const wScale = addConst(graph, `${w.tensor}_scale`, "float32", w.scales, !perChannel);
    const wZp = addConst(graph, `${w.tensor}_zero_point`, "int8", w.zeroPoints, !perChannel);
    const wOut = graph.uniqueValueName(`${w.tensor}_dequantized`);
    graph.addNode(
      makeNode("DequantizeLinear", [tensor.name, wScale, wZp], [wOut], {
        name: graph.uniqueNodeName(`${w.tensor}_DequantizeLinear`),
        attributes: perChannel ? { axis: { type: "int", value: axis } } : {},
      }),
    );
    root.inputs[1] = wOut;
    if (group.bias && root.opType !== "MatMul") {
      const b = quantizeBias(group);
      const bName = addConst(graph, `${group.id}_bias_quantized`, "int32", b.values, false);
      const bScale = addConst(graph, `${group.id}_bias_scale`, "float32", b.scales, false);
      const bZp = addConst(graph, `${group.id}_bias_zero_point`, "int32", new Array<number>(b.values.length).fill(0), false);
      const bOut = graph.uniqueValueName(`${group.id}_bias_dequantized`);
      graph.addNode(
        makeNode("DequantizeLinear", [bName, bScale, bZp], [bOut], {
          name: graph.uniqueNodeName(`${group.id}_bias_DequantizeLinear`),
          attributes: { axis: { type: "int", value: 0 } },
        }),
      );
      root.inputs[2] = bOut;
    }
  }
  for (const value of materializedValues(q)) {
    const qp = q.qparams.get(value)!;
    const scale = addConst(graph, `${value}_scale`, "float32", [qp.scale], true);
    const zp = addConst(graph, `${value}_zero_point`, "uint8", [qp.zeroPoint], true);
    const quantized = graph.uniqueValueName(`${value}_quantized`);
    let floatIn = value;
    let dequantized = graph.uniqueValueName(`${value}_dequantized`);
    if (graph.isGraphOutput(value)) {
      // Keep the output's name: the producer writes a new name, DequantizeLinear writes the output.
      floatIn = graph.uniqueValueName(`${value}_float`);
      const producer = graph.producerOf(value);
      if (producer) producer.outputs = producer.outputs.map((o) => (o === value ? floatIn : o));
      for (const n of graph.nodes) if (n !== producer) n.inputs = n.inputs.map((i) => (i === value ? floatIn : i));
      dequantized = value;
    }
    const qNode = makeNode("QuantizeLinear", [floatIn, scale, zp], [quantized], { name: graph.uniqueNodeName(`${value}_QuantizeLinear`) });
    const dqNode = makeNode("DequantizeLinear", [quantized, scale, zp], [dequantized], { name: graph.uniqueNodeName(`${value}_DequantizeLinear`) });
    if (dequantized !== value) graph.replaceAllUses(value, dequantized, { keepOutputs: true });
    graph.addNode(qNode);
    graph.addNode(dqNode);
  }

  graph.removeUnused();
  graph.sortTopologically();
  return makeModel(graph, {
    irVersion: Math.max(source?.irVersion ?? 8, 7),
    opsetImports: [{ domain: "", version: opset }],
    producerName: "quantscope",
    docString: `QDQ int8 model quantized by quantscope for backend ${q.plan.backend.engine}`,
  });
}

export function exportQdq(q: QuantizedModel, source?: Pick<Model, "opsetImports" | "irVersion">): Uint8Array {
  return writeModel(buildQdqModel(q, source));
}
