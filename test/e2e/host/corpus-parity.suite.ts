// Extension-host suite: every .py file of the workspace's corpus-dev folder (a copy of ../shared/corpus-dev)
// shows in the editor exactly the findings `quantscope lint --format json` reports for it: code, severity,
// 1-based range and message (extension-host test process; runs the repository's CLI as a child process).
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import * as vscode from "vscode";
import { activateExtension, inWorkspace, repoRoot, waitFor } from "./api";
import { describe, it } from "./bdd";

/** One finding the way the CLI's JSON prints it (1-based lines and columns, end exclusive). */
interface LintRecord {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  code: string;
  severity: string;
  message: string;
}

type Finding = Omit<LintRecord, "file">;

const SEVERITY_NAME: Record<vscode.DiagnosticSeverity, string> = {
  [vscode.DiagnosticSeverity.Error]: "error",
  [vscode.DiagnosticSeverity.Warning]: "warning",
  [vscode.DiagnosticSeverity.Information]: "information",
  [vscode.DiagnosticSeverity.Hint]: "hint",
};

function fromDiagnostic(d: vscode.Diagnostic): Finding {
  return {
    line: d.range.start.line + 1,
    column: d.range.start.character + 1,
    endLine: d.range.end.line + 1,
    endColumn: d.range.end.character + 1,
    code: String(typeof d.code === "object" ? d.code.value : d.code),
    severity: SEVERITY_NAME[d.severity],
    message: d.message,
  };
}

/** A stable order, so that the comparison does not depend on the order findings were reported in. */
function sorted(findings: Finding[]): Finding[] {
  const key = (f: Finding): string => `${String(f.line).padStart(6)}:${String(f.column).padStart(6)}:${f.code}:${f.message}`;
  return [...findings].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Runs the repository's CLI (dist/cli.js through bin/quantscope.js) on `folder`; findings per absolute file. */
async function lintFolder(folder: string): Promise<Map<string, Finding[]>> {
  const cli = path.join(repoRoot(), "bin/quantscope.js");
  // process.execPath is Node in code-server's extension host and Electron in desktop VS Code; the variable
  // makes Electron behave as Node and is ignored by Node.
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, "lint", "--format", "json", folder],
      { env: { ...process.env, ELECTRON_RUN_AS_NODE: "1" }, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
      (err, out, errText) => {
        // A non-zero exit gives a numeric code; a spawn failure or a timeout does not.
        if (err && typeof err.code !== "number") reject(new Error(`quantscope lint did not run: ${err.message}`));
        else resolve({ code: err ? Number(err.code) : 0, stdout: out, stderr: errText });
      },
    );
  });
  // 0: no errors, 1: some finding has error severity; anything else is a failed run.
  assert.ok(code === 0 || code === 1, `quantscope lint exited ${code}: ${stderr.trim()}`);
  const byFile = new Map<string, Finding[]>();
  for (const { file, ...finding } of JSON.parse(stdout) as LintRecord[]) {
    const abs = path.resolve(folder, file);
    byFile.set(abs, [...(byFile.get(abs) ?? []), finding]);
  }
  return byFile;
}

export function defineCorpusParitySuite(): void {
  describe("corpus-dev parity with quantscope lint", () => {
    it("every corpus-dev .py file shows exactly the CLI's findings (code, severity, range, message)", async function () {
      this.timeout(300_000);
      const api = await activateExtension();
      const folder = inWorkspace("corpus-dev").fsPath;
      const expected = await lintFolder(folder);
      const files = (await vscode.workspace.findFiles("corpus-dev/**/*.py")).sort((a, b) => a.fsPath.localeCompare(b.fsPath));
      assert.ok(files.length >= 10, `expected the corpus-dev scripts in the workspace, found ${files.length} .py file(s)`);
      // The CLI must not report files the editor cannot open (or the other way round).
      const unknown = [...expected.keys()].filter((f) => !files.some((u) => u.fsPath === f));
      assert.deepEqual(unknown, [], "the CLI reported files that are not among the workspace's corpus-dev .py files");

      const mismatches: string[] = [];
      for (const uri of files) {
        const want = sorted(expected.get(uri.fsPath) ?? []);
        const doc = await vscode.workspace.openTextDocument(uri);
        await vscode.window.showTextDocument(doc, { preview: false });
        const ours = (): Finding[] => sorted(vscode.languages.getDiagnostics(uri).filter((d) => d.source === "quantscope").map(fromDiagnostic));
        if (want.length === 0) {
          // Nothing expected: ask the server directly, so that "no diagnostics" is its answer and not a late one.
          const report = await api.client.sendRequest<{ kind: string; items?: unknown[] }>("textDocument/diagnostic", {
            textDocument: { uri: api.client.code2ProtocolConverter.asUri(uri) },
          });
          assert.equal(report.kind, "full", `the server's diagnostic report for ${uri.fsPath}`);
          assert.deepEqual(report.items, [], `the server reports findings for ${uri.fsPath} that the CLI does not`);
        }
        // The editor may first show an answer computed before the workspace settings arrived: wait (bounded)
        // until it shows the CLI's findings, and report the last thing it showed if it never does.
        let got: Finding[] = [];
        const same = (): boolean => {
          got = ours();
          try {
            assert.deepEqual(got, want);
            return true;
          } catch {
            return false;
          }
        };
        try {
          await waitFor(`the CLI's findings in ${path.basename(uri.fsPath)}`, () => (same() ? true : undefined), 30_000);
        } catch {
          try {
            assert.deepEqual(got, want);
          } catch (e) {
            mismatches.push(`${path.basename(uri.fsPath)}: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
        await vscode.commands.executeCommand("workbench.action.closeActiveEditor");
      }
      assert.equal(mismatches.length, 0, `editor and CLI disagree on ${mismatches.length} of ${files.length} file(s):\n${mismatches.join("\n")}`);
    });
  });
}
