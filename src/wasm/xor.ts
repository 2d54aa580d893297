// XOR chunk encode/decode on self-contained byte arrays (block chunks, WAL-replayed or re-encoded samples).
// Each call copies its inputs into WASM memory once, runs one export, and copies the result out.

import { CorruptionError } from '../tsdb/encoding/errors.js';
import { columnsFor, type ChunkColumns, type SampleColumns } from './columns.js';
import { WasmKernel, Status, STREAM_SLACK, align8, type ChunkLocation } from './kernel.js';

/** Most samples an XOR chunk can hold: the count is a BE16. */
export const XOR_MAX_SAMPLES = 65535;

/** Longest meaningful XOR chunk; bytes after it can never be read (the decoder stops after 65535 samples). */
const MAX_CHUNK_BYTES = 2 + 10 + 8 + 1 + 10 + 10 + 19 * (XOR_MAX_SAMPLES - 2);

let shared: WasmKernel | undefined;

function kernel(): WasmKernel {
  return (shared ??= new WasmKernel());
}

/**
 * Encodes samples [start, end) as one XOR chunk (2-byte count + bit stream), byte for byte what
 * Prometheus 2.42 writes. Timestamps are integer milliseconds; values are taken as raw bits.
 */
export function encodeXorChunk(ts: Float64Array, vs: Float64Array, start = 0, end = ts.length): Uint8Array {
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= ts.length && end <= vs.length)) {
    throw new RangeError(`encodeXorChunk: bad sample range [${start}, ${end}) of ${ts.length} timestamps and ${vs.length} values`);
  }
  const n = end - start;
  if (n > XOR_MAX_SAMPLES) throw new RangeError(`encodeXorChunk: ${n} samples do not fit one XOR chunk (at most ${XOR_MAX_SAMPLES})`);

  const k = kernel();
  const tsAt = k.scratch(16 * n + 20 * n + STREAM_SLACK);
  const vsAt = tsAt + 8 * n;
  const outAt = vsAt + 8 * n;
  k.writeFloat64(tsAt, ts, start, end);
  k.writeFloat64(vsAt, vs, start, end);
  const length = k.exports.encodeXor(tsAt, vsAt, n, outAt);
  if (length < 0) {
    const i = start + k.exports.lastErrorIndex();
    throw new RangeError(`encodeXorChunk: timestamp ${ts[i]} at index ${i} is not an integer number of milliseconds`);
  }
  return k.copyOut(outAt, length);
}

/**
 * Checks the header and returns the sample count, refusing counts the bytes cannot possibly hold, so that
 * a corrupt header never makes us allocate output for 65535 samples per 3-byte chunk. The least a sample
 * takes: sample 0 a 1-byte varint and 64 value bits, sample 1 a 1-byte varint and 1 bit, then 2 bits each.
 */
export function checkHeader(chunk: Uint8Array, where: ChunkLocation | undefined): number {
  if (chunk.length < 2) {
    throw new CorruptionError(`XOR chunk of ${chunk.length} bytes is shorter than its 2-byte header`, where?.file, where?.offset);
  }
  const count = (chunk[0]! << 8) | chunk[1]!;
  const bits = 8 * (chunk.length - 2);
  const most = bits < 72 ? 0 : bits < 81 ? 1 : 2 + Math.floor((bits - 81) / 2);
  if (count > most) {
    throw new CorruptionError(`XOR chunk of ${chunk.length} bytes cannot hold the ${count} samples its header promises`, where?.file, where?.offset);
  }
  return count;
}

/**
 * Decodes an XOR chunk into columns (reusing `out` when given). A chunk that cannot hold the samples its
 * header counts, or is otherwise malformed, throws a CorruptionError located at `where`. Bytes after the
 * last sample are ignored, as Prometheus does.
 */
export function decodeXorChunk(chunk: Uint8Array, out?: SampleColumns, where?: ChunkLocation): SampleColumns {
  const count = checkHeader(chunk, where);
  const length = Math.min(chunk.length, MAX_CHUNK_BYTES);

  const k = kernel();
  const chunkAt = k.scratch(align8(length + STREAM_SLACK) + 16 * count);
  const tAt = chunkAt + align8(length + STREAM_SLACK);
  const vAt = tAt + 8 * count;
  k.writeBytes(chunkAt, chunk, length);
  k.memory.fill(0, chunkAt + length, chunkAt + length + STREAM_SLACK);
  const decoded = k.exports.decodeXor(chunkAt, length, tAt, vAt);
  if (decoded < 0) throw k.corruption(decoded, where, chunk.length, count);

  const columns = columnsFor(count, out);
  k.readFloat64(tAt, count, columns.timestamps);
  k.readFloat64(vAt, count, columns.values);
  return columns;
}

/** Where a list of chunks came from: chunk i starts at offsets[i] of `file`. */
export interface ChunkListLocation {
  file?: string;
  offsets?: ArrayLike<number>;
}

/**
 * Decodes many XOR chunks in one call, concatenating their samples in order (a series' chunks give its
 * samples in time order). `counts[i]` is the number of samples chunk i contributed.
 */
export function decodeXorChunks(chunks: readonly Uint8Array[], out?: SampleColumns, where?: ChunkListLocation): ChunkColumns {
  const counts = new Uint32Array(chunks.length);
  let total = 0;
  let bytes = 0;
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i]!;
    counts[i] = checkHeader(chunk, locate(where, i));
    total += counts[i]!;
    bytes += Math.min(chunk.length, MAX_CHUNK_BYTES);
  }

  const k = kernel();
  const tableAt = k.scratch(8 * chunks.length + align8(bytes + STREAM_SLACK) + 16 * total);
  const dataAt = tableAt + 8 * chunks.length;
  const tAt = dataAt + align8(bytes + STREAM_SLACK);
  const vAt = tAt + 8 * total;
  const table = new Uint32Array(k.memory.buffer, tableAt, 2 * chunks.length);
  let at = dataAt;
  for (let i = 0; i < chunks.length; i++) {
    const length = Math.min(chunks[i]!.length, MAX_CHUNK_BYTES);
    k.writeBytes(at, chunks[i]!, length);
    table[2 * i] = at;
    table[2 * i + 1] = length;
    at += length;
  }
  k.memory.fill(0, at, at + STREAM_SLACK);
  const decoded = k.exports.decodeXorMany(tableAt, chunks.length, tAt, vAt);
  if (decoded < 0) {
    const i = k.exports.lastErrorIndex();
    throw k.corruption(decoded, locate(where, i), chunks[i]!.length, counts[i]!);
  }

  const columns = columnsFor(total, out);
  k.readFloat64(tAt, total, columns.timestamps);
  k.readFloat64(vAt, total, columns.values);
  return Object.assign(columns, { counts });
}

function locate(where: ChunkListLocation | undefined, i: number): ChunkLocation | undefined {
  return where && { file: where.file, offset: where.offsets?.[i] };
}
