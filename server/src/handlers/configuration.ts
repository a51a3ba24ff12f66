// Settings: reads the client's `quantscope` configuration (workspace/configuration, or the didChangeConfiguration
// payload for clients without it) and `[tool.quantscope]` from the workspace's pyproject.toml, and re-checks the
// open documents when either changes (server process).
import { fileURLToPath } from "node:url";
import type { Connection, DidChangeConfigurationParams, DidChangeWatchedFilesParams, WorkspaceFolder } from "vscode-languageserver/node";
import { parsePyprojectConfig } from "../../../core/src/python/index";
import type { ClientFeatures } from "../features";
import type { Session } from "../session";
import { mergeSettings, readPyproject, settingsFromClient, type LintSettings } from "../settings";
import type { DiagnosticsPublisher } from "./diagnostics";

export class SettingsController {
  private pushedSection: unknown;
  private folders: string[] = [];

  constructor(
    private readonly connection: Connection,
    private readonly session: Session,
    private readonly features: () => ClientFeatures,
    private readonly publisher: DiagnosticsPublisher,
    private readonly log: (message: string) => void,
  ) {}

  setWorkspaceFolders(folders: WorkspaceFolder[] | null | undefined, rootUri: string | null | undefined): void {
    const uris = folders?.map((f) => f.uri) ?? (rootUri ? [rootUri] : []);
    this.folders = uris.flatMap((u) => {
      try {
        return u.startsWith("file:") ? [fileURLToPath(u)] : [];
      } catch {
        return [];
      }
    });
  }

  /** workspace/didChangeConfiguration. */
  async didChangeConfiguration(params: DidChangeConfigurationParams): Promise<void> {
    const settings = params.settings as Record<string, unknown> | null | undefined;
    if (settings && typeof settings === "object" && "quantscope" in settings) this.pushedSection = settings.quantscope;
    await this.refresh();
  }

  /** workspace/didChangeWatchedFiles: a pyproject.toml was created, changed or deleted. */
  async didChangeWatchedFiles(params: DidChangeWatchedFilesParams): Promise<void> {
    if (params.changes.some((c) => /(^|\/)pyproject\.toml$/.test(c.uri))) await this.refresh();
  }

  /** Re-reads every source of settings; re-checks open documents when the result differs. */
  async refresh(): Promise<void> {
    let section = this.pushedSection;
    if (this.features().configuration) {
      try {
        section = await this.connection.workspace.getConfiguration({ section: "quantscope" });
      } catch (e) {
        this.log(`workspace/configuration failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const changed = this.session.setSettings(mergeSettings(settingsFromClient(section), this.pyprojectLint()));
    if (changed) this.recheckAll();
  }

  private pyprojectLint(): LintSettings {
    for (const folder of this.folders) {
      const found = readPyproject(folder);
      if (!found) continue;
      try {
        return parsePyprojectConfig(found.text, found.file);
      } catch (e) {
        // A malformed [tool.quantscope] is reported once and ignored, never fatal.
        const message = e instanceof Error ? e.message : String(e);
        this.log(message);
        void this.connection.window.showWarningMessage(`QuantScope: ${message}`);
        return {};
      }
    }
    return {};
  }

  /** After a settings change: re-publish (push) or ask the client to pull again. */
  recheckAll(): void {
    if (this.features().pullDiagnostics) {
      if (this.features().diagnosticRefresh) void this.connection.languages.diagnostics.refresh();
    } else {
      for (const s of this.session.all()) this.publisher.schedule(s.uri, 0);
    }
  }
}
