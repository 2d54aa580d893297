// A persisted block: meta.json + index + chunks/ + tombstones, opened read-only, and its series selection
// with Prometheus 2.42's block-querier semantics: chunks wholly outside the query range or wholly deleted
// are skipped, a series left without chunks is not returned, and samples outside the range or inside a
// deleted interval are filtered out chunk by chunk exactly as the deleted-samples iterator does.

import { join } from 'node:path';
import type { Labels } from '../../model/labels.js';
import type { Matcher } from '../../model/matchers.js';
import { decodeXorChunks } from '../../wasm/index.js';
import { ChunkDirReader, unpackChunkRef, type RawChunk } from '../chunks/reader.js';
import { CorruptionError } from '../encoding/errors.js';
import { IndexReader, type ChunkMeta } from '../index/reader.js';
import {
  addInterval,
  inBounds,
  int64Dec,
  int64Inc,
  isSubrange,
  MAX_INT64,
  MIN_INT64,
  type Interval,
} from '../tombstones/intervals.js';
import { readTombstones, type Tombstones } from '../tombstones/reader.js';
import { readBlockMeta, type BlockMeta } from './meta.js';
import type { SampleColumns, SeriesData, SeriesSource } from './source.js';

/** Chunks decoded per WASM call and handed out as one batch (about 7,700 samples). */
const CHUNKS_PER_BATCH = 64;

/** A chunk encoding this reader cannot decode yet (native histograms). */
export class UnsupportedChunkEncodingError extends Error {
  override readonly name = 'UnsupportedChunkEncodingError';
}

export class Block implements SeriesSource {
  private constructor(
    readonly dir: string,
    readonly meta: BlockMeta,
    readonly index: IndexReader,
    readonly chunks: ChunkDirReader,
    readonly tombstones: Tombstones,
    /** Bytes of meta.json + index + chunk segments + tombstones, as Prometheus's Block.Size(). */
    readonly size: number,
  ) {}

  /** Opens the block in `dir`, reading and checking meta.json, the index, segment headers and tombstones. */
  static async open(dir: string): Promise<Block> {
    const { meta, size: metaSize } = await readBlockMeta(dir);
    const chunks = await ChunkDirReader.open(join(dir, 'chunks'));
    try {
      const index = await IndexReader.open(join(dir, 'index'));
      const { tombstones, size: tombstonesSize } = await readTombstones(dir);
      return new Block(dir, meta, index, chunks, tombstones, metaSize + index.size + chunks.size + tombstonesSize);
    } catch (e) {
      await chunks.close();
      throw e;
    }
  }

  /**
   * The same block with new tombstones and meta (after delete_series rewrote those two files). It shares
   * the open index and chunk readers, so queries running on this object are not disturbed.
   */
  withTombstones(tombstones: Tombstones, meta: BlockMeta, size: number): Block {
    return new Block(this.dir, meta, this.index, this.chunks, tombstones, size);
  }

  get ulid(): string {
    return this.meta.ulid;
  }

  /** The block covers [minTime, maxTime); a query covers the closed [mint, maxt]. */
  overlaps(mint: number, maxt: number): boolean {
    return this.meta.minTime <= maxt && mint < this.meta.maxTime;
  }

  async *select(matchers: readonly Matcher[], mint: number, maxt: number): AsyncGenerator<SeriesData> {
    for (const id of this.index.select(matchers)) {
      const series = this.index.series(id, mint, maxt);
      let intervals: Interval[] = [...this.tombstones.get(id)];
      const chunks: ChunkMeta[] = [];
      let trimFront = false;
      let trimBack = false;
      for (const c of series.chunks) {
        if (c.maxTime < mint || c.minTime > maxt) continue;
        if (isSubrange({ mint: c.minTime, maxt: c.maxTime }, intervals)) continue;
        chunks.push(c);
        if (c.minTime < mint) trimFront = true;
        if (c.maxTime > maxt) trimBack = true;
      }
      if (chunks.length === 0) continue;
      if (trimFront) intervals = addInterval(intervals, { mint: MIN_INT64, maxt: int64Dec(mint) });
      if (trimBack) intervals = addInterval(intervals, { mint: int64Inc(maxt), maxt: MAX_INT64 });
      yield new BlockSeries(this.chunks, series.labels, chunks, intervals);
    }
  }

