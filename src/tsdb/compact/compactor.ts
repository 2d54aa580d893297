// Compacting blocks into one, as Prometheus 2.42's LeveledCompactor.Compact: the new block spans all of
// them, its level is one above the highest, its sources the union of theirs and its parents the blocks
// themselves. Series are merged by labels in Go's heap order; a series held by one block keeps its
// chunks byte for byte, one held by several has its chunks merged in WASM (overlapping chunks merged by
// timestamp and re-encoded, the rest passed through). Deleted samples (tombstones) are left out: a chunk
// wholly deleted is dropped, one partly deleted is re-encoded from what remains.
//
// The block is written to `<ulid>.tmp-for-creation` and renamed into place (BlockWriter); the source
// blocks are left alone: the DB deletes them once the new block is loaded, and a DB opened after a crash
// in between deletes them because the new block names them as parents.

import type { Labels } from '../../model/labels.js';
import { compareLabels, compareStrings, labelsEqual } from '../../model/labels.js';
import { decodeXorChunk, encodeXorChunk, mergeSeriesChunks, type MergeChunk } from '../../wasm/index.js';
import { UnsupportedChunkEncodingError, type Block } from '../block/block.js';
import { GoHeap } from '../block/merge.js';
import type { BlockDesc, BlockMeta } from '../block/meta.js';
import { writeBlockMeta } from '../block/meta-writer.js';
import { newUlid } from '../block/ulid.js';
import { BlockWriter, type EncodedChunk } from '../block/writer.js';
import { addInterval, inBounds, isSubrange, MAX_INT64, MIN_INT64, type Interval } from '../tombstones/intervals.js';

/** Steps at which a test may inject a failure (or copy the directory, to see what a crash leaves). */
export type CompactionStep = 'populating' | 'committed';

export interface CompactOptions {
  /** Size budget of the new block's chunk segment files (default 512 MiB). */
  readonly segmentSize?: number;
  /** Test seam, awaited at each step; what it throws fails the compaction there. */
  readonly failpoint?: (step: CompactionStep) => void | Promise<void>;
}

/** The identity of a compacted block (Prometheus's CompactBlockMetas). */
export interface CompactedMeta {
  readonly minTime: number;
  readonly maxTime: number;
  readonly level: number;
  readonly sources: readonly string[];
  readonly parents: readonly BlockDesc[];
}

export function compactBlockMetas(metas: readonly BlockMeta[]): CompactedMeta {
  const sources = new Set<string>();
  for (const m of metas) for (const s of m.compaction.sources) sources.add(s);
  return {
    minTime: Math.min(...metas.map((m) => m.minTime)),
    maxTime: Math.max(...metas.map((m) => m.maxTime)),
    level: Math.max(...metas.map((m) => m.compaction.level)) + 1,
    sources: [...sources].sort(),
    parents: metas.map((m) => ({ ulid: m.ulid, minTime: m.minTime, maxTime: m.maxTime })),
  };
}

/** Series whose chunks go to one WASM merge call. */
const MERGE_BATCH_SERIES = 256;
const MERGE_BATCH_BYTES = 8 << 20;

/**
 * Writes the union of `blocks` (in minTime order, as planned) as one new block in `parentDir` and
 * returns its meta; undefined when nothing is left (everything deleted): then no block is written and
 * the sources are marked deletable. On failure the sources are marked as failed in compaction (the
 * planner then leaves their range alone), unless the failure was injected by a test's failpoint.
 */
export async function compactBlocks(parentDir: string, blocks: readonly Block[], opts: CompactOptions = {}): Promise<BlockMeta | undefined> {
  if (blocks.length === 0) throw new Error('compactBlocks: no blocks to compact');
  const ulid = newUlid();
  const target = compactBlockMetas(blocks.map((b) => b.meta));
  let meta: BlockMeta | undefined;
  try {
    meta = await writeCompacted(parentDir, ulid, target, blocks, opts);
  } catch (err) {
    if (!(err instanceof InjectedFailure)) {
      await Promise.all(blocks.map((b) => rewriteMeta(b, { failed: true }).catch(() => undefined)));
    }
    throw err;
  }
  if (meta === undefined) await Promise.all(blocks.map((b) => rewriteMeta(b, { deletable: true })));
  return meta;
}

