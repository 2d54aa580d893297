// openDB(): a data directory opened for reading and writing from a Node program — the same engine
// the server runs (head + WAL + blocks + compaction), its appender, a querier and the PromQL engine.

import { parseDuration } from '../model/duration.js';
import { parseSeriesSelector, type Matcher } from '../model/matchers.js';
import { Engine, type QueryOptions } from '../promql/engine.js';
import type { RangeSeries, Value } from '../promql/value.js';
import type { Appender } from '../storage/interface.js';
import { DB, type DBStats } from '../tsdb/db.js';
import { MAX_INT64, MIN_INT64 } from '../tsdb/encoding/int64.js';
import { resolveOptions, type Duration, type OpenDBOptions } from './options.js';
import { toSeries, type Series, type TimeRange } from './series.js';

/** A time as milliseconds since the epoch, or a Date. */
export type Time = number | Date;

/** Thrown by every method of a {@link Database} after {@link Database.close}. */
export class DatabaseClosedError extends Error {
  override readonly name = 'DatabaseClosedError';
  constructor(dir: string) {
    super(`database ${dir} is closed`);
  }
}

/**
 * A data directory opened with {@link openDB}. Samples go in through {@link Database.appender}
 * transactions and come out through {@link Database.select} (raw samples) or
 * {@link Database.query} / {@link Database.queryRange} (PromQL). Close it when done: that writes
 * out the WAL and releases the directory's lock.
 */
export class Database {
  private closing: Promise<void> | undefined;

  /** @internal Use {@link openDB}. */
  constructor(
    private readonly db: DB,
    private readonly engine: Engine,
  ) {}

  /** The data directory. */
  get dir(): string {
    return this.db.dir;
  }

  /**
   * A new transaction. `append(ref, labels, t, v)` adds one float sample (labels sorted by name,
   * e.g. from `labelsFromRecord`; `ref` 0 the first time) and returns the series ref to pass next
   * time, which skips the label lookup. Nothing is visible or durable before `commit()` resolves;
   * `rollback()` discards the transaction. Rejected samples (out of order, duplicate, too old) throw
   * a StorageError from `append`, and the transaction stays usable.
   */
  appender(): Appender {
    this.checkOpen();
    return this.db.appendable.appender();
  }

  /**
   * The series matching `selector` (a series selector such as `up{job="api"}`, or matchers) that
   * have samples in `range`, sorted by labels, each with the samples of blocks and head merged in
   * time order as Float64Array columns (timestamps in ms; NaN payloads such as the staleness marker
   * keep their bits). A bad selector throws SelectorParseError.
   */
  async *select(selector: string | readonly Matcher[], range: TimeRange = {}): AsyncGenerator<Series> {
    this.checkOpen();
    const matchers = typeof selector === 'string' ? parseSeriesSelector(selector) : selector;
    for await (const s of this.db.select(matchers, range.mint ?? MIN_INT64, range.maxt ?? MAX_INT64)) yield toSeries(s);
  }

  /**
   * Evaluates a PromQL expression at one instant (Prometheus's `/api/v1/query`). The result is a
   * vector, a scalar, a string or (for a range selector) a matrix. A bad expression rejects with
   * PromQLParseError; limits (timeout, max samples) and `options.signal` reject with
   * PromQLExecutionError subclasses.
   */
  query(expr: string, time: Time, options: QueryOptions = {}): Promise<Value> {
    this.checkOpen();
    return this.engine.instantQuery(this.db, expr, toMs(time, 'time'), options);
  }

  /**
   * Evaluates a PromQL expression at start, start + step, … up to end (Prometheus's
   * `/api/v1/query_range`): one series per label set, sorted by labels, with the steps it has a
   * value at. `step` is milliseconds or a duration string such as `"15s"`.
   */
  queryRange(expr: string, start: Time, end: Time, step: Duration, options: QueryOptions = {}): Promise<RangeSeries[]> {
    this.checkOpen();
    const from = toMs(start, 'start');
    const to = toMs(end, 'end');
    if (to < from) throw new RangeError('queryRange: end timestamp must not be before start time');
    const stepMs = typeof step === 'string' ? parseDuration(step) : step;
    if (!(Number.isFinite(stepMs) && stepMs > 0)) throw new RangeError('queryRange: zero or negative query resolution step widths are not accepted');
    if ((to - from) / stepMs > 11_000) {
      throw new RangeError('queryRange: exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
    }
    return this.engine.rangeQuery(this.db, expr, from, to, stepMs, options);
  }

  /** Head and WAL figures (series, samples appended, chunks, blocks…); cheap, no I/O. */
  stats(): DBStats {
    this.checkOpen();
    return this.db.stats();
  }

  /**
   * Waits for a running compaction, closes the WAL (everything committed is on disk) and the
   * blocks, and removes the directory's lock file. Transactions not committed are lost.
   * Calling it again returns the same promise.
   */
  close(): Promise<void> {
    return (this.closing ??= this.db.close());
  }

  private checkOpen(): void {
    if (this.closing !== undefined) throw new DatabaseClosedError(this.db.dir);
  }
}

/**
 * Opens (or creates) a data directory for reading and writing: the blocks in it, and the head
 * replayed from its WAL. `options` are checked first (InvalidOptionError naming the option); then
 * the directory's lock is taken (DirLockedError when another process holds it). In both cases
 * nothing on disk was changed.
 *
 * ```ts
 * const db = await openDB('./data', { retention: '30d' });
 * const app = db.appender();
 * const ref = app.append(0, labelsFromRecord({ __name__: 'jobs_total', queue: 'mail' }), Date.now(), 1);
 * await app.commit();
 * const v = await db.query('sum(jobs_total)', Date.now());
 * await db.close();
 * ```
 */
export async function openDB(dir: string, options: OpenDBOptions = {}): Promise<Database> {
  const o = resolveOptions(dir, options);
  const db = await DB.open({
    dir,
    retentionMs: o.retentionMs,
    minBlockDurationMs: o.minBlockDurationMs,
    maxBlockDurationMs: o.maxBlockDurationMs,
    walCompression: o.walCompression,
    outOfOrderTimeWindowMs: o.outOfOrderTimeWindowMs,
    noLockfile: !o.lockfile,
    logger: o.logger,
  });
  const engine = new Engine({ lookbackDelta: o.lookbackDeltaMs, timeoutMs: o.queryTimeoutMs, maxSamples: o.maxSamples });
  return new Database(db, engine);
}

function toMs(t: Time, name: string): number {
  const ms = t instanceof Date ? t.getTime() : t;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new RangeError(`${name} must be a finite number of milliseconds or a valid Date`);
  return Math.round(ms);
}
