// Reads the bundled report view (dist/report-view.js, built from core/src/report/view/main.ts by
// scripts/build.mjs) that the HTML numeric report inlines (Node processes: CLI, server, tests).
import * as fs from "node:fs";
import * as path from "node:path";

/** Where the bundle lives: beside the CLI bundle (dist/) or in the repo's dist/ when running from source. */
export function findReportViewBundle(): string {
  const candidates = [path.join(__dirname, "report-view.js"), path.resolve(__dirname, "../../../dist/report-view.js")];
  for (const c of candidates) if (fs.existsSync(c)) return c;
  throw new Error(`report-view.js not found (looked in ${candidates.join(", ")}); run \`npm run build\``);
}

let cached: string | undefined;

/** The bundle's source (read once per process). */
export function readReportViewBundle(): string {
  cached ??= fs.readFileSync(findReportViewBundle(), "utf8");
  return cached;
}
