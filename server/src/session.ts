// The server's state: open documents (text, version, language), settings, and a per-document analysis cache
// keyed by document version and settings generation (server process). Handlers read snapshots from here.
import { TextDocument } from "vscode-languageserver-textdocument";
import type { TextDocumentContentChangeEvent } from "vscode-languageserver/node";
import type { Finding } from "../../core/src/diagnostics";
import { analyzeQconfigText } from "../../core/src/qconfig/check";
import { isQconfigFileName } from "../../core/src/qconfig/index";
import type { ModelInfo } from "../../core/src/qconfig/model-nodes";
import { ModelIndex } from "./model-index";
import { PyprojectResolver } from "./pyproject";
import { applyLintSettings, DEFAULT_TIME_BUDGET_MS, mergeSettings, type ClientSettings, type ServerSettings } from "./settings";
import type { PythonSupport, PythonDocumentState } from "./python-support";

export type DocumentKind = "python" | "qconfig";

/** Documents larger than this are not analyzed (a generated file, a mistake); the server says so once. */
export const MAX_ANALYZED_CHARS = 2_000_000;

export interface DocumentSnapshot {
  uri: string;
  kind: DocumentKind;
  version: number;
  document: TextDocument;
  /** The incrementally maintained parse, for Python documents once the analyzer is loaded. */
  python?: PythonDocumentState;
}

export interface Analysis {
  version: number;
  settingsGeneration: number;
  /** Findings after rule selection and severity overrides. */
  findings: Finding[];
  /** Why nothing was analyzed, when nothing was. */
  skipped?: string;
  /** Set when the Python analysis ran out of its time budget: `findings` are partial. */
  stoppedEarly?: StoppedEarly;
}

/** What the time budget cut off (published as one QS900 information diagnostic). */
export interface StoppedEarly {
  elapsedMs: number;
  budgetMs: number;
  /** Enabled rules that did not run, in code order. */
  skippedRules: string[];
}

interface OpenDocument {
  snapshot: DocumentSnapshot;
  analysis?: Analysis;
}

export function documentKind(uri: string, languageId: string): DocumentKind | undefined {
  if (isQconfigFileName(uri)) return "qconfig";
  if (languageId === "python" || /\.pyi?$/i.test(uri)) return "python";
  return undefined;
}

export class Session {
  private readonly docs = new Map<string, OpenDocument>();
  private readonly reportedTooLarge = new Set<string>();
  private client: ClientSettings = { lint: {} };
  private generation = 0;
  /** `[tool.quantscope]` of the closest pyproject.toml, per document. */
  readonly pyproject: PyprojectResolver;
  /** The ONNX model beside each qconfig file. */
  readonly models: ModelIndex;
  private markReady!: () => void;
  /** Resolves once the first settings are loaded: diagnostics wait for it, so they never flicker from defaults. */
  readonly ready = new Promise<void>((resolve) => (this.markReady = resolve));

  constructor(
    private readonly log: (message: string) => void,
    private python?: PythonSupport,
    warn: (message: string) => void = log,
  ) {
    this.pyproject = new PyprojectResolver(warn);
    this.models = new ModelIndex(log);
  }

  /** The model a qconfig document configures, when it sits beside it. */
  modelFor(uri: string): ModelInfo | undefined {
    return this.get(uri)?.kind === "qconfig" ? this.models.modelFor(uri) : undefined;
  }

  /** An .onnx file changed somewhere: re-read models and re-check qconfig files. */
  modelsChanged(): void {
    this.models.invalidate();
    this.generation++;
  }

  /** The settings for one document: the client's, with select/ignore from its pyproject.toml where unset. */
  settingsFor(uri: string): ServerSettings {
    return mergeSettings(this.client, this.pyproject.lintFor(uri));
  }

  /** How long one document's Python analysis may run (`quantscope.analysis.timeBudgetMs`). */
  get timeBudgetMs(): number {
    return this.client.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS;
  }

  /** Bumped whenever settings change, so cached analyses and pull result ids go stale. */
  get settingsGeneration(): number {
    return this.generation;
  }

  /** The initial settings are in (or the client took too long to give them). */
  settingsLoaded(): void {
    this.markReady();
  }

  /** New settings from the client; true when they differ from the previous ones. */
  setClientSettings(settings: ClientSettings): boolean {
    if (JSON.stringify(settings) === JSON.stringify(this.client)) return false;
    this.client = settings;
    this.generation++;
    return true;
  }

  /** A pyproject.toml changed somewhere: re-resolve every document's settings. */
  pyprojectChanged(): void {
    this.pyproject.invalidate();
    this.generation++;
  }

  setPythonSupport(python: PythonSupport): void {
    this.python = python;
    // Python results change for the same document versions: pull result ids must change too.
    this.generation++;
    // Parse the Python documents already open.
    for (const d of this.docs.values()) {
      if (d.snapshot.kind === "python" && !d.snapshot.python) {
        d.snapshot = { ...d.snapshot, python: this.parsePython(d.snapshot.document.getText()) };
        d.analysis = undefined;
      }
    }
  }

  get pythonSupport(): PythonSupport | undefined {
    return this.python;
  }

