// Messages between the side panel's webview and the extension (browser and extension host; types only).
import type { PanelReport } from "./report-model";

export type ToWebview =
  | { type: "report"; report: PanelReport; file: string }
  | { type: "empty"; reason: string }
  | { type: "whatIf"; keepFloat: string[]; result: WhatIfResult | { error: string } };

export interface WhatIfResult {
  /** End-to-end output SQNR (dB) with the chosen layers kept in float. */
  outputSqnr: number;
  /** And with every layer in int8, for comparison. */
  baselineSqnr: number;
  accuracy?: number;
}

export type FromWebview =
  | { type: "ready" }
  | { type: "openNode"; node: string }
  | { type: "openSource"; file: string; line: number }
  | { type: "whatIf"; keepFloat: string[] }
  | { type: "command"; command: "quantscope.quantizeModel" | "quantscope.openReport" | "quantscope.compareModels" };
