import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Matcher } from '../model/matchers.js';
import type { Appendable } from '../storage/interface.js';
import { HeadChunkStore as WasmHeadChunkStore } from '../wasm/index.js';
import { Block } from './block/block.js';
import { mergeSeriesSets } from './block/merge.js';
import type { BlockMeta } from './block/meta.js';
import type { SeriesData, SeriesSource } from './block/source.js';
import { compactBlocks } from './compact/compactor.js';
import { OUT_OF_ORDER_HINT, writeHeadBlock } from './compact/head-block.js';
import { compactionRanges, hasOverlaps, planCompaction } from './compact/planner.js';
import { deleteBlocks, plannedBlocks, reloadBlocks, type RetentionPolicy } from './compact/reload.js';
import { deleteFromBlock, deleteFromHead, writeCleanedBlock } from './delete.js';
import { DirLock } from './dir-lock.js';
import { Exclusive } from './exclusive.js';
import type { HeadChunkStore } from './head/chunk-store.js';
import { Head } from './head/head.js';
import { SampleBatch } from './head/sample-batch.js';
import { rangeForTimestamp } from './head/series.js';
import { HeadSource } from './head/source.js';
import { WalCommitLog, WblLog } from './head/wal-log.js';
import { replayIntoHead } from './head/wal-replay.js';
import { snapshot, snapshotDirProblem } from './snapshot.js';
import { DBQueryStorage } from './query-storage.js';
import { checkpoint, deleteCheckpoints } from './wal/checkpoint.js';
import { listSegments } from './wal/segment.js';
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
  /** Bytes of blocks and WAL to keep at most (`--storage.tsdb.retention.size`); 0 or absent: no limit. */
  readonly retentionBytes?: number;
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
  /** How often the head is checked for compaction besides after commits (Prometheus: 1m); 0 turns both checks off. */
  readonly compactionIntervalMs?: number;
  /** Skip `<dir>/lock` (`--storage.tsdb.no-lockfile`); by default a directory another process holds is refused (DirLockedError). */
  readonly noLockfile?: boolean;
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
  readonly seriesRemoved: number;
  readonly chunksRemoved: number;
  readonly walTruncations: number;
  readonly numBlocks: number;
  readonly headCompactions: number;
  readonly headCompactionsFailed: number;
  /** Blocks written: head ranges and block compactions (prometheus_tsdb_compactions_total). */
  readonly compactions: number;
  /** Failed compaction runs, head or blocks (prometheus_tsdb_compactions_failed_total). */
  readonly compactionsFailed: number;
  readonly reloads: number;
  readonly reloadsFailed: number;
  /** Compactions of overlapping blocks (prometheus_tsdb_vertical_compactions_total). */
  readonly verticalCompactions: number;
  readonly timeRetentions: number;
  readonly sizeRetentions: number;
  /** The size retention in bytes, 0 when off (prometheus_tsdb_retention_limit_bytes). */
  readonly retentionLimitBytes: number;
  /** Bytes of the loaded blocks (prometheus_tsdb_storage_blocks_bytes). */
  readonly blocksBytes: number;
}

/** Prometheus's default block duration (and head chunk range): 2h. */
export const DEFAULT_BLOCK_DURATION = 2 * 3_600_000;

const NO_LOG: StorageLogger = { info() {}, warn() {}, error() {} };

const INT64_MIN = -9223372036854775808;
const INT64_MAX = 9223372036854775807;

/** Prometheus checks whether the head is due for compaction once a minute. */
const DEFAULT_COMPACTION_INTERVAL = 60_000;

/** How long head truncation waits for queries that started before a new block. */
const QUERY_WAIT_MS = 60_000;

/** Block directories left by an interrupted write or delete (Prometheus's isTmpBlockDir). */
const TMP_BLOCK_DIR = /^([0-9A-HJKMNP-TV-Z]{26})\.(tmp-for-creation|tmp-for-deletion|tmp)$/i;

