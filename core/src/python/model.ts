// The model of one Python file: imports, nn.Module subclasses with the submodules their __init__
// assigns (type, constructor arguments, Sequential/ModuleList contents), methods, same-file helper
// functions and module-level statements (any process).
import { NameTable, nnClass, aoNnClass, quantApi } from "./names";
import { callArgs, stringValue, unparen, type CallArgs, type PyNode } from "./syntax";

/** What kind of module a submodule is, by its constructor. */
export type ModuleKind =
  | { k: "nn"; cls: string } // torch.nn.X
  | { k: "quant-stub" }
  | { k: "dequant-stub" }
  | { k: "float-functional" }
  | { k: "ao"; cls: string } // torch.ao.nn.* (already quantized / intrinsic / qat)
  | { k: "user"; cls: ClassInfo }
  | { k: "container"; cls: "Sequential" | "ModuleList" | "ModuleDict" }
  | { k: "unknown"; name?: string };

export interface SubmoduleDef {
  name: string;
  kind: ModuleKind;
  /** The constructor call (or the value expression). */
  node: PyNode;
  /** The `self.x = ...` statement's left side, for ranges. */
  target?: PyNode;
  args?: CallArgs;
  /** Sequential / ModuleList / ModuleDict contents, named "0", "1", ... or by key. */
  children: SubmoduleDef[];
}

export interface ClassInfo {
  name: string;
  node: PyNode;
  nameNode: PyNode;
  isModule: boolean;
  /**
   * Some base class is defined outside this file (nn.Sequential, a torchvision model...): submodules and
   * methods may come from it, so a name missing here may still exist.
   */
  opaque: boolean;
  base?: ClassInfo;
  submodules: Map<string, SubmoduleDef>;
  methods: Map<string, PyNode>;
  /** `self.x = <value>` for non-module values (flags, sizes). */
  attributes: Map<string, PyNode>;
  /** qconfig assignments in __init__: "" for self.qconfig, "fc" for self.fc.qconfig. */
  qconfigs: Map<string, PyNode>;
  /** Parameters and registered buffers. */
  tensors: Set<string>;
  /** The parameters among them: FX proxies parameters (get_attr) but, by default, not buffers. */
  parameters: Set<string>;
}

export interface FunctionInfo {
  name: string;
  node: PyNode;
  /** Decorated with @torch.fx.wrap or named in torch.fx.wrap("name"). */
  fxWrapped: boolean;
}

export interface FileModel {
  names: NameTable;
  /** Names passed to torch.fx.wrap("name") at module level (builtins like len included). */
  fxWrappedNames: Set<string>;
  classes: Map<string, ClassInfo>;
  functions: Map<string, FunctionInfo>;
  statements: PyNode[];
}

