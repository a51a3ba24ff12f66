// Import and alias resolution: maps local names (`tq`, `nn`, `QuantStub`, `F`) to canonical dotted
// PyTorch names, and classifies them (any process). `torch.quantization` is folded into
// `torch.ao.quantization` and `torch.nn.quantized` into `torch.ao.nn.quantized`; the deprecated
// spellings are remembered for QS505.
import { dottedName, unparen, type PyNode } from "./syntax";
import { FLOAT_ONLY_MODULES, LOSS_MODULES, QUANT_TRANSPARENT_MAPPED, QUANT_TRANSPARENT_MODULES, STATIC_QUANT_MAPPINGS } from "./torch-knowledge";

export interface ImportRecord {
  /** The import statement. */
  node: PyNode;
  /** The dotted module as written, e.g. "torch.quantization". */
  module: string;
}

export class NameTable {
  /** local name -> canonical dotted target */
  private readonly aliases = new Map<string, string>();
  readonly imports: ImportRecord[] = [];
  /** Modules imported with `from X import *`. */
  private readonly wildcards: string[] = [];

  bind(local: string, target: string): void {
    this.aliases.set(local, canonical(target));
    this.resolved.clear();
  }

  /** Registers the names an import statement binds. */
  addImport(stmt: PyNode): void {
    if (stmt.type === "import_statement") {
      for (const n of stmt.namedChildren) {
        if (n.type === "dotted_name") {
          this.imports.push({ node: stmt, module: n.text });
          const first = n.text.split(".")[0] ?? n.text;
          this.bind(first, first);
        } else if (n.type === "aliased_import") {
          const mod = n.child("name")?.text;
          const alias = n.child("alias")?.text;
          if (mod && alias) {
            this.imports.push({ node: stmt, module: mod });
            this.bind(alias, mod);
          }
        }
      }
    } else if (stmt.type === "import_from_statement") {
      const mod = stmt.child("module_name")?.text;
      if (!mod || mod.startsWith(".")) return;
      this.imports.push({ node: stmt, module: mod });
      if (stmt.children.some((c) => c.type === "wildcard_import")) {
        this.wildcards.push(canonical(mod));
        this.resolved.clear();
      }
      for (const n of stmt.fieldAll("name")) {
        if (n.type === "dotted_name") this.bind(n.text, `${mod}.${n.text}`);
        else if (n.type === "aliased_import") {
          const name = n.child("name")?.text;
          const alias = n.child("alias")?.text;
          if (name && alias) this.bind(alias, `${mod}.${name}`);
        }
      }
    }
  }

  /** The canonical dotted name of an identifier/attribute chain, resolving the first segment's alias. */
  resolve(node: PyNode | undefined): string | undefined {
    const dotted = dottedName(unparen(node));
    if (!dotted) return undefined;
    return this.resolveDotted(dotted);
  }

  private readonly resolved = new Map<string, string>();

  resolveDotted(dotted: string): string {
    let r = this.resolved.get(dotted);
    if (r === undefined) {
      r = this.resolveUncached(dotted);
      this.resolved.set(dotted, r);
    }
    return r;
  }

  private resolveUncached(dotted: string): string {
    const dot = dotted.indexOf(".");
    const first = dot < 0 ? dotted : dotted.slice(0, dot);
    const target = this.aliases.get(first) ?? this.fromWildcard(first);
    if (target === undefined) return dotted;
    return canonical(dot < 0 ? target : target + dotted.slice(dot));
  }

  isBound(local: string): boolean {
    return this.aliases.has(local) || this.fromWildcard(local) !== undefined;
  }

  /** A name a `from torch.ao.quantization import *` (or torch.nn) brings in, when we know it does. */
  private fromWildcard(name: string): string | undefined {
    for (const mod of this.wildcards) {
      if (mod === "torch.ao.quantization" && WILDCARD_QUANT_NAMES.has(name)) return `${mod}.${name}`;
      if (mod === "torch.nn" && WILDCARD_NN_NAMES.has(name)) return `${mod}.${name}`;
    }
    return undefined;
  }