/**
 * A data directory opened for writing: the blocks found in it, and the head with its WAL (replayed
 * on open, repaired when its tail is torn). When the head spans more than 1.5 block ranges its
 * oldest range is written as a block, dropped from memory, and the WAL is checkpointed.
 *
 * Crash safety rests on the order of steps: a block is complete on disk (renamed into place) before
 * the head forgets its samples and before the WAL loses them; on open, the newest in-order block's
 * maxTime is the head's minValidTime, so replaying the WAL never re-adds a sample a block holds.
 */
export class DB {
  readonly appendable: Appendable;
  /** The query API's view: merged selection, label lookups, head cardinality. */
  readonly query: DBQueryStorage;
  private walCorruptions = 0;
  private walTruncations = 0;
  private headCompactions = 0;
  private headCompactionsFailed = 0;
  /** Series removed from the head, by ref, with the WAL segment current at removal (Prometheus's head.deleted). */
  private readonly deleted = new Map<number, number>();
  private lastWalTruncation = -Infinity;
  /** The oldest WAL segment a WAL reader (the remote-write queues) still needs; see setWalRetention. */
  private walRetention: (() => number | undefined) | undefined;
  private compacting: Promise<BlockMeta[]> | undefined;
  private compactingBlocks: Promise<void> | undefined;
  private compactPending = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Bumped when a block is added; each running query holds the value it started with. */
  private blockGeneration = 0;
  private readonly runningQueries = new Map<object, number>();
  /** Compaction and the admin operations (delete, clean tombstones, snapshot) run one at a time. */
  private readonly cmtx = new Exclusive();
  private lock: DirLock | undefined;
  private retention: RetentionPolicy = { retentionMs: 0, retentionBytes: 0 };
  private ranges: number[] = [DEFAULT_BLOCK_DURATION];
  private readonly blockStats = { verticalCompactions: 0, compactions: 0, compactionsFailed: 0, reloads: 0, reloadsFailed: 0, timeRetentions: 0, sizeRetentions: 0, blocksBytes: 0 };
  /** Blocks that failed to open and were logged; logged again only after a restart. */
  private readonly reportedCorrupt = new Set<string>();

  private constructor(
    readonly dir: string,
    readonly head: Head,
    /** Open blocks, sorted by minTime. */
    private blockList: Block[],
    private readonly wal: WalWriter,
    private readonly wbl: WalWriter | undefined,
    private readonly logger: StorageLogger,
    private readonly walCompression: boolean,
  ) {
    this.appendable = head;
    this.query = new DBQueryStorage({ blocks: () => this.blockList, head, select: (m, mint, maxt) => this.select(m, mint, maxt) });
  }

  static async open(opts: DBOptions): Promise<DB> {
    mkdirSync(opts.dir, { recursive: true });
    // Locked before anything in the directory is touched; released if the open fails.
    const lock = opts.noLockfile ? undefined : DirLock.acquire(opts.dir);
    try {
      const db = await DB.openLocked(opts);
      db.lock = lock;
      return db;
    } catch (err) {
      lock?.release();
      throw err;
    }
  }

  private static async openLocked(opts: DBOptions): Promise<DB> {
    const logger = opts.logger ?? NO_LOG;
    removeTmpBlockDirs(opts.dir, logger);
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
    const db = new DB(opts.dir, head, [], wal, wbl, logger, opts.walCompression);
    db.retention = { retentionMs: opts.retentionMs, retentionBytes: opts.retentionBytes ?? 0 };
    db.ranges = compactionRanges(opts.minBlockDurationMs, opts.maxBlockDurationMs);
    // As Prometheus's open: blocks loaded (parents of compacted blocks and blocks past retention deleted) before the WAL replay.
    await db.reload();
    head.minValidTime = inOrderMaxTime(db.blockList);
    db.replay();
    const interval = opts.compactionIntervalMs ?? DEFAULT_COMPACTION_INTERVAL;
    if (interval > 0) {
      db.timer = setInterval(() => db.compactIfDue(), interval);
      db.timer.unref();
      head.afterCommit = () => {
        if (head.compactable()) setImmediate(() => db.compactIfDue());
      };
      // A head replayed from a long WAL may already be due.
      setImmediate(() => db.compactIfDue());
    }
    return db;
  }

