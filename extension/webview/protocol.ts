// Messages between the side panel's webview and the extension (browser and extension host; types only).
import type { WhatIfResult } from "../../server/src/handlers/commands";
import type { PanelReport } from "./report-model";

/** The answer to a what-if run (the server's result, passed through): some layers in float vs all int8. */
export type WhatIfAnswer = WhatIfResult;

export type ToWebview =
  | { type: "report"; report: PanelReport; file: string; whatIf: boolean }
  | { type: "empty"; reason: string }
  | { type: "whatIf"; keepFloat: string[]; result: WhatIfAnswer | { error: string } };

export type FromWebview =
  | { type: "ready" }
  | { type: "openNode"; node: string }
  | { type: "openSource"; file: string; line: number }
  | { type: "whatIf"; keepFloat: string[] }
  | { type: "command"; command: "quantscope.quantizeModel" | "quantscope.openReport" | "quantscope.compareModels" }
  | { type: "rendered"; summary: RenderedSummary };

/** What the webview says it drew: lets tests assert on the panel without reaching into its DOM. */
export interface RenderedSummary {
  /** The report file drawn. */
  file: string;
  kind: string;
  layers: number;
  activations: number;
  charts: string[];
}
