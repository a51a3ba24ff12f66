// The exported ABI of the QuantScope WASM core, nothing else (WASM). Every kernel takes pointers into
// linear memory and plain numbers; the host-side binding lives in core/src/wasm/.
export { alloc, free } from "./util/memory";
