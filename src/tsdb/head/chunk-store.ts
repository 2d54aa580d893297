import type { SampleColumns } from '../../wasm/index.js';

/**
 * Where the head keeps its chunks: open XOR chunks addressed by handles, appended
 * to in batches. Implemented over WASM memory by src/wasm; the head never sees bytes
 * until it asks for them.
 */
export interface HeadChunkStore {
  /** Creates `n` empty open chunks and returns their handles. */
  create(n: number): Uint32Array;
  /** Appends sample i of the batch, `(ts[i], vs[i])`, to chunk `handles[i]`, for i in [0, n). */
  append(handles: Uint32Array, ts: Float64Array, vs: Float64Array, n: number): void;
  /** A copy of the chunk's bytes, exactly as Prometheus would store them. */
  bytes(handle: number): Uint8Array;
  /** Decodes the chunk's samples. */
  decode(handle: number, out?: SampleColumns): SampleColumns;
  /** Releases chunks. */
  free(handles: Uint32Array): void;
}