/** What a test's failpoint throws to fail a compaction without marking the blocks (a simulated crash). */
export class InjectedFailure extends Error {
  override readonly name = 'InjectedFailure';
}

async function writeCompacted(
  parentDir: string,
  ulid: string,
  target: CompactedMeta,
  blocks: readonly Block[],
  opts: CompactOptions,
): Promise<BlockMeta | undefined> {
  const writer = await BlockWriter.create(parentDir, { ulid, ...target, segmentSize: opts.segmentSize });
  try {
    await writer.addSymbols(unionSymbols(blocks));
    // Half-open block ranges: a sample at the new block's maxTime is not in it.
    const cursors = blocks.map((b) => new BlockSeriesCursor(b, target.minTime, target.maxTime - 1));
    let pending: PendingSeries[] = [];
    let pendingBytes = 0;
    let batches = 0;
    const flush = async (): Promise<void> => {
      await writeBatch(writer, pending);
      pending = [];
      pendingBytes = 0;
      if (batches++ === 0) await opts.failpoint?.('populating');
    };
    for await (const s of mergeBySeries(cursors)) {
      pending.push(s);
      if (s.lists.length > 1) for (const list of s.lists) for (const c of list) pendingBytes += c.bytes.length;
      if (pending.length >= MERGE_BATCH_SERIES || pendingBytes >= MERGE_BATCH_BYTES) await flush();
    }
    await flush();
    const meta = await writer.commit();
    if (meta) await opts.failpoint?.('committed');
    return meta;
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

interface PendingSeries {
  readonly labels: Labels;
  /** The series' chunks in each block holding it, in the order the series-set merge took them. */
  readonly lists: MergeChunk[][];
}

/** Writes a batch of series in order; those held by several blocks are merged in one WASM call. */
async function writeBatch(writer: BlockWriter, batch: readonly PendingSeries[]): Promise<void> {
  const multi = batch.filter((s) => s.lists.length > 1);
  for (const s of multi) for (const list of s.lists) for (const c of list) requireXor(c);
  const merged = mergeSeriesChunks(multi.map((s) => s.lists));
  let m = 0;
  for (const s of batch) {
    const chunks: readonly EncodedChunk[] = s.lists.length > 1 ? merged[m++]! : s.lists[0]!;
    await writer.addSeries(s.labels, chunks);
  }
}

function requireXor(c: MergeChunk & { encoding?: number }): void {
  if ((c.encoding ?? 1) !== 1) {
    throw new UnsupportedChunkEncodingError(`${c.file} at offset ${c.offset}: native histogram chunks (encoding ${c.encoding}) cannot be merged yet`);
  }
}

/** Every symbol of every block, sorted and once (Prometheus's merged string iterator). */
function unionSymbols(blocks: readonly Block[]): string[] {
  const set = new Set<string>();
  for (const b of blocks) for (const s of b.index.symbols()) set.add(s);
  return [...set].sort(compareStrings);
}

/**
 * The series of one block in label order with the chunks compaction takes (Prometheus's
 * blockChunkSeriesSet with trimming on): chunks outside [mint, maxt] or wholly deleted are dropped;
 * a chunk with deleted samples in it, or reaching outside the range, is re-encoded without them.
 */
class BlockSeriesCursor {
  private readonly ids: Uint32Array;
  private i = 0;
  labels: Labels = [];
  chunks: MergeChunk[] = [];

  constructor(
    private readonly block: Block,
    private readonly mint: number,
    private readonly maxt: number,
  ) {
    this.ids = block.index.allPostings();
  }

  async next(): Promise<boolean> {
    while (this.i < this.ids.length) {
      const id = this.ids[this.i++]!;
      const series = this.block.index.series(id);
      let intervals: Interval[] = [...this.block.tombstones.get(id)];
      const metas = [];
      let trimFront = false;
      let trimBack = false;
      for (const c of series.chunks) {
        if (c.maxTime < this.mint || c.minTime > this.maxt) continue;
        if (!isSubrange({ mint: c.minTime, maxt: c.maxTime }, intervals)) metas.push(c);
        if (c.minTime < this.mint) trimFront = true;
        if (c.maxTime > this.maxt) trimBack = true;
      }
      if (metas.length === 0) continue;
      if (trimFront) intervals = addInterval(intervals, { mint: MIN_INT64, maxt: this.mint - 1 });
      if (trimBack) intervals = addInterval(intervals, { mint: this.maxt + 1, maxt: MAX_INT64 });
      const chunks: MergeChunk[] = [];
      for (const meta of metas) {
        const raw = await this.block.chunks.chunk(meta.ref);
        const chunk = { minTime: meta.minTime, maxTime: meta.maxTime, bytes: raw.data, encoding: raw.encoding, file: raw.file, offset: raw.offset };
        const applicable = intervals.filter((iv) => meta.minTime <= iv.maxt && iv.mint <= meta.maxTime);
        if (applicable.length === 0) {
          chunks.push(chunk);
          continue;
        }
        requireXor(chunk);
        const kept = withoutDeleted(chunk, applicable);
        if (kept) chunks.push(kept);
      }
      if (chunks.length === 0) continue;
      this.labels = series.labels;
      this.chunks = chunks;
      return true;
    }
    return false;
  }
}

/**
 * The chunk re-encoded without the samples in `intervals` (sorted, merged), following 2.42's deleted
 * iterator: each sample is tested from the first interval it has not passed. Undefined when nothing is
 * left (Prometheus fails the compaction there; such a chunk is simply dropped here).
 */
function withoutDeleted(chunk: MergeChunk, intervals: readonly Interval[]): MergeChunk | undefined {
  const { timestamps: ts, values: vs, length } = decodeXorChunk(chunk.bytes, undefined, chunk);
  let first = 0;
  let n = 0;
  for (let i = 0; i < length; i++) {
    const t = ts[i]!;
    let deleted = false;
    for (; first < intervals.length; first++) {
      const iv = intervals[first]!;
      if (inBounds(iv, t)) deleted = true;
      if (deleted || t <= iv.maxt) break;
    }
    if (deleted) continue;
    ts[n] = t;
    vs.copyWithin(n, i, i + 1); // a byte copy: NaN payloads stay
    n++;
  }
  if (n === 0) return undefined;
  return { minTime: ts[0]!, maxTime: ts[n - 1]!, bytes: encodeXorChunk(ts, vs, 0, n) };
}

/**
 * Series of several blocks merged by labels as Prometheus's genericMergeSeriesSet does (Go's heap
 * order decides in which order the blocks of a shared series are listed).
 */
async function* mergeBySeries(cursors: readonly BlockSeriesCursor[]): AsyncGenerator<PendingSeries> {
  const heap = new GoHeap<BlockSeriesCursor>((a, b) => compareLabels(a.labels, b.labels) < 0);
  for (const c of cursors) if (await c.next()) heap.push(c);
  let taken: BlockSeriesCursor[] = [];
  for (;;) {
    for (const c of taken) if (await c.next()) heap.push(c);
    if (heap.length === 0) return;
    const labels = heap.peek().labels;
    taken = [];
    while (heap.length > 0 && labelsEqual(labels, heap.peek().labels)) taken.push(heap.pop());
    yield { labels, lists: taken.map((c) => c.chunks) };
  }
}

/** Rewrites a block's meta.json with compaction flags set (Prometheus's setCompactionFailed / Deletable). */
async function rewriteMeta(block: Block, flags: { failed?: boolean; deletable?: boolean }): Promise<void> {
  const meta = block.meta;
  await writeBlockMeta(block.dir, { ...meta, compaction: { ...meta.compaction, ...flags } });
}
