// Editor-neutral findings shared by the Python analyzer, the qconfig checker, the CLI and the language
// server (any process). Positions are 0-based (LSP convention); the CLI converts to 1-based.

export type Severity = "error" | "warning" | "information" | "hint";

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface TextEdit {
  range: Range;
  newText: string;
}

/** A mechanical fix: applying all its edits to the document removes the finding. */
export interface Fix {
  title: string;
  edits: TextEdit[];
}

export interface Finding {
  /** Stable rule code, e.g. "QS101". Documented in docs/rules.md. */
  code: string;
  severity: Severity;
  message: string;
  range: Range;
  fixes?: Fix[];
}
