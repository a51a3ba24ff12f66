// Checks the architecture invariants on imports (run by `npm run lint` and by test/unit/architecture.test.ts):
// only extension/ imports vscode; core/ imports neither vscode nor vscode-languageserver/-client nor server/
// or extension/; server/ never imports vscode or extension/; assembly/ imports only assembly/; core/src
// outside core/src/node uses no Node built-ins for I/O.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const IMPORT_RE = /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|require\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm;
const NODE_IO = /^(node:)?(fs|fs\/promises|child_process|worker_threads|process|net|http|https)$/;

function walk(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : walk(p);
    return /\.(ts|mts|js|mjs)$/.test(e.name) ? [p] : [];
  });
}

function inside(file, folder, base) {
  const rel = path.relative(path.join(base, folder), file);
  return !rel.startsWith("..") && !path.isAbsolute(rel);
}

/** Returns the violations as "file: message" lines. */
export function checkImports(baseDir = root) {
  const out = [];
  for (const top of ["core", "server", "extension", "assembly"]) {
    for (const file of walk(path.join(baseDir, top))) {
      const text = fs.readFileSync(file, "utf8");
      for (const m of text.matchAll(IMPORT_RE)) {
        const spec = m[1] ?? m[2] ?? m[3] ?? m[4];
        const rel = path.relative(baseDir, file);
        const resolved = spec.startsWith(".") ? path.resolve(path.dirname(file), spec) : undefined;
        const bad = (why) => out.push(`${rel}: imports '${spec}': ${why}`);
        if (spec === "vscode" && top !== "extension") bad("only extension/ may import vscode");
        if (top === "core") {
          if (/^vscode-language(server|client)/.test(spec)) bad("core/ knows nothing about LSP");
          if (resolved && (inside(resolved, "server", baseDir) || inside(resolved, "extension", baseDir))) bad("core/ may not depend on server/ or extension/");
          if (inside(file, "core/src", baseDir) && !inside(file, "core/src/node", baseDir) && NODE_IO.test(spec)) {
            bad("core/src does no I/O; put Node-specific code in core/src/node/");
          }
        }
        if (top === "server") {
          if (/^vscode-languageclient/.test(spec)) bad("the server does not use the client library");
          if (resolved && inside(resolved, "extension", baseDir)) bad("server/ may not depend on extension/");
        }
        if (top === "extension" && inside(file, "extension/webview", baseDir) && (spec === "vscode" || NODE_IO.test(spec))) {
          bad("webview code runs in the browser");
        }
        if (top === "assembly" && !(resolved && inside(resolved, "assembly", baseDir))) bad("assembly/ imports nothing outside assembly/");
      }
    }
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const v = checkImports();
  for (const line of v) console.error(line);
  if (v.length) {
    console.error(`check-imports: ${v.length} architecture invariant violation(s)`);
    process.exit(1);
  }
}
