import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Appendable } from '../storage/interface.js';
import { HeadChunkStore as WasmHeadChunkStore } from '../wasm/index.js';
import type { SeriesSource } from './block/source.js';
import type { HeadChunkStore } from './head/chunk-store.js';
import { Head } from './head/head.js';
import { HeadSource } from './head/source.js';
import { WalCommitLog, WblLog } from './head/wal-log.js';
import { replayIntoHead } from './head/wal-replay.js';
import { WalWriter } from './wal/writer.js';

/** The few logger methods the storage engine uses (pino's signature). */
export interface StorageLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface DBOptions {
  readonly dir: string;
  /** 0: no time-based retention. */
  readonly retentionMs: number;
  readonly minBlockDurationMs: number;
  readonly maxBlockDurationMs: number;
  readonly walCompression: boolean;
  /** 0 disables out-of-order ingestion. */
  readonly outOfOrderTimeWindowMs: number;
  readonly logger?: StorageLogger;
  /** WAL segment size in bytes (128 MiB, as Prometheus). */
  readonly walSegmentSize?: number;
  /** Where head chunks live; the WASM store unless a test injects another. */
  readonly chunkStore?: HeadChunkStore;
}

/** Self-metrics snapshot; cheap, no I/O. */
export interface DBStats {
  readonly numSeries: number;
  readonly minTime: number;
  readonly maxTime: number;
  readonly numChunks: number;
  readonly samplesAppended: number;
  readonly seriesCreated: number;
  readonly chunksCreated: number;
  readonly outOfOrderSamples: number;
  readonly walSegmentCurrent: number;
  readonly walCorruptions: number;
}

/** Prometheus's default block duration (and head chunk range): 2h. */
export const DEFAULT_BLOCK_DURATION = 2 * 3_600_000;

const NO_LOG: StorageLogger = { info() {}, warn() {}, error() {} };

const INT64_MIN = -9223372036854775808;
const INT64_MAX = 9223372036854775807;

/**
 * A data directory opened for writing: the head with its WAL (replayed on open,
 * repaired when its tail is torn). Blocks, compaction and retention come with the
 * persistence work; until then the head holds everything.
 */
export class DB {
  readonly appendable: Appendable;
  private walCorruptions = 0;

  private constructor(
    readonly dir: string,
    readonly head: Head,
    private readonly wal: WalWriter,
    private readonly wbl: WalWriter | undefined,
    private readonly logger: StorageLogger,
  ) {
    this.appendable = head;
  }

  static async open(opts: DBOptions): Promise<DB> {
    const logger = opts.logger ?? NO_LOG;
    mkdirSync(opts.dir, { recursive: true });
    const wal = WalWriter.open(join(opts.dir, 'wal'), { compress: opts.walCompression, segmentSize: opts.walSegmentSize });
    // As Prometheus: the write-behind log exists once out-of-order ingestion is enabled.
    const wblDir = join(opts.dir, 'wbl');
    const wbl =
      opts.outOfOrderTimeWindowMs > 0 || existsSync(wblDir)
        ? WalWriter.open(wblDir, { compress: opts.walCompression, segmentSize: opts.walSegmentSize })
        : undefined;
    const head = new Head({
      chunkRange: opts.minBlockDurationMs,
      store: opts.chunkStore ?? new WasmHeadChunkStore(),
      log: new WalCommitLog(wal),
      wbl: wbl && new WblLog(wbl),
      outOfOrderTimeWindow: opts.outOfOrderTimeWindowMs,
    });
    const db = new DB(opts.dir, head, wal, wbl, logger);
    db.replay();
    return db;
  }

  private replay(): void {
    const started = Date.now();
    const stats = replayIntoHead(this.head, this.dir);
    for (const [writer, err] of [
      [this.wal, stats.corruption],
      [this.wbl, stats.wblCorruption],
    ] as const) {
      if (!err || !writer) continue;
      // A checkpoint cannot be repaired by truncation: refuse to start rather than guess.
      if (err.dir !== writer.dir) throw err;
      this.walCorruptions++;
      this.logger.warn({ err: err.message, segment: err.segment, offset: err.offset }, 'Encountered WAL read error, attempting repair');
      writer.repair(err);
    }
    this.logger.info(
      {
        records: stats.records,
        series: stats.series,
        samples: stats.samples,
        outOfOrderSamples: stats.outOfOrderSamples,
        unknownRefs: stats.unknownRefs,
        duration: `${Date.now() - started}ms`,
      },
      'WAL replay completed',
    );
  }

  stats(): DBStats {
    const h = this.head;
    return {
      numSeries: h.numSeries,
      minTime: h.minTime === Infinity ? INT64_MAX : h.minTime,
      maxTime: h.maxTime === -Infinity ? INT64_MIN : h.maxTime,
      numChunks: h.numChunks(),
      samplesAppended: h.stats.samplesAppended,
      seriesCreated: h.stats.seriesCreated,
      chunksCreated: h.stats.chunksCreated,
      outOfOrderSamples: h.stats.outOfOrderSamples,
      walSegmentCurrent: this.wal.segment,
      walCorruptions: this.walCorruptions,
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.wal.close(), this.wbl?.close()]);
  }
}

/**
 * Opens a data directory's head read-only: its WAL replayed into memory (nothing is
 * repaired or written). Plugs into ReadOnlyDB's head seam; a torn WAL tail is reported
 * through `onWarning` and everything before it is served.
 */
export function readOnlyHeadOpener(
  onWarning?: (message: string) => void,
): (dir: string, minValidTime: number) => Promise<SeriesSource | undefined> {
  return async (dir, minValidTime) => {
    const head = new Head({ chunkRange: DEFAULT_BLOCK_DURATION, store: new WasmHeadChunkStore() });
    head.minValidTime = minValidTime;
    const stats = replayIntoHead(head, dir);
    for (const err of [stats.corruption, stats.wblCorruption]) if (err) onWarning?.(`WAL replay stopped early: ${err.message}`);
    return head.numSeries > 0 ? new HeadSource(head) : undefined;
  };
}

/** Opens a data directory for writing. */
export function openDB(opts: DBOptions): Promise<DB> {
  return DB.open(opts);
}
