import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { StorageError } from '../../storage/errors.js';
import type { Appendable } from '../../storage/interface.js';
import type { StorageLogger } from '../db.js';
import { DirLock } from '../dir-lock.js';
import { checkpoint, deleteCheckpoints } from '../wal/checkpoint.js';
import { listSegments, type SegmentRef } from '../wal/segment.js';
import { WalWriter } from '../wal/writer.js';
import { AgentAppender, AgentCounters, AgentWalLog, type AgentAppendTarget } from './appender.js';
import { registerAgentMetrics } from './metrics.js';
import { NO_QUEUES, validateAgentOptions, type AgentOptions, type ForwardProgress, type ValidAgentOptions } from './options.js';
import { replayAgentWal } from './replay.js';
import { AgentSeriesMap } from './series.js';

const NO_LOG: StorageLogger = { info() {}, warn() {}, error() {} };
const INT64_MIN = -9223372036854775808;
const INT64_MAX = 9223372036854775807;

/** Counters of the WAL's upkeep, for the prometheus_agent_* metrics. */
export class AgentWalCounters {
  corruptions = 0;
  replaySeconds = 0;
  truncations = 0;
  truncateSecondsSum = 0;
  checkpointCreations = 0;
  checkpointCreationsFailed = 0;
  checkpointDeletions = 0;
  checkpointDeletionsFailed = 0;
  /** Segments truncated before every queue had sent them: they were older than max-time. */
  unsentSegmentsDropped = 0;
}

/** The server's stats snapshot of a storage engine (see src/server/storage-seam.ts). */
export interface AgentDBStats {
  readonly numSeries: number;
  readonly minTime: number;
  readonly maxTime: number;
  readonly numChunks: number;
  readonly samplesAppended: number;
  readonly walSegmentCurrent: number;
  readonly walCorruptions: number;
  readonly walTruncations: number;
}

/**
 * Prometheus's agent storage (tsdb/agent): a WAL in the full DB's format under `<dir>/wal` and
 * the series map, nothing else: no head chunks, no blocks, no queries. Samples wait in the WAL
 * for the remote-write queues, which tail it.
 *
 * Every truncate interval, series without a sample since (lowest sent time - min-time, but no
 * earlier than now - max-time) are collected, and the lower two thirds of the older segments are
 * checkpointed (live series, series collected while those segments may still name them, samples
 * from that time on) and deleted, as 2.42 does, with one difference that follows from forwarding
 * by WAL position: a segment some queue has not finished is kept, unless it was last written
 * more than max-time ago (the upstream has been away that long: Prometheus's bound on the WAL,
 * counted in unsentSegmentsDropped).
 */
export class AgentDB implements AgentAppendTarget {
  readonly appendable: Appendable;
  readonly series = new AgentSeriesMap();
  readonly counters = new AgentCounters();
  readonly walCounters = new AgentWalCounters();
  readonly wal: AgentWalLog;
  /** Series collected, by ref, with the WAL segment current when they were (Prometheus's db.deleted). */
  private readonly deleted = new Map<number, number>();
  private progress: ForwardProgress = NO_QUEUES;
  private truncating: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly now: () => number;

  private constructor(
    readonly dir: string,
    private readonly writer: WalWriter,
    private readonly opts: ValidAgentOptions,
    private readonly walCompression: boolean,
    private readonly logger: StorageLogger,
    now: (() => number) | undefined,
    private readonly lock: DirLock | undefined,
  ) {
    this.wal = new AgentWalLog(writer);
    this.appendable = { appender: () => new AgentAppender(this) };
    this.now = now ?? Date.now;
  }

