// Progress reporting shared by the pipeline entry points (any process): one callback, phases with
// done/total counts, so the CLI can draw a bar and the server can send LSP work-done progress.

export type PipelinePhase = "prepare" | "calibrate" | "convert" | "export" | "evaluate-float" | "evaluate-int8";

export interface PipelineProgress {
  phase: PipelinePhase;
  /** Units done and total in this phase (samples for calibrate/evaluate, steps otherwise). */
  done: number;
  total: number;
  /** A short human-readable line, e.g. "calibrating: batch 2/8". */
  message: string;
}

export type ProgressCallback = (p: PipelineProgress) => void;
