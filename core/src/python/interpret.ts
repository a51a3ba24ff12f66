// Abstract interpretation of `forward` methods, their helpers and submodule forwards (any process).
// Two modes share one walker: "eager" tracks which values are float or quantized tensors after an
// eager-mode `convert`; "trace" tracks which values are torch.fx Proxies while `symbolic_trace` /
// `prepare_fx` runs the code. Hooks decide what each submodule does and receive the problems found.
import type { Fix } from "../diagnostics";
import { FUNCTIONAL_LOSSES, QUANT_FAILING_OPS, QUANT_LIKELY_FAILING_OPS, QUANT_OK_OPS } from "./torch-knowledge";
import type { ClassInfo, FileModel, SubmoduleDef } from "./model";
import { forwardOf } from "./model";
import { torchFunction } from "./names";
import { callArgs, unparen, type PyNode } from "./syntax";

export type PyConst = string | number | boolean | null;

export type Val =
  | { k: "float" }
  | { k: "quant" }
  /** A torch.fx Proxy; `producer` is the leaf module call that made it (fusion patterns). */
  | { k: "proxy"; producer?: { cls: string; path: string } }
  | { k: "py"; value?: PyConst; known: boolean }
  | { k: "seq"; items: Val[] }
  | { k: "module"; sub: SubmoduleDef; path: string }
  | { k: "modules"; subs: Array<{ sub: SubmoduleDef; path: string }> }
  | { k: "self"; cls: ClassInfo; path: string }
  | { k: "unknown" };

const UNKNOWN: Val = { k: "unknown" };
const FLOAT: Val = { k: "float" };
const QUANT: Val = { k: "quant" };
const PROXY: Val = { k: "proxy" };
const PY: Val = { k: "py", known: false };
const py = (value: PyConst): Val => ({ k: "py", value, known: true });

/** What a submodule does to its input after `convert` (eager mode). */
export type Behavior =
  | "quantize" // QuantStub -> Quantize: float in, quantized out
  | "dequantize" // DeQuantStub -> DeQuantize
  | "quantized" // swapped module: needs a quantized input
  | "float-only" // float module without a quantized kernel: needs a float input
  | "transparent" // runs on either, keeps the kind
  | "float-out" // e.g. quantized Embedding: index input, float output
  | "loss"
  | "ff-quantized" // FloatFunctional swapped for QFunctional
  | "ff-float" // FloatFunctional left float
  | "unknown";

export interface ModuleCallInfo {
  sub: SubmoduleDef;
  path: string;
  behavior: Behavior;
  /** The class whose forward holds the call (for quick fixes that add a submodule). */
  ownerClass: ClassInfo;
  call: PyNode;
  argument: PyNode | undefined;
}

export interface Problem {
  code: string;
  node: PyNode;
  message: string;
  /** Overrides the rule's default severity (less certain cases). */
  severity?: "warning";
  fixes?: Fix[];
  /** Extra facts for quick fixes. */
  data?: Record<string, unknown>;
}

export interface InterpretHooks {
  mode: "eager" | "trace";
  /** Eager mode: the behavior of the submodule at `path`. */
  behavior?(sub: SubmoduleDef, path: string): Behavior;
  /** Trace mode: whether the module at `path` is a leaf (called, not traced through). */
  isLeaf?(sub: SubmoduleDef, path: string): boolean;
  /** Trace mode: a module's output feeds a BatchNorm directly (a pattern FX fusion folds). */
  fusionPair?(first: { cls: string; path: string }, bn: { cls: string; path: string }, call: PyNode): void;
  report(p: Problem): void;
}

interface Frame {
  env: Map<string, Val>;
  self?: { cls: ClassInfo; path: string };
  returns: Val[];
  /** The method's class (for fixes). */
  owner?: ClassInfo;
}

const MAX_DEPTH = 8;
const MAX_EXPR_DEPTH = 400;

export class Interpreter {
  private depth = 0;
  private readonly active = new Set<PyNode>();

  constructor(
    private readonly file: FileModel,
    private readonly hooks: InterpretHooks,
  ) {}

  /** Runs a class's forward with tensors (float, or proxies in trace mode) for every parameter. */
  runForward(cls: ClassInfo, path: string, args?: Val[], concrete?: Set<string>): Val {
    const fwd = forwardOf(cls);
    if (!fwd) return UNKNOWN;
    const input = this.hooks.mode === "trace" ? PROXY : FLOAT;
    const params = paramNames(fwd).slice(1);
    const values = args ?? params.map((p) => (concrete?.has(p.name) ? PY : p.splat ? UNKNOWN : input));
    return this.callFunction(fwd, values, new Map(), { cls, path }, cls, true);
  }

  // ---- functions ---------------------------------------------------------------------------------

  private callFunction(
    fn: PyNode,
    args: Val[],
    kwargs: Map<string, Val>,
    self: { cls: ClassInfo; path: string } | undefined,
    owner: ClassInfo | undefined,
    bindAllAsArgs = false,
  ): Val {
    if (this.depth >= MAX_DEPTH || this.active.has(fn)) return UNKNOWN;
    this.depth++;
    this.active.add(fn);
    try {
      const frame: Frame = { env: new Map(), self, returns: [], owner };
      const params = paramNames(fn);
      let i = 0;
      for (const [index, p] of params.entries()) {
        if (index === 0 && self) {
          frame.env.set(p.name, { k: "self", cls: self.cls, path: self.path });
          continue;
        }
        if (p.splat) {
          frame.env.set(p.name, UNKNOWN);
          continue;
        }
        const given = i < args.length ? args[i++] : kwargs.get(p.name);
        if (given) frame.env.set(p.name, given);
        else if (bindAllAsArgs && this.hooks.mode === "trace") frame.env.set(p.name, PROXY);
        else frame.env.set(p.name, p.default ? this.constOf(p.default) : UNKNOWN);
      }
      this.execBlock(fn.child("body"), frame);
      return frame.returns.length === 0 ? py(null) : frame.returns.reduce(join);
    } finally {
      this.active.delete(fn);
      this.depth--;
    }
  }