  /** The shortest local spelling for a canonical module path, e.g. "tq" for torch.ao.quantization. */
  spell(canonicalModule: string): string | undefined {
    let best: string | undefined;
    for (const [local, target] of this.aliases) {
      if (target === canonicalModule && (!best || local.length < best.length)) best = local;
    }
    if (best) return best;
    if (this.aliases.get("torch") === "torch") return canonicalModule;
    return undefined;
  }
}

/** Public names of torch.ao.quantization that a wildcard import brings in. */
const WILDCARD_QUANT_NAMES = new Set([
  "QuantStub",
  "DeQuantStub",
  "QuantWrapper",
  "QConfig",
  "QConfigMapping",
  "fuse_modules",
  "fuse_modules_qat",
  "prepare",
  "prepare_qat",
  "convert",
  "quantize",
  "quantize_dynamic",
  "get_default_qconfig",
  "get_default_qat_qconfig",
  "get_default_qconfig_mapping",
  "get_default_qat_qconfig_mapping",
  "default_qconfig",
  "default_qat_qconfig",
  "default_dynamic_qconfig",
  "float_qparams_weight_only_qconfig",
  "per_channel_dynamic_qconfig",
  "MinMaxObserver",
  "HistogramObserver",
  "MovingAverageMinMaxObserver",
  "PerChannelMinMaxObserver",
  "default_observer",
  "default_weight_observer",
  "default_per_channel_weight_observer",
]);

/** torch.nn classes a `from torch.nn import *` brings in that the analyzer knows about. */
const WILDCARD_NN_NAMES = new Set([
  "Module",
  "Sequential",
  "ModuleList",
  "ModuleDict",
  "Parameter",
  ...Object.keys(STATIC_QUANT_MAPPINGS),
  ...QUANT_TRANSPARENT_MAPPED,
  ...QUANT_TRANSPARENT_MODULES,
  ...FLOAT_ONLY_MODULES,
  ...LOSS_MODULES,
]);

/** Folds deprecated and internal module paths into one spelling. */
export function canonical(name: string): string {
  let n = name;
  if (n.startsWith("torch.quantization")) n = "torch.ao.quantization" + n.slice("torch.quantization".length);
  if (n.startsWith("torch.nn.quantized")) n = "torch.ao.nn.quantized" + n.slice("torch.nn.quantized".length);
  if (n.startsWith("torch.nn.intrinsic")) n = "torch.ao.nn.intrinsic" + n.slice("torch.nn.intrinsic".length);
  if (n.startsWith("torch.nn.qat")) n = "torch.ao.nn.qat" + n.slice("torch.nn.qat".length);
  // torch.nn.modules.linear.Linear -> torch.nn.Linear
  const m = /^torch\.nn\.modules(?:\.[a-z_]+)?\.([A-Z]\w*)$/.exec(n);
  if (m) n = `torch.nn.${m[1]}`;
  return n;
}

/** The function name when `name` is a function of torch.ao.quantization (any submodule), else undefined. */
export function quantApi(name: string | undefined): string | undefined {
  if (!name || !name.startsWith("torch.ao.quantization.")) return undefined;
  return name.slice(name.lastIndexOf(".") + 1);
}

/** The class name when `name` is a plain torch.nn module class (not quantized/intrinsic/qat). */
export function nnClass(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const m = /^torch\.nn\.([A-Z]\w*)$/.exec(name);
  return m ? m[1] : undefined;
}

/** The short name of torch.ao.nn.* classes (quantized, intrinsic, qat), e.g. "FloatFunctional". */
export function aoNnClass(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const m = /^torch\.ao\.nn\.[\w.]*\.([A-Z]\w*)$/.exec(name);
  return m ? m[1] : undefined;
}

/** Whether a dotted name is torch.nn.functional.X or torch.X / Tensor-level functional op; returns X. */
export function torchFunction(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const m = /^torch(?:\.nn\.functional|\.special|\.linalg)?\.([a-z_]\w*)$/.exec(name);
  return m ? m[1] : undefined;
}
