// The rule registry and docs/rules.md stay in step: every rule has a section, every section a rule,
// codes are unique and grouped by family (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { RULES, RULE_FAMILIES } from "../../../core/src/python/index";
import { repoRoot } from "../../helpers/shared";

test("every rule is documented in docs/rules.md, with its name and severity", () => {
  const doc = fs.readFileSync(path.join(repoRoot, "docs/rules.md"), "utf8");
  const sections = [...doc.matchAll(/^## (QS\d{3})$/gm)].map((m) => m[1]);
  assert.deepEqual(sections, [...RULES.keys()].sort());
  for (const rule of RULES.values()) {
    const section = doc.slice(doc.indexOf(`## ${rule.code}\n`)).split(/\n## /)[0] as string;
    assert.ok(section.includes(`**${rule.name}** (${rule.severity}`), `${rule.code}: the section starts with **${rule.name}** (${rule.severity}`);
  }
});

test("codes are unique, well-formed and in their family's range", () => {
  const all = RULE_FAMILIES.flatMap((f) => f.rules.map((r) => r.code));
  assert.equal(new Set(all).size, all.length);
  for (const family of RULE_FAMILIES) {
    const hundreds = new Set(family.rules.map((r) => r.code.slice(0, 3)));
    assert.equal(hundreds.size, 1, `${family.name} mixes code ranges`);
  }
  for (const r of RULES.values()) assert.match(r.code, /^QS[1-5]\d{2}$/);
});
