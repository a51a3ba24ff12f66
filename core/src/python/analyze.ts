// Runs every enabled rule family over one parsed document and returns its findings, optionally stopping early
// between families when the caller's budget is spent (any process).
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

/** Options of one analysis run. */
export interface AnalysisOptions {
  /**
   * Asked after each rule family: true skips the families left (the caller's time budget is spent). The first
   * family always runs, so a run that stops early still reports something. Core stays clock-free: the caller
   * decides what "too long" means.
   */
  shouldStop?: () => boolean;
}

export interface AnalysisResult {
  findings: Finding[];
  /** Set when `shouldStop` cut the run short: the enabled rules that did not run, in code order. */
  skippedRules?: string[];
}

/** Runs the enabled rule families in order, stopping between families when `options.shouldStop` says so. */
export function analyzeDocumentWithin(doc: PythonDocument, config: LintConfig = {}, options: AnalysisOptions = {}): AnalysisResult {
  const { file, flow } = fileAnalysis(doc);
  const collector = new FindingCollector(RULES);
  const lines = doc.lines;
  const ctx: RuleContext = {
    file,
    flow,
    lines,
    report: (code, node, message, opts) => collector.add(code, node, message, opts),
  };
  let ran = 0;
  let skippedRules: string[] | undefined;
  for (const family of RULE_FAMILIES) {
    const enabled = family.rules.filter((r) => isRuleEnabled(r.code, config));
    if (enabled.length === 0) continue;
    if (skippedRules || (ran > 0 && options.shouldStop?.())) {
      (skippedRules ??= []).push(...enabled.map((r) => r.code));
      continue;
    }
    family.check(ctx);
    ran++;
  }
  const findings = applySuppressions(applyConfig(collector.findings(), config), doc.syntax.commentsByLine, lines);
  return skippedRules ? { findings, skippedRules: skippedRules.sort() } : { findings };
}

export function analyzeDocument(doc: PythonDocument, config: LintConfig = {}): Finding[] {
  return analyzeDocumentWithin(doc, config).findings;
}
