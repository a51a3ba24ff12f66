// Reads a qconfig file's text into a QConfigFile for the model pipeline, refusing anything the checker calls an
// error, with one line naming the file, line:column and the problem (any process).
import { InputError } from "../errors";
import { analyzeQconfigText, type CheckOptions } from "./check";
import type { QConfigFile } from "./types";

/**
 * Parses and validates a qconfig file. Throws InputError("FILE: LINE:COL: problem") for invalid JSON, schema
 * violations and combinations PyTorch rejects; warnings do not stop it (run checkQconfigText to see them).
 */
export function parseQconfig(text: string, file?: string, options: CheckOptions = {}): QConfigFile {
  const analysis = analyzeQconfigText(text, options);
  const errors = analysis.findings.filter((f) => f.severity === "error");
  if (errors.length > 0) {
    // Invalid JSON first: schema findings on a half-read file are secondary.
    const first = errors.find((f) => f.code === "QS800") ?? errors[0];
    const at = `${first.range.start.line + 1}:${first.range.start.character + 1}`;
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? "s" : ""})` : "";
    throw new InputError(`${at}: ${first.message} [${first.code}]${more}`, file);
  }
  return analysis.value;
}
