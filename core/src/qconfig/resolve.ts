// The effective qconfig of one ONNX node: backend default < global < PyTorch's op-type defaults < opTypes[op]
// < nodes[name], merged field by field (any process). The model pipeline calls resolveNodeQConfig per node.
import { DEFAULT_AVERAGING_CONSTANT, DEFAULT_BINS, DEFAULT_PERCENTILE, defaultOpTypeConfigs, defaultQConfig } from "./defaults";
import {
  effectiveRange,
  isMovingAverageObserver,
  isPerChannelObserver,
  isPerChannelScheme,
  isSymmetricScheme,
  type Backend,
  type ConfigSource,
  type ObserverConfig,
  type QConfigEntry,
  type QConfigFile,
  type QScheme,
  type QuantMode,
  type ResolvedActivation,
  type ResolvedObserver,
  type ResolvedQConfig,
} from "./types";

/** ONNX Runtime's Entropy calibration default bin count. */
const DEFAULT_ENTROPY_BINS = 128;

const OPTION_KEYS = ["chAxis", "averagingConstant", "bins", "percentile"] as const;

/** The same symmetry at the other granularity (per_tensor_symmetric <-> per_channel_symmetric). */
function schemeForGranularity(q: QScheme, perChannel: boolean): QScheme {
  const sym = isSymmetricScheme(q);
  if (perChannel) return sym ? "per_channel_symmetric" : "per_channel_affine";
  return sym ? "per_tensor_symmetric" : "per_tensor_affine";
}

/** Applies `over` on top of `base`, keeping the result coherent: changing the observer to a per-channel one (or
 * back) moves an inherited qscheme to the matching granularity, changing the dtype drops an inherited explicit
 * range, and options the new observer does not use are dropped. */
export function mergeObserverConfig(base: ObserverConfig, over: ObserverConfig | undefined): ObserverConfig {
  if (!over) return { ...base };
  const out: ObserverConfig = { ...base };
  if (over.observer !== undefined && over.observer !== base.observer) {
    for (const k of OPTION_KEYS) delete out[k];
    if (over.qscheme === undefined && base.qscheme !== undefined) {
      out.qscheme = schemeForGranularity(base.qscheme, isPerChannelObserver(over.observer));
    }
  }
  if (over.dtype !== undefined && over.dtype !== base.dtype && over.quantMin === undefined && over.quantMax === undefined) {
    delete out.quantMin;
    delete out.quantMax;
  }
  for (const [k, v] of Object.entries(over) as [keyof ObserverConfig, ObserverConfig[keyof ObserverConfig]][]) {
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** Fills every option the observer uses and computes the effective integer range. */
export function finalizeObserver(c: ObserverConfig): ResolvedObserver {
  const observer = c.observer ?? "minmax";
  const dtype = c.dtype ?? "quint8";
  const qscheme = c.qscheme ?? (isPerChannelObserver(observer) ? "per_channel_affine" : "per_tensor_affine");
  const reduceRange = c.reduceRange ?? false;
  const range = effectiveRange(dtype, reduceRange, c.quantMin, c.quantMax);
  const out: ResolvedObserver = { observer, dtype, qscheme, reduceRange, ...range };
  if (isPerChannelObserver(observer) || isPerChannelScheme(qscheme)) out.chAxis = c.chAxis ?? 0;
  if (isMovingAverageObserver(observer)) out.averagingConstant = c.averagingConstant ?? DEFAULT_AVERAGING_CONSTANT;
  if (observer === "histogram" || observer === "percentile") out.bins = c.bins ?? DEFAULT_BINS;
  if (observer === "entropy") out.bins = c.bins ?? DEFAULT_ENTROPY_BINS;
  if (observer === "percentile") out.percentile = c.percentile ?? DEFAULT_PERCENTILE;
  return out;
}

export interface ResolveOptions {
  /** Used when the file names no backend (the quantscope.backend setting). Default x86. */
  backend?: Backend;
  mode?: QuantMode;
}

export function backendOf(file: QConfigFile, options: ResolveOptions = {}): Backend {
  return file.backend ?? options.backend ?? "x86";
}

function named(entry: QConfigEntry | null | undefined, part: "activation" | "weight"): ObserverConfig | undefined {
  const c = entry?.[part];
  return c && Object.keys(c).length > 0 ? c : undefined;
}

/** The global level alone on top of the backend default (what an op with no op-type entry gets). */
export function resolveGlobal(file: QConfigFile, options: ResolveOptions = {}): { activation: ObserverConfig; weight: ObserverConfig } {
  const d = defaultQConfig(backendOf(file, options), options.mode);
  return {
    activation: mergeObserverConfig(d.activation, file.global?.activation),
    weight: mergeObserverConfig(d.weight, file.global?.weight),
  };
}

/**
 * The effective qconfig of a node, or null when the file keeps it in float. A null opTypes entry keeps the op type
 * in float unless the node itself has an entry (the most specific level wins).
 */
export function resolveNodeQConfig(
  file: QConfigFile,
  node: { opType: string; name?: string },
  options: ResolveOptions = {},
): ResolvedQConfig | null {
  const nodeEntry = node.name !== undefined && file.nodes && Object.hasOwn(file.nodes, node.name) ? file.nodes[node.name] : undefined;
  const opEntry = file.opTypes && Object.hasOwn(file.opTypes, node.opType) ? file.opTypes[node.opType] : undefined;
  if (nodeEntry === null) return null;
  if (opEntry === null && nodeEntry === undefined) return null;

  const backend = backendOf(file, options);
  const global = resolveGlobal(file, options);
  const opDefaults = defaultOpTypeConfigs(backend);
  const opDefault = (options.mode ?? "ptq") === "ptq" && Object.hasOwn(opDefaults, node.opType) ? opDefaults[node.opType] : undefined;
  const levels: [ConfigSource, QConfigEntry | null | undefined][] = [
    ["opType", opEntry],
    ["node", nodeEntry],
  ];

  // Activation.
  let activation: ResolvedActivation;
  let activationSource: ConfigSource = named(file.global, "activation") ? "global" : "backend default";
  const userActivation = levels.filter(([, e]) => named(e ?? undefined, "activation"));
  const fixed = opDefault?.activation && "observer" in opDefault.activation && (opDefault.activation.observer === "fixed_qparams" || opDefault.activation.observer === "reuse_input");
  if (fixed && userActivation.length === 0) {
    activation = opDefault.activation as ResolvedActivation;
    activationSource = "backend default";
  } else {
    let a = global.activation;
    if (!fixed && opDefault?.activation) a = { ...(opDefault.activation as ObserverConfig) };
    for (const [source, entry] of levels) {
      const over = named(entry ?? undefined, "activation");
      if (over) {
        a = mergeObserverConfig(a, over);
        activationSource = source;
      }
    }
    activation = finalizeObserver(a);
  }

  // Weight.
  let weightConfig: ObserverConfig | null = global.weight;
  let weightSource: ConfigSource = named(file.global, "weight") ? "global" : "backend default";
  if (opDefault && opDefault.weight !== undefined) {
    weightConfig = opDefault.weight === null ? null : { ...opDefault.weight };
    weightSource = "backend default";
  }
  for (const [source, entry] of levels) {
    const over = named(entry ?? undefined, "weight");
    if (over) {
      weightConfig = mergeObserverConfig(weightConfig ?? global.weight, over);
      weightSource = source;
    }
  }
  return {
    activation,
    weight: weightConfig ? finalizeObserver(weightConfig) : undefined,
    source: { activation: activationSource, weight: weightSource },
  };
}