  /** The open blocks, sorted by minTime. */
  get blocks(): readonly Block[] {
    return this.blockList;
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

  /**
   * Every interval and after commits that make the head compactable: head ranges, then blocks as
   * planned. A trigger during a run is kept and runs once after it (Prometheus's buffered compactc).
   */
  private compactIfDue(): void {
    if (this.closed) return;
    if (this.compacting !== undefined || this.compactingBlocks !== undefined) {
      this.compactPending = true;
      return;
    }
    this.compact()
      .catch(() => undefined) // logged by compactHead
      .finally(() => {
        if (!this.compactPending) return;
        this.compactPending = false;
        this.compactIfDue();
      });
  }

  /**
   * Prometheus's DB.Compact: the head's due ranges written as blocks, then blocks compacted as the
   * planner says, reloading after each (a block compaction failure is logged and counted, not thrown).
   */
  async compact(): Promise<void> {
    await this.compactHead();
    this.compactingBlocks ??= this.cmtx.run(() => this.compactBlocks()).finally(() => (this.compactingBlocks = undefined));
    await this.compactingBlocks;
  }

  /**
   * Writes the head's oldest ranges as blocks while it spans more than 1.5 block ranges
   * (Prometheus's DB.Compact, head part), then truncates the WAL. Returns the blocks written.
   * Concurrent calls share one run.
   */
  compactHead(): Promise<BlockMeta[]> {
    if (this.closed) return Promise.reject(new Error('DB is closed'));
    this.compacting ??= this.cmtx.run(() => this.runHeadCompaction())
      .catch((err: unknown) => {
        this.headCompactionsFailed++;
        this.blockStats.compactionsFailed++;
        this.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'Head compaction failed');
        throw err;
      })
      .finally(() => (this.compacting = undefined));
    return this.compacting;
  }

  private async runHeadCompaction(): Promise<BlockMeta[]> {
    const head = this.head;
    const written: BlockMeta[] = [];
    let lastMaxt = -Infinity;
    while (head.compactable()) {
      const started = Date.now();
      const mint = head.minTime;
      const maxt = rangeForTimestamp(mint, head.chunkRange);
      // From here on no in-order sample may land in the range being written.
      if (maxt > head.minValidTime) head.minValidTime = maxt;
      const { meta, oooWritten } = await writeHeadBlock(head, this.dir, mint, maxt);
      if (meta) {
        await this.addBlock(meta);
        written.push(meta);
        this.logger.info({ ulid: meta.ulid, mint, maxt, duration: `${Date.now() - started}ms` }, 'write block');
        await this.waitForOlderQueries();
      }
      this.noteRemoved(head.truncateMemory(maxt, oooWritten));
      this.headCompactions++;
      lastMaxt = maxt;
    }
    if (lastMaxt === -Infinity) return written;
    await this.truncateWal(lastMaxt);
    written.push(...(await this.compactOldOutOfOrder(lastMaxt)));
    return written;
  }

  /**
   * Out-of-order samples older than the compacted ranges (they belong to windows already in blocks)
   * go into blocks of their own, one per block range, marked from-out-of-order as Prometheus marks
   * its out-of-order blocks; then the write-behind log is rewritten with what the head still holds.
   */
  private async compactOldOutOfOrder(before: number): Promise<BlockMeta[]> {
    const head = this.head;
    const written: BlockMeta[] = [];
    const range = head.chunkRange;
    // Windows strictly increase, so samples arriving meanwhile cannot keep this loop going.
    for (let w = -Infinity; head.minOOOTime < before; ) {
      w = Math.max(w + range, Math.floor(head.minOOOTime / range) * range);
      if (w >= before) break;
      const { meta, oooWritten } = await writeHeadBlock(head, this.dir, w, w + range, { outOfOrderOnly: true });
      if (meta) {
        await this.addBlock(meta);
        written.push(meta);
        this.logger.info({ ulid: meta.ulid, mint: w, maxt: w + range }, 'write out-of-order block');
        await this.waitForOlderQueries();
      }
      this.noteRemoved(head.truncateMemory(head.minValidTime, oooWritten));
    }
    await this.rewriteWbl();
    return written;
  }

