// delete_series and clean_tombstones, as Prometheus 2.42's Head.Delete, Block.Delete and
// Block.CleanTombstones do them:
//
// - A deletion never removes data at once. The head keeps the deleted intervals in memory and logs them
//   to the WAL as a Tombstones record (so they survive a restart); a block gets them in its tombstones
//   file, with meta.json's numTombstones updated. Every read skips deleted samples from then on.
// - Intervals are clamped to the data actually held (the series' first and last chunk, the head's
//   range), so an open-ended request does not store ±2^63.
// - clean_tombstones rewrites each block that has tombstones into a new level-1 block without the
//   deleted samples, whose parent is the old block; the DB then swaps the two.

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Matcher } from '../model/matchers.js';
import { decodeXorChunks, encodeXorChunk } from '../wasm/index.js';
import type { Block } from './block/block.js';
import { META_FILENAME, type BlockMeta } from './block/meta.js';
import { writeBlockMeta } from './block/meta-writer.js';
import { BlockWriter, type EncodedChunk } from './block/writer.js';
import { Encbuf } from './encoding/encbuf.js';
import type { Head } from './head/head.js';
import { chunkDeleted, dropDeletedSamples } from './head/tombstones.js';
import { postingsForMatchers } from './index/postings-for-matchers.js';
import { encodeTombstones as encodeTombstonesRecord, type RefTombstone } from './record/index.js';
import { addInterval, type Interval } from './tombstones/intervals.js';
import { TOMBSTONES_FILENAME, Tombstones } from './tombstones/reader.js';
import { writeTombstonesFile } from './tombstones/writer.js';
import type { WalWriter } from './wal/writer.js';

/** Where head deletions are logged: the WAL writer, or nothing for a head without one. */
export type TombstoneLog = Pick<WalWriter, 'log'> | undefined;

/**
 * Marks the samples in [mint, maxt] of the head's series matching every matcher as deleted: one
 * interval per series, clamped to the head's and the series' range, logged to the WAL before it
 * takes effect. Returns the intervals added.
 */
export function deleteFromHead(head: Head, wal: TombstoneLog, mint: number, maxt: number, matchers: readonly Matcher[]): RefTombstone[] {
  [mint, maxt] = clamp(mint, maxt, Math.min(head.minTime, head.minOOOTime), Math.max(head.maxTime, head.maxOOOTime));
  const stones: RefTombstone[] = [];
  if (mint > maxt) return stones;
  for (const ref of postingsForMatchers(head.postings, matchers)) {
    const s = head.getByRef(ref);
    if (s === undefined) continue;
    const first = s.minTime();
    const last = Math.max(s.lastT, s.ooo?.maxTime ?? -Infinity);
    if (first === Infinity || last === -Infinity) continue; // a series without samples
    const [t0, t1] = clamp(mint, maxt, first, last);
    if (t0 <= t1) stones.push({ ref, mint: t0, maxt: t1 });
  }
  if (stones.length === 0) return stones;
  if (wal !== undefined) {
    const buf = new Encbuf(16 + 24 * stones.length);
    encodeTombstonesRecord(buf, stones);
    wal.log([buf.get()]);
  }
  for (const s of stones) head.tombstones.add(s.ref, { mint: s.mint, maxt: s.maxt });
  return stones;
}

/**
 * Adds tombstones for [mint, maxt] to a block: every matching series with a chunk overlapping the
 * range gets the range clamped to its first and last chunk. The tombstones file and meta.json are
 * rewritten atomically; the result is the block with them (the same object when nothing matched).
 */
export async function deleteFromBlock(block: Block, mint: number, maxt: number, matchers: readonly Matcher[]): Promise<Block> {
  const added = new Map<number, Interval[]>();
  for (const id of block.index.select(matchers)) {
    const chunks = block.index.series(id).chunks;
    if (!chunks.some((c) => c.minTime <= maxt && mint <= c.maxTime)) continue;
    const [t0, t1] = clamp(mint, maxt, chunks[0]!.minTime, chunks[chunks.length - 1]!.maxTime);
    added.set(id, [{ mint: t0, maxt: t1 }]);
  }
  if (added.size === 0) return block;
  // As Prometheus: the new intervals first, then the block's old ones merged into them.
  for (const [id, list] of block.tombstones.entries()) {
    let merged = added.get(id) ?? [];
    for (const iv of list) merged = addInterval(merged, iv);
    added.set(id, merged);
  }
  const tombstones = new Tombstones(added);
  const meta: BlockMeta = { ...block.meta, stats: { ...block.meta.stats, numTombstones: tombstones.intervalCount } };
  const oldFiles = (await fileSize(join(block.dir, TOMBSTONES_FILENAME))) + (await fileSize(join(block.dir, META_FILENAME)));
  const newFiles = (await writeTombstonesFile(block.dir, added)) + (await writeBlockMeta(block.dir, meta));
  return block.withTombstones(tombstones, meta, block.size - oldFiles + newFiles);
}

/**
 * Writes `block` again into `parentDir` without its deleted samples (Block.CleanTombstones through
 * LeveledCompactor.Write): same range, level 1, the old block as parent, its whole symbol table.
 * Chunks untouched by tombstones are copied as they are; a chunk wholly inside a deleted interval is
 * dropped; any other is re-encoded from its remaining samples. Returns the new block's meta, or
 * undefined when nothing remains (then no block is written).
 */
export async function writeCleanedBlock(block: Block, parentDir: string): Promise<BlockMeta | undefined> {
  const { ulid, minTime, maxTime } = block.meta;
  const writer = await BlockWriter.create(parentDir, { minTime, maxTime, parents: [{ ulid, minTime, maxTime }] });
  await writer.addSymbols(block.index.symbols());
  try {
    for (const id of block.index.allPostings()) {
      const series = block.index.series(id);
      const intervals = block.tombstones.get(id);
      const chunks: EncodedChunk[] = [];
      for (const meta of series.chunks) {
        if (chunkDeleted(meta.minTime, meta.maxTime, intervals)) continue;
        const raw = await block.chunks.chunk(meta.ref);
        const touching = intervals.filter((iv) => iv.mint <= meta.maxTime && meta.minTime <= iv.maxt);
        if (touching.length === 0) {
          chunks.push({ minTime: meta.minTime, maxTime: meta.maxTime, bytes: raw.data.slice(), encoding: raw.encoding });
          continue;
        }
        if (raw.encoding !== 1) {
          throw new Error(`${raw.file} at offset ${raw.offset}: cannot remove deleted samples from a chunk of encoding ${raw.encoding}`);
        }
        const cols = decodeXorChunks([raw.data], undefined, { file: raw.file, offsets: [raw.offset] });
        const kept = dropDeletedSamples(cols.timestamps, cols.values, cols.length, touching);
        if (kept === 0) continue;
        chunks.push({ minTime: cols.timestamps[0]!, maxTime: cols.timestamps[kept - 1]!, bytes: encodeXorChunk(cols.timestamps, cols.values, 0, kept) });
      }
      await writer.addSeries(series.labels, chunks);
    }
  } catch (e) {
    await writer.abort();
    throw e;
  }
  return writer.commit();
}

function clamp(a: number, b: number, mint: number, maxt: number): [number, number] {
  return [a < mint ? mint : a, b > maxt ? maxt : b];
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
}
