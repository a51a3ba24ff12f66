// textDocument/codeAction: the quick fixes each finding carries, and for Python "suppress with
// # quantscope: ignore[CODE]" (server process).
import {
  CodeActionKind,
  type CancellationToken,
  type CodeAction,
  type CodeActionParams,
  type Diagnostic,
  type TextEdit,
  type WorkspaceEdit,
} from "vscode-languageserver/node";
import type { Finding, Range } from "../../../core/src/diagnostics";
import type { ClientFeatures } from "../features";
import type { DocumentSnapshot, Session } from "../session";
import { ANALYSIS_STOPPED_CODE, DIAGNOSTIC_SOURCE } from "./diagnostics";

const sameRange = (a: Range, b: Range) =>
  a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;

function workspaceEdit(snapshot: DocumentSnapshot, edits: TextEdit[], features: ClientFeatures): WorkspaceEdit {
  // Versioned edits let the client refuse a fix computed for an older version of the document.
  if (features.versionedEdits) return { documentChanges: [{ textDocument: { uri: snapshot.uri, version: snapshot.version }, edits }] };
  return { changes: { [snapshot.uri]: edits } };
}

const SUPPRESSION = /#\s*quantscope:\s*ignore\[([A-Za-z0-9_,\s]*)\]/;

/** The edit that adds CODE to the `# quantscope: ignore[...]` comment of the diagnostic's first line. */
export function suppressionEdit(snapshot: DocumentSnapshot, line: number, code: string): TextEdit | undefined {
  const doc = snapshot.document;
  if (line < 0 || line >= doc.lineCount) return undefined;
  const text = doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$|\r$/, "");
  const existing = SUPPRESSION.exec(text);
  if (existing) {
    const codes = existing[1].split(",").map((c) => c.trim()).filter(Boolean);
    if (codes.includes(code)) return undefined;
    const close = (existing.index ?? 0) + existing[0].length - 1;
    const at = { line, character: close };
    return { range: { start: at, end: at }, newText: codes.length ? `, ${code}` : code };
  }
  const end = text.replace(/\s+$/, "").length;
  const at = { line, character: end };
  return { range: { start: at, end: { line, character: text.length } }, newText: `  # quantscope: ignore[${code}]` };
}

/** The kind of the action that applies every fix at once (editor.codeActionsOnSave: "source.fixAll"). */
export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.quantscope`;

/** Whether a kind the client asked for (`only`) covers `kind` (LSP kinds are hierarchical: "source" covers "source.fixAll.x"). */
function wanted(only: string[] | undefined, kind: string): boolean {
  return !only || only.some((k) => k === kind || kind.startsWith(`${k}.`));
}

export function codeActions(session: Session, features: ClientFeatures, params: CodeActionParams, token: CancellationToken): CodeAction[] {
  const snapshot = session.get(params.textDocument.uri);
  if (!snapshot) return [];
  const only = params.context.only;
  const quickFixes = wanted(only, CodeActionKind.QuickFix);
  const fixAll = wanted(only, FIX_ALL_KIND);
  if (!quickFixes && !fixAll) return [];
  const analysis = session.analysis(snapshot.uri);
  if (!analysis || token.isCancellationRequested) return [];

  const actions: CodeAction[] = [];
  if (quickFixes) {
    const ours = params.context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE && typeof d.code === "string");
    for (const diagnostic of ours) {
      const finding: Finding | undefined = analysis.findings.find((f) => f.code === diagnostic.code && sameRange(f.range, diagnostic.range));
      finding?.fixes?.forEach((fix, i) => {
        actions.push({
          title: fix.title,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          isPreferred: i === 0,
          edit: workspaceEdit(snapshot, fix.edits, features),
        });
      });
      // QS900 (the time budget) is no finding a comment can suppress.
      if (snapshot.kind === "python" && diagnostic.code !== ANALYSIS_STOPPED_CODE) {
        const suppression = suppressionAction(snapshot, diagnostic, features);
        if (suppression) actions.push(suppression);
      }
    }
  }
  // Fix-all: on request (on save), or in the light bulb when more than one problem has a fix.
  const edits = fixAllEdits(analysis.findings);
  if (fixAll && edits.fixed > 0 && (only !== undefined || edits.fixed > 1)) {
    actions.push({
      title: `Fix all auto-fixable QuantScope problems (${edits.fixed})`,
      kind: FIX_ALL_KIND,
      edit: workspaceEdit(snapshot, edits.edits, features),
    });
  }
  return actions;
}

const before = (a: Range["start"], b: Range["start"]) => a.line < b.line || (a.line === b.line && a.character < b.character);

/** The first fix of every finding, skipping fixes that touch text an earlier fix already changes. */
export function fixAllEdits(findings: Finding[]): { edits: TextEdit[]; fixed: number } {
  const taken: Range[] = [];
  const edits: TextEdit[] = [];
  let fixed = 0;
  const overlaps = (r: Range) => taken.some((t) => !before(r.end, t.start) && !before(t.end, r.start));
  for (const f of findings) {
    const fix = f.fixes?.[0];
    if (!fix || fix.edits.some((e) => overlaps(e.range))) continue;
    for (const e of fix.edits) {
      taken.push(e.range);
      edits.push(e);
    }
    fixed++;
  }
  return { edits, fixed };
}

function suppressionAction(snapshot: DocumentSnapshot, diagnostic: Diagnostic, features: ClientFeatures): CodeAction | undefined {
  const code = String(diagnostic.code);
  const edit = suppressionEdit(snapshot, diagnostic.range.start.line, code);
  if (!edit) return undefined;
  return {
    title: `Suppress ${code} with # quantscope: ignore[${code}]`,
    kind: CodeActionKind.QuickFix,
    diagnostics: [diagnostic],
    edit: workspaceEdit(snapshot, [edit], features),
  };
}
