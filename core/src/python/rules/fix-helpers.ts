// Building blocks for quick fixes: spelling a PyTorch name with the file's own imports, picking a free
// attribute name, and inserting `self.x = ...` into a module's __init__ (any process).
import type { TextEdit } from "../../diagnostics";
import type { ClassInfo } from "../model";
import type { NameTable } from "../names";
import type { PyNode } from "../syntax";

/** `tq.QuantStub`, `QuantStub` or `torch.ao.quantization.QuantStub`, whichever the imports allow. */
export function spellName(names: NameTable, module: string, member: string): string | undefined {
  const direct = names.spell(`${module}.${member}`);
  if (direct && !direct.includes(".")) return direct;
  const mod = names.spell(module);
  if (mod) return `${mod}.${member}`;
  return undefined;
}

/** `base`, or `base_1`, `base_2`... whichever no submodule, attribute or method of the class uses. */
export function freeAttribute(cls: ClassInfo, base: string, taken: Set<string> = new Set()): string {
  const used = (n: string) => cls.submodules.has(n) || cls.attributes.has(n) || cls.methods.has(n) || taken.has(n);
  if (!used(base)) return base;
  for (let i = 1; ; i++) if (!used(`${base}_${i}`)) return `${base}_${i}`;
}

/**
 * An edit that adds `self.<attr> = <ctor>` to the class's __init__: after the super().__init__() call
 * when there is one, else at the top of the body. Undefined when the class has no __init__ of its own.
 */
export function insertInInit(cls: ClassInfo, lines: string[], attr: string, ctor: string): TextEdit | undefined {
  const init = cls.methods.get("__init__");
  if (!init || init.parent?.parent !== cls.node) return undefined;
  const body = init.child("body");
  const stmts = body?.namedChildren.filter((s) => s.type !== "comment") ?? [];
  const first = stmts[0];
  if (!first) return undefined;
  const superCall = stmts.find((s) => /^super\s*\(.*\)\s*\.\s*__init__\s*\(/.test(s.text) || /\.__init__\s*\(\s*self\b/.test(s.text));
  const indent = (lines[first.line] ?? "").match(/^\s*/)?.[0] ?? "        ";
  if (superCall) {
    const line = superCall.end.line + 1;
    return { range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: `${indent}self.${attr} = ${ctor}\n` };
  }
  const line = first.line;
  return { range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: `${indent}self.${attr} = ${ctor}\n` };
}

export function replaceNode(node: PyNode, newText: string): TextEdit {
  return { range: node.range, newText };
}
