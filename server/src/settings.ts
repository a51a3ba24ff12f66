// Server settings: the `quantscope` section of the client's configuration, merged with `[tool.quantscope]` from
// the document's pyproject.toml (server process). Editor settings win over pyproject for select/ignore.
import { isEngine, type Engine } from "../../core/src/backends/engine";
import type { Finding, Severity } from "../../core/src/diagnostics";
import { applyConfig, isRuleEnabled } from "../../core/src/python/config";

export { isRuleEnabled };

/** Rule selection, as in `[tool.quantscope]` and the editor settings. */
export interface LintSettings {
  /** Codes or prefixes to report ("QS8" = every qconfig rule); empty or absent: every rule. */
  select?: string[];
  /** Codes or prefixes never to report; wins over select. */
  ignore?: string[];
  /** Per-code severity overrides from pyproject. */
  severityOverrides?: Record<string, Severity>;
}

export interface ServerSettings {
  backend: Engine;
  lint: LintSettings;
}

export const DEFAULT_SETTINGS: ServerSettings = { backend: "x86", lint: {} };

/** How long the Python analysis of one document may take before it stops and says so (QS900). */
export const DEFAULT_TIME_BUDGET_MS = 2000;

/** What the client's configuration says (the backend unset when it says nothing valid). */
export interface ClientSettings {
  backend?: Engine;
  lint: LintSettings;
  /** `analysis.timeBudgetMs`: a number of milliseconds >= 0; absent when unset or invalid. */
  timeBudgetMs?: number;
}

function stringArray(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : undefined;
}

/**
 * Reads the client's `quantscope` configuration object. Unknown or malformed values fall back to the defaults
 * (a bad setting must not stop the server). `lint.select/ignore` are read, and `rules.select/ignore` (the names the
 * extension's manifest declares) as well, and `analysis.timeBudgetMs`.
 */
export function settingsFromClient(section: unknown): ClientSettings {
  const s = section && typeof section === "object" ? (section as Record<string, unknown>) : {};
  const group = (name: string) => {
    const g = s[name];
    return g && typeof g === "object" ? (g as Record<string, unknown>) : {};
  };
  // Flat dotted keys arrive from some clients ({"lint.select": [...]}); nested objects from VS Code.
  const pick = (key: string) => group("lint")[key] ?? s[`lint.${key}`] ?? group("rules")[key] ?? s[`rules.${key}`];
  const backend = typeof s.backend === "string" && isEngine(s.backend) ? s.backend : undefined;
  const lint: LintSettings = {};
  const select = stringArray(pick("select"));
  const ignore = stringArray(pick("ignore"));
  if (select && select.length) lint.select = select;
  if (ignore && ignore.length) lint.ignore = ignore;
  const settings: ClientSettings = { backend, lint };
  const budget = group("analysis").timeBudgetMs ?? s["analysis.timeBudgetMs"];
  if (typeof budget === "number" && Number.isFinite(budget) && budget >= 0) settings.timeBudgetMs = budget;
  return settings;
}

/** Editor settings over pyproject: each of select/ignore comes from the editor when set there. */
export function mergeSettings(client: ClientSettings, pyproject: LintSettings): ServerSettings {
  return {
    backend: client.backend ?? DEFAULT_SETTINGS.backend,
    lint: {
      select: client.lint.select ?? pyproject.select,
      ignore: client.lint.ignore ?? pyproject.ignore,
      severityOverrides: pyproject.severityOverrides,
    },
  };
}

/** Drops disabled rules and applies severity overrides: the CLI's own selection logic, so both agree. */
export function applyLintSettings(findings: Finding[], lint: LintSettings): Finding[] {
  return applyConfig(findings, lint);
}
