// Finds and reads the ONNX model a qconfig file configures, so the checker, completion and hover know its node
// names and op types (server process): `X.onnx` beside `X.qconfig.json`, else the only .onnx file in the folder.
// Models are cached by path, size and modification time; unreadable ones are reported once and ignored.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { listModelNodes, type ModelInfo } from "../../core/src/qconfig/model-nodes";

/** Larger files are not read just to list node names (a model this size keeps its weights outside anyway). */
const MAX_MODEL_BYTES = 512 << 20;

interface Cached {
  size: number;
  mtimeMs: number;
  info: ModelInfo | undefined;
}

export class ModelIndex {
  private readonly models = new Map<string, Cached>();
  private readonly reported = new Set<string>();

  constructor(private readonly warn: (message: string) => void) {}

  /** Forget what was read (an .onnx file was created, changed or deleted). */
  invalidate(): void {
    this.models.clear();
    this.reported.clear();
  }

  /** The model file for a qconfig document, if one can be found. */
  modelFileFor(uri: string): string | undefined {
    if (!uri.startsWith("file:")) return undefined;
    let file: string;
    try {
      file = fileURLToPath(uri);
    } catch {
      return undefined;
    }
    const dir = path.dirname(file);
    const stem = path.basename(file).replace(/\.qconfig\.json$/i, "");
    const beside = path.join(dir, `${stem}.onnx`);
    if (isFile(beside)) return beside;
    let onnx: string[];
    try {
      onnx = fs.readdirSync(dir).filter((f) => f.toLowerCase().endsWith(".onnx"));
    } catch {
      return undefined;
    }
    return onnx.length === 1 ? path.join(dir, onnx[0]) : undefined;
  }

  /** The node list of the qconfig document's model, or undefined when there is none or it cannot be read. */
  modelFor(uri: string): ModelInfo | undefined {
    const file = this.modelFileFor(uri);
    if (!file) return undefined;
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      return undefined;
    }
    const cached = this.models.get(file);
    if (cached && cached.size === stat.size && cached.mtimeMs === stat.mtimeMs) return cached.info;
    const info = this.read(file, stat.size);
    this.models.set(file, { size: stat.size, mtimeMs: stat.mtimeMs, info });
    return info;
  }

  private read(file: string, size: number): ModelInfo | undefined {
    try {
      if (size > MAX_MODEL_BYTES) throw new Error(`${file}: ${size} bytes; models over ${MAX_MODEL_BYTES} bytes are not read for node names`);
      return listModelNodes(fs.readFileSync(file), file);
    } catch (e) {
      if (!this.reported.has(file)) {
        this.reported.add(file);
        this.warn(e instanceof Error ? e.message : String(e));
      }
      return undefined;
    }
  }
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
