// Diagnostics, push and pull from ONE function (server process): computeDiagnostics turns a document's cached
// analysis into LSP diagnostics; pushed (debounced) on open/change when the client cannot pull, answered to
// textDocument/diagnostic when it can.
import {
  DiagnosticSeverity,
  DocumentDiagnosticReportKind,
  type CancellationToken,
  type Connection,
  type Diagnostic,
  type DocumentDiagnosticParams,
  type DocumentDiagnosticReport,
} from "vscode-languageserver/node";
import type { Finding, Severity } from "../../../core/src/diagnostics";
import type { DocumentSnapshot, Session, StoppedEarly } from "../session";

export const DIAGNOSTIC_SOURCE = "quantscope";

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toDiagnostic(f: Finding): Diagnostic {
  return { range: f.range, severity: SEVERITY[f.severity], code: f.code, source: DIAGNOSTIC_SOURCE, message: f.message };
}

/** The code of the information diagnostic that says the analysis ran out of its time budget (docs/rules.md). */
export const ANALYSIS_STOPPED_CODE = "QS900";

/** ONE information diagnostic at the top of a document whose analysis stopped early, naming the rules skipped. */
export function analysisStoppedDiagnostic(stopped: StoppedEarly): Diagnostic {
  const rules = stopped.skippedRules;
  const message =
    `QuantScope stopped analyzing this file after ${stopped.elapsedMs} ms (time budget ${stopped.budgetMs} ms, ` +
    `setting quantscope.analysis.timeBudgetMs); findings are partial, ${rules.length} rule${rules.length === 1 ? "" : "s"} skipped: ${rules.join(", ")}`;
  const start = { line: 0, character: 0 };
  return { range: { start, end: start }, severity: DiagnosticSeverity.Information, code: ANALYSIS_STOPPED_CODE, source: DIAGNOSTIC_SOURCE, message };
}

/** The diagnostics of a document's current version (from the session's per-version cache). */
export function computeDiagnostics(session: Session, snapshot: DocumentSnapshot): Diagnostic[] {
  const analysis = session.analysis(snapshot.uri);
  if (!analysis) return [];
  const diagnostics = analysis.findings.map(toDiagnostic);
  if (analysis.stoppedEarly) diagnostics.push(analysisStoppedDiagnostic(analysis.stoppedEarly));
  return diagnostics;
}

/**
 * Identifies a pull result by its content, so a client asking again gets "unchanged" whenever the
 * diagnostics are the same, even if settings were re-read in between (they often are at start-up).
 */
export function resultIdOf(items: readonly Diagnostic[]): string {
  const text = JSON.stringify(items);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return `${(h >>> 0).toString(36)}-${text.length.toString(36)}`;
}

/** textDocument/diagnostic. */
export async function pullDiagnostics(session: Session, params: DocumentDiagnosticParams, token: CancellationToken): Promise<DocumentDiagnosticReport> {
  await session.ready;
  const snapshot = session.get(params.textDocument.uri);
  if (!snapshot) return { kind: DocumentDiagnosticReportKind.Full, items: [] };
  if (token.isCancellationRequested) return { kind: DocumentDiagnosticReportKind.Full, items: [] };
  const items = computeDiagnostics(session, snapshot);
  const resultId = resultIdOf(items);
  if (params.previousResultId === resultId) return { kind: DocumentDiagnosticReportKind.Unchanged, resultId };
  return { kind: DocumentDiagnosticReportKind.Full, resultId, items };
}

/** Push mode: publishes a document's diagnostics shortly after its last change. */
export class DiagnosticsPublisher {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly connection: Connection,
    private readonly session: Session,
    private readonly log: (message: string) => void,
    readonly delayMs = 150,
  ) {}

  schedule(uri: string, delayMs = this.delayMs): void {
    clearTimeout(this.timers.get(uri));
    this.timers.set(
      uri,
      setTimeout(() => {
        this.timers.delete(uri);
        void this.publish(uri);
      }, delayMs),
    );
  }

  async publish(uri: string): Promise<void> {
    await this.session.ready;
    const snapshot = this.session.get(uri);
    if (!snapshot) return;
    let diagnostics: Diagnostic[] = [];
    try {
      diagnostics = computeDiagnostics(this.session, snapshot);
    } catch (e) {
      this.log(`diagnostics for ${uri} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
    void this.connection.sendDiagnostics({ uri, version: snapshot.version, diagnostics });
  }

  /** The document was closed: cancel pending work and clear its diagnostics. */
  clear(uri: string): void {
    clearTimeout(this.timers.get(uri));
    this.timers.delete(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
