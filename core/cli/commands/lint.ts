// `quantscope lint [--format text|json|sarif] PATHS...`: checks PyTorch quantization scripts (*.py) and
// qconfig files (*.qconfig.json) before they run (CLI process). Exit 1 when any finding is an error.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command, ParsedArgs } from "../command";
import { stringOpt } from "../command";
import type { Finding, Severity } from "../../src/diagnostics";
import { InputError, UsageError } from "../../src/errors";
import { loadPythonAnalyzer } from "../../src/node/python-wasm";
import { parsePyprojectConfig, RULES, type LintConfig } from "../../src/python/index";
import { checkQconfigText, isQconfigFileName, QCONFIG_RULES } from "../../src/qconfig/index";

export interface LintRecord {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  code: string;
  severity: Severity;
  message: string;
}

const FORMATS = ["text", "json", "sarif"] as const;
type Format = (typeof FORMATS)[number];

const SKIPPED_DIRS = new Set(["node_modules", ".git", "__pycache__", ".venv", "venv", ".tox", ".mypy_cache", "site-packages"]);

export const lint: Command = {
  name: "lint",
  summary: "find quantization mistakes in PyTorch scripts and qconfig files before they run",
  usage: `Usage: quantscope lint [--format text|json|sarif] [--select CODES] [--ignore CODES] PATHS...

Checks every *.py and *.qconfig.json file given, recursing into folders. Rules are documented in
docs/rules.md (QS1xx dataflow, QS2xx fusion/prepare, QS3xx FX tracing, QS4xx save/load, QS5xx best
practice). Rule selection comes from [tool.quantscope] select/ignore in the nearest pyproject.toml,
then --select/--ignore (comma-separated codes or prefixes such as QS3). Silence one line with
\`# quantscope: ignore[CODE]\`.

Formats: text (file:line:col: severity CODE message), json (an array of {file, line, column, endLine,
endColumn, code, severity, message}, 1-based), sarif (SARIF 2.1.0).
Exit 1 if any finding has error severity, else 0.`,
  options: {
    format: { type: "string" },
    select: { type: "string" },
    ignore: { type: "string" },
  },
  async run(args, ctx) {
    const format = formatOf(args, ctx.json);
    if (args.positionals.length === 0) throw new UsageError("lint: expected one or more files or folders");
    const files = args.positionals.flatMap((p) => collect(p, ctx.cwd));
    const analyzer = await loadPythonAnalyzer();
    const configs = new ConfigFinder();
    const cliConfig = cliOverrides(args);
    const records: LintRecord[] = [];
    for (const file of files) {
      const abs = path.resolve(ctx.cwd, file);
      let text: string;
      try {
        text = fs.readFileSync(abs, "utf8");
      } catch (e) {
        throw new InputError(`cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, file);
      }
      const config = merge(configs.forFile(abs), cliConfig);
      let findings: Finding[];
      if (isQconfigFileName(file)) {
        findings = filterQconfig(checkQconfigText(text), config);
      } else {
        const doc = analyzer.parse(text);
        try {
          findings = analyzer.analyze(doc, config);
        } finally {
          doc.dispose();
        }
      }
      for (const f of findings) records.push(toRecord(file, f));
    }
    if (format === "json") ctx.out(JSON.stringify(records, null, 1));
    else if (format === "sarif") ctx.out(JSON.stringify(toSarif(records), null, 1));
    else {
      for (const r of records) ctx.out(`${r.file}:${r.line}:${r.column}: ${r.severity} ${r.code} ${r.message}`);
      const errors = records.filter((r) => r.severity === "error").length;
      ctx.err(`${files.length} file${files.length === 1 ? "" : "s"} checked: ${errors} error${errors === 1 ? "" : "s"}, ${records.length - errors} other finding${records.length - errors === 1 ? "" : "s"}`);
    }
    return records.some((r) => r.severity === "error") ? 1 : 0;
  },
};

function formatOf(args: ParsedArgs, json: boolean): Format {
  const f = stringOpt(args, "format") ?? (json ? "json" : "text");
  if (!(FORMATS as readonly string[]).includes(f)) throw new UsageError(`lint: --format must be one of ${FORMATS.join(", ")} (got '${f}')`);
  return f as Format;
}

function codes(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return v
    .split(",")
    .map((c) => c.trim().toUpperCase())
    .filter((c) => c.length > 0);
}

function cliOverrides(args: ParsedArgs): LintConfig {
  const c: LintConfig = {};
  const select = codes(stringOpt(args, "select"));
  const ignore = codes(stringOpt(args, "ignore"));
  if (select) c.select = select;
  if (ignore) c.ignore = ignore;
  return c;
}

function merge(file: LintConfig, cli: LintConfig): LintConfig {
  return {
    select: cli.select ?? file.select,
    ignore: [...(file.ignore ?? []), ...(cli.ignore ?? [])],
    severityOverrides: file.severityOverrides,
  };
}

function filterQconfig(findings: Finding[], config: LintConfig): Finding[] {
  const enabled = (code: string) => {
    if (config.ignore?.some((p) => code.startsWith(p))) return false;
    if (config.select && config.select.length) return config.select.some((p) => p === "ALL" || code.startsWith(p));
    return true;
  };
  return findings.filter((f) => enabled(f.code)).map((f) => (config.severityOverrides?.[f.code] ? { ...f, severity: config.severityOverrides[f.code] as Severity } : f));
}

/** Files to lint under a path: the file itself, or *.py and *.qconfig.json below a folder (sorted). */
function collect(given: string, cwd: string): string[] {
  const abs = path.resolve(cwd, given);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    throw new InputError("no such file or folder", given);
  }
  if (st.isFile()) return [given];
  const out: string[] = [];
  const walk = (dirAbs: string, dirShown: string) => {
    const entries = fs.readdirSync(dirAbs, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const shown = path.join(dirShown, e.name);
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name) && !e.name.startsWith(".")) walk(path.join(dirAbs, e.name), shown);
      } else if (e.isFile() && (e.name.endsWith(".py") || isQconfigFileName(e.name))) {
        out.push(shown);
      }
    }
  };
  walk(abs, given);
  return out;
}

/** Finds and caches the nearest pyproject.toml with lint settings above each file. */
class ConfigFinder {
  private readonly byDir = new Map<string, LintConfig>();

  forFile(absFile: string): LintConfig {
    return this.forDir(path.dirname(absFile));
  }

  private forDir(dir: string): LintConfig {
    const cached = this.byDir.get(dir);
    if (cached) return cached;
    const candidate = path.join(dir, "pyproject.toml");
    let config: LintConfig;
    if (fs.existsSync(candidate)) {
      config = parsePyprojectConfig(fs.readFileSync(candidate, "utf8"), candidate);
    } else {
      const parent = path.dirname(dir);
      config = parent === dir ? {} : this.forDir(parent);
    }
    this.byDir.set(dir, config);
    return config;
  }
}

export function toRecord(file: string, f: Finding): LintRecord {
  return {
    file,
    line: f.range.start.line + 1,
    column: f.range.start.character + 1,
    endLine: f.range.end.line + 1,
    endColumn: f.range.end.character + 1,
    code: f.code,
    severity: f.severity,
    message: f.message,
  };
}

const SARIF_LEVEL: Record<Severity, string> = { error: "error", warning: "warning", information: "note", hint: "note" };

function toSarif(records: LintRecord[]): unknown {
  const pythonRules = [...RULES.values()].map((r) => ({
    id: r.code,
    name: r.name,
    shortDescription: { text: r.summary },
    helpUri: `https://github.com/quantscope/quantscope/blob/main/docs/rules.md#${r.code.toLowerCase()}`,
    defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
  }));
  const qconfigRules = Object.entries(QCONFIG_RULES).map(([code, text]) => ({ id: code, shortDescription: { text } }));
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "quantscope", informationUri: "https://github.com/quantscope/quantscope", rules: [...pythonRules, ...qconfigRules] } },
        results: records.map((r) => ({
          ruleId: r.code,
          level: SARIF_LEVEL[r.severity],
          message: { text: r.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: r.file.split(path.sep).join("/") },
                region: { startLine: r.line, startColumn: r.column, endLine: r.endLine, endColumn: r.endColumn },
              },
            },
          ],
        })),
      },
    ],
  };
}