export function buildFileModel(statements: PyNode[]): FileModel {
  const names = new NameTable();
  const classes = new Map<string, ClassInfo>();
  const functions = new Map<string, FunctionInfo>();
  const fxWrappedNames = new Set<string>();
  const visitImports = (stmts: PyNode[]) => {
    for (const s of stmts) {
      if (s.type === "import_statement" || s.type === "import_from_statement") names.addImport(s);
      else if (s.type === "if_statement" || s.type === "try_statement") {
        for (const b of s.children) {
          if (b.type === "block") visitImports(b.namedChildren);
          else for (const bb of b.children) if (bb.type === "block") visitImports(bb.namedChildren);
        }
      }
    }
  };
  visitImports(statements);
  for (const s of statements) {
    const def = s.type === "decorated_definition" ? s.child("definition") : s;
    if (!def) continue;
    if (def.type === "function_definition") {
      const name = def.child("name")?.text;
      if (!name) continue;
      const decorators = s.type === "decorated_definition" ? s.namedChildren.filter((d) => d.type === "decorator") : [];
      const wrapped = decorators.some((d) => /\bfx\.wrap\b|^@wrap\b/.test(d.text));
      functions.set(name, { name, node: def, fxWrapped: wrapped });
    } else if (s.type === "expression_statement") {
      const call = unparen(s.namedChildren[0]);
      if (call?.type === "call" && names.resolve(call.child("function")) === "torch.fx.wrap") {
        const arg = stringValue(callArgs(call).positional[0]);
        if (arg) fxWrappedNames.add(arg);
      }
    }
  }
  for (const n of fxWrappedNames) {
    const f = functions.get(n);
    if (f) f.fxWrapped = true;
  }
  // Classes in order, so same-file bases are known before their subclasses. A class statement that
  // did not change since the previous build (same syntax node, same imports, same base classes) reuses
  // its ClassInfo, which keeps re-analysis after a small edit cheap.
  const importsKey = names.imports.map((i) => i.node.text).join("\n");
  for (const s of statements) {
    const def = s.type === "decorated_definition" ? s.child("definition") : s;
    if (def?.type !== "class_definition") continue;
    const cached = classCache.get(def);
    const bases = baseNames(def).map((b) => classes.get(names.resolveDotted(b)));
    let info: ClassInfo | undefined;
    if (cached && cached.importsKey === importsKey && cached.bases.length === bases.length && cached.bases.every((b, i) => b === bases[i])) {
      info = cached.info;
    } else {
      info = buildClass(def, names, classes);
      if (info) classCache.set(def, { importsKey, bases, info });
    }
    if (info) classes.set(info.name, info);
  }
  // Second pass: user-class submodules refer to classes by name, possibly defined later in the file or
  // rebuilt in this pass; point them at this build's ClassInfo.
  for (const c of classes.values()) for (const sub of c.submodules.values()) relinkUser(sub, classes);
  return { names, fxWrappedNames, classes, functions, statements };
}

const classCache = new WeakMap<PyNode, { importsKey: string; bases: Array<ClassInfo | undefined>; info: ClassInfo }>();

function baseNames(def: PyNode): string[] {
  return (def.child("superclasses")?.namedChildren ?? []).map((b) => b.text);
}

/** Containers nested deeper than this (generated code) are treated as unknown modules. */
const MAX_NESTING = 64;

function relinkUser(sub: SubmoduleDef, classes: Map<string, ClassInfo>): void {
  const name = sub.kind.k === "unknown" ? sub.kind.name : sub.kind.k === "user" ? sub.kind.cls.name : undefined;
  if (name !== undefined) {
    const cls = classes.get(name);
    if (cls?.isModule) sub.kind = { k: "user", cls };
    else if (sub.kind.k === "user") sub.kind = { k: "unknown", name };
  }
  for (const c of sub.children) relinkUser(c, classes);
}

function buildClass(def: PyNode, names: NameTable, classes: Map<string, ClassInfo>): ClassInfo | undefined {
  const nameNode = def.child("name");
  if (!nameNode) return undefined;
  const bases = def.child("superclasses")?.namedChildren ?? [];
  let isModule = false;
  let opaque = false;
  let base: ClassInfo | undefined;
  for (const b of bases) {
    const resolved = names.resolve(b);
    const local = resolved ? classes.get(resolved) : undefined;
    if (resolved === "torch.nn.Module" || resolved === "torch.nn.modules.module.Module") isModule = true;
    else if (local?.isModule) {
      isModule = true;
      base = local;
      opaque ||= local.opaque;
    } else if (resolved && /^torch\.(ao\.)?nn\.[\w.]*[A-Z]\w*$/.test(resolved)) {
      // nn.Sequential, nn.ModuleList, nn.Conv2d...: a module whose structure comes from PyTorch.
      isModule = true;
      opaque = true;
    } else if (!local && b.type !== "keyword_argument" && resolved !== "object") {
      opaque = true; // a base from another module: maybe an nn.Module we cannot see
    }
  }
  const info: ClassInfo = {
    name: nameNode.text,
    node: def,
    nameNode,
    isModule,
    opaque,
    base,
    submodules: new Map(base?.submodules ?? []),
    methods: new Map(base?.methods ?? []),
    attributes: new Map(base?.attributes ?? []),
    qconfigs: new Map(base?.qconfigs ?? []),
    tensors: new Set(base?.tensors ?? []),
    parameters: new Set(base?.parameters ?? []),
  };
  const body = def.child("body");
  for (const s of body?.namedChildren ?? []) {
    const fn = s.type === "decorated_definition" ? s.child("definition") : s;
    if (fn?.type === "function_definition") {
      const n = fn.child("name")?.text;
      if (n) info.methods.set(n, fn);
    }
  }
  const init = info.methods.get("__init__");
  if (init && isModule) collectInit(init, info, names, classes);
  return info;
}