  private constOf(node: PyNode): Val {
    const n = unparen(node);
    if (!n) return UNKNOWN;
    switch (n.type) {
      case "true":
        return py(true);
      case "false":
        return py(false);
      case "none":
        return py(null);
      case "integer":
      case "float":
        return py(Number(n.text.replace(/_/g, "")));
      case "string":
        return PY;
      default:
        return PY;
    }
  }

  // ---- statements --------------------------------------------------------------------------------

  private execBlock(block: PyNode | undefined, frame: Frame): void {
    if (!block) return;
    for (const s of block.namedChildren) this.exec(s, frame);
  }

  private exec(s: PyNode, frame: Frame): void {
    switch (s.type) {
      case "expression_statement":
        for (const e of s.namedChildren) {
          if (e.type === "assignment") this.assign(e, frame);
          else if (e.type === "augmented_assignment") this.augAssign(e, frame);
          else this.eval(e, frame);
        }
        return;
      case "return_statement": {
        const e = s.namedChildren[0];
        frame.returns.push(e ? this.eval(e, frame) : py(null));
        return;
      }
      case "if_statement":
        return this.execIf(s, frame);
      case "for_statement": {
        const iter = this.eval(s.child("right"), frame);
        const element = this.iterate(iter, s.child("right") ?? s);
        const before = new Map(frame.env);
        const left = s.child("left");
        if (left) this.bind(left, element, frame);
        this.execBlock(s.child("body"), frame);
        joinInto(frame.env, before);
        const alt = s.child("alternative");
        if (alt) this.execBlock(alt.child("body"), frame);
        return;
      }
      case "while_statement": {
        const cond = s.child("condition");
        this.checkBool(this.eval(cond, frame), cond ?? s, "while");
        const before = new Map(frame.env);
        this.execBlock(s.child("body"), frame);
        joinInto(frame.env, before);
        return;
      }
      case "with_statement": {
        for (const item of s.descendantsOfType("with_item")) this.eval(item.child("value"), frame);
        this.execBlock(s.child("body"), frame);
        return;
      }
      case "try_statement": {
        this.execBlock(s.child("body"), frame);
        for (const c of s.namedChildren) {
          if (c.type === "except_clause" || c.type === "else_clause" || c.type === "finally_clause") {
            const block = c.namedChildren.find((x) => x.type === "block");
            this.execBlock(block, frame);
          }
        }
        return;
      }
      case "assert_statement": {
        const cond = s.namedChildren[0];
        if (cond) this.checkBool(this.eval(cond, frame), cond, "assert");
        return;
      }
      case "raise_statement":
      case "delete_statement":
        for (const e of s.namedChildren) this.eval(e, frame);
        return;
      default:
        return;
    }
  }

  private execIf(s: PyNode, frame: Frame): void {
    const branches: Array<{ cond?: PyNode; body?: PyNode }> = [{ cond: s.child("condition"), body: s.child("consequence") }];
    for (const alt of s.fieldAll("alternative")) {
      if (alt.type === "elif_clause") branches.push({ cond: alt.child("condition"), body: alt.child("consequence") });
      else branches.push({ body: alt.child("body") });
    }
    if (!branches.some((b) => b.cond === undefined)) branches.push({});
    const start = frame.env;
    const outcomes: Map<string, Val>[] = [];
    for (const b of branches) {
      frame.env = new Map(start);
      if (b.cond) {
        const c = this.eval(b.cond, frame);
        this.checkBool(c, b.cond, "if");
        const truth = truthOf(c);
        if (truth === false) {
          start.clear();
          for (const [k, v] of frame.env) start.set(k, v);
          continue; // the branch never runs; later conditions see this environment
        }
        this.execBlock(b.body, frame);
        outcomes.push(frame.env);
        if (truth === true) break; // later branches never run
      } else {
        this.execBlock(b.body, frame);
        outcomes.push(frame.env);
      }
    }
    frame.env = outcomes.length === 0 ? start : outcomes.reduce((a, b) => joinEnv(a, b));
  }

  private assign(a: PyNode, frame: Frame): void {
    const right = a.child("right");
    const value = right ? this.eval(right, frame) : UNKNOWN;
    const left = a.child("left");
    if (left) this.bind(left, value, frame, right);
  }

  private augAssign(a: PyNode, frame: Frame): void {
    const left = a.child("left");
    const op = a.tokens[0] ?? "+=";
    const result = this.binary(op.slice(0, -1), this.eval(left, frame), this.eval(a.child("right"), frame), a, true);
    if (left?.type === "identifier") frame.env.set(left.text, result);
  }

  private bind(target: PyNode, value: Val, frame: Frame, source?: PyNode): void {
    const t = unparen(target);
    if (!t) return;
    if (t.type === "identifier") {
      frame.env.set(t.text, value);
      return;
    }
    if (t.type === "pattern_list" || t.type === "tuple_pattern" || t.type === "list_pattern" || t.type === "tuple" || t.type === "list") {
      const targets = t.namedChildren;
      const starred = targets.some((x) => x.type === "list_splat_pattern" || x.type === "list_splat");
      if (value.k === "proxy" && starred) {
        this.reportIteration(source ?? t, "a starred unpacking");
      }
      targets.forEach((x, i) => {
        let item: Val;
        if (value.k === "seq") item = value.items[i] ?? UNKNOWN;
        else if (value.k === "proxy" || value.k === "quant" || value.k === "float") item = value;
        else if (value.k === "py") item = PY;
        else item = UNKNOWN;
        const inner = x.type === "list_splat_pattern" || x.type === "list_splat" ? x.namedChildren[0] : x;
        if (inner) this.bind(inner, item, frame);
      });
    }
  }

  // ---- checks ------------------------------------------------------------------------------------

