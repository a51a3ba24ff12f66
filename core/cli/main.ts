#!/usr/bin/env node
// Entry point of the `quantscope` command: global flags, subcommand routing, exit codes and error
// printing (CLI process). Exit codes: 0 ok, 1 findings or failed checks, 2 usage or input error,
// 3 internal error (a bug: please report it).
import { parseArgs } from "node:util";
import { commands } from "./commands/index";
import type { Command, CommandContext } from "./command";
import { InputError, UsageError, CancelledError } from "../src/errors";
import { WasmMemoryError } from "../src/wasm/core";

declare const QUANTSCOPE_VERSION: string | undefined;
const VERSION = typeof QUANTSCOPE_VERSION === "string" ? QUANTSCOPE_VERSION : "0.0.0-dev";

const GLOBAL_USAGE = `quantscope ${VERSION}: PyTorch-exact int8 quantization for ONNX models, and quantization lint for PyTorch code

Usage: quantscope <command> [options]

Commands:
${commands.map((c) => `  ${c.name.padEnd(15)}${c.summary}`).join("\n")}

Global options:
  --json          machine-readable output where the command supports it
  --debug         show stack traces for errors
  -h, --help      show help (also: quantscope help <command>)
  -V, --version   print the version

Exit codes: 0 ok, 1 findings or failed checks, 2 usage or input error, 3 internal error.`;

export async function main(argv: string[], ctx: Omit<CommandContext, "json">): Promise<number> {
  const debug = argv.includes("--debug");
  const json = argv.includes("--json");
  const rest = argv.filter((a) => a !== "--debug");
  try {
    return await dispatch(rest, { ...ctx, json });
  } catch (e) {
    return reportError(e, debug, ctx);
  }
}

async function dispatch(argv: string[], ctx: CommandContext): Promise<number> {
  const first = argv[0];
  if (first === undefined || first === "-h" || first === "--help") {
    ctx.out(GLOBAL_USAGE);
    return first === undefined ? 2 : 0;
  }
  if (first === "-V" || first === "--version") {
    ctx.out(VERSION);
    return 0;
  }
  if (first === "help") {
    const target = argv[1];
    if (!target) {
      ctx.out(GLOBAL_USAGE);
      return 0;
    }
    ctx.out(findCommand(target).usage);
    return 0;
  }
  if (first.startsWith("-")) throw new UsageError(`unknown option '${first}' (see quantscope --help)`);
  const command = findCommand(first);
  const args = argv.slice(1);
  if (args.includes("-h") || args.includes("--help")) {
    ctx.out(command.usage);
    return 0;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...command.options, json: { type: "boolean" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError(`${command.name}: ${(e as Error).message.split("\n")[0]}`);
  }
  return command.run(parsed as Parameters<Command["run"]>[0], ctx);
}

function findCommand(name: string): Command {
  const c = commands.find((x) => x.name === name);
  if (!c) throw new UsageError(`unknown command '${name}' (see quantscope --help)`);
  return c;
}

function reportError(e: unknown, debug: boolean, ctx: Pick<CommandContext, "err">): number {
  if (e instanceof InputError || e instanceof WasmMemoryError) {
    ctx.err(`quantscope: error: ${e.message}`);
    if (debug && e.stack) ctx.err(e.stack);
    return 2;
  }
  if (e instanceof CancelledError) {
    ctx.err("quantscope: cancelled");
    return 130;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  ctx.err(`quantscope: internal error: ${err.message}${debug ? "" : " (run with --debug for details)"}`);
  if (debug && err.stack) ctx.err(err.stack);
  return 3;
}

/** Runs the CLI in this process with its real stdio; sets process.exitCode. */
export function runCli(argv: string[] = process.argv.slice(2)): void {
  const controller = new AbortController();
  process.on("SIGINT", () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  });
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
  });
  void main(argv, {
    out: (l) => process.stdout.write(l + "\n"),
    err: (l) => process.stderr.write(l + "\n"),
    interactive: Boolean(process.stderr.isTTY),
    cwd: process.cwd(),
    signal: controller.signal,
  }).then((code) => {
    process.exitCode = code;
  });
}

if (require.main === module) runCli();