  /**
   * Leaves in the write-behind log exactly the out-of-order samples the head holds: they are logged
   * into a fresh segment (synchronously, so no commit slips in between), which is synced before the
   * older segments are deleted. A crash in between leaves samples logged twice, which replay drops.
   */
  private async rewriteWbl(): Promise<void> {
    const wbl = this.wbl;
    if (wbl === undefined) return;
    const first = wbl.nextSegment();
    const cols = new SampleBatch();
    const log = new WblLog(wbl);
    for (const s of this.head.allSeries()) {
      const ooo = s.ooo;
      if (ooo === undefined) continue;
      for (let i = 0; i < ooo.length; i++) cols.push(s.ref, ooo.ts[i]!, ooo.bits, i);
      if (cols.length >= 8192) {
        log.logOutOfOrder(cols);
        cols.length = 0;
      }
    }
    if (cols.length > 0) log.logOutOfOrder(cols);
    await wbl.sync();
    wbl.truncate(first);
  }

  private noteRemoved(refs: readonly number[]): void {
    const segment = this.wal.segment;
    for (const ref of refs) this.deleted.set(ref, segment);
  }

  /**
   * Makes WAL truncation keep segment `keepFrom()` and every later one (undefined: no constraint).
   * The remote-write queues use it so that nothing they have not forwarded is deleted; they bound
   * how far back it reaches themselves.
   */
  setWalRetention(keepFrom: (() => number | undefined) | undefined): void {
    this.walRetention = keepFrom;
  }

  /**
   * Checkpoints the lower two thirds of the WAL's older segments, keeping series still in the head
   * (or removed while those segments may still name them) and samples at or after `mint`, then
   * deletes the covered segments and older checkpoints (Prometheus's truncateWAL).
   */
  private async truncateWal(mint: number): Promise<void> {
    if (mint <= this.lastWalTruncation) return;
    this.lastWalTruncation = mint;
    const segs = listSegments(this.wal.dir);
    if (segs.length === 0) return;
    const first = segs[0]!.index;
    let last = segs[segs.length - 1]!.index;
    // A new segment, so that a quiet DB does not keep more WAL than needed.
    this.wal.nextSegment();
    last--; // the segment being written when we started is never checkpointed
    if (last < 0) return;
    last = first + Math.trunc(((last - first) * 2) / 3);
    const keepFrom = this.walRetention?.();
    if (keepFrom !== undefined) last = Math.min(last, keepFrom - 1);
    if (last <= first) return;
    const started = Date.now();
    const head = this.head;
    const keep = (ref: number): boolean => head.getByRef(ref) !== undefined || this.deleted.has(ref);
    await checkpoint(this.wal.dir, first, last, keep, mint, { compress: this.walCompression });
    this.wal.truncate(last + 1);
    for (const [ref, segment] of this.deleted) if (segment < first) this.deleted.delete(ref);
    deleteCheckpoints(this.wal.dir, last);
    this.walTruncations++;
    this.logger.info({ first, last, duration: `${Date.now() - started}ms` }, 'WAL checkpoint complete');
  }

