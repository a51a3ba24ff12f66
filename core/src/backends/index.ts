// The four quantized backends by name, and the lookup the pipeline and CLI use (any process, fs-free).
import { InputError } from "../errors";
import type { BackendSpec } from "./backend";
import { ENGINES, isEngine, type Engine } from "./engine";
import { FBGEMM_BACKEND } from "./fbgemm";
import { ONEDNN_BACKEND } from "./onednn";
import { QNNPACK_BACKEND } from "./qnnpack";
import { X86_BACKEND } from "./x86";

export type { BackendSpec } from "./backend";
export * from "./patterns";
export { ENGINES, ENGINE_ID, isEngine, type Engine } from "./engine";

export const BACKENDS: Readonly<Record<Engine, BackendSpec>> = {
  x86: X86_BACKEND,
  fbgemm: FBGEMM_BACKEND,
  qnnpack: QNNPACK_BACKEND,
  onednn: ONEDNN_BACKEND,
};

/** The backend named `name`, or an InputError listing the valid names. */
export function getBackend(name: string): BackendSpec {
  if (!isEngine(name)) throw new InputError(`unknown backend '${name}' (expected one of: ${ENGINES.join(", ")})`);
  return BACKENDS[name];
}
