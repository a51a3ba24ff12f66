// Builds the throw-away workspace the end-to-end tests open: the corpus-dev scripts, the bundled digits
// example and the report fixtures, copied so that nothing the tests write lands in the repository or in
// ../shared (e2e runner processes: code-server runner and test-electron runner).
import * as fs from "node:fs";
import * as path from "node:path";

export function prepareWorkspace(repoRoot: string, dir: string): string {
  const shared = path.resolve(repoRoot, "../shared/corpus-dev");
  if (!fs.existsSync(shared)) throw new Error(`${shared} is missing: the end-to-end tests need ../shared beside the checkout`);
  fs.rmSync(dir, { recursive: true, force: true });
  const copy = (from: string, to: string): void => fs.cpSync(from, path.join(dir, to), { recursive: true });
  copy(shared, "corpus-dev");
  copy(path.join(repoRoot, "examples/digits"), "digits");
  copy(path.join(repoRoot, "test/e2e/fixtures"), "reports");
  // The model's Python definition beside it: the panel links layers to their module's line.
  fs.renameSync(path.join(dir, "reports/digits_model.py"), path.join(dir, "digits/model.py"));
  // Workspace settings: the backend the tests start from, and evaluation data so runs report SQNR.
  const settings = {
    "quantscope.backend": "x86",
    "quantscope.evaluation.data": "digits/test_x.npy",
    "quantscope.evaluation.labels": "digits/test_y.npy",
  };
  fs.mkdirSync(path.join(dir, ".vscode"), { recursive: true });
  fs.writeFileSync(path.join(dir, ".vscode/settings.json"), JSON.stringify(settings, null, 2));
  return dir;
}