  private checkBool(v: Val, node: PyNode, context: "if" | "while" | "assert" | "ternary" | "comprehension"): void {
    if (this.hooks.mode !== "trace" || v.k !== "proxy") return;
    this.hooks.report({
      code: "QS301",
      node,
      message:
        `torch.fx cannot trace this ${context === "ternary" ? "conditional expression" : `\`${context}\``}: the condition is a traced value ` +
        `(a Proxy), and symbolic tracing raises "symbolically traced variables cannot be used as inputs to control flow". ` +
        `Compute the branch from module attributes or Python values, move the dynamic part into a function marked ` +
        `with torch.fx.wrap, or mark this module non-traceable in the prepare_custom_config.`,
    });
  }

  private reportBoolOp(node: PyNode, what: string): void {
    if (this.hooks.mode !== "trace") return;
    this.hooks.report({
      code: "QS302",
      node,
      message:
        `torch.fx cannot trace ${what} on a traced value: it calls bool() on a Proxy, which raises "symbolically traced ` +
        `variables cannot be used as inputs to control flow". Use tensor ops (torch.logical_and, torch.where, torch.maximum) instead.`,
    });
  }

  private reportIteration(node: PyNode, what: string): void {
    if (this.hooks.mode !== "trace") return;
    this.hooks.report({
      code: "QS303",
      node,
      message:
        `torch.fx cannot trace ${what} over a traced value: "Proxy object cannot be iterated". ` +
        `Unpack with a fixed number of names (\`b, c, h, w = x.shape\`), index explicitly, or loop over a Python range from a module attribute.`,
    });
  }

  private iterate(v: Val, node: PyNode): Val {
    if (v.k === "proxy") {
      this.reportIteration(node, "a `for` loop");
      return PROXY;
    }
    if (v.k === "seq") return v.items.length ? v.items.reduce(join) : UNKNOWN;
    if (v.k === "module" && v.sub.kind.k === "container") {
      return { k: "modules", subs: v.sub.children.map((c) => ({ sub: c, path: joinPath(v.path, c.name) })) };
    }
    if (v.k === "float" || v.k === "quant") return v;
    return UNKNOWN;
  }

  // ---- expressions -------------------------------------------------------------------------------

  private evalDepth = 0;

  eval(node: PyNode | undefined, frame: Frame): Val {
    // Very deep expressions (generated code) are not analyzed rather than overflowing the stack.
    if (this.evalDepth > MAX_EXPR_DEPTH) return UNKNOWN;
    this.evalDepth++;
    try {
      return this.evalNode(node, frame);
    } finally {
      this.evalDepth--;
    }
  }

  private evalNode(node: PyNode | undefined, frame: Frame): Val {
    const n = unparen(node);
    if (!n) return UNKNOWN;
    switch (n.type) {
      case "identifier":
        return this.lookup(n.text, frame);
      case "true":
      case "false":
      case "none":
      case "integer":
      case "float":
        return this.constOf(n);
      case "string":
      case "concatenated_string":
        for (const i of n.descendantsOfType("interpolation")) this.eval(i.namedChildren[0], frame);
        return PY;
      case "attribute":
        return this.attribute(n, frame);
      case "call":
        return this.call(n, frame);
      case "binary_operator":
        return this.binary(n.tokens[0] ?? "+", this.eval(n.child("left"), frame), this.eval(n.child("right"), frame), n, false);
      case "unary_operator": {
        const v = this.eval(n.child("argument"), frame);
        return v.k === "py" ? PY : v;
      }
      case "not_operator": {
        const v = this.eval(n.child("argument"), frame);
        if (v.k === "proxy") this.reportBoolOp(n, "`not`");
        const t = truthOf(v);
        return t === undefined ? PY : py(!t);
      }
      case "boolean_operator": {
        const left = this.eval(n.child("left"), frame);
        const op = n.tokens[0] ?? "and";
        if (left.k === "proxy") {
          this.reportBoolOp(n, `\`${op}\``);
          return UNKNOWN;
        }
        const t = truthOf(left);
        if ((op === "and" && t === false) || (op === "or" && t === true)) return left;
        const right = this.eval(n.child("right"), frame);
        return t === undefined ? join(left, right) : right;
      }
      case "comparison_operator": {
        const ops = n.tokens;
        const operands = n.namedChildren.map((c) => this.eval(c, frame));
        if (ops.every((o) => o === "is" || o === "is not" || o === "is_not")) return PY;
        if (ops.some((o) => o === "in" || o === "not in" || o === "not_in") && operands.slice(1).some((v) => v.k === "proxy")) {
          this.reportIteration(n, "`in`");
          return PY;
        }
        if (this.hooks.mode === "trace" && operands.some((v) => v.k === "proxy")) return PROXY;
        return PY;
      }
      case "conditional_expression": {
        const [a, cond, b] = n.namedChildren;
        const c = this.eval(cond, frame);
        if (cond) this.checkBool(c, cond, "ternary");
        const t = truthOf(c);
        if (t === true) return this.eval(a, frame);
        if (t === false) return this.eval(b, frame);
        return join(this.eval(a, frame), this.eval(b, frame));
      }
      case "subscript":
        return this.subscript(n, frame);
      case "tuple":
      case "list":
        return { k: "seq", items: n.namedChildren.map((c) => this.eval(c, frame)) };
      case "list_splat": {
        const v = this.eval(n.namedChildren[0], frame);
        if (v.k === "proxy") this.reportIteration(n, "`*` unpacking");
        return UNKNOWN;
      }
      case "dictionary_splat":
        this.eval(n.namedChildren[0], frame);
        return UNKNOWN;
      case "dictionary":
        for (const p of n.namedChildren) this.eval(p.child("value"), frame);
        return PY;
      case "list_comprehension":
      case "generator_expression":
      case "set_comprehension":
      case "dictionary_comprehension":
        return this.comprehension(n, frame);
      case "lambda":
        return UNKNOWN;
      case "keyword_argument":
        return this.eval(n.child("value"), frame);
      case "named_expression": {
        const v = this.eval(n.child("value"), frame);
        const name = n.child("name");
        if (name) frame.env.set(name.text, v);
        return v;
      }
      default:
        return UNKNOWN;
    }
  }

  private comprehension(n: PyNode, frame: Frame): Val {
    const inner: Frame = { ...frame, env: new Map(frame.env) };
    for (const c of n.namedChildren) {
      if (c.type === "for_in_clause") {
        const right = c.child("right");
        const it = this.eval(right, inner);
        if (it.k === "proxy") this.reportIteration(right ?? c, "a comprehension");
        const el = this.iterate(it.k === "proxy" ? UNKNOWN : it, c);
        const left = c.child("left");
        if (left) this.bind(left, it.k === "proxy" ? PROXY : el, inner);
      } else if (c.type === "if_clause") {
        const cond = c.namedChildren[0];
        this.checkBool(this.eval(cond, inner), cond ?? c, "comprehension");
      }
    }
    const body = n.child("body");
    const item = body ? this.eval(body, inner) : UNKNOWN;
    return item.k === "unknown" ? UNKNOWN : { k: "seq", items: [] };
  }

  private lookup(name: string, frame: Frame): Val {
    const v = frame.env.get(name);
    if (v) return v;
    if (name === "self" && frame.self) return { k: "self", ...frame.self };
    return UNKNOWN;
  }

  private attribute(n: PyNode, frame: Frame): Val {
    const objNode = n.child("object");
    const attr = n.child("attribute")?.text ?? "";
    const obj = this.eval(objNode, frame);
    switch (obj.k) {
      case "self": {
        const sub = obj.cls.submodules.get(attr);
        if (sub) return { k: "module", sub, path: joinPath(obj.path, attr) };
        if (attr === "training") return PY;
        if (obj.cls.tensors.has(attr)) {
          if (this.hooks.mode !== "trace") return FLOAT;
          return obj.cls.parameters.has(attr) ? PROXY : UNKNOWN; // buffers stay concrete tensors by default
        }
        const value = obj.cls.attributes.get(attr);
        if (value) {
          // Plain attributes: Python values (flags, sizes) or tensors FX treats as constants. Their
          // value at run time is unknown here.
          const v = unparen(value);
          if (v?.type === "call" && /^torch\.[a-z_]+$/.test(this.file.names.resolve(v.child("function")) ?? "")) {
            return this.hooks.mode === "trace" ? UNKNOWN : FLOAT;
          }
          return PY;
        }
        return UNKNOWN;
      }
      case "module": {
        if (obj.sub.kind.k === "user") {
          const sub = obj.sub.kind.cls.submodules.get(attr);
          if (sub) return { k: "module", sub, path: joinPath(obj.path, attr) };
        }
        if (obj.sub.kind.k === "container") {
          const c = obj.sub.children.find((x) => x.name === attr);
          if (c) return { k: "module", sub: c, path: joinPath(obj.path, attr) };
        }
        return UNKNOWN;
      }
      case "proxy":
        return PROXY;
      case "float":
      case "quant":
        if (attr === "T" || attr === "mT" || attr === "data") return obj;
        return PY;
      case "py":
        return PY;
      default: {
        // A dotted constant such as torch.float32 or math.pi.
        return UNKNOWN;
      }
    }
  }

  private subscript(n: PyNode, frame: Frame): Val {
    const value = this.eval(n.child("value"), frame);
    const indices = n.fieldAll("subscript").map((s) => this.eval(s, frame));
    switch (value.k) {
      case "proxy":
      case "float":
      case "quant":
        return value;
      case "seq": {
        const idx = indices[0];
        if (idx?.k === "py" && idx.known && typeof idx.value === "number") return value.items.at(idx.value) ?? UNKNOWN;
        return value.items.length ? value.items.reduce(join) : UNKNOWN;
      }
      case "module": {
        if (value.sub.kind.k !== "container") return UNKNOWN;
        const idx = indices[0];
        if (idx?.k === "py" && idx.known && (typeof idx.value === "number" || typeof idx.value === "string")) {
          const key = String(idx.value);
          const c = value.sub.children.find((x) => x.name === key);
          return c ? { k: "module", sub: c, path: joinPath(value.path, key) } : UNKNOWN;
        }
        return { k: "modules", subs: value.sub.children.map((c) => ({ sub: c, path: joinPath(value.path, c.name) })) };
      }
      case "py":
        return PY;
      default:
        return UNKNOWN;
    }
  }

  private binary(op: string, a: Val, b: Val, node: PyNode, inPlace: boolean): Val {
    if (this.hooks.mode === "trace") {
      if (a.k === "proxy" || b.k === "proxy") return PROXY;
      if (a.k === "py" && b.k === "py") return PY;
      return UNKNOWN;
    }
    if (a.k === "quant" || b.k === "quant") {
      const other = a.k === "quant" ? b : a;
      const scalar = other.k === "py";
      const opName = ({ "+": "add", "-": "sub", "*": "mul", "/": "div", "@": "matmul", "//": "floor_divide", "%": "remainder", "**": "pow" } as Record<string, string>)[op] ?? op;
      const ff = opName === "add" ? (scalar ? "add_scalar" : "add") : opName === "mul" ? (scalar ? "mul_scalar" : "mul") : undefined;
      this.hooks.report({
        code: "QS103",
        node,
        message:
          `\`${op}${inPlace ? "=" : ""}\` on a quantized tensor fails after convert: PyTorch raises "Could not run 'aten::${opName}.${scalar ? "Scalar" : "Tensor"}' ` +
          `with arguments from the 'QuantizedCPU' backend". ` +
          (ff
            ? `Use a FloatFunctional submodule (\`self.ff.${ff}(...)\`), which convert turns into a quantized ${ff}.`
            : `Dequantize first (DeQuantStub), or keep this op out of the quantized region.`),
        data: { ff, op, left: node.child("left") ?? node.child("left"), right: node.child("right"), inPlace },
      });
      return ff ? QUANT : FLOAT;
    }
    if ((a.k === "float" && (b.k === "float" || b.k === "py")) || (b.k === "float" && a.k === "py")) return FLOAT;
    if (a.k === "py" && b.k === "py") return PY;
    return UNKNOWN;
  }

  // ---- calls -------------------------------------------------------------------------------------

  private call(n: PyNode, frame: Frame): Val {
    const fnNode = unparen(n.child("function"));
    const parsed = callArgs(n);
    const evalArgs = () => parsed.positional.map((a) => this.eval(a, frame));
    const evalKwargs = () => new Map([...parsed.keyword].map(([k, v]) => [k, this.eval(v, frame)] as const));
    for (const s of parsed.splat) this.eval(s, frame);
    if (!fnNode) return UNKNOWN;

    // Method calls: obj.method(...)
    if (fnNode.type === "attribute") {
      const objNode = fnNode.child("object");
      const method = fnNode.child("attribute")?.text ?? "";
      const resolved = this.file.names.resolve(fnNode);
      const isModuleRef = resolved !== undefined && this.file.names.isBound(resolved.split(".")[0] ?? "") && !frame.env.has(objNode?.text ?? "");
      if (!isModuleRef) {
        const obj = this.eval(objNode, frame);
        if (obj.k === "self" || obj.k === "module") {
          const callee = this.attribute(fnNode, frame);
          if (callee.k === "module") return this.callModule(callee, evalArgs(), n, frame, parsed.positional[0]);
        }
        if (obj.k === "self") {
          const m = obj.cls.methods.get(method);
          if (m) return this.callFunction(m, evalArgs(), evalKwargs(), { cls: obj.cls, path: obj.path }, obj.cls);
          if (method === "forward") return this.runForwardOf(obj.cls, obj.path, evalArgs());
          evalArgs();
          return UNKNOWN;
        }
        if (obj.k === "module" || obj.k === "modules") {
          if (method === "forward") return this.callModule(obj, evalArgs(), n, frame, parsed.positional[0]);
          return this.moduleMethod(obj, method, evalArgs(), n);
        }
        return this.tensorMethod(obj, method, evalArgs(), n);
      }
      return this.namedCall(resolved ?? "", evalArgs(), evalKwargs(), n, parsed.positional);
    }
    if (fnNode.type === "identifier") {
      const local = frame.env.get(fnNode.text);
      if (local && (local.k === "module" || local.k === "modules")) return this.callModule(local, evalArgs(), n, frame, parsed.positional[0]);
      if (!local) {
        const fn = this.file.functions.get(fnNode.text);
        if (fn && !this.file.names.isBound(fnNode.text)) {
          const args = evalArgs();
          if (this.hooks.mode === "trace" && fn.fxWrapped) return args.some((a) => a.k === "proxy") ? PROXY : UNKNOWN;
          return this.callFunction(fn.node, args, evalKwargs(), undefined, frame.owner);
        }
      }
      const resolved = this.file.names.resolveDotted(fnNode.text);
      return this.namedCall(resolved, evalArgs(), evalKwargs(), n, parsed.positional);
    }
    // Calling the result of an expression, e.g. self.layers[0](x).
    const callee = this.eval(fnNode, frame);
    if (callee.k === "module" || callee.k === "modules") return this.callModule(callee, evalArgs(), n, frame, parsed.positional[0]);
    evalArgs();
    return UNKNOWN;
  }

  private runForwardOf(cls: ClassInfo, path: string, args: Val[]): Val {
    const fwd = forwardOf(cls);
    return fwd ? this.callFunction(fwd, args, new Map(), { cls, path }, cls) : UNKNOWN;
  }

  private callModule(m: Val, args: Val[], call: PyNode, frame: Frame, argNode: PyNode | undefined): Val {
    if (m.k === "modules") {
      const results = m.subs.map((s) => this.callModule({ k: "module", sub: s.sub, path: s.path }, args, call, frame, argNode));
      return results.length ? results.reduce(join) : UNKNOWN;
    }
    if (m.k !== "module") return UNKNOWN;
    const { sub, path } = m;
    const kind = sub.kind;
    if (kind.k === "container") {
      if (kind.cls !== "Sequential") return UNKNOWN;
      let v = args[0] ?? UNKNOWN;
      for (const c of sub.children) v = this.callModule({ k: "module", sub: c, path: joinPath(path, c.name) }, [v], call, frame, argNode);
      return v;
    }
    if (kind.k === "user") {
      if (this.hooks.mode === "trace" && this.hooks.isLeaf?.(sub, path)) return PROXY;
      return this.runForwardOf(kind.cls, path, args);
    }
    const input = args[0] ?? UNKNOWN;
    if (this.hooks.mode === "trace") {
      if (kind.k === "unknown") return UNKNOWN;
      if (!args.some((a) => a.k === "proxy")) return UNKNOWN;
      if (kind.k !== "nn") return PROXY;
      // FX fuses conv -> bn (and linear -> bn1d) call sequences while preparing.
      const from = input.k === "proxy" ? input.producer : undefined;
      if (from && /^BatchNorm[123]d$/.test(kind.cls) && /^(Conv[123]d|ConvTranspose[123]d|Linear)$/.test(from.cls)) {
        this.hooks.fusionPair?.(from, { cls: kind.cls, path }, call);
      }
      return { k: "proxy", producer: { cls: kind.cls, path } };
    }
    const behavior = this.hooks.behavior?.(sub, path) ?? "unknown";
    const info: ModuleCallInfo = { sub, path, behavior, ownerClass: frame.owner ?? frame.self?.cls ?? (undefined as unknown as ClassInfo), call, argument: argNode };
    switch (behavior) {
      case "quantize":
        return QUANT;
      case "dequantize":
        return FLOAT;
      case "quantized":
        if (input.k === "float") {
          this.hooks.report({
            code: "QS101",
            node: call,
            message:
              `\`self.${path}\` is ${describeSwap(sub)} after convert and needs a quantized input, but it receives a float tensor here: ` +
              `PyTorch raises "Could not run '${quantizedOpName(sub)}' with arguments from the 'CPU' backend". ` +
              `Quantize the input first with a QuantStub (\`x = self.quant(x)\`).`,
            data: { info },
          });
        }
        return QUANT;
      case "float-only":
        if (input.k === "quant") {
          this.hooks.report({
            code: "QS102",
            node: call,
            message:
              `\`self.${path}\` stays a float ${kindLabel(sub)} after convert${floatReason(sub)}, but it receives a quantized tensor here: ` +
              `PyTorch fails with ${floatFailure(sub)}. Dequantize first with a DeQuantStub (\`x = self.dequant(x)\`), ` +
              `or give the module a qconfig so that convert quantizes it.`,
            data: { info },
          });
        }
        return FLOAT;
      case "loss":
        if (args.some((a) => a.k === "quant")) {
          this.hooks.report({
            code: "QS104",
            node: call,
            message: `The loss \`self.${path}\` receives a quantized tensor: losses have no quantized kernels. Dequantize the model output (DeQuantStub at the end of forward).`,
          });
        }
        return FLOAT;
      case "transparent":
        return input.k === "float" || input.k === "quant" ? input : UNKNOWN;
      case "float-out":
        return FLOAT;
      default:
        return UNKNOWN;
    }
  }

  private moduleMethod(m: Val, method: string, args: Val[], call: PyNode): Val {
    if (m.k !== "module") return UNKNOWN;
    const { sub, path } = m;
    if (sub.kind.k === "user") {
      const fn = sub.kind.cls.methods.get(method);
      return fn ? this.callFunction(fn, args, new Map(), { cls: sub.kind.cls, path }, sub.kind.cls) : UNKNOWN;
    }
    if (this.hooks.mode === "trace") return args.some((a) => a.k === "proxy") ? PROXY : UNKNOWN;
    if (sub.kind.k !== "float-functional") return UNKNOWN;
    const behavior = this.hooks.behavior?.(sub, path) ?? "unknown";
    const tensors = method === "cat" ? flattenSeq(args[0]) : method.endsWith("_scalar") ? args.slice(0, 1) : args.slice(0, 2);
    if (behavior === "ff-quantized") {
      if (tensors.some((t) => t.k === "float")) {
        this.hooks.report({
          code: "QS101",
          node: call,
          message:
            `\`self.${path}.${method}\` is a quantized op after convert (QFunctional) and needs quantized inputs, but it receives a float tensor: ` +
            `PyTorch raises "Could not run 'quantized::${method}' with arguments from the 'CPU' backend". Quantize that input with a QuantStub.`,
        });
      }
      return QUANT;
    }
    if (behavior === "ff-float" && tensors.some((t) => t.k === "quant")) {
      this.hooks.report({
        code: "QS103",
        node: call,
        message:
          `\`self.${path}\` is a FloatFunctional without a qconfig, so convert leaves it float and \`${method}\` runs torch.${method.replace("_scalar", "")} ` +
          `on quantized tensors: PyTorch raises "Could not run 'aten::${method.replace("_scalar", "")}' with arguments from the 'QuantizedCPU' backend". ` +
          `Give it a qconfig (do not set its qconfig to None).`,
      });
      return FLOAT;
    }
    return tensors.every((t) => t.k === "float") ? FLOAT : UNKNOWN;
  }

  private tensorMethod(obj: Val, method: string, args: Val[], call: PyNode): Val {
    if (this.hooks.mode === "trace") {
      if (obj.k === "proxy") return PROXY;
      if (obj.k === "py") return PY;
      return UNKNOWN;
    }
    if (obj.k === "quant") {
      if (method === "dequantize") return FLOAT;
      if (["size", "dim", "numel", "item", "tolist", "q_scale", "q_zero_point", "int_repr", "element_size", "nelement", "is_quantized"].includes(method)) {
        return method === "int_repr" ? UNKNOWN : PY;
      }
      if (method === "cpu" || method === "contiguous" || method === "detach") return obj;
      if (QUANT_OK_OPS.has(method)) return QUANT;
      const likely = QUANT_LIKELY_FAILING_OPS.has(method);
      if ((QUANT_FAILING_OPS.has(method) || likely) && args.every((a) => a.k !== "unknown")) {
        const scalar = args.every((a) => a.k === "py");
        const ff = method.startsWith("add") ? (scalar ? "add_scalar" : "add") : method.startsWith("mul") ? (scalar ? "mul_scalar" : "mul") : undefined;
        this.hooks.report({
          code: "QS103",
          node: call,
          message:
            `\`.${method}()\` on a quantized tensor fails after convert: PyTorch raises "Could not run 'aten::${method.replace(/_$/, "")}' with arguments from the 'QuantizedCPU' backend". ` +
            (ff ? `Use a FloatFunctional submodule (\`self.ff.${ff}(...)\`).` : `Dequantize first (DeQuantStub) or keep this op outside the quantized region.`),
          severity: likely ? "warning" : undefined,
        });
        return ff ? QUANT : FLOAT;
      }
      return UNKNOWN;
    }
    if (obj.k === "float") {
      if (["size", "dim", "numel", "item", "tolist"].includes(method)) return PY;
      if (QUANT_OK_OPS.has(method) || QUANT_FAILING_OPS.has(method) || QUANT_LIKELY_FAILING_OPS.has(method) || method === "float") return FLOAT;
      return UNKNOWN;
    }
    if (obj.k === "py") return PY;
    return UNKNOWN;
  }

  /** Calls of dotted names: builtins, torch functions, math. */
  private namedCall(name: string, args: Val[], kwargs: Map<string, Val>, call: PyNode, argNodes: PyNode[]): Val {
    const trace = this.hooks.mode === "trace";
    const anyProxy = args.some((a) => a.k === "proxy") || [...kwargs.values()].some((a) => a.k === "proxy");
    switch (name) {
      case "len":
      case "int":
      case "float":
      case "range":
      case "bool":
      case "complex":
      case "hex":
      case "oct":
      case "chr":
      case "math.ceil":
      case "math.floor":
      case "math.trunc": {
        const bad = args.findIndex((a) => a.k === "proxy");
        if (trace && bad >= 0 && this.file.fxWrappedNames.has(name)) return PROXY; // torch.fx.wrap("len")
        if (trace && bad >= 0) {
          const short = name.replace("math.", "");
          if (name === "bool") this.reportBoolOp(call, "`bool()`");
          else if (!name.startsWith("math.")) {
            this.hooks.report({
              code: "QS304",
              node: call,
              message: builtinMessage(short),
              data: { builtin: short, argument: argNodes[bad] },
            });
          }
          return name.startsWith("math.") ? PROXY : PY;
        }
        if (name === "range") return { k: "seq", items: [PY] };
        return PY;
      }
      case "list":
      case "tuple":
      case "enumerate":
      case "zip":
      case "sorted":
      case "reversed":
      case "set":
      case "any":
      case "all":
      case "sum":
      case "map":
      case "filter":
        if (trace && args.some((a) => a.k === "proxy")) {
          this.reportIteration(call, `\`${name}()\``);
          return UNKNOWN;
        }
        if (name === "enumerate" && args[0]) return { k: "seq", items: [{ k: "seq", items: [PY, this.iterate(args[0], call)] }] };
        if (name === "list" || name === "tuple" || name === "sorted" || name === "reversed") {
          const a = args[0];
          return a?.k === "seq" ? a : UNKNOWN;
        }
        return UNKNOWN;
      case "min":
      case "max":
        if (trace && args.length >= 2 && args.some((a) => a.k === "proxy")) {
          this.reportBoolOp(call, `builtin \`${name}()\` (it compares with \`<\`/\`>\` and tests the result)`);
          return UNKNOWN;
        }
        if (trace && args.length === 1 && args[0]?.k === "proxy") {
          this.reportIteration(call, `builtin \`${name}()\``);
          return UNKNOWN;
        }
        return args.every((a) => a.k === "py") ? PY : UNKNOWN;
      case "isinstance":
      case "issubclass":
      case "hasattr":
      case "callable":
      case "getattr":
      case "type":
      case "id":
      case "print":
      case "str":
      case "repr":
      case "format":
      case "torch.jit.is_scripting":
      case "torch.jit.is_tracing":
      case "torch.is_tensor":
      case "torch.is_floating_point":
      case "torch.fx._symbolic_trace.is_fx_tracing":
      case "torch.compiler.is_compiling":
        return name === "torch.jit.is_scripting" || name === "torch.jit.is_tracing" ? py(false) : PY;
      case "super":
        return UNKNOWN;
    }
    if (trace) {
      if (name.startsWith("math.")) return anyProxy ? PROXY : PY; // math is autowrapped by torch.fx
      if (name.startsWith("torch.")) return anyProxy ? PROXY : UNKNOWN;
      return UNKNOWN;
    }
    // Eager mode: torch ops on float / quantized tensors.
    const op = torchFunction(name);
    if (!op) return UNKNOWN;
    if (op === "dequantize") return FLOAT;
    if (op === "quantize_per_tensor" || op === "quantize_per_channel") return QUANT;
    if (op === "cat" || op === "stack" || op === "concat" || op === "concatenate") {
      const items = flattenSeq(args[0]);
      const hasQ = items.some((i) => i.k === "quant");
      const hasF = items.some((i) => i.k === "float");
      if (hasQ && hasF) {
        this.hooks.report({
          code: "QS105",
          node: call,
          message:
            `torch.${op} mixes quantized and float tensors: PyTorch cannot ${op} a QuantizedCPU tensor with a CPU tensor. ` +
            `Quantize the float input (QuantStub) or dequantize the quantized one, and use FloatFunctional.cat inside the quantized region.`,
          data: { op },
        });
        return UNKNOWN;
      }
      if (hasQ && op === "cat" && items.length >= 2 && !sameSource(argNodes[0])) {
        this.hooks.report({
          code: "QS106",
          node: call,
          message:
            `torch.cat on quantized tensors only works when all inputs share the same scale and zero point; tensors from ` +
            `different layers usually do not ("All inputs should share the same quantization parameters"). Use a FloatFunctional (\`self.ff.cat([...])\`), ` +
            `which requantizes to one scale.`,
        });
        return QUANT;
      }
      if (hasQ && op === "stack") return UNKNOWN;
      return hasQ ? QUANT : items.length && items.every((i) => i.k === "float") ? FLOAT : UNKNOWN;
    }
    const qIndex = args.findIndex((a) => a.k === "quant");
    if (qIndex >= 0) {
      if (FUNCTIONAL_LOSSES.has(op)) {
        this.hooks.report({
          code: "QS104",
          node: call,
          message: `${name} receives a quantized tensor: losses have no quantized kernels. Dequantize the model output first (DeQuantStub at the end of forward).`,
        });
        return FLOAT;
      }
      if (QUANT_OK_OPS.has(op)) return QUANT;
      const likely = QUANT_LIKELY_FAILING_OPS.has(op);
      if (QUANT_FAILING_OPS.has(op) || likely) {
        const scalar = args.filter((_, i) => i !== qIndex).every((a) => a.k === "py");
        const ff = op === "add" ? (scalar ? "add_scalar" : "add") : op === "mul" ? (scalar ? "mul_scalar" : "mul") : undefined;
        this.hooks.report({
          code: "QS103",
          node: call,
          message:
            `${name}() on a quantized tensor fails after convert: PyTorch raises "Could not run 'aten::${op}.out' with arguments from the 'QuantizedCPU' backend". ` +
            (ff
              ? `Use a FloatFunctional submodule (\`self.ff.${ff}(...)\`), which convert turns into a quantized ${ff}.`
              : `Dequantize first (DeQuantStub), or keep this op outside the quantized region.`),
          data: { ff, functionCall: call },
          severity: likely ? "warning" : undefined,
        });
        return ff ? QUANT : FLOAT;
      }
      return UNKNOWN;
    }
    if (args.some((a) => a.k === "float")) return FLOAT;
    return UNKNOWN;
  }
}

