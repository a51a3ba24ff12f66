// Golden-case handlers for quantized linear, conv and dynamic linear kernels in ops.json (any process).
import type { CaseHandler } from "./verify";

export const handlers: Record<string, CaseHandler> = {};
