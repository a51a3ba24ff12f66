// Child process of the kernel benchmark: QuantScope's WASM int8 kernels (1 and 2 threads) on every
// case (or only the case named by the second argument); prints one JSON line per (case, threads).
// Usage: node --import tsx bench/kernels/ours.ts [threads,...] [case name]; run by bench/kernels/main.ts.
import { loadCore } from "../../core/src/node/load-core";
import { createKernelThreadPool } from "../../core/src/node/kernel-threads";
import { PackedLinear } from "../../core/src/wasm/qlinear";
import { PackedConv2d } from "../../core/src/wasm/qconv";
import type { KernelThreadPool } from "../../core/src/wasm/thread-pool";
import {
  CASES,
  applyBenchPriority,
  interleavedSpeedup,
  measure,
  opsOf,
  pseudoRandomBytes,
  type Measured,
} from "./cases";

async function main() {
  applyBenchPriority();
  const threadCounts = (process.argv[2] ?? "1,2").split(",").map(Number);
  const only = process.argv[3];
  const core = await loadCore();
  const pools = new Map<number, KernelThreadPool | undefined>();
  for (const t of threadCounts) pools.set(t, t > 1 ? await createKernelThreadPool(core, t) : undefined);
  const q = { inScale: 0.02, inZeroPoint: 128, outScale: 0.5, outZeroPoint: 128, relu: false };
  for (const c of CASES.filter((x) => only === undefined || x.name === only)) {
    for (const t of threadCounts) {
      const pool = pools.get(t);
      let m: Measured;
      let speedup: number | null = null;
      if (c.kind === "gemm") {
        const w = new Int8Array(pseudoRandomBytes(c.n * c.k, 1).buffer);
        const packed = new PackedLinear(
          core,
          "x86",
          c.n,
          c.k,
          { data: w, scales: [0.01], zeroPoints: [0] },
          new Float32Array(c.n),
        );
        const inp = core.alloc(c.m * c.k);
        const out = core.alloc(c.m * c.n);
        core.u8(inp, c.m * c.k).set(pseudoRandomBytes(c.m * c.k, 2));
        m = await measure(opsOf(c), () => packed.run(inp, out, c.m, q, pool));
        if (pool && threadCounts.includes(1))
          speedup = interleavedSpeedup(
            () => packed.run(inp, out, c.m, q),
            () => packed.run(inp, out, c.m, q, pool),
          );
        core.free(inp);
        core.free(out);
        packed.dispose();
      } else {
        const per = (c.c / c.groups) * c.k * c.k;
        const w = new Int8Array(pseudoRandomBytes(c.oc * per, 3).buffer);
        const geometry = {
          inChannels: c.c,
          outChannels: c.oc,
          kernel: [c.k, c.k] as [number, number],
          stride: [1, 1] as [number, number],
          padding: [c.pad, c.pad] as [number, number],
          dilation: [1, 1] as [number, number],
          groups: c.groups,
        };
        const packed = new PackedConv2d(
          core,
          "x86",
          geometry,
          { data: w, scales: [0.01], zeroPoints: [0] },
          new Float32Array(c.oc),
        );
        const [oh, ow] = packed.outputSize(c.h, c.w);
        const inp = core.alloc(c.c * c.h * c.w);
        const out = core.alloc(c.oc * oh * ow);
        core.u8(inp, c.c * c.h * c.w).set(pseudoRandomBytes(c.c * c.h * c.w, 4));
        m = await measure(opsOf(c), () => packed.run(inp, out, 1, c.h, c.w, q, pool));
        core.free(inp);
        core.free(out);
        packed.dispose();
      }
      console.log(
        JSON.stringify({
          case: c.name,
          threads: t,
          gops: m.gops,
          cpuGops: m.cpuGops,
          busiestThreadGops: m.busiestThreadGops,
          speedup,
        }),
      );
    }
  }
  for (const p of pools.values()) p?.close();
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
