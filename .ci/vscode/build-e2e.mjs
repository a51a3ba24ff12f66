// Bundles the end-to-end code with esbuild (from the root node_modules) into .ci/vscode/out/ (ignored by git,
// eslint and prettier): the extension-host
// suite (loaded by VS Code, `vscode` external), the two runners and the installed-.vsix check. Usage: node .ci/vscode/build-e2e.mjs
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const common = { bundle: true, sourcemap: true, platform: "node", format: "cjs", target: "node20", logLevel: "warning", absWorkingDir: root };
await Promise.all([
  esbuild.build({ ...common, entryPoints: ["test/e2e/host/index.ts"], outfile: ".ci/vscode/out/host/index.js", external: ["vscode"] }),
  esbuild.build({ ...common, entryPoints: ["test/e2e/run-code-server.ts"], outfile: ".ci/vscode/out/run-code-server.js", external: ["playwright-core"] }),
  esbuild.build({ ...common, entryPoints: ["test/e2e/run-installed-vsix.ts"], outfile: ".ci/vscode/out/run-installed-vsix.js", external: ["playwright-core"] }),
  esbuild.build({ ...common, entryPoints: ["test/e2e/run-electron.ts"], outfile: ".ci/vscode/out/run-electron.js", external: ["@vscode/test-electron"] }),
]);
console.log("e2e build: ok");
