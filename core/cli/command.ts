// The shape every `quantscope` subcommand has, and the context it runs with (CLI process).
import type { ParseArgsConfig } from "node:util";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

export interface CommandContext {
  /** Normal output (results, tables). */
  out(line: string): void;
  /** Progress and warnings; never parsed by tools. */
  err(line: string): void;
  /** True when stderr is a terminal (progress bars only then). */
  interactive: boolean;
  /** Set by the global --json flag. */
  json: boolean;
  cwd: string;
  /** Fires on Ctrl-C so long runs stop between batches. */
  signal: AbortSignal;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export interface Command {
  name: string;
  /** One line for `quantscope --help`. */
  summary: string;
  /** The usage block printed by `quantscope help NAME` and on usage errors. */
  usage: string;
  options: OptionSpec;
  /** Returns the exit code: 0 ok, 1 findings or failed checks. Throws InputError for exit 2. */
  run(args: ParsedArgs, ctx: CommandContext): Promise<number>;
}

/** Reads a string option, or undefined. */
export function stringOpt(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === "string" ? v : undefined;
}
