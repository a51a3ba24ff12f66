// `quantscope lint`: formats, exit codes, folders, pyproject settings and qconfig files (test process;
// runs the built CLI in bin/).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { LintRecord } from "../../../core/cli/commands/lint";
import { repoRoot, sharedPath } from "../../helpers/shared";
import { runCli as cli } from "../../helpers/cli";

const corpus = path.relative(repoRoot, sharedPath("corpus-dev"));

test("json: 1-based rows with the path as given, exit 1 on errors", () => {
  const r = cli(["lint", "--format", "json", corpus]);
  assert.equal(r.code, 1, r.stderr);
  const rows = JSON.parse(r.stdout) as LintRecord[];
  const e01 = rows.find((x) => x.code === "QS101");
  assert.deepEqual(e01 && { ...e01, message: undefined }, {
    file: path.join(corpus, "dev_e01_no_quantstub_linear.py"),
    line: 15,
    column: 47,
    endLine: 15,
    endColumn: 61,
    code: "QS101",
    severity: "error",
    message: undefined,
  });
  for (const row of rows) assert.ok(["error", "warning", "information", "hint"].includes(row.severity));
  const errorFiles = [...new Set(rows.filter((x) => x.severity === "error").map((x) => path.basename(x.file)))].sort();
  assert.deepEqual(errorFiles, ["dev_e01_no_quantstub_linear.py", "dev_e02_float_linear_gets_quantized.py", "dev_e03_skip_add_tensor_op.py", "dev_e04_fuse_typo.py", "dev_f01_while_on_tensor.py", "dev_f02_int_of_proxy.py"]);
});

function tempProject(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qs-lint-"));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const FX_BAD = `import torch\nfrom torch.fx import symbolic_trace\n\n\nclass M(torch.nn.Module):\n    def forward(self, x):\n        return len(x)\n\n\nsymbolic_trace(M())\n`;

test("text format, folders with nested files, exit 0 with only warnings", () => {
  const dir = tempProject({ "pkg/a.py": FX_BAD, "b.py": "import torch.quantization\n", "notes.txt": "if x:" });
  try {
    const r = cli(["lint", dir]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`${path.join(dir, "pkg/a.py").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:7:16: error QS304 `));
    assert.match(r.stderr, /2 files checked: 1 error/);
    const warnOnly = cli(["lint", path.join(dir, "b.py")]);
    assert.equal(warnOnly.code, 0);
    assert.match(warnOnly.stdout, /b\.py:1:8: warning QS505 /);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("pyproject.toml [tool.quantscope] and --select/--ignore choose the rules", () => {
  const dir = tempProject({ "pyproject.toml": `[tool.quantscope]\nignore = ["QS304"]\n`, "src/a.py": FX_BAD });
  try {
    assert.equal(cli(["lint", "--format", "json", dir]).code, 0);
    const r = cli(["lint", "--format", "json", "--select", "QS3", path.join(dir, "src")]);
    assert.deepEqual((JSON.parse(r.stdout) as LintRecord[]).map((x) => x.code), []);
    const bad = tempProject({ "pyproject.toml": `[tool.quantscope]\nselect = 3\n`, "a.py": FX_BAD });
    const e = cli(["lint", bad]);
    assert.equal(e.code, 2);
    assert.match(e.stderr, /pyproject\.toml: \[tool\.quantscope\] select must be a list/);
    fs.rmSync(bad, { recursive: true, force: true });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("sarif 2.1.0 output", () => {
  const dir = tempProject({ "a.py": FX_BAD });
  try {
    const r = cli(["lint", "--format", "sarif", dir]);
    const sarif = JSON.parse(r.stdout) as { version: string; runs: Array<{ tool: { driver: { rules: Array<{ id: string }> } }; results: Array<{ ruleId: string; level: string; locations: Array<{ physicalLocation: { region: { startLine: number } } }> }> }> };
    assert.equal(sarif.version, "2.1.0");
    const run = sarif.runs[0];
    assert.ok(run?.tool.driver.rules.some((x) => x.id === "QS304"));
    assert.deepEqual(run?.results.map((x) => [x.ruleId, x.level, x.locations[0]?.physicalLocation.region.startLine]), [["QS304", "error", 7]]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("qconfig files are checked too; bad arguments exit 2 with one line", () => {
  const dir = tempProject({ "model.qconfig.json": `{"global": {"activation": {"observer": "NoSuchObserver"}}}` });
  try {
    const r = cli(["lint", "--format", "json", dir]);
    const rows = JSON.parse(r.stdout) as LintRecord[];
    assert.ok(rows.length > 0 && rows.every((x) => x.file.endsWith("model.qconfig.json") && /^QS8/.test(x.code)), r.stdout);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const missing = cli(["lint", "/nonexistent/folder"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /\/nonexistent\/folder: no such file or folder/);
  const format = cli(["lint", "--format", "xml", corpus]);
  assert.equal(format.code, 2);
  assert.equal(format.stderr.trim().split("\n").length, 1);
  assert.equal(cli(["lint"]).code, 2);
});