// ---- helpers -------------------------------------------------------------------------------------

export interface Param {
  name: string;
  default?: PyNode;
  splat: boolean;
}

export function paramNames(fn: PyNode): Param[] {
  const out: Param[] = [];
  for (const p of fn.child("parameters")?.namedChildren ?? []) {
    if (p.type === "identifier") out.push({ name: p.text, splat: false });
    else if (p.type === "default_parameter" || p.type === "typed_default_parameter") {
      const name = p.child("name")?.text;
      if (name) out.push({ name, default: p.child("value"), splat: false });
    } else if (p.type === "typed_parameter") {
      const id = p.namedChildren.find((c) => c.type === "identifier");
      const splat = p.namedChildren.find((c) => c.type === "list_splat_pattern" || c.type === "dictionary_splat_pattern");
      if (id) out.push({ name: id.text, splat: false });
      else if (splat) out.push({ name: splat.text.replace(/^\*+/, ""), splat: true });
    } else if (p.type === "list_splat_pattern" || p.type === "dictionary_splat_pattern") {
      out.push({ name: p.text.replace(/^\*+/, ""), splat: true });
    }
  }
  return out;
}

function joinPath(a: string, b: string): string {
  return a ? `${a}.${b}` : b;
}

export function join(a: Val, b: Val): Val {
  if (a === b) return a;
  if (a.k !== b.k) return UNKNOWN;
  switch (a.k) {
    case "py": {
      const bb = b as typeof a;
      return a.known && bb.known && a.value === bb.value ? a : PY;
    }
    case "seq": {
      const bb = b as typeof a;
      if (a.items.length !== bb.items.length) return UNKNOWN;
      return { k: "seq", items: a.items.map((x, i) => join(x, bb.items[i] ?? UNKNOWN)) };
    }
    case "module":
      return a.sub === (b as typeof a).sub ? a : UNKNOWN;
    case "self":
      return a;
    case "modules":
      return UNKNOWN;
    case "proxy":
      return (a as { producer?: unknown }).producer === (b as { producer?: unknown }).producer ? a : PROXY;
    default:
      return a;
  }
}

