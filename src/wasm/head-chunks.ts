// Open XOR chunks of the head, living in WASM memory and addressed by u32 handles (0 is never a handle).
// The head decides where chunks are cut; this store only appends, reads and frees, always in batches.

import { columnsFor, type ChunkColumns, type SampleColumns } from './columns.js';
import { WasmKernel, Status, align8 } from './kernel.js';

/** What chunksInfo reports for one chunk. */
export interface HeadChunkInfo {
  numSamples: number;
  /** Bytes `bytes()` returns: the 2-byte count and the bit stream. */
  byteLength: number;
  /** First and last timestamp, NaN while the chunk is empty. */
  minTime: number;
  maxTime: number;
}

const INFO_SIZE = 32; // u32 address, u32 byte length, u32 count, u32 0, f64 min time, f64 max time

/**
 * A set of open XOR chunks with its own WASM instance and memory. Bytes read from a chunk are exactly what
 * encodeXorChunk gives for the same samples, so they can be written to chunk files as they are.
 * Handles of freed chunks are reused by later `create` calls.
 */
export class HeadChunkStore {
  private readonly kernel = new WasmKernel();

  /** Opens `count` empty chunks. */
  create(count: number): Uint32Array {
    checkCount(count);
    const k = this.kernel;
    const at = k.scratch(4 * count);
    k.exports.chunksCreate(at, count);
    return new Uint32Array(k.memory.buffer.slice(at, at + 4 * count));
  }

  /**
   * Appends sample i to chunk handles[i] for i in [start, end), in order: one call for samples of many
   * chunks. Timestamps must be integer milliseconds; the caller keeps each chunk's timestamps increasing.
   * Fails as a whole (nothing appended) on a dead handle, a bad timestamp or a chunk past 65535 samples.
   */
  append(handles: Uint32Array, ts: Float64Array, vs: Float64Array, start = 0, end = handles.length): void {
    if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= handles.length && end <= ts.length && end <= vs.length)) {
      throw new RangeError(`HeadChunkStore.append: bad range [${start}, ${end}) of ${handles.length} handles, ${ts.length} timestamps, ${vs.length} values`);
    }
    const n = end - start;
    const k = this.kernel;
    const tsAt = k.scratch(16 * n + align8(4 * n));
    const vsAt = tsAt + 8 * n;
    const handlesAt = vsAt + 8 * n;
    k.writeFloat64(tsAt, ts, start, end);
    k.writeFloat64(vsAt, vs, start, end);
    k.writeUint32(handlesAt, handles.subarray(start, end));
    const status = k.exports.chunksAppend(handlesAt, tsAt, vsAt, n);
    if (status < 0) {
      const i = start + k.exports.lastErrorIndex();
      if (status === Status.BadHandle) throw new RangeError(`HeadChunkStore.append: ${handles[i]} at index ${i} is not an open chunk`);
      if (status === Status.BadTimestamp) throw new RangeError(`HeadChunkStore.append: timestamp ${ts[i]} at index ${i} is not an integer number of milliseconds`);
      throw new RangeError(`HeadChunkStore.append: chunk ${handles[i]} would exceed 65535 samples at index ${i}`);
    }
  }

  info(handle: number): HeadChunkInfo {
    const view = this.infoRecords([handle]);
    return {
      byteLength: view.getUint32(4, true),
      numSamples: view.getUint32(8, true),
      minTime: view.getFloat64(16, true),
      maxTime: view.getFloat64(24, true),
    };
  }

  numSamples(handle: number): number {
    return this.infoRecords([handle]).getUint32(8, true);
  }

  /** The chunk's bytes (a copy). */
  bytes(handle: number): Uint8Array {
    const view = this.infoRecords([handle]);
    return this.kernel.copyOut(view.getUint32(0, true), view.getUint32(4, true));
  }

  /** Copies of several chunks' bytes, in order. */
  bytesMany(handles: Uint32Array | readonly number[]): Uint8Array[] {
    const view = this.infoRecords(handles);
    return Array.from({ length: handles.length }, (_, i) =>
      this.kernel.copyOut(view.getUint32(i * INFO_SIZE, true), view.getUint32(i * INFO_SIZE + 4, true)),
    );
  }

  decode(handle: number, out?: SampleColumns): SampleColumns {
    return this.decodeMany([handle], out);
  }

  /** Samples of several chunks, concatenated in the order given; counts[i] came from handles[i]. */
  decodeMany(handles: Uint32Array | readonly number[], out?: SampleColumns): ChunkColumns {
    const n = handles.length;
    const records = this.infoRecords(handles);
    const counts = new Uint32Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) total += counts[i] = records.getUint32(i * INFO_SIZE + 8, true);

    const k = this.kernel;
    const tAt = k.scratch(16 * total + 4 * n);
    const vAt = tAt + 8 * total;
    const handlesAt = vAt + 8 * total;
    k.writeUint32(handlesAt, handles);
    const decoded = k.exports.chunksDecode(handlesAt, n, tAt, vAt);
    if (decoded !== total) throw new Error(`HeadChunkStore.decodeMany: decoded ${decoded} samples, expected ${total}`);

    const columns = columnsFor(total, out);
    k.readFloat64(tAt, total, columns.timestamps);
    k.readFloat64(vAt, total, columns.values);
    return Object.assign(columns, { counts });
  }

  /** Frees chunks; fails as a whole (nothing freed) if a handle is not open or is listed twice. */
  free(handles: Uint32Array | readonly number[]): void {
    const k = this.kernel;
    const at = k.scratch(4 * handles.length);
    k.writeUint32(at, handles);
    if (k.exports.chunksFree(at, handles.length) < 0) {
      const i = k.exports.lastErrorIndex();
      throw new RangeError(`HeadChunkStore.free: ${handles[i]} at index ${i} is not an open chunk or is listed twice`);
    }
  }

  /** Chunks created and not yet freed. */
  get liveChunks(): number {
    return this.kernel.exports.chunksLive() >>> 0;
  }

  /** Size of this store's linear memory (it grows, never shrinks). */
  get memoryBytes(): number {
    return this.kernel.memory.byteLength;
  }

  /** INFO_SIZE-byte records for the handles, as a DataView valid until the next call into the kernel. */
  private infoRecords(handles: Uint32Array | readonly number[]): DataView {
    const k = this.kernel;
    const n = handles.length;
    const recordsAt = k.scratch(INFO_SIZE * n + 4 * n);
    const handlesAt = recordsAt + INFO_SIZE * n;
    k.writeUint32(handlesAt, handles);
    if (k.exports.chunksInfo(handlesAt, n, recordsAt) < 0) {
      const i = k.exports.lastErrorIndex();
      throw new RangeError(`HeadChunkStore: ${handles[i]} at index ${i} is not an open chunk`);
    }
    return k.dataView(recordsAt, INFO_SIZE * n);
  }
}

function checkCount(count: number): void {
  if (!Number.isInteger(count) || count < 0 || count > 0x1000_0000) throw new RangeError(`HeadChunkStore.create: bad count ${count}`);
}
