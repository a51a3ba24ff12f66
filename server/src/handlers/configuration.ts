// Settings: reads the client's `quantscope` configuration (workspace/configuration, or the didChangeConfiguration
// payload for clients without it), follows pyproject.toml changes, and re-checks the open documents when either
// changes (server process).
import { fileURLToPath } from "node:url";
import type {
  Connection,
  DidChangeConfigurationParams,
  DidChangeWatchedFilesParams,
  WorkspaceFolder,
  WorkspaceFoldersChangeEvent,
} from "vscode-languageserver/node";
import type { ClientFeatures } from "../features";
import type { Session } from "../session";
import { settingsFromClient } from "../settings";
import type { DiagnosticsPublisher } from "./diagnostics";

export class SettingsController {
  private pushedSection: unknown;

  constructor(
    private readonly connection: Connection,
    private readonly session: Session,
    private readonly features: () => ClientFeatures,
    private readonly publisher: DiagnosticsPublisher,
    private readonly log: (message: string) => void,
  ) {}

  private folders: string[] = [];

  setWorkspaceFolders(folders: WorkspaceFolder[] | null | undefined, rootUri: string | null | undefined): void {
    this.folders = folders?.map((f) => f.uri) ?? (rootUri ? [rootUri] : []);
    this.applyFolders();
  }

  /** workspace/didChangeWorkspaceFolders. */
  didChangeWorkspaceFolders(event: WorkspaceFoldersChangeEvent): void {
    const removed = new Set(event.removed.map((f) => f.uri));
    this.folders = [...this.folders.filter((u) => !removed.has(u)), ...event.added.map((f) => f.uri)];
    this.applyFolders();
    this.session.pyprojectChanged();
    this.recheckAll();
  }

  private applyFolders(): void {
    const paths = this.folders.flatMap((u) => {
      try {
        return u.startsWith("file:") ? [fileURLToPath(u)] : [];
      } catch {
        return [];
      }
    });
    this.session.pyproject.setWorkspaceFolders(paths);
  }

  /** workspace/didChangeConfiguration. */
  async didChangeConfiguration(params: DidChangeConfigurationParams): Promise<void> {
    const settings = params.settings as Record<string, unknown> | null | undefined;
    if (settings && typeof settings === "object" && "quantscope" in settings) this.pushedSection = settings.quantscope;
    await this.refresh();
  }

  /** workspace/didChangeWatchedFiles: a pyproject.toml or an ONNX model was created, changed or deleted. */
  didChangeWatchedFiles(params: DidChangeWatchedFilesParams): void {
    const pyproject = params.changes.some((c) => /(^|\/)pyproject\.toml$/.test(c.uri));
    const model = params.changes.some((c) => /\.onnx$/i.test(c.uri));
    if (pyproject) this.session.pyprojectChanged();
    if (model) this.session.modelsChanged();
    if (pyproject || model) this.recheckAll();
  }

  /** Re-reads the client's settings; re-checks open documents when they differ. */
  async refresh(): Promise<void> {
    let section = this.pushedSection;
    if (this.features().configuration) {
      try {
        section = await this.connection.workspace.getConfiguration({ section: "quantscope" });
      } catch (e) {
        this.log(`workspace/configuration failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (this.session.setClientSettings(settingsFromClient(section))) this.recheckAll();
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
