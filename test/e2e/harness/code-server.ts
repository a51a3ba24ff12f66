// Starts and stops a private code-server (VS Code 1.139 server + web workbench) for the end-to-end tests
// (e2e runner process, Node 24). Each instance gets its own port, user-data, extensions and XDG dirs, and
// runs in its own process group so that stop() ends the server and every extension host it spawned.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";

export interface CodeServerOptions {
  /** Folder holding code-server's node_modules (.ci/vscode). */
  toolDir: string;
  /** Node 24 binary that runs code-server. */
  node: string;
  /** Scratch folder for user data, extensions and logs (created). */
  stateDir: string;
  /** Extra environment for the server and, through it, the extension hosts. */
  env?: Record<string, string>;
  /** Lines of the server's output go here (the runner writes them to a log file). */
  log: (line: string) => void;
}

export interface CodeServer {
  readonly url: string;
  readonly port: number;
  /** Folder URL with a development extension and optionally a test runner, in code-server's payload form. */
  workbenchUrl(folder: string, dev?: { extensionPath: string; testsPath?: string }): string;
  stop(): Promise<void>;
}

/** User settings that keep the workbench quiet and deterministic (no AI chat, walkthroughs or updates). */
export const E2E_USER_SETTINGS = {
  "chat.disableAIFeatures": true,
  "workbench.startupEditor": "none",
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "workbench.tips.enabled": false,
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "telemetry.telemetryLevel": "off",
  "security.workspace.trust.enabled": false,
  "update.mode": "none",
  "window.commandCenter": false,
  "git.enabled": false,
  "files.autoSave": "off",
  "editor.minimap.enabled": false,
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with code ${child.exitCode} before it answered /healthz`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) return;
      lastError = `HTTP ${r.status}`;
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer ${url}/healthz within ${timeoutMs / 1000} s (${lastError})`);
}

function pipeLines(stream: NodeJS.ReadableStream | null, log: (line: string) => void): void {
  if (!stream) return;
  let buf = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      log(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
}

/** The private folders of an instance under opts.stateDir (created), with the user settings written. */
function privateDirs(opts: CodeServerOptions): { entry: string; userData: string; extensions: string; xdg: string } {
  const entry = path.join(opts.toolDir, "node_modules/code-server/out/node/entry.js");
  if (!fs.existsSync(entry)) throw new Error(`code-server is not installed (${entry} is missing); run bash .ci/vscode/setup.sh`);
  const userData = path.join(opts.stateDir, "user-data");
  const extensions = path.join(opts.stateDir, "extensions");
  const xdg = path.join(opts.stateDir, "xdg");
  for (const d of [path.join(userData, "User"), extensions, path.join(xdg, "config"), path.join(xdg, "data")]) {
    fs.mkdirSync(d, { recursive: true });
  }
  fs.writeFileSync(path.join(userData, "User", "settings.json"), JSON.stringify(E2E_USER_SETTINGS, null, 2));
  return { entry, userData, extensions, xdg };
}

function serverEnv(opts: CodeServerOptions, xdg: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...opts.env,
    XDG_CONFIG_HOME: path.join(xdg, "config"),
    XDG_DATA_HOME: path.join(xdg, "data"),
    // An empty gallery: no marketplace look-ups from a machine that has no route to one.
    EXTENSIONS_GALLERY: '{"serviceUrl":""}',
    // The server and its extension hosts run Node 24, not whatever node started the runner.
    PATH: `${path.dirname(opts.node)}:${process.env.PATH ?? ""}`,
  };
}

/**
 * Runs code-server's extension CLI on the instance's private folders, the way a user installs a .vsix:
 * `code-server --install-extension FILE.vsix`, `--list-extensions --show-versions`. Answers its output;
 * throws with that output when it exits non-zero (or after 3 minutes).
 */
export async function codeServerCli(opts: CodeServerOptions, args: string[]): Promise<string> {
  const { entry, userData, extensions, xdg } = privateDirs(opts);
  const argv = [entry, "--config", "/dev/null", "--user-data-dir", userData, "--extensions-dir", extensions, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(opts.node, argv, { cwd: opts.stateDir, env: serverEnv(opts, xdg), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (output += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (output += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), 180_000);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      for (const line of output.split("\n")) if (line) opts.log(line);
      if (code === 0) resolve(output);
      else reject(new Error(`code-server ${args.join(" ")} exited with ${code ?? signal}: ${output.trim()}`));
    });
  });
}

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const { entry, userData, extensions, xdg } = privateDirs(opts);

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    entry,
    "--config",
    "/dev/null",
    "--bind-addr",
    `127.0.0.1:${port}`,
    "--auth",
    "none",
    "--disable-telemetry",
    "--disable-update-check",
    "--disable-workspace-trust",
    "--disable-getting-started-override",
    "--reconnection-grace-time",
    "1",
    "--vscode-option",
    "enable-smoke-test-driver",
    "--user-data-dir",
    userData,
    "--extensions-dir",
    extensions,
  ];
  const env = serverEnv(opts, xdg);
  // detached: its own process group, so stop() can signal the server and all its extension hosts at once.
  const child = spawn(opts.node, args, { cwd: opts.stateDir, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  pipeLines(child.stdout, opts.log);
  pipeLines(child.stderr, opts.log);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  const stop = async (): Promise<void> => {
    killGroup("SIGTERM");
    const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 5000))]);
    // Extension hosts may outlive the server briefly; SIGKILL whatever is left of the group.
    killGroup("SIGKILL");
    if (timedOut) opts.log("code-server did not stop within 5 s of SIGTERM; killed");
  };
  process.once("exit", () => killGroup("SIGKILL"));
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      killGroup("SIGKILL");
      process.exit(130);
    });
  }

  try {
    await waitForHealth(url, child, 60_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    url,
    port,
    workbenchUrl(folder, dev) {
      let u = `${url}/?folder=${encodeURIComponent(folder)}`;
      if (dev) {
        const payload: [string, string][] = [["extensionDevelopmentPath", `vscode-remote://remote${dev.extensionPath}`]];
        if (dev.testsPath) payload.push(["extensionTestsPath", `vscode-remote://remote${dev.testsPath}`]);
        u += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
      }
      return u;
    },
    stop,
  };
}
