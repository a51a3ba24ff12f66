// The four PyTorch quantized engines and their ids in the WASM ABI (any process).
// Keep the ids in step with assembly/util/engine.ts.

export const ENGINES = ["x86", "fbgemm", "qnnpack", "onednn"] as const;
export type Engine = (typeof ENGINES)[number];

export const ENGINE_ID: Record<Engine, number> = { x86: 0, fbgemm: 1, qnnpack: 2, onednn: 3 };

export function isEngine(s: string): s is Engine {
  return (ENGINES as readonly string[]).includes(s);
}
