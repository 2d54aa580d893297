// The options of openDB(), checked once, before anything on disk is touched: every problem is an
// InvalidOptionError naming the option, and the result is the complete, resolved settings.

import { DurationError, MAX_DURATION_MS, parseDuration } from '../model/duration.js';
import type { StorageLogger } from '../tsdb/db.js';

/**
 * A duration: milliseconds as a number, or a Prometheus duration string such as `"15d"`, `"1h30m"`
 * or `"500ms"`.
 */
export type Duration = number | string;

/** Options of {@link openDB}. Every one is optional; the defaults are Prometheus 2.42's. */
export interface OpenDBOptions {
  /**
   * How long samples are kept (`--storage.tsdb.retention.time`): whole blocks past it are deleted,
   * oldest first; 0 keeps everything. Default `"15d"`. It also sets the default
   * {@link OpenDBOptions.maxBlockDuration}.
   */
  readonly retention?: Duration;
  /** Span of a block cut from the head (`--storage.tsdb.min-block-duration`). Default `"2h"`; must be above 0. */
  readonly minBlockDuration?: Duration;
  /**
   * Longest span of a compacted block (`--storage.tsdb.max-block-duration`). Default 10% of the
   * retention, at most 31d; never below minBlockDuration.
   */
  readonly maxBlockDuration?: Duration;
  /** How far behind the newest sample out-of-order samples are taken (`out_of_order_time_window`). Default 0: refused. */
  readonly outOfOrderTimeWindow?: Duration;
  /** Snappy-compress WAL records (`--storage.tsdb.wal-compression`). Default true. */
  readonly walCompression?: boolean;
  /**
   * Take `<dir>/lock` so no other process opens the directory meanwhile (default true);
   * false is Prometheus's `--storage.tsdb.no-lockfile`.
   */
  readonly lockfile?: boolean;
  /** How far back an instant selector looks for a sample (`--query.lookback-delta`). Default `"5m"`. */
  readonly lookbackDelta?: Duration;
  /** Longest a PromQL query may run (`--query.timeout`). Default `"2m"`. */
  readonly queryTimeout?: Duration;
  /** Most samples one PromQL query may hold (`--query.max-samples`). Default 50,000,000. */
  readonly maxSamples?: number;
  /** Receives the storage engine's log lines (pino's signature: `info(obj, msg)`). Default: silent. */
  readonly logger?: StorageLogger;
}

/** The options after validation: every default applied, durations in milliseconds. */
export interface ResolvedOptions {
  readonly retentionMs: number;
  readonly minBlockDurationMs: number;
  readonly maxBlockDurationMs: number;
  readonly outOfOrderTimeWindowMs: number;
  readonly walCompression: boolean;
  readonly lockfile: boolean;
  readonly lookbackDeltaMs: number;
  readonly queryTimeoutMs: number;
  readonly maxSamples: number;
  readonly logger: StorageLogger | undefined;
}

/** A bad argument to {@link openDB}; `option` names the culprit. Nothing on disk was touched. */
export class InvalidOptionError extends TypeError {
  override readonly name = 'InvalidOptionError';
  constructor(
    /** The option's name (`"dir"` for the directory argument). */
    readonly option: string,
    message: string,
  ) {
    super(`openDB: ${message}`);
  }
}

const DAY = 86_400_000;
const MAX_BLOCK_DURATION_CAP_MS = 31 * DAY;

const KNOWN: readonly (keyof OpenDBOptions)[] = [
  'retention',
  'minBlockDuration',
  'maxBlockDuration',
  'outOfOrderTimeWindow',
  'walCompression',
  'lockfile',
  'lookbackDelta',
  'queryTimeout',
  'maxSamples',
  'logger',
];