  /** Opens (creating if needed) the agent storage in `opts.dir`: replays and, if torn, repairs its WAL, then truncates on the interval. */
  static open(opts: AgentOptions): Promise<AgentDB> {
    const logger = opts.logger ?? NO_LOG;
    const valid = validateAgentOptions(opts);
    mkdirSync(opts.dir, { recursive: true });
    const lock = opts.noLockfile ? undefined : DirLock.acquire(opts.dir);
    let db: AgentDB;
    try {
      const writer = WalWriter.open(join(opts.dir, 'wal'), { compress: opts.walCompression, segmentSize: opts.walSegmentSize || undefined });
      db = new AgentDB(opts.dir, writer, valid, opts.walCompression, logger, opts.now, lock);
      db.replay();
    } catch (err) {
      lock?.release();
      throw err;
    }
    db.timer = setInterval(() => void db.truncate().catch(() => undefined), valid.truncateFrequencyMs);
    db.timer.unref();
    return Promise.resolve(db);
  }

  /** The WAL directory the remote-write queues tail. */
  get walDir(): string {
    return this.writer.dir;
  }

  /** Prometheus's clean_start: -1 without a lock file, 0 when a stale one was replaced, 1 for a clean start. */
  get cleanStart(): number {
    return this.lock === undefined ? -1 : this.lock.replacedStale ? 0 : 1;
  }

  /** Index of the segment being written. */
  get walSegment(): number {
    return this.writer.segment;
  }

  /** Series collected but still named by segments not yet checkpointed. */
  get deletedSeries(): number {
    return this.deleted.size;
  }

  /** Installs the remote-write queues' progress, which truncation waits for. */
  setForwardProgress(progress: ForwardProgress): void {
    this.progress = progress;
  }

  /**
   * The remote-write retention hook (what the sender calls on the full DB too): `keepFrom()` is the
   * oldest segment a queue still needs, undefined without queues. Queues read by position and do
   * not report a sent time, so with queues series GC counts back from now (a series idle for
   * min-time is collected; its record stays while unsent segments name it); without queues, from
   * 0 as 2.42 does (only max-time collects).
   */
  setWalRetention(keepFrom: (() => number | undefined) | undefined): void {
    if (keepFrom === undefined) {
      this.progress = NO_QUEUES;
      return;
    }
    this.progress = {
      lowestPendingSegment: () => keepFrom() ?? Infinity,
      lowestSentTimestamp: () => (keepFrom() === undefined ? 0 : this.now()),
    };
  }

  checkOpen(): void {
    if (this.closed) throw new StorageError('STORAGE_CLOSED', 'agent storage is closed');
  }

  private replay(): void {
    const started = this.now();
    this.logger.info({ dir: this.writer.dir }, 'replaying WAL, this may take a while');
    const stats = replayAgentWal(this.writer.dir, this.series);
    const err = stats.corruption;
    if (err) {
      // A checkpoint cannot be repaired by truncation: refuse to start rather than guess.
      if (err.dir !== this.writer.dir) throw err;
      this.walCounters.corruptions++;
      this.logger.warn({ err: err.message, segment: err.segment, offset: err.offset }, 'encountered WAL read error, attempting repair');
      this.writer.repair(err);
    }
    if (stats.unknownRefs > 0) this.logger.warn({ skipped_series: stats.unknownRefs }, 'found sample referencing non-existing series');
    this.walCounters.replaySeconds = (this.now() - started) / 1000;
    this.logger.info({ records: stats.records, series: stats.series, samples: stats.samples }, 'WAL replay completed');
  }

