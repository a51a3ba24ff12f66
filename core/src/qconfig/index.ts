// Public surface of the qconfig file format: parse, check, resolve, defaults, completion and hover (any process).
export * from "./types";
export { parseQconfig } from "./parse";
export { analyzeQconfigText, checkQconfigText, QCONFIG_RULES, type CheckOptions, type QconfigAnalysis, type QconfigRuleCode } from "./check";
export { defaultQConfig, defaultOpTypeConfigs, backendReducesActivationRange } from "./defaults";
export { resolveNodeQConfig, resolveGlobal, mergeObserverConfig, finalizeObserver, type ResolveOptions } from "./resolve";
export { QCONFIG_SCHEMA, KNOWN_OP_TYPES, toJsonSchema } from "./schema";
export { qconfigCompletions, type QconfigCompletion, type CompletionOptions } from "./complete";
export { listModelNodes, type ModelInfo, type ModelNodeInfo } from "./model-nodes";
export { qconfigHover } from "./hover";
export { qconfigSymbols, type QconfigSymbol } from "./symbols";

/** True for file names the qconfig format applies to (`quantscope.qconfig.json`, `*.qconfig.json`). */
export function isQconfigFileName(nameOrUri: string): boolean {
  return /\.qconfig\.json$/i.test(nameOrUri);
}
