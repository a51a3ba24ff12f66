// Public surface of the model pipeline for the CLI and the language server (any process, fs-free).
export * from "./pipeline";
export * from "./progress";
export { argmax, sqnrDb, top1Accuracy } from "../numeric/metrics";
export type { QuantizationReport } from "../report/schema";
