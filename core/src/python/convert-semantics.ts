// What eager-mode `convert` makes of each submodule of a tracked model: the qconfig in effect at a path,
// what fusion turned a submodule into, and how the result treats float and quantized inputs (any process).
import type { ModelObj, QconfigInfo } from "./flow";
import type { SubmoduleDef } from "./model";
import { findSubmodule, kindName } from "./model";
import type { Behavior } from "./interpret";
import {
  findFusionPattern,
  FLOAT_ONLY_MODULES,
  LOSS_MODULES,
  QUANT_TRANSPARENT_MAPPED,
  QUANT_TRANSPARENT_MODULES,
  STATIC_QUANT_MAPPINGS,
} from "./torch-knowledge";

/** The qconfig in effect at a submodule path: the nearest explicit assignment on the path or above it. */
export function effectiveQconfig(m: ModelObj, path: string): QconfigInfo | null | undefined {
  const parts = path ? path.split(".") : [];
  for (let i = parts.length; i >= 0; i--) {
    const p = parts.slice(0, i).join(".");
    if (m.qconfigs.has(p)) return m.qconfigs.get(p);
  }
  return undefined;
}

/** What fusion made of the submodule at `path`: "Identity", a fused type name, or undefined. */
export function fusedType(m: ModelObj, path: string): string | undefined {
  const f = m.fused.get(path);
  if (!f) return undefined;
  if (f === "Identity") return f;
  const [, mode, members] = f.split(":");
  const types = (members ?? "").split(",").map((p) => {
    const sub = findSubmodule(m.cls, p);
    return sub ? kindName(sub.kind) : "?";
  });
  const pattern = findFusionPattern(types);
  if (!pattern) return undefined;
  return mode === "qat" || mode === "train" ? pattern.qat : pattern.eval;
}

/** The post-convert behavior of a submodule of model state `m`. */
export function behaviorOf(m: ModelObj, sub: SubmoduleDef, path: string): Behavior {
  const converted = m.stage === "converted" && m.prepared && !m.custom;
  const qc = effectiveQconfig(m, path);
  if (qc && qc.kind === "unknown") return "unknown";
  const active = converted && !!qc && (qc.kind === "static" || qc.kind === "qat");
  const fused = fusedType(m, path);
  if (fused === "Identity") return "transparent";
  const kind = sub.kind;
  switch (kind.k) {
    case "quant-stub":
      return active ? "quantize" : "transparent";
    case "dequant-stub":
      return active ? "dequantize" : "transparent";
    case "float-functional":
      return active ? "ff-quantized" : "ff-float";
    case "nn":
    case "ao": {
      const cls = fused ?? kind.cls;
      if (cls === "Embedding" || cls === "EmbeddingBag") return "float-out";
      if (qc && (qc.kind === "dynamic" || qc.kind === "weight-only") && converted) return "unknown";
      if (STATIC_QUANT_MAPPINGS[cls] && !QUANT_TRANSPARENT_MAPPED.has(cls)) {
        if (kind.k === "ao" && !fused && !/^(Conv|Linear|BNReLU)/.test(cls)) return "unknown";
        return active ? "quantized" : "float-only";
      }
      if (QUANT_TRANSPARENT_MAPPED.has(cls) || QUANT_TRANSPARENT_MODULES.has(cls)) return "transparent";
      if (FLOAT_ONLY_MODULES.has(cls)) return "float-only";
      if (LOSS_MODULES.has(cls)) return "loss";
      return "unknown";
    }
    default:
      return "unknown";
  }
}
