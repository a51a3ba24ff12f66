// Rule selection, severity overrides, pyproject.toml [tool.quantscope] and suppression comments (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { parsePyprojectConfig, suppressionCodes, isRuleEnabled } from "../../../core/src/python/index";
import { InputError } from "../../../core/src/errors";
import { lint, py } from "./helpers";

const SRC = py`
  import torch
  import torch.quantization as tq
  from torch.fx import symbolic_trace


  class M(torch.nn.Module):
      def forward(self, x):
          if x.sum() > 0:
              return x
          return len(x)


  symbolic_trace(M())
`;

test("select, ignore (codes and prefixes) and severity overrides", async () => {
  const codes = async (config: Parameters<typeof lint>[1]) => (await lint(SRC, config)).map((f) => `${f.code} ${f.severity}`);
  assert.deepEqual(await codes({}), ["QS506 information", "QS505 warning", "QS301 error", "QS304 error"]);
  assert.deepEqual(await codes({ select: ["QS3"] }), ["QS301 error", "QS304 error"]);
  assert.deepEqual(await codes({ select: ["QS3"], ignore: ["QS304"] }), ["QS301 error"]);
  assert.deepEqual(await codes({ ignore: ["QS5"], severityOverrides: { QS304: "warning" } }), ["QS301 error", "QS304 warning"]);
  assert.equal(isRuleEnabled("QS101", { select: ["ALL"], ignore: ["QS10"] }), false);
  // Hand-typed settings: case and blanks don't matter, in the CLI as in the server.
  assert.equal(isRuleEnabled("QS101", { select: [" all "] }), true);
  assert.equal(isRuleEnabled("QS101", { select: ["qs3"] }), false);
  assert.equal(isRuleEnabled("QS301", { select: [" qs3 "] }), true);
});

test("suppression comments: one code, several codes, all codes, the line above", async () => {
  const suppressed = SRC.replace("if x.sum() > 0:", "if x.sum() > 0:  # quantscope: ignore[QS301]")
    .replace("return len(x)", "# quantscope: ignore\n        return len(x)")
    .replace("import torch.quantization as tq", "import torch.quantization as tq  # quantscope: ignore[QS505, QS506]");
  assert.deepEqual((await lint(suppressed)).map((f) => f.code), []);
  const wrongCode = SRC.replace("if x.sum() > 0:", "if x.sum() > 0:  # quantscope: ignore[QS302]");
  assert.ok((await lint(wrongCode)).some((f) => f.code === "QS301"));
  assert.deepEqual(suppressionCodes("# quantscope: ignore[qs101,QS2]"), ["QS101", "QS2"]);
  assert.equal(suppressionCodes("# quantscope: ignore"), "all");
  assert.equal(suppressionCodes("# noqa"), undefined);
});

test("parsePyprojectConfig reads [tool.quantscope] and rejects bad values with one clear error", () => {
  assert.deepEqual(
    parsePyprojectConfig(`[project]\nname = "x"\n\n[tool.quantscope]\nselect = ["QS1", "QS3"]\nignore = ["QS106"]\n\n[tool.quantscope.severity]\nQS503 = "error"\n`),
    { select: ["QS1", "QS3"], ignore: ["QS106"], severityOverrides: { QS503: "error" } },
  );
  assert.deepEqual(parsePyprojectConfig(`[tool.ruff]\nline-length = 100\n`), {});
  assert.throws(() => parsePyprojectConfig(`[tool.quantscope]\nselect = "QS1"\n`, "pyproject.toml"), (e: unknown) => e instanceof InputError && /select must be a list/.test(e.message));
  assert.throws(() => parsePyprojectConfig(`[tool.quantscope\n`, "pyproject.toml"), (e: unknown) => e instanceof InputError && /pyproject\.toml: not valid TOML/.test(e.message));
  assert.throws(() => parsePyprojectConfig(`[tool.quantscope.severity]\nQS101 = "fatal"\n`), /must be one of/);
});
