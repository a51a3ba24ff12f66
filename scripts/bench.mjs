// Runs every benchmark suite (`bench:*` scripts in package.json) one after another; each prints its
// figures side by side with its anchors. Usage: npm run bench [-- --json]
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const scripts = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).scripts;
const suites = Object.keys(scripts).filter((s) => s.startsWith("bench:")).sort();
let failed = 0;
for (const s of suites) {
  console.log(`\n== npm run ${s}`);
  const r = spawnSync("npm", ["run", "--silent", s, "--", ...process.argv.slice(2)], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) failed++;
}
if (suites.length === 0) console.log("bench: no bench:* scripts");
process.exit(failed ? 1 : 0);
