// Module-level quantization flow: follows model objects through qconfig assignments, fuse_modules,
// prepare/prepare_qat/convert, the FX APIs, quantize_dynamic, train()/eval(), calibration calls, the
// quantized engine and torch.save/torch.load, including through same-file functions (any process).
// The rule families read the recorded events.
import type { ClassInfo, FileModel } from "./model";
import { quantApi } from "./names";
import { callArgs, stringValue, unparen, dottedName, type CallArgs, type PyNode } from "./syntax";
import { Interpreter, paramNames } from "./interpret";
import { behaviorOf, effectiveQconfig } from "./convert-semantics";
import { FUNCTIONAL_LOSSES, LOSS_MODULES, QUANT_FAILING_OPS } from "./torch-knowledge";
import { nnClass, torchFunction } from "./names";

export type QconfigKind = "static" | "qat" | "dynamic" | "weight-only" | "unknown";

export interface QconfigInfo {
  node: PyNode;
  kind: QconfigKind;
  /** The backend named in get_default_qconfig("x86") and friends. */
  backend?: string;
  backendNode?: PyNode;
  /** Weight observer uses per_channel_affine_float_qparams (needed by Embedding). */
  floatQparams: boolean;
  /** The weight observer is a per-channel observer (not a fake-quant), which ConvTranspose rejects. */
  perChannelWeights?: boolean;
}

export type Stage =
  | "float"
  | "prepared"
  | "qat-prepared"
  | "converted"
  | "dynamic"
  | "fx-prepared"
  | "fx-qat-prepared"
  | "fx-converted"
  | "traced";

export interface ModelObj {
  id: number;
  cls: ClassInfo;
  /** Wrapped in QuantWrapper: quant -> module -> dequant. */
  wrapped: boolean;
  training: boolean | undefined;
  /** Explicit qconfig assignments by submodule path ("" = the root); null = None. */
  qconfigs: Map<string, QconfigInfo | null>;
  /** Submodule path -> the module type it became by fusion ("ConvReLU2d", "Identity"). */
  fused: Map<string, string>;
  stage: Stage;
  /** prepare() ran: qconfigs were propagated and observers inserted. */
  prepared: boolean;
  calibrated: boolean;
  /** convert(mapping=...) or other customization we do not model. */
  custom: boolean;
  /** The converted model is called or handed to other code afterwards. */
  used: boolean;
  /** FX qconfig mapping used by prepare_fx. */
  fxQconfig?: QconfigInfo;
  /** Called with tensors the script quantized itself (torch.quantize_per_tensor). */
  quantizedInputs?: boolean;
  createdBy: PyNode;
}

export type FlowEvent =
  | { k: "fuse"; call: PyNode; model: ModelObj; lists: PyNode | undefined; qat: boolean; modelArg: PyNode | undefined }
  | { k: "prepare"; call: PyNode; model: ModelObj; api: string; modelArg: PyNode | undefined; discarded: boolean }
  | { k: "convert"; call: PyNode; before: ModelObj; result: ModelObj; api: string; discarded: boolean }
  | { k: "trace"; call: PyNode; model: ModelObj; api: string; concrete: Set<string>; leafNames: Set<string>; leafClasses: Set<string> }
  | { k: "dynamic"; call: PyNode; model: ModelObj; spec: PyNode | undefined; dtype: PyNode | undefined }
  | { k: "save"; call: PyNode; model: ModelObj | undefined; valueNode: PyNode | undefined; pathKey: string | undefined }
  | { k: "load"; call: PyNode; pathKey: string | undefined; weightsOnly: PyNode | undefined; usedAsModule: PyNode[] }
  | { k: "engine"; node: PyNode; value: string; valueNode: PyNode }
  | { k: "qconfig"; node: PyNode; info: QconfigInfo | null; model: ModelObj | undefined }
  /** Module-level code using the quantized output of a converted model where PyTorch needs a float tensor. */
  | { k: "quantized-output"; node: PyNode; code: "QS103" | "QS104"; message: string };

export interface FlowResult {
  events: FlowEvent[];
  models: ModelObj[];
  /** Each `name = <model>` assignment and the model's state right after it (for hover). */
  assignments: Array<{ target: PyNode; model: ModelObj }>;
}

type Binding =
  | { k: "model"; obj: ModelObj }
  | { k: "submodule"; obj: ModelObj; path: string }
  | { k: "qconfig"; info: QconfigInfo }
  | { k: "qmapping"; info: QconfigInfo }
  | { k: "str"; value: string }
  /** A tensor returned by a converted model: quantized or float. */
  | { k: "tensor"; quant: boolean; from: PyNode }
  /** An instance of a torch.nn loss module. */
  | { k: "loss"; name: string }
  | { k: "load"; event: Extract<FlowEvent, { k: "load" }> };

interface Scope {
  vars: Map<string, Binding | undefined>;
  parent?: Scope;
}

const MAX_CALL_DEPTH = 4;

