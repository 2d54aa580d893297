// The server's view of the storage engine: what it opens, what it reads for self-metrics,
// and what it closes. src/tsdb/db.ts implements it; the server receives `openDB` by
// injection (runServer's deps), so it never imports the engine and tests can hand it a fake.

import type { Registry } from 'prom-client';
import type { Matcher } from '../model/matchers.js';
import type { Appendable, Metadata } from '../storage/interface.js';
// Type only: the engine itself reaches the server by injection.
import type { SeriesData } from '../tsdb/block/source.js';
import type { AgentOptions } from '../tsdb/agent/options.js';
import type { DBOptions } from '../tsdb/db.js';

export type { DBOptions, SeriesData };

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
  /** Blocks written from the head or by compaction, and failed compaction runs. */
  readonly compactions?: number;
  readonly compactionsFailed?: number;
  readonly verticalCompactions?: number;
  /** Block reloads (after compactions and every compaction interval). */
  readonly reloads?: number;
  readonly reloadsFailed?: number;
  /** Reloads that deleted blocks past the time or the size retention. */
  readonly timeRetentions?: number;
  readonly sizeRetentions?: number;
  /** The size retention in bytes (0: off), and the bytes of the loaded blocks. */
  readonly retentionLimitBytes?: number;
  readonly blocksBytes?: number;
  readonly numBlocks?: number;
}

/** One entry of a cardinality top list (/api/v1/status/tsdb). */
export interface CardinalityStat {
  readonly name: string;
  readonly value: number;
}

/** The head's size and its top-10 cardinality lists, as Prometheus's MemPostings.Stats computes them. */
export interface HeadStatus {
  readonly numSeries: number;
  readonly numLabelPairs: number;
  readonly chunkCount: number;
  /** Milliseconds; an empty head reports +/-2^63 as Prometheus does. */
  readonly minTime: number;
  readonly maxTime: number;
  readonly seriesCountByMetricName: readonly CardinalityStat[];
  readonly labelValueCountByLabelName: readonly CardinalityStat[];
  readonly memoryInBytesByLabelName: readonly CardinalityStat[];
  readonly seriesCountByLabelValuePair: readonly CardinalityStat[];
}

/** What the query API reads: blocks and head together. Times are milliseconds, ranges closed. */
export interface QueryStorage {
  /** Series satisfying every matcher with samples in [mint, maxt], sorted by labels, blocks and head merged. */
  select(matchers: readonly Matcher[], mint: number, maxt: number): AsyncIterable<SeriesData>;
  /** Sorted label names of the blocks and head overlapping the range (of the series matching `matchers`, when given). */
  labelNames(mint: number, maxt: number, matchers?: readonly Matcher[]): Promise<string[]>;
  /** Sorted values of label `name`, likewise. */
  labelValues(name: string, mint: number, maxt: number, matchers?: readonly Matcher[]): Promise<string[]>;
  headStatus(): HeadStatus;
  /** Metadata the head holds per metric name (what remote write recorded); distinct entries per name. */
  metadata(): ReadonlyMap<string, readonly Metadata[]>;
}

export interface DB {
  readonly appendable: Appendable;
  /** Absent for engines that cannot be queried. */
  readonly query?: QueryStorage;
  stats(): DBStats;
  /** Engines with metrics of their own (the agent's prometheus_agent_*) register them instead of the stats() set. */
  registerMetrics?(registry: Registry): void;
  /** Engines with a WAL: truncation keeps segment `keepFrom()` and later ones (the remote-write queues' needs). */
  setWalRetention?(keepFrom: (() => number | undefined) | undefined): void;
  close(): Promise<void>;
}

export type OpenDB = (options: DBOptions) => Promise<DB>;

/** Opens the agent storage (agent mode): WAL only, no queries. */
export type OpenAgentDB = (options: AgentOptions) => Promise<DB>;
