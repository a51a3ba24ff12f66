// Extension-host suite: the language server publishes diagnostics for a script from ../shared/corpus-dev
// (copied into the test workspace by the runner), on the line PyTorch failed at (extension-host test process).
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { activateExtension, inWorkspace, waitFor } from "./api";
import { describe, it } from "./bdd";

export function defineDiagnosticsSuite(): void {
  describe("diagnostics", () => {
    it("flags the fuse_modules typo in dev_e04_fuse_typo.py with a QS rule code", async () => {
      await activateExtension();
      const uri = inWorkspace("corpus-dev", "dev_e04_fuse_typo.py");
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc);
      assert.equal(doc.languageId, "python");
      const diags = await waitFor(`QuantScope diagnostics for ${uri.fsPath}`, () => {
        const d = vscode.languages.getDiagnostics(uri);
        return d.length > 0 ? d : undefined;
      });
      const codeOf = (d: vscode.Diagnostic): string => String(typeof d.code === "object" ? d.code.value : d.code);
      for (const d of diags) assert.match(codeOf(d), /^QS\d+$/, `diagnostic without a QS code: ${d.message}`);
      // PyTorch raised AttributeError "'Net' object has no attribute 'rleu'" at line 19 (1-based).
      const onLine = diags.filter((d) => d.range.start.line === 18 && d.severity === vscode.DiagnosticSeverity.Error);
      assert.ok(onLine.length > 0, `no error on line 19; got ${diags.map((d) => `${d.range.start.line + 1}: ${codeOf(d)} ${d.message}`).join(" | ")}`);
      assert.match(onLine.map((d) => d.message).join("\n"), /rleu/);
    });
  });
}
