// Finds the `[tool.quantscope]` settings that apply to a file, as ruff does for `[tool.ruff]`: the closest
// pyproject.toml above the file that has the table (server process). Lookups are cached until a pyproject.toml
// changes; a malformed one is reported once and treated as empty.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parsePyprojectConfig } from "../../core/src/python/index";
import type { LintSettings } from "./settings";

/** A pyproject.toml larger than this is not a config file anyone wrote by hand. */
const MAX_PYPROJECT_BYTES = 1 << 20;

interface Found {
  file: string;
  lint: LintSettings;
}

export class PyprojectResolver {
  /** Directory -> the config that applies there (null: none up to the root). */
  private readonly byDirectory = new Map<string, Found | null>();
  private readonly reported = new Set<string>();
  private fallbackFolders: string[] = [];

  constructor(private readonly warn: (message: string) => void) {}

  /** Workspace folders, used for documents that are not files (untitled:). */
  setWorkspaceFolders(folders: string[]): void {
    this.fallbackFolders = folders;
    this.invalidate();
  }

  /** The workspace folders the client last gave (file-system paths); model commands write only inside them. */
  get workspaceFolders(): readonly string[] {
    return this.fallbackFolders;
  }

  /** Forget everything (a pyproject.toml was created, changed or deleted). */
  invalidate(): void {
    this.byDirectory.clear();
    this.reported.clear();
  }

  /** The lint settings of the closest pyproject.toml with `[tool.quantscope]` above the document. */
  lintFor(uri: string): LintSettings {
    const dir = this.startDirectory(uri);
    return dir ? (this.lookup(dir)?.lint ?? {}) : {};
  }

  /** The pyproject.toml that lintFor(uri) read, if any. */
  fileFor(uri: string): string | undefined {
    const dir = this.startDirectory(uri);
    return dir ? this.lookup(dir)?.file : undefined;
  }

  private startDirectory(uri: string): string | undefined {
    if (uri.startsWith("file:")) {
      try {
        return path.dirname(fileURLToPath(uri));
      } catch {
        return undefined;
      }
    }
    return this.fallbackFolders[0];
  }

  private lookup(dir: string): Found | null {
    const cached = this.byDirectory.get(dir);
    if (cached !== undefined) return cached;
    const here = this.read(path.join(dir, "pyproject.toml"));
    const parent = path.dirname(dir);
    const result = here ?? (parent === dir ? null : this.lookup(parent));
    this.byDirectory.set(dir, result);
    return result;
  }

  /** The settings of one pyproject.toml, or null when it is absent or has no `[tool.quantscope]`. */
  private read(file: string): Found | null {
    let text: string;
    try {
      const stat = fs.statSync(file);
      if (!stat.isFile() || stat.size > MAX_PYPROJECT_BYTES) return null;
      text = fs.readFileSync(file, "utf8");
    } catch {
      return null;
    }
    // Cheap test first: most pyprojects say nothing about QuantScope.
    if (!/^\s*\[\s*tool\s*\.\s*quantscope\b/m.test(text)) return null;
    try {
      return { file, lint: parsePyprojectConfig(text, file) };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (!this.reported.has(file)) {
        this.reported.add(file);
        this.warn(message);
      }
      // A broken config still claims its directory: falling through to a parent's would surprise more.
      return { file, lint: {} };
    }
  }
}
