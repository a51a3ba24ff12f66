// Golden-case handlers for quantized elementwise, pooling, activation and shape kernels in ops.json (any process).
import type { CaseHandler } from "./verify";

export const handlers: Record<string, CaseHandler> = {};