  async close(): Promise<void> {
    await this.chunks.close();
  }
}

/** A selected series of a block: its surviving chunk metas and the intervals to drop samples from. */
class BlockSeries implements SeriesData {
  constructor(
    private readonly reader: ChunkDirReader,
    readonly labels: Labels,
    private readonly chunks: readonly ChunkMeta[],
    private readonly intervals: readonly Interval[],
  ) {}

  async *batches(): AsyncGenerator<SampleColumns> {
    for (let start = 0; start < this.chunks.length; ) {
      // A batch holds chunks of one segment file, so that errors can name the file.
      const segment = unpackChunkRef(this.chunks[start]!.ref).segment;
      let end = start + 1;
      while (end < this.chunks.length && end - start < CHUNKS_PER_BATCH && unpackChunkRef(this.chunks[end]!.ref).segment === segment) end++;
      const metas = this.chunks.slice(start, end);
      const raws: RawChunk[] = [];
      for (const m of metas) raws.push(checkEncoding(await this.reader.chunk(m.ref)));
      const columns = decodeXorChunks(
        raws.map((r) => r.data),
        undefined,
        { file: raws[0]!.file, offsets: raws.map((r) => r.offset) },
      );
      const length = this.dropDeleted(columns, metas, columns.counts);
      if (length > 0) yield { timestamps: columns.timestamps, values: columns.values, length };
      start = end;
    }
  }

  /**
   * Removes, chunk by chunk, the samples the deleted-samples iterator of 2.42 skips: only intervals that
   * overlap the chunk's [minTime, maxTime] (by its index meta) apply, merged in list order; then each
   * sample is tested against the intervals from the first one it has not passed. Kept runs are moved down
   * with copyWithin, which keeps NaN payloads bit for bit. Returns the number of samples kept.
   */
  private dropDeleted(columns: SampleColumns, metas: readonly ChunkMeta[], counts: Uint32Array): number {
    const { timestamps: ts, values: vs } = columns;
    let read = 0;
    let write = 0;
    const keep = (from: number, to: number): void => {
      if (to > from && from !== write) {
        ts.copyWithin(write, from, to);
        vs.copyWithin(write, from, to);
      }
      write += to - from;
    };
    for (let c = 0; c < metas.length; c++) {
      const meta = metas[c]!;
      const end = read + counts[c]!;
      let applicable: Interval[] = [];
      for (const iv of this.intervals) {
        if (meta.minTime <= iv.maxt && iv.mint <= meta.maxTime) applicable = addInterval(applicable, iv);
      }
      if (applicable.length === 0) {
        keep(read, end);
        read = end;
        continue;
      }
      let first = 0; // intervals before this one were passed by an earlier sample
      let runStart = read;
      for (let i = read; i < end; i++) {
        const t = ts[i]!;
        let kept = true;
        for (; first < applicable.length; first++) {
          const iv = applicable[first]!;
          if (inBounds(iv, t)) {
            kept = false;
            break;
          }
          if (t <= iv.maxt) break;
        }
        if (!kept) {
          keep(runStart, i);
          runStart = i + 1;
        }
      }
      keep(runStart, end);
      read = end;
    }
    return write;
  }
}

function checkEncoding(chunk: RawChunk): RawChunk {
  if (chunk.encoding === 1) return chunk;
  if (chunk.encoding === 2 || chunk.encoding === 3) {
    throw new UnsupportedChunkEncodingError(
      `${chunk.file} at offset ${chunk.offset}: native histogram chunks (encoding ${chunk.encoding}) are not supported yet`,
    );
  }
  throw new CorruptionError(`invalid chunk encoding ${chunk.encoding}`, chunk.file, chunk.offset);
}
