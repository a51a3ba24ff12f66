// Host binding of the WASM int8 core: instantiation, the memory cap, and typed views over linear memory
// (runs in the CLI, server and test processes). The only code that talks to the WASM module directly.
import { instantiate } from "../../../build/quantscope.js";

/** The exports of build/quantscope.wasm, as asc's generated bindings type them. */
export type CoreExports = Awaited<ReturnType<typeof instantiate>>;

export const PAGE_BYTES = 65536;
/** Default cap on WASM linear memory: 2 GiB. */
export const DEFAULT_MEMORY_CAP_BYTES = 2 * 1024 * 1024 * 1024;

export class WasmMemoryError extends Error {
  constructor(capBytes: number) {
    super(
      `the WASM core ran out of memory at its cap of ${Math.round(capBytes / 1048576)} MiB ` +
        `(raise it with the QUANTSCOPE_MEMORY_CAP_MIB environment variable)`,
    );
    this.name = "WasmMemoryError";
  }
}

export interface CoreOptions {
  /** Most bytes linear memory may grow to; growth past it raises WasmMemoryError. */
  memoryCapBytes?: number;
}

type ViewCtor<T> = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; BYTES_PER_ELEMENT: number };

/**
 * One instance of the core. Buffers are allocated with `alloc` once per tensor and reused; views must be
 * re-created after any call that may grow memory (the underlying buffer is replaced on growth).
 */
export class WasmCore {
  private constructor(
    readonly exports: CoreExports,
    readonly memory: WebAssembly.Memory,
    readonly module: WebAssembly.Module,
    readonly memoryCapBytes: number,
  ) {}

  static async create(wasmBytes: BufferSource, options: CoreOptions = {}): Promise<WasmCore> {
    const cap = options.memoryCapBytes ?? DEFAULT_MEMORY_CAP_BYTES;
    const maxPages = Math.max(64, Math.min(65536, Math.floor(cap / PAGE_BYTES)));
    const memory = new WebAssembly.Memory({ initial: 32, maximum: maxPages, shared: true });
    const module = await WebAssembly.compile(wasmBytes);
    let exports: CoreExports;
    try {
      exports = await instantiate(module, { env: { memory } });
    } catch (e) {
      throw translateTrap(e, cap);
    }
    return new WasmCore(exports, memory, module, cap);
  }

  /** Runs `fn`, turning the core's out-of-memory abort into a WasmMemoryError. */
  guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw translateTrap(e, this.memoryCapBytes);
    }
  }

  /** Allocates in linear memory; any trap inside the allocator means memory could not grow past the cap. */
  alloc(bytes: number): number {
    try {
      return this.exports.alloc(Math.max(16, bytes));
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError) throw new WasmMemoryError(this.memoryCapBytes);
      throw translateTrap(e, this.memoryCapBytes);
    }
  }

  free(ptr: number): void {
    if (ptr) this.exports.free(ptr);
  }

  /** A view over `length` elements at `ptr`; valid until memory next grows. */
  view<T>(ctor: ViewCtor<T>, ptr: number, length: number): T {
    return new ctor(this.memory.buffer, ptr, length);
  }

  f32(ptr: number, length: number): Float32Array {
    return this.view(Float32Array, ptr, length);
  }
  i32(ptr: number, length: number): Int32Array {
    return this.view(Int32Array, ptr, length);
  }
  u8(ptr: number, length: number): Uint8Array {
    return this.view(Uint8Array, ptr, length);
  }
  i8(ptr: number, length: number): Int8Array {
    return this.view(Int8Array, ptr, length);
  }

  /** Allocates a buffer and copies `src` into it. */
  copyIn(src: ArrayBufferView): number {
    const ptr = this.alloc(src.byteLength);
    this.u8(ptr, src.byteLength).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
    return ptr;
  }

  /** Copies `length` elements at `ptr` out into a fresh (non-shared) typed array. */
  copyOut<T extends { slice(): T }>(ctor: ViewCtor<T>, ptr: number, length: number): T {
    return this.view(ctor, ptr, length).slice();
  }

  /**
   * Runs `fn` with scratch allocations that are all freed afterwards, so callers cannot leak buffers
   * on error paths.
   */
  scoped<T>(fn: (alloc: (bytes: number) => number) => T): T {
    const ptrs: number[] = [];
    try {
      return fn((bytes) => {
        const p = this.alloc(bytes);
        ptrs.push(p);
        return p;
      });
    } finally {
      for (const p of ptrs) this.free(p);
    }
  }
}

function translateTrap(e: unknown, capBytes: number): unknown {
  const msg = e instanceof Error ? e.message : String(e);
  if (/allocation too large|out of memory|Out of bounds memory|Maximum memory size exceeded/i.test(msg)) {
    return new WasmMemoryError(capBytes);
  }
  return e;
}
