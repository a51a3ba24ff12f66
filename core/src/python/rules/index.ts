// All Python rule families, in code order, and the registry built from them (any process).
import { bestPracticeFamily } from "./best-practice";
import { dataflowFamily } from "./dataflow";
import { fusionPrepareFamily } from "./fusion-prepare";
import { fxTraceFamily } from "./fx-trace";
import type { RuleFamily, RuleInfo } from "./registry";
import { saveLoadFamily } from "./save-load";

export const RULE_FAMILIES: readonly RuleFamily[] = [dataflowFamily, fusionPrepareFamily, fxTraceFamily, saveLoadFamily, bestPracticeFamily];

export const RULES: ReadonlyMap<string, RuleInfo> = new Map(RULE_FAMILIES.flatMap((f) => f.rules.map((r) => [r.code, r] as const)));

export type { RuleFamily, RuleInfo } from "./registry";
