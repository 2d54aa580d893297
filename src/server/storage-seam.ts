// The server's view of the storage engine: what it opens, what it reads for self-metrics,
// and what it closes. src/tsdb/db.ts implements it; the server receives `openDB` by
// injection (runServer's deps), so it never imports the engine and tests can hand it a fake.

import type { Appendable } from '../storage/interface.js';
// Type only: the engine itself reaches the server by injection.
import type { DBOptions } from '../tsdb/db.js';

export type { DBOptions };

/**
 * A snapshot of the engine's counters, read on every /metrics scrape: cheap, no I/O.
 * Optional fields are exported only by engines that provide them.
 */
export interface DBStats {
  readonly numSeries: number;
  /** Head bounds in milliseconds; an empty head reports +/-2^63 as Prometheus does. */
  readonly minTime: number;
  readonly maxTime: number;
  readonly numChunks: number;
  /** Float samples appended to the head since the process started. */
  readonly samplesAppended: number;
  readonly seriesCreated?: number;
  readonly seriesRemoved?: number;
  readonly chunksCreated?: number;
  readonly chunksRemoved?: number;
  readonly outOfOrderSamples?: number;
  readonly outOfBoundSamples?: number;
  /** Index of the WAL segment being written. */
  readonly walSegmentCurrent?: number;
  readonly walCorruptions?: number;
  readonly walTruncations?: number;
  readonly walWritesFailed?: number;
}

export interface DB {
  readonly appendable: Appendable;
  stats(): DBStats;
  close(): Promise<void>;
}

export type OpenDB = (options: DBOptions) => Promise<DB>;
