// Links from a layer to the Python line that defines its module (extension host). torch.onnx.export names
// nodes after module paths ("/block/conv/Conv" is module block.conv), so the definition is the line assigning
// `self.conv = ...` in a Python file beside the model. Reports that carry a source location keep theirs.
import * as fs from "node:fs";
import * as path from "node:path";
import type { PanelReport } from "../../webview/report-model";

const MAX_FILES = 50;
const MAX_BYTES = 1_000_000;

/** The module attribute a node belongs to: "/block/conv/Conv" -> "conv"; "/Add" (no module) -> undefined. */
export function moduleAttribute(node: string): string | undefined {
  const parts = node.split("/").filter(Boolean);
  if (parts.length < 2) return undefined;
  const attr = parts[parts.length - 2];
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(attr) ? attr : undefined;
}

/** Python files in the model's folder (not below), the likeliest home of its definition. */
function pythonFilesBeside(model: string): string[] {
  const dir = path.dirname(model);
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith(".py"))
      .map((e) => path.join(dir, e.name))
      .sort()
      .slice(0, MAX_FILES);
  } catch {
    return [];
  }
}

/** Line (1-based) of each `self.ATTR = ...` assignment in `text`, first one wins. */
export function moduleDefinitions(text: string): Map<string, number> {
  const found = new Map<string, number>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*self\.([A-Za-z_][A-Za-z0-9_]*)\s*(?::[^=]+)?=(?!=)/.exec(lines[i]);
    if (m && !found.has(m[1])) found.set(m[1], i + 1);
  }
  return found;
}

/** Adds `source` to layers that have none, when a Python file beside the model defines their module. */
export function addSourceLinks(report: PanelReport): PanelReport {
  if (!report.model || report.layers.every((l) => l.source)) return report;
  const defs = new Map<string, { file: string; line: number }>();
  for (const file of pythonFilesBeside(report.model)) {
    let text: string;
    try {
      if (fs.statSync(file).size > MAX_BYTES) continue;
      text = fs.readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const [attr, line] of moduleDefinitions(text)) if (!defs.has(attr)) defs.set(attr, { file, line });
  }
  if (defs.size === 0) return report;
  return {
    ...report,
    layers: report.layers.map((l) => {
      if (l.source) return l;
      const attr = moduleAttribute(l.node);
      const def = attr ? defs.get(attr) : undefined;
      return def ? { ...l, source: def } : l;
    }),
  };
}