/** Methods only an nn.Module has: calling one on a torch.load result shows a whole module was pickled. */
const MODULE_ONLY_METHODS = new Set([
  "eval",
  "train",
  "forward",
  "parameters",
  "named_parameters",
  "modules",
  "named_modules",
  "children",
  "named_children",
  "state_dict",
  "load_state_dict",
  "register_forward_hook",
  "fuse_model",
  "zero_grad",
  "half",
  "requires_grad_",
]);

/** Functions that never change a model's train/eval mode when given the model. */
const MODE_PRESERVING = new Set(["print", "len", "str", "repr", "type", "id", "isinstance", "hasattr", "getattr", "format", "sum", "list", "dict", "vars", "torch.jit.script", "torch.jit.trace", "torch.save", "torch.onnx.export"]);

export function analyzeFlow(file: FileModel): FlowResult {
  return new FlowWalker(file).run();
}

class FlowWalker {
  private readonly events: FlowEvent[] = [];
  private readonly models: ModelObj[] = [];
  private readonly assignments: Array<{ target: PyNode; model: ModelObj }> = [];
  private nextId = 1;
  private readonly calledFunctions = new Set<PyNode>();
  private readonly activeFunctions: PyNode[] = [];
  private readonly collecting = new Set<string>();

  constructor(private readonly file: FileModel) {}

  run(): FlowResult {
    const global: Scope = { vars: new Map() };
    this.block(this.file.statements, global);
    // Functions never called from module level still run somewhere: analyze their bodies on their own.
    for (const f of this.file.functions.values()) {
      if (!this.calledFunctions.has(f.node)) this.callUserFunction(f.node, [], new Map(), global);
    }
    return { events: this.events, models: this.models, assignments: this.assignments };
  }

  // ---- statements --------------------------------------------------------------------------------

  private block(stmts: PyNode[], scope: Scope): Binding | undefined {
    let returned: Binding | undefined;
    for (const s of stmts) {
      const r = this.statement(s, scope);
      if (r) returned = r;
    }
    return returned;
  }

  private statement(s: PyNode, scope: Scope): Binding | undefined {
    switch (s.type) {
      case "expression_statement":
        for (const e of s.namedChildren) {
          if (e.type === "assignment") this.assignment(e, scope);
          else this.expr(e, scope, true);
        }
        return undefined;
      case "return_statement":
        return this.expr(s.namedChildren[0], scope);
      case "if_statement": {
        let r: Binding | undefined;
        this.expr(s.child("condition"), scope);
        r = this.block(s.child("consequence")?.namedChildren ?? [], scope) ?? r;
        for (const alt of s.fieldAll("alternative")) {
          r = this.block((alt.child("consequence") ?? alt.child("body"))?.namedChildren ?? [], scope) ?? r;
        }
        return r;
      }
      case "for_statement":
      case "while_statement":
      case "with_statement": {
        if (s.type === "with_statement") for (const item of s.descendantsOfType("with_item")) this.expr(item.child("value"), scope);
        if (s.type === "for_statement") this.expr(s.child("right"), scope);
        return this.block(s.child("body")?.namedChildren ?? [], scope);
      }
      case "try_statement": {
        let r = this.block(s.child("body")?.namedChildren ?? [], scope);
        for (const c of s.namedChildren) {
          if (c.type === "except_clause" || c.type === "else_clause" || c.type === "finally_clause") {
            r = this.block(c.namedChildren.find((x) => x.type === "block")?.namedChildren ?? [], scope) ?? r;
          }
        }
        return r;
      }
      case "decorated_definition":
      case "function_definition":
      case "class_definition":
        return undefined;
      default:
        return undefined;
    }
  }

  private assignment(a: PyNode, scope: Scope): void {
    const left = unparen(a.child("left"));
    const right = a.child("right");
    if (!left || !right) return;
    if (left.type === "attribute") {
      const attr = left.child("attribute")?.text;
      const objNode = left.child("object");
      const dotted = dottedName(left);
      if (dotted && this.file.names.resolveDotted(dotted) === "torch.backends.quantized.engine") {
        const value = stringValue(unparen(right)) ?? this.strOf(right, scope);
        if (value !== undefined) this.events.push({ k: "engine", node: a, value, valueNode: right });
        return;
      }
      if (attr === "qconfig" && objNode) {
        const target = this.expr(objNode, scope);
        const resolved = this.qconfigOf(right, scope);
        const info = resolved === undefined ? unknownQconfig(right) : resolved;
        if (target?.k === "model" || target?.k === "submodule") {
          const path = target.k === "model" ? "" : target.path;
          target.obj.qconfigs.set(path, info);
        }
        this.events.push({ k: "qconfig", node: a, info, model: target?.k === "model" || target?.k === "submodule" ? target.obj : undefined });
        return;
      }
      this.expr(right, scope);
      return;
    }
    const value = this.expr(right, scope);
    if (left.type === "identifier") {
      if (value?.k === "model") this.assignments.push({ target: left, model: snapshot(value.obj) });
      if (value) scope.vars.set(left.text, value);
      else scope.vars.delete(left.text);
      const q = value ? undefined : this.qconfigOf(right, scope);
      if (q) scope.vars.set(left.text, { k: "qconfig", info: q });
      const mapping = value || q ? undefined : this.qmappingOf(right, scope);
      if (mapping) scope.vars.set(left.text, { k: "qmapping", info: mapping });
      const str = value ? undefined : stringValue(unparen(right));
      if (str !== undefined) scope.vars.set(left.text, { k: "str", value: str });
    }
  }

