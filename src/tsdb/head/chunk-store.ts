import type { HeadChunkStore as WasmHeadChunkStore } from '../../wasm/index.js';

/**
 * Where the head keeps its chunks: open XOR chunks addressed by handles, appended
 * to in batches. The WASM store in src/wasm implements it; tests may pass a double.
 */
export type HeadChunkStore = Pick<WasmHeadChunkStore, 'create' | 'append' | 'bytesMany' | 'decodeMany' | 'free'>;