/** Checks `dir` and `options` and applies the defaults; throws InvalidOptionError. */
export function resolveOptions(dir: unknown, options: unknown): ResolvedOptions {
  if (typeof dir !== 'string' || dir === '') {
    throw new InvalidOptionError('dir', `dir must be a non-empty string (the data directory), got ${describe(dir)}`);
  }
  if (dir.includes('\0')) throw new InvalidOptionError('dir', 'dir must not contain a NUL character');
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionError('options', `options must be an object, got ${describe(options)}`);
  }
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!(KNOWN as readonly string[]).includes(key)) {
      throw new InvalidOptionError(key, `unknown option "${key}" (known options: ${KNOWN.join(', ')})`);
    }
  }

  const retentionMs = duration(given, 'retention', 15 * DAY);
  const minBlockDurationMs = duration(given, 'minBlockDuration', 2 * 3_600_000);
  if (minBlockDurationMs === 0) throw new InvalidOptionError('minBlockDuration', 'option "minBlockDuration" must be greater than 0');
  const defaultMax = retentionMs !== 0 ? Math.min(Math.floor(retentionMs / 10), MAX_BLOCK_DURATION_CAP_MS) : MAX_BLOCK_DURATION_CAP_MS;
  const maxBlockDurationMs = Math.max(duration(given, 'maxBlockDuration', defaultMax), minBlockDurationMs);
  const maxSamples = given.maxSamples ?? 50_000_000;
  if (typeof maxSamples !== 'number' || !Number.isSafeInteger(maxSamples) || maxSamples < 0) {
    throw new InvalidOptionError('maxSamples', `option "maxSamples" must be a non-negative integer, got ${describe(maxSamples)}`);
  }
  return {
    retentionMs,
    minBlockDurationMs,
    maxBlockDurationMs,
    outOfOrderTimeWindowMs: duration(given, 'outOfOrderTimeWindow', 0),
    walCompression: boolean(given, 'walCompression', true),
    lockfile: boolean(given, 'lockfile', true),
    lookbackDeltaMs: duration(given, 'lookbackDelta', 5 * 60_000),
    queryTimeoutMs: duration(given, 'queryTimeout', 2 * 60_000),
    maxSamples,
    logger: logger(given.logger),
  };
}

/** A duration option in ms: a non-negative integer number, or a duration string. */
function duration(given: Record<string, unknown>, name: keyof OpenDBOptions, fallback: number): number {
  const value = given[name];
  if (value === undefined) return fallback;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || !Number.isInteger(value)) {
      throw new InvalidOptionError(name, `option "${name}" must be a whole number of milliseconds, got ${value}`);
    }
    if (value < 0) throw new InvalidOptionError(name, `option "${name}" must not be negative, got ${value}`);
    if (value > MAX_DURATION_MS) throw new InvalidOptionError(name, `option "${name}" is out of range: ${value} ms`);
    return value;
  }
  if (typeof value === 'string') {
    if (value.startsWith('-')) throw new InvalidOptionError(name, `option "${name}" must not be negative, got "${value}"`);
    try {
      return parseDuration(value);
    } catch (err) {
      if (!(err instanceof DurationError)) throw err;
      throw new InvalidOptionError(name, `option "${name}": ${err.message}`);
    }
  }
  throw new InvalidOptionError(
    name,
    `option "${name}" must be a duration (milliseconds, or a string such as "15d"), got ${describe(value)}`,
  );
}

function boolean(given: Record<string, unknown>, name: keyof OpenDBOptions, fallback: boolean): boolean {
  const value = given[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidOptionError(name, `option "${name}" must be a boolean, got ${describe(value)}`);
  return value;
}

function logger(value: unknown): StorageLogger | undefined {
  if (value === undefined) return undefined;
  const l = value as Partial<Record<'info' | 'warn' | 'error', unknown>> | null;
  if (typeof l !== 'object' || l === null || typeof l.info !== 'function' || typeof l.warn !== 'function' || typeof l.error !== 'function') {
    throw new InvalidOptionError('logger', `option "logger" must have info, warn and error methods, got ${describe(value)}`);
  }
  return value as StorageLogger;
}

/** A short description of a value for messages: its type, and the value itself when short. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return value.length <= 40 ? `the string ${JSON.stringify(value)}` : 'a string';
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${typeof value} ${String(value)}`;
    case 'undefined':
      return 'undefined';
    default:
      return `a ${typeof value}`;
  }
}
