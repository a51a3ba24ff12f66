// Golden-case handlers for op cases (any process). Filled in by the kernel work; an unknown case
// kind fails verification with "no kernel for ...".
import type { CaseHandler } from "./verify";

export const handlers: Record<string, CaseHandler> = {};