  /** Runs one truncation now (the interval runs them too); concurrent calls share one run. */
  truncate(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('agent storage is closed'));
    this.truncating ??= this.runTruncation()
      .catch((err: unknown) => {
        this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'failed to truncate WAL');
        throw err;
      })
      .finally(() => (this.truncating = undefined));
    return this.truncating;
  }

  /** The time before which a series without newer samples is inactive (2.42's run loop). */
  gcMint(now: number): number {
    let ts = this.progress.lowestSentTimestamp() - this.opts.minWalTimeMs;
    if (ts < 0) ts = 0;
    const oldest = now - this.opts.maxWalTimeMs;
    return ts < oldest ? oldest : ts;
  }

  private async runTruncation(): Promise<void> {
    const now = this.now();
    const mint = this.gcMint(now);
    const started = performance.now();
    this.gc(mint);

    const segs = listSegments(this.writer.dir);
    if (segs.length === 0) return;
    const first = segs[0]!.index;
    let last = segs[segs.length - 1]!.index;
    // A new segment, so that a quiet agent does not keep more WAL than needed.
    this.writer.nextSegment();
    last--; // the segment being written when we started is never checkpointed
    if (last < 0) return;
    last = first + Math.trunc(((last - first) * 2) / 3);
    const pending = this.progress.lowestPendingSegment();
    if (last >= pending) {
      const expired = lastSegmentWrittenBefore(segs, last, now - this.opts.maxWalTimeMs);
      const bound = Math.max(pending - 1, expired);
      if (bound > pending - 1) {
        this.walCounters.unsentSegmentsDropped += bound - (pending - 1);
        this.logger.warn({ first: pending, last: bound }, 'dropping WAL segments not yet sent: older than the retention max-time');
      }
      last = Math.min(last, bound);
    }
    if (last <= first) return;

    const keep = (ref: number): boolean => this.series.getByRef(ref) !== undefined || (this.deleted.get(ref) ?? -1) >= first;
    this.walCounters.checkpointCreations++;
    try {
      await checkpoint(this.writer.dir, first, last, keep, mint, { compress: this.walCompression });
    } catch (err) {
      this.walCounters.checkpointCreationsFailed++;
      throw new Error(`create checkpoint: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    try {
      this.writer.truncate(last + 1);
    } catch (err) {
      // Leftover segments are ignored once a newer checkpoint covers them; the next run retries.
      this.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'truncating segments failed');
    }
    for (const [ref, segment] of this.deleted) if (segment < first) this.deleted.delete(ref);
    this.walCounters.checkpointDeletions++;
    try {
      deleteCheckpoints(this.writer.dir, last);
    } catch (err) {
      this.walCounters.checkpointDeletionsFailed++;
      this.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'delete old checkpoints');
    }
    this.walCounters.truncations++;
    const seconds = (performance.now() - started) / 1000;
    this.walCounters.truncateSecondsSum += seconds;
    this.logger.info({ first, last, duration: `${Math.round(seconds * 1000)}ms` }, 'WAL checkpoint complete');
  }

  /** Collects the series without a sample since `mint`; their Series records stay until the segments that may name them are checkpointed. */
  private gc(mint: number): void {
    const segment = this.writer.segment;
    for (const ref of this.series.gc(mint)) this.deleted.set(ref, segment);
  }

  /** The prometheus_agent_* metrics (the server registers these instead of the TSDB's). */
  registerMetrics(registry: Registry): void {
    registerAgentMetrics(registry, this);
  }

  stats(): AgentDBStats {
    return {
      numSeries: this.series.size,
      minTime: INT64_MAX,
      maxTime: INT64_MIN,
      numChunks: 0,
      samplesAppended: this.counters.floatSamplesAppended,
      walSegmentCurrent: this.writer.segment,
      walCorruptions: this.walCounters.corruptions,
      walTruncations: this.walCounters.truncations,
    };
  }

  /** Waits for a running truncation, then closes the WAL (fsynced). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.truncating?.catch(() => undefined);
    try {
      await this.writer.close();
    } finally {
      this.lock?.release();
    }
  }
}

/**
 * The newest segment up to `last` whose file was last written before `cutoff` (ms), counting only
 * the unbroken run of such segments from the oldest; -1 when the oldest is newer.
 */
function lastSegmentWrittenBefore(segs: readonly SegmentRef[], last: number, cutoff: number): number {
  let found = -1;
  for (const s of segs) {
    if (s.index > last) break;
    if (statSync(join(s.dir, s.name)).mtimeMs >= cutoff) break;
    found = s.index;
  }
  return found;
}

export function openAgentDB(opts: AgentOptions): Promise<AgentDB> {
  return AgentDB.open(opts);
}
