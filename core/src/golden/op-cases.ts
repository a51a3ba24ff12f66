// Golden-case handlers for quantized kernel cases (ops.json), merged from the kernel families (any process).
import type { CaseHandler } from "./verify";
import { handlers as gemmHandlers } from "./op-cases-gemm";
import { handlers as elementwiseHandlers } from "./op-cases-elementwise";

export const handlers: Record<string, CaseHandler> = { ...gemmHandlers, ...elementwiseHandlers };