  open(uri: string, languageId: string, version: number, text: string): DocumentSnapshot | undefined {
    const kind = documentKind(uri, languageId);
    if (!kind) return undefined;
    const document = TextDocument.create(uri, languageId, version, text);
    const snapshot: DocumentSnapshot = { uri, kind, version, document };
    if (kind === "python") snapshot.python = this.parsePython(text);
    this.docs.set(uri, { snapshot });
    return snapshot;
  }

  /** Applies LSP content changes (incremental or full) and re-parses Python incrementally. */
  change(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): DocumentSnapshot | undefined {
    const open = this.docs.get(uri);
    if (!open) return undefined;
    const previous = open.snapshot;
    const document = TextDocument.update(TextDocument.create(uri, previous.document.languageId, previous.version, previous.document.getText()), changes, version);
    const snapshot: DocumentSnapshot = { uri, kind: previous.kind, version, document };
    if (previous.kind === "python") {
      snapshot.python = this.editPython(previous, changes, document.getText());
      // Handlers run synchronously, so nothing still reads the previous parse.
      if (previous.python && previous.python !== snapshot.python) this.python?.dispose(previous.python);
    }
    open.snapshot = snapshot;
    open.analysis = undefined;
    return snapshot;
  }

  close(uri: string): void {
    const python = this.docs.get(uri)?.snapshot.python;
    if (python) this.python?.dispose(python);
    this.docs.delete(uri);
  }

  get(uri: string): DocumentSnapshot | undefined {
    return this.docs.get(uri)?.snapshot;
  }

  all(): DocumentSnapshot[] {
    return [...this.docs.values()].map((d) => d.snapshot);
  }

  /** The analysis of the document's current version under the current settings, computed at most once. */
  analysis(uri: string): Analysis | undefined {
    const open = this.docs.get(uri);
    if (!open) return undefined;
    const { snapshot } = open;
    if (open.analysis && open.analysis.version === snapshot.version && open.analysis.settingsGeneration === this.generation) return open.analysis;
    const analysis = this.analyze(snapshot);
    // Only keep it if the document did not change meanwhile (analysis is synchronous today; stay safe anyway).
    if (this.docs.get(uri)?.snapshot === snapshot) open.analysis = analysis;
    return analysis;
  }

  private analyze(snapshot: DocumentSnapshot): Analysis {
    const base = { version: snapshot.version, settingsGeneration: this.generation };
    const text = snapshot.document.getText();
    if (text.length > MAX_ANALYZED_CHARS) {
      if (!this.reportedTooLarge.has(snapshot.uri)) {
        this.reportedTooLarge.add(snapshot.uri);
        this.log(`${snapshot.uri}: ${text.length} characters; documents over ${MAX_ANALYZED_CHARS} are not analyzed`);
      }
      return { ...base, findings: [], skipped: "too large" };
    }
    const settings = this.settingsFor(snapshot.uri);
    if (snapshot.kind === "qconfig") {
      const findings = analyzeQconfigText(text, { backend: settings.backend, model: this.models.modelFor(snapshot.uri) }).findings;
      return { ...base, findings: applyLintSettings(findings, settings.lint) };
    }
    if (!this.python || !snapshot.python) return { ...base, findings: [], skipped: "the Python analyzer is not loaded" };
    try {
      // Wall clock, checked between rule families: a pathological file gets partial results, not a frozen server.
      const budgetMs = this.timeBudgetMs;
      const started = performance.now();
      const result = this.python.analyze(snapshot.python, settings.lint, () => performance.now() - started >= budgetMs);
      const analysis: Analysis = { ...base, findings: applyLintSettings(result.findings, settings.lint) };
      if (result.skippedRules?.length) {
        const elapsedMs = Math.round(performance.now() - started);
        analysis.stoppedEarly = { elapsedMs, budgetMs, skippedRules: result.skippedRules };
        this.log(`${snapshot.uri}: analysis stopped after ${elapsedMs} ms (budget ${budgetMs} ms); skipped ${result.skippedRules.join(", ")}`);
      }
      return analysis;
    } catch (e) {
      // Cached like a result, so a document that trips the analyzer is not re-analyzed on every request.
      this.log(`the Python analyzer failed on ${snapshot.uri}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return { ...base, findings: [], skipped: "the Python analyzer failed" };
    }
  }

  /** A failed parse must never lose the text: the document stays open, just without Python analysis. */
  private parsePython(text: string): PythonDocumentState | undefined {
    if (!this.python || text.length > MAX_ANALYZED_CHARS) return undefined;
    try {
      return this.python.parse(text);
    } catch (e) {
      this.log(`the Python parser failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return undefined;
    }
  }

  private editPython(previous: DocumentSnapshot, changes: TextDocumentContentChangeEvent[], newText: string): PythonDocumentState | undefined {
    if (!this.python || newText.length > MAX_ANALYZED_CHARS) return undefined;
    if (!previous.python) return this.parsePython(newText);
    try {
      return this.python.edit(previous.python, changes, newText);
    } catch (e) {
      this.log(`incremental Python parse failed, parsing from scratch: ${e instanceof Error ? e.message : String(e)}`);
      return this.parsePython(newText);
    }
  }
}
