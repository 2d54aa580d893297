// Writing a time range of the head as a level-1 block (Prometheus's compactHead → LeveledCompactor.Write).
//
// Closed chunks inside the range go to disk as the bytes the WASM store holds (they are exactly what the
// XOR encoder gives for their samples). A series whose data in the range cannot be taken chunk by chunk
// (out-of-order samples to merge in, a chunk crossing the range's edge) is decoded, trimmed to the range,
// merged in time order and re-cut with the head's own chunk rules before encoding.

import { compareLabels, compareStrings } from '../../model/labels.js';
import { encodeXorChunk } from '../../wasm/index.js';
import type { BlockMeta } from '../block/meta.js';
import { BlockWriter, headChunkEnds, type EncodedChunk } from '../block/writer.js';
import type { Head } from '../head/head.js';
import { mergeOoo } from '../head/ooo.js';
import type { MemSeries } from '../head/series.js';
import { dropDeletedSamples } from '../head/tombstones.js';

/** The hint Prometheus puts on blocks made of out-of-order samples (they do not move minValidTime). */
export const OUT_OF_ORDER_HINT = 'from-out-of-order';

export interface HeadBlockOptions {
  /** Write only the out-of-order samples of the range (a block overlapping older ones). */
  readonly outOfOrderOnly?: boolean;
}

export interface HeadBlockResult {
  /** The block written, or undefined when the range held no samples (nothing is written). */
  readonly meta: BlockMeta | undefined;
  /** Out-of-order sample times now in the block, by series ref: what the head may drop. */
  readonly oooWritten: Map<number, Float64Array>;
}

/**
 * Writes the head's samples in [mint, maxt) as a block in `parentDir`, made visible atomically
 * (BlockWriter: `<ulid>.tmp-for-creation`, fsync, rename). The head is read series by series while
 * ingestion goes on; the caller keeps new in-order samples out of the range (minValidTime >= maxt).
 */
export async function writeHeadBlock(
  head: Head,
  parentDir: string,
  mint: number,
  maxt: number,
  opts: HeadBlockOptions = {},
): Promise<HeadBlockResult> {
  const oooOnly = opts.outOfOrderOnly === true;
  const last = maxt - 1;
  const series: MemSeries[] = [];
  for (const s of head.allSeries()) {
    const inOrder = !oooOnly && s.inOrderMinTime() <= last && mint <= s.lastT;
    const ooo = s.ooo !== undefined && s.ooo.minTime <= last && mint <= s.ooo.maxTime;
    if (inOrder || ooo) series.push(s);
  }
  series.sort((a, b) => compareLabels(a.labels, b.labels));
  const oooWritten = new Map<number, Float64Array>();
  if (series.length === 0) return { meta: undefined, oooWritten };

  const writer = await BlockWriter.create(parentDir, {
    minTime: mint,
    maxTime: maxt,
    hints: oooOnly ? [OUT_OF_ORDER_HINT] : [],
  });
  await writer.addSymbols(headSymbols(head));
  for (const s of series) {
    // Read synchronously, so the series cannot change between choosing its chunks and reading them.
    const chunks = oooOnly ? oooChunks(head, s, mint, last, oooWritten) : rangeChunks(head, s, mint, last, oooWritten);
    await writer.addSeries(s.labels, chunks);
  }
  return { meta: await writer.commit(), oooWritten };
}

/** Every label string of the head and "" (Prometheus's head blocks carry the head's whole symbol table). */
function headSymbols(head: Head): string[] {
  const set = new Set<string>(['']);
  for (const sym of head.postings.symbols()) set.add(sym);
  return [...set].sort(compareStrings);
}

/** In-order chunks of the series inside [mint, last], with its out-of-order samples there merged in. */
function rangeChunks(head: Head, s: MemSeries, mint: number, last: number, oooWritten: Map<number, Float64Array>): EncodedChunk[] {
  const metas: { handle: number; minT: number; maxT: number }[] = [];
  for (const c of s.closed) if (c.minT <= last && mint <= c.maxT) metas.push(c);
  if (s.headChunk !== 0 && s.chunkSamples > 0 && s.chunkMinT <= last && mint <= s.lastT) {
    metas.push({ handle: s.headChunk, minT: s.chunkMinT, maxT: s.lastT });
  }
  const oooIn = oooTimesIn(s, mint, last);
  const whole = metas.every((c) => c.minT >= mint && c.maxT <= last);
  // Deleted samples (delete_series) are left out of the block, as Prometheus's compaction leaves them.
  const deleted = head.tombstones.get(s.ref).filter((iv) => iv.mint <= last && mint <= iv.maxt);
  if (oooIn.length === 0 && whole && deleted.length === 0) {
    const bytes = head.store.bytesMany(metas.map((c) => c.handle));
    return metas.map((c, i) => ({ minTime: c.minT, maxTime: c.maxT, bytes: bytes[i]! }));
  }
  let ts: Float64Array = new Float64Array(0);
  let vs: Float64Array = new Float64Array(0);
  let from = 0;
  let to = 0;
  if (metas.length > 0) {
    const cols = head.store.decodeMany(metas.map((c) => c.handle));
    ts = cols.timestamps;
    vs = cols.values;
    to = cols.length;
    while (from < to && ts[from]! < mint) from++;
    while (to > from && ts[to - 1]! > last) to--;
  }
  const merged = s.ooo
    ? mergeOoo(ts.subarray(from, to), vs.subarray(from, to), to - from, s.ooo, mint, last)
    : { timestamps: ts.subarray(from, to), values: vs.subarray(from, to), length: to - from };
  if (oooIn.length > 0) oooWritten.set(s.ref, oooIn);
  const kept = dropDeletedSamples(merged.timestamps, merged.values, merged.length, deleted);
  return encode(merged.timestamps, merged.values, kept, head.chunkRange);
}

/** The series' out-of-order samples inside [mint, last], encoded. */
function oooChunks(head: Head, s: MemSeries, mint: number, last: number, oooWritten: Map<number, Float64Array>): EncodedChunk[] {
  const ooo = s.ooo!;
  const from = ooo.lowerBound(mint);
  const to = ooo.lowerBound(last + 1);
  if (to === from) return [];
  const ts = ooo.ts.slice(from, to);
  const vs = new Float64Array(new Uint32Array(ooo.bits.subarray(2 * from, 2 * to)).buffer);
  oooWritten.set(s.ref, ts.slice()); // deleted ones too: the head must drop them as well
  const kept = dropDeletedSamples(ts, vs, to - from, head.tombstones.get(s.ref));
  return encode(ts, vs, kept, head.chunkRange);
}

function oooTimesIn(s: MemSeries, mint: number, last: number): Float64Array {
  if (s.ooo === undefined) return new Float64Array(0);
  return s.ooo.ts.slice(s.ooo.lowerBound(mint), s.ooo.lowerBound(last + 1));
}

/** Cuts samples into chunks as the head would and encodes them (values move as bits: NaN payloads stay). */
function encode(ts: Float64Array, vs: Float64Array, n: number, chunkRange: number): EncodedChunk[] {
  const chunks: EncodedChunk[] = [];
  let start = 0;
  for (const end of n > 0 ? headChunkEnds(ts, n, chunkRange) : []) {
    chunks.push({ minTime: ts[start]!, maxTime: ts[end - 1]!, bytes: encodeXorChunk(ts, vs, start, end) });
    start = end;
  }
  return chunks;
}