function joinEnv(a: Map<string, Val>, b: Map<string, Val>): Map<string, Val> {
  const out = new Map<string, Val>();
  for (const [k, v] of a) out.set(k, b.has(k) ? join(v, b.get(k) as Val) : UNKNOWN);
  for (const k of b.keys()) if (!a.has(k)) out.set(k, UNKNOWN);
  return out;
}

function joinInto(env: Map<string, Val>, before: Map<string, Val>): void {
  const joined = joinEnv(before, env);
  env.clear();
  for (const [k, v] of joined) env.set(k, v);
}

function truthOf(v: Val): boolean | undefined {
  if (v.k === "py" && v.known) return Boolean(v.value);
  return undefined;
}

function flattenSeq(v: Val | undefined): Val[] {
  if (!v) return [];
  return v.k === "seq" ? v.items : [v];
}

function sameSource(listNode: PyNode | undefined): boolean {
  const l = unparen(listNode);
  if (!l || (l.type !== "list" && l.type !== "tuple")) return false;
  const texts = l.namedChildren.map((c) => c.text);
  return texts.every((t) => t === texts[0]);
}

function kindLabel(sub: SubmoduleDef): string {
  return sub.kind.k === "nn" || sub.kind.k === "ao" ? `nn.${sub.kind.cls}` : "module";
}

