// Runs every enabled rule family over one parsed document and returns its findings (any process).
// The file model is cached per syntax tree statement list, so hover and symbols reuse the analysis.
import type { Finding } from "../diagnostics";
import { applyConfig, applySuppressions, isRuleEnabled, type LintConfig } from "./config";
import type { PythonDocument } from "./document";
import { analyzeFlow, type FlowResult } from "./flow";
import { buildFileModel, type FileModel } from "./model";
import { FindingCollector, type RuleContext } from "./rules/registry";
import { RULE_FAMILIES, RULES } from "./rules/index";

export interface FileAnalysis {
  file: FileModel;
  flow: FlowResult;
}

const analyses = new WeakMap<PythonDocument, FileAnalysis>();

/** The file model and quantization flow of a document (computed once per document). */
export function fileAnalysis(doc: PythonDocument): FileAnalysis {
  let a = analyses.get(doc);
  if (!a) {
    const file = buildFileModel(doc.syntax.statements);
    a = { file, flow: analyzeFlow(file) };
    analyses.set(doc, a);
  }
  return a;
}

export function analyzeDocument(doc: PythonDocument, config: LintConfig = {}): Finding[] {
  const { file, flow } = fileAnalysis(doc);
  const collector = new FindingCollector(RULES);
  const lines = doc.lines;
  const ctx: RuleContext = {
    file,
    flow,
    lines,
    report: (code, node, message, options) => collector.add(code, node, message, options),
  };
  for (const family of RULE_FAMILIES) {
    if (!family.rules.some((r) => isRuleEnabled(r.code, config))) continue;
    family.check(ctx);
  }
  return applySuppressions(applyConfig(collector.findings(), config), doc.syntax.commentsByLine, lines);
}
