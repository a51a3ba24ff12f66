// Test helper: runs the built CLI (bin/quantscope.js) in a child process and returns its exit code and
// output (test process).
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { repoRoot } from "./shared";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `quantscope ARGS...` in `cwd` (default: the repository root), killed after `timeoutMs` (default 2 minutes). */
export function runCli(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [path.join(repoRoot, "bin/quantscope.js"), ...args], {
    cwd: opts.cwd ?? repoRoot,
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