function describeSwap(sub: SubmoduleDef): string {
  return sub.kind.k === "nn" || sub.kind.k === "ao" ? `a quantized ${sub.kind.cls}` : "a quantized module";
}

function quantizedOpName(sub: SubmoduleDef): string {
  const cls = sub.kind.k === "nn" || sub.kind.k === "ao" ? sub.kind.cls : "";
  if (/^Linear/.test(cls)) return cls === "LinearReLU" ? "quantized::linear_relu" : "quantized::linear";
  if (/^Conv(Bn)?(ReLU)?(\d)d$/.test(cls)) {
    const dim = /(\d)d$/.exec(cls)?.[1] ?? "2";
    return `quantized::conv${dim}d${/ReLU/.test(cls) ? "_relu" : ""}.new`;
  }
  if (/^ConvTranspose(\d)d$/.test(cls)) return `quantized::conv_transpose${/(\d)d$/.exec(cls)?.[1] ?? "2"}d`;
  if (/BatchNorm|BNReLU/.test(cls)) return "quantized::batch_norm2d";
  if (cls === "LayerNorm") return "quantized::layer_norm";
  return `quantized::${cls.toLowerCase()}`;
}

function floatReason(sub: SubmoduleDef): string {
  return sub.kind.k === "nn" && /^(Linear|Conv|ConvTranspose|BatchNorm[23]d|LayerNorm|GroupNorm|InstanceNorm|Embedding)/.test(sub.kind.cls)
    ? " (its qconfig is None)"
    : " (it has no quantized version)";
}

