// Heap allocation exported to the host (WASM). The host allocates every tensor buffer here once,
// outside hot loops; kernels only read and write through pointers.

/** Allocates `bytes` bytes aligned to 16, for tensors the host fills. Returns 0 never: aborts past the cap. */
export function alloc(bytes: usize): usize {
  return heap.alloc(bytes);
}

/** Frees a block returned by alloc. */
export function free(ptr: usize): void {
  heap.free(ptr);
}