function collectInit(init: PyNode, info: ClassInfo, names: NameTable, classes: Map<string, ClassInfo>): void {
  const assignedHere = new Map<string, string>();
  const visit = (block: PyNode | undefined) => {
    for (const s of block?.namedChildren ?? []) {
      if (s.type === "expression_statement") {
        const a = s.namedChildren[0];
        if (a?.type === "assignment") handleAssignment(a);
        else if (a?.type === "call" && /^self\.register_(buffer|parameter)$/.test(a.child("function")?.text ?? "")) {
          const name = stringValue(callArgs(a).positional[0]);
          if (name) info.tensors.add(name);
          if (name && a.child("function")?.text === "self.register_parameter") info.parameters.add(name);
        }
      } else if (s.type === "if_statement" || s.type === "for_statement" || s.type === "with_statement" || s.type === "try_statement") {
        // Submodules assigned conditionally still exist on some path; record them.
        visit(s.child("consequence") ?? s.child("body"));
        for (const alt of s.fieldAll("alternative")) visit(alt.child("body") ?? alt.child("consequence"));
      }
    }
  };
  const handleAssignment = (a: PyNode) => {
    const left = a.child("left");
    const right = a.child("right");
    if (!left || !right || left.type !== "attribute") return;
    const obj = left.child("object");
    const attr = left.child("attribute")?.text;
    if (!attr || !obj) return;
    if (attr === "qconfig") {
      if (obj.type === "identifier" && obj.text === "self") info.qconfigs.set("", right);
      else if (obj.type === "attribute" && obj.text.startsWith("self.")) info.qconfigs.set(obj.text.slice(5), right);
      return;
    }
    if (obj.type !== "identifier" || obj.text !== "self") return;
    const ctor = unparen(right);
    if (ctor?.type === "call" && /^torch\.nn\.(parameter\.)?Parameter$/.test(names.resolve(ctor.child("function")) ?? "")) {
      info.tensors.add(attr);
      info.parameters.add(attr);
      info.attributes.set(attr, right);
      return;
    }
    const sub = submoduleFrom(attr, right, names, classes);
    const earlier = assignedHere.get(attr);
    assignedHere.set(attr, sub ? kindName(sub.kind) : "value");
    if (earlier !== undefined && earlier !== (sub ? kindName(sub.kind) : "value")) {
      // Assigned different things on different paths (`nn.BatchNorm2d(c)` or `nn.Identity()`): unknown.
      info.submodules.set(attr, { name: attr, kind: { k: "unknown" }, node: right, target: left, children: [] });
      info.attributes.delete(attr);
      return;
    }
    if (sub) {
      sub.target = left;
      info.submodules.set(attr, sub);
      info.attributes.delete(attr);
    } else {
      info.attributes.set(attr, right);
    }
  };
  visit(init.child("body"));
}

