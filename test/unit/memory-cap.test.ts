// The WASM memory cap: allocation past it is a clear WasmMemoryError, the instance stays usable, and the
// CLI honours QUANTSCOPE_MEMORY_CAP_MIB (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { createCore } from "../../core/src/node/load-core";
import { WasmMemoryError } from "../../core/src/wasm/core";

test("allocating past the cap raises WasmMemoryError and the core stays usable", async () => {
  const core = await createCore({ memoryCapBytes: 8 * 1048576 });
  assert.throws(() => core.alloc(64 * 1048576), (e: unknown) => {
    assert.ok(e instanceof WasmMemoryError);
    assert.match((e as Error).message, /cap of 8 MiB/);
    return true;
  });
  const p = core.alloc(1024);
  assert.ok(p > 0);
  core.free(p);
});

test("memory grows on demand below the cap", async () => {
  const core = await createCore({ memoryCapBytes: 64 * 1048576 });
  const before = core.memory.buffer.byteLength;
  const p = core.alloc(16 * 1048576);
  assert.ok(core.memory.buffer.byteLength > before);
  core.f32(p, 4).fill(1.5);
  assert.equal(core.f32(p, 4)[3], 1.5);
  core.free(p);
});