  /**
   * Compacts blocks while the planner finds some (Prometheus's compactBlocks), reloading after each:
   * the new block is served and its parents deleted. A failure is logged and ends the run.
   */
  private async compactBlocks(): Promise<void> {
    try {
      await this.reload();
      for (;;) {
        const plan = planCompaction(await plannedBlocks(this.blockList), this.ranges);
        if (plan.length === 0 || this.closed) return;
        const sources = plan.map((dir) => this.blockList.find((b) => b.dir === dir)!);
        if (hasOverlaps(sources.map((b) => b.meta))) this.blockStats.verticalCompactions++;
        const started = Date.now();
        const meta = await compactBlocks(this.dir, sources);
        this.blockStats.compactions++;
        this.logger.info(
          { count: sources.length, mint: meta?.minTime, maxt: meta?.maxTime, ulid: meta?.ulid ?? '', sources: sources.map((b) => b.ulid), duration: `${Date.now() - started}ms` },
          meta ? 'compact blocks' : 'compact blocks resulted in empty block',
        );
        await this.reload();
        if (meta && !this.blockList.some((b) => b.ulid === meta.ulid)) {
          // Not loadable: the sources stay (their parents were not deleted); drop it rather than compact again.
          await deleteBlocks([], [join(this.dir, meta.ulid)], this.logger);
          throw new Error(`compacted block ${meta.ulid} could not be loaded`);
        }
      }
    } catch (err) {
      this.blockStats.compactionsFailed++;
      this.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'Block compaction failed');
    }
  }

  /**
   * Brings the block list in line with the directory (Prometheus's reloadBlocks): new blocks opened,
   * parents of compacted blocks, deletable blocks and blocks past retention closed and deleted once
   * the queries that started before the swap are done.
   */
  private async reload(): Promise<void> {
    this.blockStats.reloads++;
    let r;
    try {
      r = await reloadBlocks(this.dir, this.blockList, this.retention, this.logger, this.reportedCorrupt);
    } catch (err) {
      this.blockStats.reloadsFailed++;
      throw err;
    }
    if (r.timeRetention) this.blockStats.timeRetentions++;
    if (r.sizeRetention) this.blockStats.sizeRetentions++;
    this.blockStats.blocksBytes = r.blocksBytes;
    const changed = r.blocks.length !== this.blockList.length || r.blocks.some((b, i) => b !== this.blockList[i]);
    this.blockList = r.blocks;
    if (changed) {
      this.blockGeneration++;
      await this.waitForOlderQueries();
    }
    await deleteBlocks(r.doomed, r.doomedDirs, this.logger);
  }

  private async addBlock(meta: BlockMeta): Promise<void> {
    const block = await Block.open(join(this.dir, meta.ulid));
    this.blockList = [...this.blockList, block].sort((a, b) => a.meta.minTime - b.meta.minTime);
    this.blockGeneration++;
  }

  /**
   * Waits (up to QUERY_WAIT_MS) for the queries that started before the newest block was added:
   * they read the head for its range, so the head must keep it until they are done (Prometheus
   * waits for pending readers the same way). Newer queries see the block; the samples they may
   * also find in the head merge away (same timestamps).
   */
  private async waitForOlderQueries(): Promise<void> {
    const deadline = Date.now() + QUERY_WAIT_MS;
    const older = (): boolean => [...this.runningQueries.values()].some((g) => g < this.blockGeneration);
    while (older() && !this.closed) {
      if (Date.now() > deadline) {
        this.logger.warn({ queries: this.runningQueries.size }, 'Truncating the head while older queries still run');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /**
   * Deletes the samples in the closed range [mint, maxt] of the series matching every matcher, in the
   * blocks and the head (Prometheus's DB.Delete): tombstones, honoured by every read, durable on disk.
   */
  delete(mint: number, maxt: number, matchers: readonly Matcher[]): Promise<void> {
    return this.cmtx.run(async () => {
      this.blockList = await Promise.all(this.blockList.map((b) => (b.overlaps(mint, maxt) ? deleteFromBlock(b, mint, maxt, matchers) : b)));
      if (new HeadSource(this.head).overlaps(mint, maxt)) deleteFromHead(this.head, this.wal, mint, maxt, matchers);
    });
  }

  /** Rewrites every block that has tombstones without the deleted samples, replacing it (Prometheus's CleanTombstones). */
  cleanTombstones(): Promise<void> {
    return this.cmtx.run(async () => {
      for (const old of this.blockList.filter((b) => b.tombstones.intervalCount > 0)) {
        const meta = await writeCleanedBlock(old, this.dir);
        if (meta) await this.addBlock(meta);
        this.blockList = this.blockList.filter((b) => b.ulid !== old.ulid);
        this.blockGeneration++;
        await this.waitForOlderQueries();
        await old.close();
        await deleteBlockDir(old.dir);
        this.logger.info({ old: old.ulid, new: meta?.ulid ?? '' }, 'Cleaned tombstones');
      }
    });
  }

  /** Hard-links the blocks into `dir` (created beforehand) and, with `withHead`, writes the head there as a block. */
  snapshot(dir: string, withHead: boolean): Promise<void> {
    const problem = snapshotDirProblem(dir, this.dir);
    if (problem) return Promise.reject(new Error(problem));
    return this.cmtx.run(() => snapshot(dir, this.blockList, withHead ? this.head : undefined, this.logger));
  }

  /** The data as a query source: blocks and head merged. Closing it leaves the DB open. */
  querier(): SeriesSource {
    return {
      overlaps: (mint, maxt) => this.blockList.some((b) => b.overlaps(mint, maxt)) || new HeadSource(this.head).overlaps(mint, maxt),
      select: (matchers, mint, maxt) => this.select(matchers, mint, maxt),
      close: async () => {},
    };
  }

  /**
   * The series satisfying every matcher with samples in the closed range [mint, maxt], sorted by
   * labels, each once with the samples of blocks and head merged in time order.
   */
  async *select(matchers: readonly Matcher[], mint: number, maxt: number): AsyncGenerator<SeriesData> {
    const token = {};
    this.runningQueries.set(token, this.blockGeneration);
    try {
      const sources: SeriesSource[] = this.blockList.filter((b) => b.overlaps(mint, maxt));
      const head = new HeadSource(this.head);
      if (head.overlaps(mint, maxt)) sources.push(head);
      if (sources.length === 0) return;
      yield* mergeSeriesSets(sources.map((s) => s.select(matchers, mint, maxt)));
    } finally {
      this.runningQueries.delete(token);
    }
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
      seriesRemoved: h.stats.seriesRemoved,
      chunksRemoved: h.stats.chunksRemoved,
      walTruncations: this.walTruncations,
      numBlocks: this.blockList.length,
      headCompactions: this.headCompactions,
      headCompactionsFailed: this.headCompactionsFailed,
      ...this.blockStats,
      compactions: this.headCompactions + this.blockStats.compactions,
      retentionLimitBytes: this.retention.retentionBytes,
    };
  }

  /** Waits for a running compaction (none is started: Prometheus does not compact at shutdown), then closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.head.afterCommit = undefined;
    await this.compacting?.catch(() => undefined);
    await this.compactingBlocks;
    await this.cmtx.run(async () => undefined); // a running admin operation finishes first
    await Promise.all([this.wal.close(), this.wbl?.close(), ...this.blockList.map((b) => b.close())]);
    this.lock?.release();
  }
}

/** Removes block directories an interrupted write or delete left behind. */
function removeTmpBlockDirs(dir: string, logger: StorageLogger): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory() || !TMP_BLOCK_DIR.test(e.name)) continue;
    rmSync(join(dir, e.name), { recursive: true, force: true });
    logger.info({ dir: e.name }, 'Removed tmp block directory');
  }
}

/** Removes a block directory as Prometheus does: renamed out of sight first, so a crash never leaves half a block. */
async function deleteBlockDir(dir: string): Promise<void> {
  const doomed = `${dir}.tmp-for-deletion`;
  await rename(dir, doomed);
  await rm(doomed, { recursive: true, force: true });
}

/** End of the newest block made of in-order samples (-Infinity without one): the head's minValidTime. */
function inOrderMaxTime(blocks: readonly Block[]): number {
  let max = -Infinity;
  for (const b of blocks) if (!b.meta.compaction.hints.includes(OUT_OF_ORDER_HINT)) max = Math.max(max, b.meta.maxTime);
  return max;
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
