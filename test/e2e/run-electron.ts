// Runs the extension-host suite in a desktop VS Code through @vscode/test-electron (runner process, any
// Node >= 20), for machines that have VS Code installed: VSCODE_EXECUTABLE must name its binary, since this
// runner never downloads one. Needs `npm run build` and `node .ci/vscode/build-e2e.mjs` (or `npm run test:e2e`
// with VSCODE_EXECUTABLE set). Usage: VSCODE_EXECUTABLE=/usr/share/code/code node .ci/vscode/out/run-electron.js
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runTests } from "@vscode/test-electron";
import { prepareWorkspace } from "./harness/workspace";

const root = path.resolve(__dirname, "../../..");

async function main(): Promise<number> {
  const executable = process.env.VSCODE_EXECUTABLE;
  if (!executable) {
    process.stderr.write("run-electron: set VSCODE_EXECUTABLE to a VS Code binary (this runner does not download one)\n");
    return 2;
  }
  if (!fs.existsSync(executable)) {
    process.stderr.write(`run-electron: VSCODE_EXECUTABLE=${executable} does not exist\n`);
    return 2;
  }
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "quantscope-electron-"));
  try {
    const workspace = prepareWorkspace(root, path.join(state, "workspace"));
    const resultsDir = path.join(root, "test-results/e2e-electron");
    fs.mkdirSync(resultsDir, { recursive: true });
    return await runTests({
      vscodeExecutablePath: executable,
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(root, ".ci/vscode/out/host/index.js"),
      extensionTestsEnv: { QUANTSCOPE_E2E_RESULTS: path.join(resultsDir, "host-results.json") },
      launchArgs: [
        workspace,
        "--disable-extensions",
        "--disable-workspace-trust",
        "--skip-welcome",
        "--skip-release-notes",
        `--user-data-dir=${path.join(state, "user-data")}`,
        `--extensions-dir=${path.join(state, "extensions")}`,
      ],
    });
  } finally {
    fs.rmSync(state, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`run-electron: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
