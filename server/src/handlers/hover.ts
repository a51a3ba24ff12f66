// textDocument/hover: qconfig keys and values (documentation, effective observer) and Python symbols the
// analyzer knows (server process).
import { MarkupKind, type CancellationToken, type Hover, type HoverParams } from "vscode-languageserver/node";
import { qconfigHover } from "../../../core/src/qconfig/hover";
import type { ClientFeatures } from "../features";
import { MAX_ANALYZED_CHARS, type Session } from "../session";

/** Markdown to plain text for clients that cannot render it. */
function plain(markdown: string): string {
  return markdown.replace(/\*\*|`/g, "");
}

export function hover(session: Session, features: ClientFeatures, params: HoverParams, token: CancellationToken): Hover | null {
  const snapshot = session.get(params.textDocument.uri);
  if (!snapshot || token.isCancellationRequested) return null;
  const text = snapshot.document.getText();
  if (text.length > MAX_ANALYZED_CHARS) return null;
  let markdown: string | undefined;
  let range: Hover["range"];
  if (snapshot.kind === "qconfig") {
    const h = qconfigHover(text, params.position, { backend: session.settingsFor(snapshot.uri).backend, model: session.modelFor(snapshot.uri) });
    markdown = h?.contents;
    range = h?.range;
  } else if (snapshot.python && session.pythonSupport) {
    markdown = session.pythonSupport.hover(snapshot.python, params.position);
  }
  if (!markdown) return null;
  return {
    contents: features.markdownHover ? { kind: MarkupKind.Markdown, value: markdown } : { kind: MarkupKind.PlainText, value: plain(markdown) },
    ...(range ? { range } : {}),
  };
}
