// Builds everything: asc compiles assembly/ to build/quantscope.wasm (+ raw bindings), esbuild bundles the
// CLI, the language server and the extension into dist/, assets are copied beside them, tsc type-checks.
// Usage: node scripts/build.mjs [--watch] [--no-typecheck]
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = new Set(process.argv.slice(2));
const watch = args.has("--watch");
const version = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version;

function run(cmd, argv) {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: "inherit", shell: false });
  if (r.status !== 0) {
    console.error(`build: ${cmd} ${argv.join(" ")} failed`);
    process.exit(r.status ?? 1);
  }
}

function buildWasm() {
  run(process.execPath, [
    path.join(root, "node_modules/assemblyscript/bin/asc.js"),
    "assembly/index.ts",
    "--config",
    "asconfig.json",
    "--target",
    "release",
  ]);
}

/** Assets the bundles load at run time, copied next to them. */
const assets = [
  ["build/quantscope.wasm", "dist/quantscope.wasm"],
  ["node_modules/web-tree-sitter/web-tree-sitter.wasm", "dist/web-tree-sitter.wasm"],
  ["node_modules/tree-sitter-python/tree-sitter-python.wasm", "dist/tree-sitter-python.wasm"],
];

function copyAssets() {
  fs.mkdirSync(path.join(root, "dist"), { recursive: true });
  for (const [from, to] of assets) fs.copyFileSync(path.join(root, from), path.join(root, to));
}

const common = {
  bundle: true,
  sourcemap: true,
  minify: false,
  logLevel: "warning",
  define: { QUANTSCOPE_VERSION: JSON.stringify(version) },
};

const nodeBundles = [
  { entryPoints: ["core/cli/main.ts"], outfile: "dist/cli.js" },
  { entryPoints: ["server/src/main.ts"], outfile: "dist/server.js" },
  { entryPoints: ["extension/src/main.ts"], outfile: "dist/extension.js", external: ["vscode"] },
  { entryPoints: ["core/src/runtime/worker.ts"], outfile: "dist/worker.js", optional: true },
].filter((b) => !b.optional || fs.existsSync(path.join(root, b.entryPoints[0])));

const browserBundles = [
  { entryPoints: ["extension/webview/main.ts"], outfile: "dist/webview.js", optional: true },
  { entryPoints: ["core/src/report/view/main.ts"], outfile: "dist/report-view.js", optional: true },
].filter((b) => !b.optional || fs.existsSync(path.join(root, b.entryPoints[0])));

function options() {
  const opts = [];
  for (const { optional: _o, ...b } of nodeBundles) {
    opts.push({ ...common, ...b, platform: "node", target: "node20", format: "cjs" });
  }
  for (const { optional: _o, ...b } of browserBundles) {
    opts.push({ ...common, ...b, platform: "browser", target: "es2022", format: "iife" });
  }
  return opts.map((o) => ({ ...o, absWorkingDir: root }));
}

buildWasm();
copyAssets();
if (watch) {
  for (const o of options()) {
    const ctx = await esbuild.context(o);
    await ctx.watch();
  }
  fs.watch(path.join(root, "assembly"), { recursive: true }, () => {
    try {
      buildWasm();
      copyAssets();
    } catch (e) {
      console.error(String(e));
    }
  });
  console.log("build: watching for changes");
} else {
  await Promise.all(options().map((o) => esbuild.build(o)));
  if (!args.has("--no-typecheck")) run(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", "tsconfig.json"]);
  console.log("build: ok");
}