  // ---- expressions -------------------------------------------------------------------------------

  private lookup(name: string, scope: Scope): Binding | undefined {
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      const b = s.vars.get(name);
      if (b) return b;
      if (s.vars.has(name)) return undefined;
    }
    return undefined;
  }

  private strOf(node: PyNode | undefined, scope: Scope): string | undefined {
    const n = unparen(node);
    if (!n) return undefined;
    const s = stringValue(n);
    if (s !== undefined) return s;
    if (n.type === "identifier") {
      const b = this.lookup(n.text, scope);
      return b?.k === "str" ? b.value : undefined;
    }
    return undefined;
  }

  /** Evaluates an expression for its effect on the flow; returns what it is when we track it. */
  private exprDepth = 0;

  private expr(node: PyNode | undefined, scope: Scope, statement = false): Binding | undefined {
    if (this.exprDepth > 400) return undefined; // generated, very deep expressions
    this.exprDepth++;
    try {
      return this.exprNode(node, scope, statement);
    } finally {
      this.exprDepth--;
    }
  }

  private exprNode(node: PyNode | undefined, scope: Scope, statement: boolean): Binding | undefined {
    const n = unparen(node);
    if (!n) return undefined;
    if (n.type === "identifier") return this.lookup(n.text, scope);
    if (n.type === "attribute") {
      const obj = this.expr(n.child("object"), scope);
      const attr = n.child("attribute")?.text ?? "";
      if (obj?.k === "model") return { k: "submodule", obj: obj.obj, path: attr };
      if (obj?.k === "submodule") return { k: "submodule", obj: obj.obj, path: `${obj.path}.${attr}` };
      return undefined;
    }
    if (n.type === "subscript") {
      const obj = this.expr(n.child("value"), scope);
      const idx = n.fieldAll("subscript")[0];
      const key = idx?.type === "integer" ? idx.text : stringValue(idx);
      if (key !== undefined && (obj?.k === "model" || obj?.k === "submodule")) {
        return { k: "submodule", obj: obj.obj, path: obj.k === "model" ? key : `${obj.path}.${key}` };
      }
      return undefined;
    }
    if (n.type === "call") return this.call(n, scope, statement);
    if (n.type === "binary_operator") {
      const left = this.expr(n.child("left"), scope);
      const right = this.expr(n.child("right"), scope);
      const op = n.tokens[0] ?? "+";
      if (["+", "-", "*", "/", "@"].includes(op) && ((left?.k === "tensor" && left.quant) || (right?.k === "tensor" && right.quant))) {
        this.quantizedOutputUse(n, "QS103", `\`${op}\``);
      }
      return undefined;
    }
    // Other expressions: visit nested calls for their effects (e.g. print(model(x))).
    for (const c of n.namedChildren) {
      if (c.type === "lambda") continue;
      this.expr(c, scope);
    }
    return undefined;
  }

  private newModel(cls: ClassInfo, createdBy: PyNode): ModelObj {
    const obj: ModelObj = {
      id: this.nextId++,
      cls,
      wrapped: false,
      training: true,
      qconfigs: new Map(),
      fused: new Map(),
      stage: "float",
      prepared: false,
      calibrated: false,
      custom: false,
      used: false,
      createdBy,
    };
    // qconfig assignments made in __init__.
    for (const [path, value] of cls.qconfigs) obj.qconfigs.set(path, this.qconfigOf(value, { vars: new Map() }) ?? unknownQconfig(value));
    this.models.push(obj);
    return obj;
  }

  private clone(m: ModelObj, createdBy: PyNode): ModelObj {
    const obj: ModelObj = { ...m, id: this.nextId++, qconfigs: new Map(m.qconfigs), fused: new Map(m.fused), used: false, createdBy };
    this.models.push(obj);
    return obj;
  }

  private call(n: PyNode, scope: Scope, statement: boolean): Binding | undefined {
    const fnNode = unparen(n.child("function"));
    const args = callArgs(n);
    if (!fnNode) return undefined;

    // Method calls on tracked values: m.eval(), m.train(), m(x) via forward, m.fc.qconfig...
    if (fnNode.type === "attribute") {
      const method = fnNode.child("attribute")?.text ?? "";
      const objNode = fnNode.child("object");
      const resolved = this.file.names.resolve(fnNode);
      const rootName = dottedName(objNode)?.split(".")[0];
      const isGlobalApi = resolved !== undefined && rootName !== undefined && this.file.names.isBound(rootName) && !this.lookup(rootName, scope);
      if (!isGlobalApi) {
        const obj = this.expr(objNode, scope);
        if (obj?.k === "model") return this.modelMethod(obj.obj, method, args, scope);
        if (obj?.k === "load") {
          // Only nn.Module methods prove the loaded object is a module (a dict has keys(), a tensor to()).
          if (MODULE_ONLY_METHODS.has(method)) obj.event.usedAsModule.push(n);
          this.visitArgs(args, scope);
          return undefined;
        }
        if (obj?.k === "submodule" && method === "register_forward_hook") return undefined;
        this.visitArgs(args, scope, method);
        if (obj?.k === "tensor") {
          if (method === "dequantize") return { k: "tensor", quant: false, from: n };
          if (obj.quant && QUANT_FAILING_OPS.has(method)) this.quantizedOutputUse(n, "QS103", `\`.${method}()\``);
        }
        return undefined;
      }
      return this.apiCall(resolved ?? "", n, args, scope, statement);
    }
    if (fnNode.type === "identifier") {
      const local = this.lookup(fnNode.text, scope);
      if (local?.k === "model") {
        if (args.positional.some((a) => this.expr(a, scope)?.k === "tensor" && (this.expr(a, scope) as { quant: boolean }).quant)) local.obj.quantizedInputs = true;
        this.visitArgs(args, scope);
        this.markCalled(local.obj);
        return this.modelOutput(local.obj, n);
      }
      if (local?.k === "loss") {
        const quant = args.positional.find((a) => this.expr(a, scope)?.k === "tensor" && (this.expr(a, scope) as { quant: boolean }).quant);
        if (quant) this.quantizedOutputUse(n, "QS104", `the loss \`${fnNode.text}\` (nn.${local.name})`);
        return undefined;
      }
      if (local?.k === "load") {
        local.event.usedAsModule.push(n);
        this.visitArgs(args, scope);
        return undefined;
      }
      const cls = this.file.classes.get(fnNode.text);
      if (cls?.isModule && !this.file.names.isBound(fnNode.text)) {
        this.visitArgs(args, scope);
        return { k: "model", obj: this.newModel(cls, n) };
      }
      const fn = this.file.functions.get(fnNode.text);
      if (fn && !this.file.names.isBound(fnNode.text)) {
        const values = args.positional.map((a) => this.expr(a, scope));
        const kw = new Map([...args.keyword].map(([k, v]) => [k, this.expr(v, scope)] as const));
        return this.callUserFunction(fn.node, values, kw, this.globalScope(scope));
      }
      return this.apiCall(this.file.names.resolveDotted(fnNode.text), n, args, scope, statement);
    }
    this.expr(fnNode, scope);
    this.visitArgs(args, scope);
    return undefined;
  }

  private globalScope(scope: Scope): Scope {
    let s = scope;
    while (s.parent) s = s.parent;
    return s;
  }

  private callUserFunction(fn: PyNode, values: Array<Binding | undefined>, kw: Map<string, Binding | undefined>, global: Scope): Binding | undefined {
    this.calledFunctions.add(fn);
    if (this.activeFunctions.includes(fn) || this.activeFunctions.length >= MAX_CALL_DEPTH) return undefined;
    this.activeFunctions.push(fn);
    try {
      const local: Scope = { vars: new Map(), parent: global };
      let i = 0;
      for (const p of paramNames(fn)) {
        const v = i < values.length ? values[i++] : kw.get(p.name);
        // An unknown argument still shadows a global of the same name.
        local.vars.set(p.name, v);
      }
      return this.block(fn.child("body")?.namedChildren ?? [], local);
    } finally {
      this.activeFunctions.pop();
    }
  }

  /** Arguments passed to code we do not model: a tracked model handed over is assumed to be run. */
  private visitArgs(args: CallArgs, scope: Scope, callee?: string): void {
    for (const a of [...args.positional, ...args.keyword.values(), ...args.splat]) {
      const b = this.expr(a, scope);
      if (b?.k !== "model") continue;
      this.markCalled(b.obj);
      // Code we cannot see may switch the model between train() and eval().
      if (callee !== undefined && !MODE_PRESERVING.has(callee)) b.obj.training = undefined;
    }
  }

  /** The kind of tensor a converted model returns (interpreting its forward), when it is certain. */
  private modelOutput(m: ModelObj, call: PyNode): Binding | undefined {
    if (m.stage !== "converted" || !m.prepared || m.custom) return undefined;
    const interp = new Interpreter(this.file, { mode: "eager", behavior: (sub, path) => behaviorOf(m, sub, path), report: () => undefined });
    const rootQc = effectiveQconfig(m, "");
    const wrappedActive = m.wrapped && !!rootQc && (rootQc.kind === "static" || rootQc.kind === "qat");
    const out = interp.runForward(m.cls, "", wrappedActive ? [{ k: "quant" }] : m.quantizedInputs ? quantizedArgs(m) : undefined);
    if (m.wrapped) return wrappedActive ? { k: "tensor", quant: false, from: call } : undefined;
    if (out.k === "quant") return { k: "tensor", quant: true, from: call };
    if (out.k === "float") return { k: "tensor", quant: false, from: call };
    return undefined;
  }

  private quantizedOutputUse(node: PyNode, code: "QS103" | "QS104", what: string): void {
    const message =
      code === "QS104"
        ? `${what} receives the quantized output of a converted model: losses have no quantized kernels. ` +
          `End forward with a DeQuantStub (or call .dequantize() on the output).`
        : `${what} on the quantized output of a converted model fails: PyTorch raises "Could not run 'aten::...' with arguments from the 'QuantizedCPU' backend". ` +
          `The model's forward returns a quantized tensor: end it with a DeQuantStub (or call .dequantize() on the output).`;
    this.events.push({ k: "quantized-output", node, code, message });
  }

  private markCalled(m: ModelObj): void {
    if (m.stage === "prepared" || m.stage === "qat-prepared" || m.stage === "fx-prepared" || m.stage === "fx-qat-prepared") m.calibrated = true;
    m.used = true;
  }

  private modelMethod(m: ModelObj, method: string, args: CallArgs, scope: Scope): Binding | undefined {
    switch (method) {
      case "eval":
        m.training = false;
        return { k: "model", obj: m };
      case "train": {
        const arg = unparen(args.positional[0] ?? args.keyword.get("mode"));
        m.training = arg === undefined ? true : arg.type === "true" ? true : arg.type === "false" ? false : undefined;
        return { k: "model", obj: m };
      }
      case "to":
      case "cpu":
      case "float":
      case "requires_grad_":
      case "apply":
        this.visitArgs(args, scope);
        return { k: "model", obj: m };
      case "forward":
        this.visitArgs(args, scope);
        this.markCalled(m);
        return undefined;
      case "load_state_dict":
      case "state_dict":
      case "parameters":
      case "named_parameters":
      case "modules":
      case "named_modules":
      case "children":
      case "named_children":
      case "buffers":
        for (const a of args.positional) this.expr(a, scope);
        return undefined;
      default: {
        // The model's own methods (fuse_model(), set_qconfig(...)) run with self bound to this object.
        const fn = m.cls.methods.get(method);
        if (fn && method !== "forward") {
          const values = [{ k: "model", obj: m } as Binding, ...args.positional.map((a) => this.expr(a, scope))];
          const kw = new Map([...args.keyword].map(([k, v]) => [k, this.expr(v, scope)] as const));
          return this.callUserFunction(fn, values, kw, this.globalScope(scope));
        }
        this.visitArgs(args, scope);
        return undefined;
      }
    }
  }

  private modelArg(args: CallArgs, scope: Scope, kw = "model"): { obj: ModelObj | undefined; node: PyNode | undefined } {
    const node = args.positional[0] ?? args.keyword.get(kw) ?? args.keyword.get("module");
    const b = this.expr(node, scope);
    if (b?.k === "load" && node) b.event.usedAsModule.push(node);
    return { obj: b?.k === "model" ? b.obj : undefined, node };
  }

  private boolKw(args: CallArgs, name: string, position?: number): boolean | undefined {
    const v = unparen(args.keyword.get(name) ?? (position !== undefined ? args.positional[position] : undefined));
    if (!v) return false;
    if (v.type === "true") return true;
    if (v.type === "false") return false;
    return undefined;
  }

  private apiCall(name: string, n: PyNode, args: CallArgs, scope: Scope, statement: boolean): Binding | undefined {
    const api = quantApi(name);
    if (name === "copy.deepcopy" || name === "deepcopy") {
      const b = this.expr(args.positional[0], scope);
      return b?.k === "model" ? { k: "model", obj: this.clone(b.obj, n) } : undefined;
    }
    if (name === "torch.save") {
      const valueNode = args.positional[0] ?? args.keyword.get("obj");
      const b = this.expr(valueNode, scope);
      const pathNode = args.positional[1] ?? args.keyword.get("f");
      this.events.push({ k: "save", call: n, model: b?.k === "model" ? b.obj : undefined, valueNode, pathKey: this.pathKey(pathNode, scope) });
      return undefined;
    }
    if (name === "torch.load") {
      const pathNode = args.positional[0] ?? args.keyword.get("f");
      const event: Extract<FlowEvent, { k: "load" }> = {
        k: "load",
        call: n,
        pathKey: this.pathKey(pathNode, scope),
        weightsOnly: args.keyword.get("weights_only"),
        usedAsModule: [],
      };
      this.events.push(event);
      return { k: "load", event };
    }
    if (name === "torch.jit.script" || name === "torch.jit.trace" || name === "torch.jit.save" || name === "torch.onnx.export" || name === "torch.export.export") {
      this.visitArgs(args, scope);
      return undefined;
    }
    if (name === "torch.fx.symbolic_trace" || name.endsWith("fx._symbolic_trace.symbolic_trace")) {
      const { obj } = this.modelArg(args, scope, "root");
      if (obj) {
        this.events.push({ k: "trace", call: n, model: obj, api: "symbolic_trace", concrete: this.concreteArgs(args.keyword.get("concrete_args")), leafNames: new Set(), leafClasses: new Set() });
        const traced = this.clone(obj, n);
        traced.stage = "traced";
        return { k: "model", obj: traced };
      }
      return undefined;
    }
    if (api === undefined) {
      const cls = nnClass(name);
      if (cls && LOSS_MODULES.has(cls)) return { k: "loss", name: cls };
      const op = torchFunction(name);
      if (op && (FUNCTIONAL_LOSSES.has(op) || QUANT_FAILING_OPS.has(op))) {
        const quant = args.positional.some((a) => {
          const b = this.expr(a, scope);
          return b?.k === "tensor" && b.quant;
        });
        if (quant) this.quantizedOutputUse(n, FUNCTIONAL_LOSSES.has(op) ? "QS104" : "QS103", `${name}()`);
      }
      if (op === "dequantize") return { k: "tensor", quant: false, from: n };
      if (op === "quantize_per_tensor" || op === "quantize_per_channel") return { k: "tensor", quant: true, from: n };
      // Unknown code: visit arguments (a model handed over is assumed to be run).
      this.visitArgs(args, scope, name);
      return undefined;
    }
    switch (api) {
      case "QuantWrapper": {
        const b = this.expr(args.positional[0], scope);
        if (b?.k !== "model") return undefined;
        const obj = this.clone(b.obj, n);
        obj.wrapped = true;
        return { k: "model", obj };
      }
      case "fuse_modules":
      case "fuse_modules_qat": {
        const { obj, node } = this.modelArg(args, scope);
        const lists = args.positional[1] ?? args.keyword.get("modules_to_fuse");
        if (!obj) return undefined;
        this.events.push({ k: "fuse", call: n, model: snapshot(obj), lists, qat: api === "fuse_modules_qat", modelArg: node });
        const inplace = this.boolKw(args, "inplace", 2);
        const target = inplace ? obj : this.clone(obj, n);
        applyFusion(target, lists, api === "fuse_modules_qat");
        return { k: "model", obj: target };
      }
      case "prepare":
      case "prepare_qat": {
        const { obj, node } = this.modelArg(args, scope);
        if (!obj) return undefined;
        const inplace = this.boolKw(args, "inplace", 1);
        this.events.push({ k: "prepare", call: n, model: snapshot(obj), api, modelArg: node, discarded: statement && inplace === false });
        const target = inplace ? obj : this.clone(obj, n);
        target.stage = api === "prepare_qat" ? "qat-prepared" : "prepared";
        target.prepared = true;
        target.calibrated = false;
        if (args.keyword.has("allow_list") || args.keyword.has("prepare_custom_config_dict")) target.custom = true;
        return { k: "model", obj: target };
      }
      case "convert": {
        const { obj } = this.modelArg(args, scope, "module");
        if (!obj) return undefined;
        const inplace = this.boolKw(args, "inplace", 2);
        const target = inplace ? obj : this.clone(obj, n);
        const before = snapshot(obj);
        target.stage = "converted";
        if (args.keyword.has("mapping") || args.positional.length > 1 || args.keyword.has("convert_custom_config_dict")) target.custom = true;
        this.events.push({ k: "convert", call: n, before, result: target, api, discarded: statement && inplace === false });
        return { k: "model", obj: target };
      }
      case "quantize": {
        const { obj } = this.modelArg(args, scope);
        if (!obj) return undefined;
        this.visitArgs({ positional: args.positional.slice(1), keyword: args.keyword, splat: [] }, scope);
        const target = this.clone(obj, n);
        target.stage = "converted";
        target.prepared = true;
        target.calibrated = true;
        this.events.push({ k: "convert", call: n, before: { ...snapshot(obj), prepared: true, calibrated: true, stage: "prepared" }, result: target, api, discarded: false });
        return { k: "model", obj: target };
      }
      case "quantize_dynamic": {
        const { obj } = this.modelArg(args, scope);
        if (!obj) return undefined;
        const spec = args.positional[1] ?? args.keyword.get("qconfig_spec");
        this.events.push({ k: "dynamic", call: n, model: snapshot(obj), spec, dtype: args.positional[2] ?? args.keyword.get("dtype") });
        const target = this.boolKw(args, "inplace", 4) ? obj : this.clone(obj, n);
        target.stage = "dynamic";
        return { k: "model", obj: target };
      }
      case "prepare_fx":
      case "prepare_qat_fx":
      case "fuse_fx": {
        const { obj } = this.modelArg(args, scope);
        if (!obj) return undefined;
        const mapping = api === "fuse_fx" ? undefined : (args.positional[1] ?? args.keyword.get("qconfig_mapping") ?? args.keyword.get("qconfig_dict"));
        const custom = args.keyword.get("prepare_custom_config") ?? args.keyword.get("prepare_custom_config_dict") ?? (api === "fuse_fx" ? args.keyword.get("fuse_custom_config") : args.positional[3]);
        const leafNames = new Set<string>();
        const leafClasses = new Set<string>();
        this.collectNonTraceable(custom, scope, leafNames, leafClasses);
        this.events.push({ k: "trace", call: n, model: snapshot(obj), api, concrete: new Set(), leafNames, leafClasses });
        this.events.push({ k: "prepare", call: n, model: snapshot(obj), api, modelArg: args.positional[0], discarded: false });
        const target = this.clone(obj, n);
        if (api !== "fuse_fx") {
          target.stage = api === "prepare_qat_fx" ? "fx-qat-prepared" : "fx-prepared";
          target.prepared = true;
          target.calibrated = false;
          target.fxQconfig = this.qmappingOf(mapping, scope);
        }
        return { k: "model", obj: target };
      }
      case "convert_fx":
      case "convert_to_reference_fx":
      case "_convert_to_reference_decomposed_fx": {
        const { obj } = this.modelArg(args, scope, "graph_module");
        if (!obj) return undefined;
        const target = this.clone(obj, n);
        target.stage = "fx-converted";
        this.events.push({ k: "convert", call: n, before: snapshot(obj), result: target, api, discarded: false });
        return { k: "model", obj: target };
      }
      default: {
        const q = this.qconfigOf(n, scope);
        if (q) return { k: "qconfig", info: q };
        this.visitArgs(args, scope);
        return undefined;
      }
    }
  }

  private pathKey(node: PyNode | undefined, scope: Scope): string | undefined {
    const n = unparen(node);
    if (!n) return undefined;
    const s = this.strOf(n, scope);
    if (s !== undefined) return `str:${s}`;
    if (n.type === "identifier" || n.type === "attribute") return `name:${n.text}`;
    return undefined;
  }

  private concreteArgs(node: PyNode | undefined): Set<string> {
    const out = new Set<string>();
    const n = unparen(node);
    if (n?.type === "dictionary") {
      for (const p of n.namedChildren) {
        const k = stringValue(p.child("key"));
        if (k) out.add(k);
      }
    }
    return out;
  }

  private collectNonTraceable(node: PyNode | undefined, scope: Scope, names: Set<string>, classes: Set<string>): void {
    const n = unparen(node);
    if (!n) return;
    if (n.type === "identifier") {
      if (this.collecting.has(n.text)) return;
      this.collecting.add(n.text);
      // A config built earlier: scan the file for its set_non_traceable_* calls.
      for (const s of this.file.statements) {
        for (const a of [s, ...s.descendantsOfType("assignment")]) {
          if (a.type === "assignment" && a.child("left")?.text === n.text) this.collectNonTraceable(a.child("right"), scope, names, classes);
        }
        for (const c of s.descendantsOfType("call")) {
          const fn = c.child("function");
          if (fn?.type === "attribute" && fn.text.startsWith(n.text + ".")) this.collectNonTraceable(c, scope, names, classes);
        }
      }
      return;
    }
    for (const c of [n, ...n.descendantsOfType("call")]) {
      if (c.type !== "call") continue;
      const method = c.child("function")?.child("attribute")?.text;
      const arg = unparen(callArgs(c).positional[0]);
      const items = arg?.type === "list" || arg?.type === "tuple" ? arg.namedChildren : [];
      if (method === "set_non_traceable_module_names") for (const i of items) names.add(stringValue(i) ?? "");
      if (method === "set_non_traceable_module_classes") for (const i of items) classes.add(i.text.split(".").pop() ?? "");
    }
    if (n.type === "dictionary") {
      for (const p of n.namedChildren) {
        const key = stringValue(p.child("key"));
        const v = unparen(p.child("value"));
        const items = v?.type === "list" || v?.type === "tuple" ? v.namedChildren : [];
        if (key === "non_traceable_module_name") for (const i of items) names.add(stringValue(i) ?? "");
        if (key === "non_traceable_module_class") for (const i of items) classes.add(i.text.split(".").pop() ?? "");
      }
    }
  }

  // ---- qconfigs ----------------------------------------------------------------------------------

  qconfigOf(node: PyNode | undefined, scope: Scope): QconfigInfo | null | undefined {
    const n = unparen(node);
    if (!n) return undefined;
    if (n.type === "none") return null;
    if (n.type === "identifier") {
      const b = this.lookup(n.text, scope);
      if (b?.k === "qconfig") return b.info;
    }
    const name = n.type === "call" ? this.file.names.resolve(n.child("function")) : this.file.names.resolve(n);
    const api = quantApi(name);
    if (!api) return undefined;
    const base = { node: n, floatQparams: false };
    if (n.type === "call") {
      const args = callArgs(n);
      const backendNode = args.positional[0] ?? args.keyword.get("backend");
      const backend = backendNode ? this.strOf(backendNode, scope) : "x86";
      switch (api) {
        case "get_default_qconfig":
          return { ...base, kind: "static", backend, backendNode, perChannelWeights: backend !== undefined && backend !== "qnnpack" };
        case "get_default_qat_qconfig":
          return { ...base, kind: "qat", backend, backendNode };
        case "QConfig": {
          const act = args.keyword.get("activation") ?? args.positional[0];
          const weight = args.keyword.get("weight") ?? args.positional[1];
          const wText = weight?.text ?? "";
          const floatQparams = /float_qparams/.test(wText);
          const actText = act?.text ?? "";
          if (/PlaceholderObserver|NoopObserver/.test(actText) || floatQparams) {
            return { ...base, kind: /float16|torch\.float/.test(actText) ? "dynamic" : "weight-only", floatQparams };
          }
          const isQat = /FakeQuantize/.test(actText);
          const perChannelWeights = /per_channel|PerChannel/.test(wText) && !/fake_quant|FakeQuantize/i.test(wText);
          return { ...base, kind: isQat ? "qat" : "static", floatQparams, perChannelWeights };
        }
        case "QConfigDynamic":
          return { ...base, kind: "dynamic" };
        default:
          return undefined;
      }
    }
    switch (api) {
      case "default_qconfig":
      case "default_debug_qconfig":
        return { ...base, kind: "static", backend: "fbgemm" };
      case "default_per_channel_qconfig":
        return { ...base, kind: "static", backend: "fbgemm", perChannelWeights: true };
      case "default_qat_qconfig":
      case "default_qat_qconfig_v2":
        return { ...base, kind: "qat", backend: "fbgemm" };
      case "default_dynamic_qconfig":
      case "per_channel_dynamic_qconfig":
      case "float16_dynamic_qconfig":
      case "float16_static_qconfig":
      case "default_dynamic_quant_observer":
        return { ...base, kind: "dynamic" };
      case "float_qparams_weight_only_qconfig":
      case "float_qparams_weight_only_qconfig_4bit":
        return { ...base, kind: "weight-only", floatQparams: true };
      case "default_weight_only_qconfig":
        return { ...base, kind: "weight-only" };
      default:
        return undefined;
    }
  }

  private qmappingOf(node: PyNode | undefined, scope: Scope): QconfigInfo | undefined {
    const n = unparen(node);
    if (!n) return undefined;
    if (n.type === "identifier") {
      const b = this.lookup(n.text, scope);
      if (b?.k === "qconfig" || b?.k === "qmapping") return b.info;
      return undefined;
    }
    if (n.type === "dictionary") {
      for (const p of n.namedChildren) if (stringValue(p.child("key")) === "") return this.qconfigOf(p.child("value"), scope) ?? undefined;
      return undefined;
    }
    if (n.type === "call") {
      const fn = unparen(n.child("function"));
      const api = quantApi(this.file.names.resolve(fn));
      const args = callArgs(n);
      const backendNode = args.positional[0] ?? args.keyword.get("backend");
      const backend = backendNode ? this.strOf(backendNode, scope) : "x86";
      if (api === "get_default_qconfig_mapping") return { node: n, kind: "static", backend, backendNode, floatQparams: false };
      if (api === "get_default_qat_qconfig_mapping") return { node: n, kind: "qat", backend, backendNode, floatQparams: false };
      // QConfigMapping().set_global(qc).set_object_type(...)
      for (const c of [n, ...n.descendantsOfType("call")]) {
        if (c.child("function")?.child("attribute")?.text === "set_global") {
          return this.qconfigOf(callArgs(c).positional[0], scope) ?? undefined;
        }
      }
    }
    return undefined;
  }


}

