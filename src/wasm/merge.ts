// The k-way merge of one series' chunks across blocks (assembly/merge.ts), in batches of series.
// Chunks that overlap no other come back as the very objects passed in; overlapping ones are merged
// sample by sample (a shared timestamp kept once) and re-encoded, as Prometheus 2.42's compactor does.

import { WasmKernel, STREAM_SLACK, align8 } from './kernel.js';
import { checkHeader, XOR_MAX_SAMPLES } from './xor.js';

/** An XOR chunk of a series: closed time range of its samples, bytes (BE16 count first), origin for errors. */
export interface MergeChunk {
  readonly minTime: number;
  readonly maxTime: number;
  readonly bytes: Uint8Array;
  readonly file?: string;
  readonly offset?: number;
}

/**
 * One series as its sources hold it: one chunk list per source (each in time order), the sources in
 * the order Prometheus's series-set merge hands them out (it decides which sample wins a timestamp).
 */
export type SeriesChunkLists = readonly (readonly MergeChunk[])[];

/** Longest chunk the decoder reads; bytes after it can never matter (as in xor.ts). */
const MAX_CHUNK_BYTES = 2 + 10 + 8 + 1 + 10 + 10 + 19 * (XOR_MAX_SAMPLES - 2);
const CHUNK_ENTRY = 24;
const RECORD_SIZE = 32;

interface MergeExports {
  mergeChunkSeries(series: number, nSeries: number, iters: number, chunks: number): number;
  mergeRecords(): number;
  mergeData(): number;
}

let shared: WasmKernel | undefined;

function kernel(): WasmKernel {
  return (shared ??= new WasmKernel());
}

/**
 * Merges each series' chunk lists into one list of chunks in time order, without overlaps: a chunk
 * overlapping no other is returned as is (same object), an identical copy of its predecessor is
 * dropped, and each run of overlapping chunks is merged by timestamp (one sample per timestamp) and
 * cut into new chunks of at most 120 samples. A malformed chunk throws a CorruptionError naming it.
 */
export function mergeSeriesChunks(batch: readonly SeriesChunkLists[]): MergeChunk[][] {
  const flat: MergeChunk[] = [];
  let nIters = 0;
  let bytes = 0;
  for (const lists of batch) {
    nIters += lists.length;
    for (const list of lists) {
      for (const c of list) {
        checkHeader(c.bytes, c);
        flat.push(c);
        bytes += Math.min(c.bytes.length, MAX_CHUNK_BYTES);
      }
    }
  }
  const k = kernel();
  const seriesAt = k.scratch(8 * batch.length + 8 * nIters + CHUNK_ENTRY * flat.length + align8(bytes + STREAM_SLACK));
  const itersAt = seriesAt + 8 * batch.length;
  const chunksAt = itersAt + 8 * nIters;
  const dataAt = chunksAt + CHUNK_ENTRY * flat.length;
  const memory = k.memory;
  const view = k.dataView(seriesAt, dataAt - seriesAt);
  let iter = 0;
  let chunk = 0;
  let at = dataAt;
  for (let s = 0; s < batch.length; s++) {
    const lists = batch[s]!;
    view.setUint32(8 * s, iter, true);
    view.setUint32(8 * s + 4, lists.length, true);
    for (const list of lists) {
      view.setUint32(itersAt - seriesAt + 8 * iter, chunk, true);
      view.setUint32(itersAt - seriesAt + 8 * iter + 4, list.length, true);
      iter++;
      for (const c of list) {
        const e = chunksAt - seriesAt + CHUNK_ENTRY * chunk++;
        const length = Math.min(c.bytes.length, MAX_CHUNK_BYTES);
        view.setFloat64(e, c.minTime, true);
        view.setFloat64(e + 8, c.maxTime, true);
        view.setUint32(e + 16, at, true);
        view.setUint32(e + 20, length, true);
        memory.set(length === c.bytes.length ? c.bytes : c.bytes.subarray(0, length), at);
        at += length;
      }
    }
  }
  memory.fill(0, at, at + STREAM_SLACK);

  const exports = k.exports as unknown as MergeExports;
  const count = exports.mergeChunkSeries(seriesAt, batch.length, itersAt, chunksAt);
  if (count < 0) {
    const i = k.exports.lastErrorIndex() >>> 0;
    const c = flat[i];
    if (c === undefined) throw new Error(`mergeSeriesChunks: status ${count} on a re-encoded chunk`);
    throw k.corruption(count, c, c.bytes.length, (c.bytes[0]! << 8) | c.bytes[1]!);
  }

  const out: MergeChunk[][] = batch.map(() => []);
  const recordsAt = exports.mergeRecords() >>> 0;
  const dataBase = exports.mergeData() >>> 0;
  const records = k.dataView(recordsAt, RECORD_SIZE * count);
  for (let r = 0; r < count; r++) {
    const o = RECORD_SIZE * r;
    const source = records.getInt32(o + 16, true);
    const series = records.getUint32(o + 28, true);
    if (source >= 0) {
      out[series]!.push(flat[source]!);
      continue;
    }
    out[series]!.push({
      minTime: records.getFloat64(o, true),
      maxTime: records.getFloat64(o + 8, true),
      bytes: k.copyOut(dataBase + records.getUint32(o + 20, true), records.getUint32(o + 24, true)),
    });
  }
  return out;
}
