// textDocument/completion for qconfig files: keys and values from the schema, as snippets when the client
// takes them (server process).
import {
  CompletionItemKind,
  InsertTextFormat,
  MarkupKind,
  type CancellationToken,
  type CompletionItem,
  type CompletionList,
  type CompletionParams,
} from "vscode-languageserver/node";
import { qconfigCompletions, type QconfigCompletion } from "../../../core/src/qconfig/complete";
import type { ClientFeatures } from "../features";
import { MAX_ANALYZED_CHARS, type Session } from "../session";

const KIND: Record<QconfigCompletion["kind"], CompletionItemKind> = {
  property: CompletionItemKind.Property,
  value: CompletionItemKind.Value,
  template: CompletionItemKind.Snippet,
};

export function completion(session: Session, features: ClientFeatures, params: CompletionParams, token: CancellationToken): CompletionList | null {
  const snapshot = session.get(params.textDocument.uri);
  if (!snapshot || snapshot.kind !== "qconfig" || token.isCancellationRequested) return null;
  const text = snapshot.document.getText();
  if (text.length > MAX_ANALYZED_CHARS) return null;
  const items = qconfigCompletions(text, params.position, { model: session.modelFor(snapshot.uri) }).map((c): CompletionItem => {
    // The client filters on the text being replaced; when that starts with a quote, so must the filter text.
    const replaced = snapshot.document.getText(c.range);
    const filterText = replaced.startsWith('"') && !c.label.startsWith('"') ? JSON.stringify(c.label) : c.label;
    const newText = features.snippets ? c.snippet : c.plainText;
    return {
      label: c.label,
      kind: KIND[c.kind],
      detail: c.detail,
      documentation: c.documentation ? (features.markdownCompletionDocs ? { kind: MarkupKind.Markdown, value: c.documentation } : c.documentation) : undefined,
      sortText: c.sortText,
      filterText,
      textEdit: { range: c.range, newText },
      insertTextFormat: features.snippets ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
    };
  });
  return { isIncomplete: false, items };
}
