import type { StorageLogger } from '../db.js';

/** Prometheus 2.42's agent defaults (tsdb/agent/db.go). */
export const DEFAULT_TRUNCATE_FREQUENCY_MS = 2 * 3_600_000;
export const DEFAULT_MIN_WAL_TIME_MS = 5 * 60_000;
export const DEFAULT_MAX_WAL_TIME_MS = 4 * 3_600_000;

/**
 * How far the remote-write queues have got through the WAL: what the agent may truncate. The
 * sender installs it once it runs; until then (and without remote_write) nothing is pending.
 */
export interface ForwardProgress {
  /**
   * Every WAL segment below this index has been read and sent (or given up on) by every queue;
   * Infinity when no queue needs any segment.
   */
  lowestPendingSegment(): number;
  /**
   * Prometheus's LowestSentTimestamp: across queues, the lowest of each queue's highest sent
   * sample time, in ms; 0 without queues. Series GC counts back from it.
   */
  lowestSentTimestamp(): number;
}

/** No remote-write queue: nothing waits for the WAL, and no sample has been sent. */
export const NO_QUEUES: ForwardProgress = {
  lowestPendingSegment: () => Infinity,
  lowestSentTimestamp: () => 0,
};

export interface AgentOptions {
  /** storage.agent.path; the WAL is its `wal` subdirectory, as remote write expects. */
  readonly dir: string;
  readonly walCompression: boolean;
  /** Bytes; 0 or absent: 128 MiB. */
  readonly walSegmentSize?: number;
  /** How often the WAL is truncated; 0 or absent: 2h. */
  readonly truncateFrequencyMs?: number;
  /** storage.agent.retention.min-time: how long before the lowest sent time a series counts as inactive. */
  readonly minWalTimeMs?: number;
  /** storage.agent.retention.max-time: data older than this is dropped even when unsent. */
  readonly maxWalTimeMs?: number;
  /** --storage.agent.no-lockfile: do not take `<dir>/lock`. */
  readonly noLockfile?: boolean;
  readonly logger?: StorageLogger;
  /** Wall clock in ms (tests move it). */
  readonly now?: () => number;
}

/** The options after Prometheus's validateOptions: defaults for unset values, max-time ≥ min-time and ≥ the truncate frequency. */
export interface ValidAgentOptions {
  readonly truncateFrequencyMs: number;
  readonly minWalTimeMs: number;
  readonly maxWalTimeMs: number;
}

export function validateAgentOptions(opts: AgentOptions): ValidAgentOptions {
  const truncateFrequencyMs = positiveOr(opts.truncateFrequencyMs, DEFAULT_TRUNCATE_FREQUENCY_MS);
  const minWalTimeMs = positiveOr(opts.minWalTimeMs, DEFAULT_MIN_WAL_TIME_MS);
  let maxWalTimeMs = positiveOr(opts.maxWalTimeMs, DEFAULT_MAX_WAL_TIME_MS);
  if (minWalTimeMs > maxWalTimeMs) maxWalTimeMs = minWalTimeMs;
  if (maxWalTimeMs < truncateFrequencyMs) maxWalTimeMs = truncateFrequencyMs;
  return { truncateFrequencyMs, minWalTimeMs, maxWalTimeMs };
}

function positiveOr(value: number | undefined, fallback: number): number {
  return value !== undefined && value > 0 ? value : fallback;
}