/** Classifies a constructor expression; undefined when the value is clearly not a module. */
export function submoduleFrom(name: string, value: PyNode, names: NameTable, classes: Map<string, ClassInfo>, depth = 0): SubmoduleDef | undefined {
  const v = unparen(value);
  if (!v) return undefined;
  if (depth > MAX_NESTING) return unknownSub(name, v);
  if (v.type !== "call") {
    return undefined;
  }
  const fn = v.child("function");
  const resolved = names.resolve(fn);
  const args = callArgs(v);
  const kind = moduleKind(resolved, names, classes);
  if (!kind) return undefined;
  const sub: SubmoduleDef = { name, kind, node: v, args, children: [] };
  if (kind.k === "container") {
    if (kind.cls === "ModuleDict") {
      const dict = unparen(args.positional[0]);
      for (const pair of dict?.type === "dictionary" ? dict.namedChildren : []) {
        const key = stringValue(pair.child("key"));
        const val = pair.child("value");
        if (key && val) sub.children.push(submoduleFrom(key, val, names, classes, depth + 1) ?? unknownSub(key, val));
      }
    } else {
      let items = args.positional;
      const first = unparen(items[0]);
      if (kind.cls === "ModuleList" || (items.length === 1 && (first?.type === "list" || first?.type === "call"))) {
        if (first?.type === "list") items = first.namedChildren;
        else if (first?.type === "call" && names.resolve(first.child("function"))?.endsWith("OrderedDict")) {
          const list = unparen(callArgs(first).positional[0]);
          for (const t of list?.type === "list" ? list.namedChildren : []) {
            const parts = t.type === "tuple" ? t.namedChildren : [];
            const key = stringValue(parts[0]);
            if (key && parts[1]) sub.children.push(submoduleFrom(key, parts[1], names, classes, depth + 1) ?? unknownSub(key, parts[1]));
          }
          return sub;
        } else if (kind.cls === "ModuleList") items = [];
      }
      items.forEach((item, i) => sub.children.push(submoduleFrom(String(i), item, names, classes, depth + 1) ?? unknownSub(String(i), item)));
    }
  }
  return sub;
}

function unknownSub(name: string, node: PyNode): SubmoduleDef {
  return { name, kind: { k: "unknown" }, node, children: [] };
}

export function moduleKind(resolved: string | undefined, names: NameTable, classes: Map<string, ClassInfo>): ModuleKind | undefined {
  if (!resolved) return { k: "unknown" };
  const api = quantApi(resolved);
  if (api === "QuantStub") return { k: "quant-stub" };
  if (api === "DeQuantStub") return { k: "dequant-stub" };
  const nn = nnClass(resolved);
  if (nn === "Sequential" || nn === "ModuleList" || nn === "ModuleDict") return { k: "container", cls: nn };
  if (nn) return { k: "nn", cls: nn };
  const ao = aoNnClass(resolved);
  if (ao === "FloatFunctional") return { k: "float-functional" };
  if (ao) return { k: "ao", cls: ao };
  const local = classes.get(resolved);
  if (local) return local.isModule ? { k: "user", cls: local } : undefined;
  if (/^[A-Z]/.test(resolved) && !resolved.includes(".") && !names.isBound(resolved)) return { k: "unknown", name: resolved };
  if (/^(torch|math|numpy|np)\b/.test(resolved) && !/\.[A-Z]\w*$/.test(resolved)) return undefined;
  return { k: "unknown", name: resolved };
}

/** Looks a dotted submodule path ("features.0.conv") up from a class; undefined when it does not exist. */
export function findSubmodule(cls: ClassInfo, path: string): SubmoduleDef | undefined | null {
  const parts = path.split(".");
  let subs: Map<string, SubmoduleDef> | undefined = cls.submodules;
  let found: SubmoduleDef | undefined;
  let opaque = cls.opaque;
  for (const p of parts) {
    if (!subs) return null; // unknown structure below: cannot tell
    found = subs.get(p);
    if (!found) return opaque ? null : undefined;
    opaque = false;
    if (found.kind.k === "user") {
      subs = found.kind.cls.submodules;
      opaque = found.kind.cls.opaque;
    }
    else if (found.kind.k === "container") subs = new Map(found.children.map((c) => [c.name, c]));
    else if (found.kind.k === "unknown") subs = undefined;
    else subs = new Map();
  }
  return found;
}

/** The short type name of a submodule ("Linear", "QuantStub", a user class name). */
export function kindName(kind: ModuleKind): string {
  switch (kind.k) {
    case "nn":
    case "ao":
      return kind.cls;
    case "quant-stub":
      return "QuantStub";
    case "dequant-stub":
      return "DeQuantStub";
    case "float-functional":
      return "FloatFunctional";
    case "user":
      return kind.cls.name;
    case "container":
      return kind.cls;
    case "unknown":
      return kind.name ?? "unknown";
  }
}

/** The class's forward method, inherited from a same-file base when not overridden. */
export function forwardOf(cls: ClassInfo): PyNode | undefined {
  return cls.methods.get("forward");
}
