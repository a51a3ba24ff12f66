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
import { DIAGNOSTIC_SOURCE } from "./diagnostics";

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

export function codeActions(session: Session, features: ClientFeatures, params: CodeActionParams, token: CancellationToken): CodeAction[] {
  const snapshot = session.get(params.textDocument.uri);
  if (!snapshot) return [];
  const only = params.context.only;
  if (only && !only.some((k) => k === CodeActionKind.QuickFix || CodeActionKind.QuickFix.startsWith(`${k}.`) || k === CodeActionKind.Empty)) return [];
  const ours = params.context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE && typeof d.code === "string");
  if (ours.length === 0) return [];
  const analysis = session.analysis(snapshot.uri);
  if (!analysis || token.isCancellationRequested) return [];

  const actions: CodeAction[] = [];
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
    if (snapshot.kind === "python") {
      const suppression = suppressionAction(snapshot, diagnostic, features);
      if (suppression) actions.push(suppression);
    }
  }
  return actions;
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