/** Quantized tensors for every parameter of the model's forward. */
export function quantizedArgs(m: ModelObj): Array<{ k: "quant" }> {
  const fwd = m.cls.methods.get("forward");
  return fwd ? paramNames(fwd).slice(1).map(() => ({ k: "quant" as const })) : [];
}

function unknownQconfig(node: PyNode): QconfigInfo {
  return { node, kind: "unknown", floatQparams: false };
}


export function snapshot(m: ModelObj): ModelObj {
  return { ...m, qconfigs: new Map(m.qconfigs), fused: new Map(m.fused) };
}

/** Records what fuse_modules turns each listed submodule into (first -> fused type, rest -> Identity). */
function applyFusion(m: ModelObj, lists: PyNode | undefined, qat: boolean): void {
  for (const group of fuseGroups(lists)) {
    const paths = group.names.map((x) => x.value);
    if (paths.some((p) => p === undefined)) continue;
    m.fused.set(paths[0] as string, `fused:${qat ? "qat" : m.training ? "train" : "eval"}:${paths.join(",")}`);
    for (const p of paths.slice(1)) m.fused.set(p as string, "Identity");
  }
}

export interface FuseGroup {
  node: PyNode;
  names: Array<{ node: PyNode; value: string | undefined }>;
}

/** The groups of a fuse_modules list: [["conv", "bn"], ...] or a single flat ["conv", "bn"]. */
export function fuseGroups(lists: PyNode | undefined): FuseGroup[] {
  const l = unparen(lists);
  if (!l || (l.type !== "list" && l.type !== "tuple")) return [];
  const items = l.namedChildren;
  const nested = items.length > 0 && items.every((i) => i.type === "list" || i.type === "tuple");
  const groups = nested ? items : items.every((i) => i.type === "string") ? [l] : [];
  return groups.map((g) => ({ node: g, names: g.namedChildren.map((s) => ({ node: s, value: stringValue(s) })) }));
}
