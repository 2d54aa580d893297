/**
 * promwasm as a library. {@link openDB} opens a data directory for writing and querying (appender,
 * select, PromQL; see docs/embedding.md); {@link openReadOnly} reads a Prometheus 2.x data directory
 * without changing it:
 *
 * ```ts
 * import { openReadOnly } from 'promwasm';
 *
 * const store = await openReadOnly('/var/lib/prometheus');
 * for (const b of store.blocks()) console.log(b.ulid, b.minTime, b.maxTime, b.stats.numSamples);
 * for await (const series of store.select('{__name__=~"http_.*", job="api"}', { mint: 0, maxt: Date.now() })) {
 *   const { timestamps, values, length } = await series.samples();
 *   // timestamps[i] (ms) and values[i] for i < length, in time order
 * }
 * await store.close();
 * ```
 *
 * Timestamps are milliseconds since the epoch held in numbers, exact within ±2^53. Values stay in
 * Float64Arrays end to end, so NaN payloads (the staleness marker) keep their bits.
 *
 * @packageDocumentation
 */

import { Matcher, parseSeriesSelector } from './model/matchers.js';
import type { BlockMeta, BlockMetaCompaction, BlockStats } from './tsdb/block/meta.js';
import { ReadOnlyDB, type ReadOnlyDBOptions } from './tsdb/block/db.js';
import { readOnlyHeadOpener } from './tsdb/db.js';
import type { SampleColumns, SeriesSource } from './tsdb/block/source.js';
import { MAX_INT64, MIN_INT64 } from './tsdb/encoding/int64.js';
import { toSeries, type Series, type TimeRange } from './embed/series.js';

export { compareLabels, compareStrings, getLabel, labelsFromRecord, type Label, type Labels } from './model/labels.js';
export { Matcher, MatcherError, parseSeriesSelector, SelectorParseError, type MatchType } from './model/matchers.js';
export { CorruptionError } from './tsdb/encoding/errors.js';
export { CorruptedBlocksError } from './tsdb/block/db.js';
export { MetaError } from './tsdb/block/meta.js';
export { UnsupportedChunkEncodingError } from './tsdb/block/block.js';
export { formatGoFloat, formatLabels, goQuote } from './format/index.js';
export { MAX_INT64, MIN_INT64 };
export type { BlockMeta, BlockMetaCompaction, BlockStats, SampleColumns, SeriesSource };
export type { Series, TimeRange };
export * from './embed/index.js';

/** Options of {@link openReadOnly}. */
export interface OpenReadOnlyOptions {
  /** Receives non-fatal problems, e.g. a block skipped because its meta.json cannot be read. */
  readonly onWarning?: (message: string) => void;
  /**
   * Opens the head (recent data in wal/ and wbl/) as one more source to merge. Called once, on the
   * first query reaching past the newest block; samples before `minValidTime` must be left out.
   * Default: the WAL replayed into memory, read-only (nothing on disk is changed).
   */
  readonly openHead?: ReadOnlyDBOptions['openHead'];
}

/** A block of the data directory, as listed by {@link ReadOnlyStore.blocks}. */
export interface BlockInfo {
  readonly ulid: string;
  /** The block's directory. */
  readonly dir: string;
  /** First sample time (inclusive), ms. */
  readonly minTime: number;
  /** End of the block's range (exclusive), ms. */
  readonly maxTime: number;
  readonly stats: BlockStats;
  readonly compaction: BlockMetaCompaction;
  /** meta.json + index + chunk segments + tombstones, in bytes. */
  readonly sizeBytes: number;
}

/** A data directory opened for reading. Close it when done: it holds the chunk files open. */
export class ReadOnlyStore {
  /** @internal Use {@link openReadOnly}. */
  constructor(private readonly db: ReadOnlyDB) {}

  /** The blocks, oldest first (by minTime). */
  blocks(): BlockInfo[] {
    return this.db.blocks.map((b) => ({
      ulid: b.meta.ulid,
      dir: b.dir,
      minTime: b.meta.minTime,
      maxTime: b.meta.maxTime,
      stats: b.meta.stats,
      compaction: b.meta.compaction,
      sizeBytes: b.size,
    }));
  }

  /**
   * The series matching `selector` (a series selector such as `up{job="api"}`, or matchers) that have
   * samples in `range`, sorted by labels, each with the samples of all blocks merged in time order.
   * Deleted samples (tombstones) are left out. A bad block surfaces as a CorruptionError while iterating.
   */
  async *select(selector: string | readonly Matcher[], range: TimeRange = {}): AsyncGenerator<Series> {
    const matchers = typeof selector === 'string' ? parseSeriesSelector(selector) : selector;
    for await (const s of this.db.select(matchers, range.mint ?? MIN_INT64, range.maxt ?? MAX_INT64)) {
      yield toSeries(s);
    }
  }

  /** Closes the chunk files. The store cannot be used afterwards. */
  close(): Promise<void> {
    return this.db.close();
  }
}

/**
 * Opens a Prometheus (or promwasm) data directory read-only: the blocks (directories named by ULIDs)
 * and the head replayed from wal/. Every block's meta.json, index, chunk segment headers and
 * tombstones are read and checked; a corrupt block rejects with a CorruptedBlocksError naming it.
 * No wal/ folder is needed.
 */
export async function openReadOnly(dir: string, options: OpenReadOnlyOptions = {}): Promise<ReadOnlyStore> {
  const openHead = options.openHead ?? readOnlyHeadOpener(options.onWarning);
  return new ReadOnlyStore(await ReadOnlyDB.open(dir, { ...options, openHead }));
}