function floatFailure(sub: SubmoduleDef): string {
  const cls = sub.kind.k === "nn" ? sub.kind.cls : "";
  if (cls === "Linear" || cls === "Bilinear") return `"mat1 and mat2 must have the same dtype, but got QUInt8 and Float"`;
  if (/^Conv/.test(cls)) return `"Input type (QuantizedCPUQUInt8Type) and weight type (torch.FloatTensor) should be the same"`;
  return `"Could not run 'aten::...' with arguments from the 'QuantizedCPU' backend"`;
}

function builtinMessage(builtin: string): string {
  switch (builtin) {
    case "len":
      return `torch.fx cannot trace \`len()\` of a traced value: "'len' is not supported in symbolic tracing by default". Use \`x.size(0)\` or \`x.shape[0]\`, which trace.`;
    case "range":
      return `torch.fx cannot trace \`range()\` of a traced value: "'Proxy' object cannot be interpreted as an integer". Loop over a Python number (a module attribute), or vectorize the loop.`;
    default:
      return `torch.fx cannot trace \`${builtin}()\` of a traced value: "${builtin}() argument must be a string, a bytes-like object or a real number, not 'Proxy'". Keep the value as a traced expression (sizes and arithmetic on them trace), or mark the helper with torch.fx.wrap.`;
  }
}
