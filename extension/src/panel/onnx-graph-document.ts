// Read-only text view of an ONNX graph (one line per node), opened at a node when the panel links to it; the
// server decodes the model with QuantScope's own reader (extension host).
import * as path from "node:path";
import * as vscode from "vscode";
import { ExecuteCommandRequest, type LanguageClient } from "vscode-languageclient/node";
import type { DescribeModelResult } from "../../../server/src/handlers/commands";

export const ONNX_GRAPH_SCHEME = "quantscope-onnx";

const cache = new Map<string, DescribeModelResult>();

export function renderGraph(g: DescribeModelResult): string {
  const lines = [
    `# ${path.basename(g.model)}: graph '${g.graphName}', opset ${g.opset}${g.producer ? `, from ${g.producer}` : ""}`,
    `# inputs: ${g.inputs.join(", ")}    outputs: ${g.outputs.join(", ")}    initializers: ${g.initializerCount}`,
    "",
  ];
  for (const n of g.nodes) {
    const attrs = Object.entries(n.attributes).map(([k, v]) => `${k}=${v}`);
    lines.push(`${n.name || "<unnamed>"} = ${n.opType}(${n.inputs.join(", ")}) -> ${n.outputs.join(", ")}${attrs.length ? `  {${attrs.join(", ")}}` : ""}`);
  }
  return lines.join("\n") + "\n";
}

export function registerOnnxGraphDocuments(): vscode.Disposable {
  return vscode.workspace.registerTextDocumentContentProvider(ONNX_GRAPH_SCHEME, {
    provideTextDocumentContent(uri) {
      const g = cache.get(uri.path);
      return g ? renderGraph(g) : `# ${uri.path}: open it from the QuantScope panel\n`;
    },
  });
}

/** Opens the graph of `model` as text with `node`'s line selected; false (after telling the user) on failure. */
export async function showOnnxNode(client: LanguageClient, model: string, node: string, output: vscode.LogOutputChannel): Promise<boolean> {
  let g: DescribeModelResult;
  try {
    const params = { command: "quantscope.server.describeModel", arguments: [{ model }] };
    g = (await client.sendRequest(ExecuteCommandRequest.type, params)) as DescribeModelResult;
  } catch (e) {
    output.error(`cannot read ${model}: ${e instanceof Error ? e.message : String(e)}`);
    void vscode.window.showErrorMessage(`QuantScope: cannot read ${path.basename(model)}`);
    return false;
  }
  const uri = vscode.Uri.from({ scheme: ONNX_GRAPH_SCHEME, path: `${model}.graph` });
  cache.set(uri.path, g);
  const doc = await vscode.workspace.openTextDocument(uri);
  const index = g.nodes.findIndex((n) => n.name === node);
  const line = index < 0 ? 0 : index + 3;
  await vscode.window.showTextDocument(doc, { selection: new vscode.Range(line, 0, line, doc.lineAt(line).text.length), preview: true });
  return index >= 0;
}
