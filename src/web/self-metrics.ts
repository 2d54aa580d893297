// The server's own metrics, under Prometheus's names, exposed at /metrics from one prom-client
// Registry: process and Node.js defaults, HTTP request counters and latencies, readiness,
// configuration reloads, build info, and the storage's counters. Storage values are read from
// the engine's stats() when /metrics is scraped (collect callbacks), so appending samples never
// touches prom-client.

import type { FastifyPluginAsync } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DBStats } from '../server/storage-seam.js';
import type { Readiness } from './health.js';

export interface BuildInfo {
  readonly version: string;
  readonly revision: string;
  readonly branch: string;
}

export interface SelfMetricsOptions {
  readonly build: BuildInfo;
  readonly readiness: Readiness;
  /** Process and Node.js runtime metrics (default true; tests building many registries may turn them off). */
  readonly defaultMetrics?: boolean;
}

/** Go's names for Node's platform and arch, so build info reads like Prometheus's. */
const GOOS: Readonly<Record<string, string>> = { win32: 'windows', sunos: 'solaris' };
const GOARCH: Readonly<Record<string, string>> = { x64: 'amd64', ia32: '386' };

interface StatMetric {
  readonly stat: keyof DBStats;
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge' | 'counter';
  /** Milliseconds reported in seconds. */
  readonly seconds?: boolean;
  /** Prometheus splits these by sample type; promwasm's stats count float samples. */
  readonly floatType?: boolean;
}

const STORAGE_METRICS: readonly StatMetric[] = [
  { stat: 'numSeries', name: 'prometheus_tsdb_head_series', type: 'gauge', help: 'Total number of series in the head block.' },
  { stat: 'numChunks', name: 'prometheus_tsdb_head_chunks', type: 'gauge', help: 'Total number of chunks in the head block.' },
  { stat: 'minTime', name: 'prometheus_tsdb_head_min_time', type: 'gauge', help: 'Minimum time bound of the head block. The unit is decided by the library consumer.' },
  { stat: 'maxTime', name: 'prometheus_tsdb_head_max_time', type: 'gauge', help: 'Maximum timestamp of the head block. The unit is decided by the library consumer.' },
  { stat: 'minTime', name: 'prometheus_tsdb_head_min_time_seconds', type: 'gauge', seconds: true, help: 'Minimum time bound of the head block.' },
  { stat: 'maxTime', name: 'prometheus_tsdb_head_max_time_seconds', type: 'gauge', seconds: true, help: 'Maximum timestamp of the head block.' },
  { stat: 'samplesAppended', name: 'prometheus_tsdb_head_samples_appended_total', type: 'counter', floatType: true, help: 'Total number of appended samples.' },
  { stat: 'seriesCreated', name: 'prometheus_tsdb_head_series_created_total', type: 'counter', help: 'Total number of series created in the head' },
  { stat: 'seriesRemoved', name: 'prometheus_tsdb_head_series_removed_total', type: 'counter', help: 'Total number of series removed in the head' },
  { stat: 'chunksCreated', name: 'prometheus_tsdb_head_chunks_created_total', type: 'counter', help: 'Total number of chunks created in the head' },
  { stat: 'chunksRemoved', name: 'prometheus_tsdb_head_chunks_removed_total', type: 'counter', help: 'Total number of chunks removed in the head' },
  { stat: 'outOfOrderSamples', name: 'prometheus_tsdb_out_of_order_samples_total', type: 'counter', floatType: true, help: 'Total number of out of order samples ingestion failed attempts due to out of order being disabled.' },
  { stat: 'outOfBoundSamples', name: 'prometheus_tsdb_out_of_bound_samples_total', type: 'counter', floatType: true, help: 'Total number of out of bound samples ingestion failed attempts with out of order support disabled.' },
  { stat: 'walSegmentCurrent', name: 'prometheus_tsdb_wal_segment_current', type: 'gauge', help: 'Write log segment index that TSDB is currently writing to.' },
  { stat: 'walCorruptions', name: 'prometheus_tsdb_wal_corruptions_total', type: 'counter', help: 'Total number of WAL corruptions.' },
  { stat: 'walTruncations', name: 'prometheus_tsdb_wal_truncations_total', type: 'counter', help: 'Total number of write log truncations attempted.' },
  { stat: 'walWritesFailed', name: 'prometheus_tsdb_wal_writes_failed_total', type: 'counter', help: 'Total number of write log writes that failed.' },
  { stat: 'compactions', name: 'prometheus_tsdb_compactions_total', type: 'counter', help: 'Total number of compactions that were executed for the partition.' },
  { stat: 'compactionsFailed', name: 'prometheus_tsdb_compactions_failed_total', type: 'counter', help: 'Total number of compactions that failed for the partition.' },
  { stat: 'verticalCompactions', name: 'prometheus_tsdb_vertical_compactions_total', type: 'counter', help: 'Total number of compactions done on overlapping blocks.' },
  { stat: 'reloads', name: 'prometheus_tsdb_reloads_total', type: 'counter', help: 'Number of times the database reloaded block data from disk.' },
  { stat: 'reloadsFailed', name: 'prometheus_tsdb_reloads_failures_total', type: 'counter', help: 'Number of times the database failed to reloadBlocks block data from disk.' },
  { stat: 'timeRetentions', name: 'prometheus_tsdb_time_retentions_total', type: 'counter', help: 'The number of times that blocks were deleted because the maximum time limit was exceeded.' },
  { stat: 'sizeRetentions', name: 'prometheus_tsdb_size_retentions_total', type: 'counter', help: 'The number of times that blocks were deleted because the maximum number of bytes was exceeded.' },
  { stat: 'retentionLimitBytes', name: 'prometheus_tsdb_retention_limit_bytes', type: 'gauge', help: 'Max number of bytes to be retained in the tsdb blocks, configured 0 means disabled' },
  { stat: 'blocksBytes', name: 'prometheus_tsdb_storage_blocks_bytes', type: 'gauge', help: 'The number of bytes that are currently used for local storage by all blocks.' },
  { stat: 'numBlocks', name: 'prometheus_tsdb_blocks_loaded', type: 'gauge', help: 'Number of currently loaded data blocks' },
];

/** prometheus_http_request_duration_seconds buckets, as web/web.go. */
const REQUEST_DURATION_BUCKETS = [0.1, 0.2, 0.4, 1, 3, 8, 20, 60, 120];

export class SelfMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'code' | 'handler'>;
  private readonly requestDuration: Histogram<'handler'>;
  /** Labelled children by "handler code", so a request costs one map lookup, not a label hash. */
  private readonly requestChildren = new Map<string, { inc(): void }>();
  private readonly durationChildren = new Map<string, { observe(v: number): void }>();
  private readonly configSuccess: Gauge;
  private readonly configSuccessTime: Gauge;
  private storageAttached = false;

  constructor(options: SelfMetricsOptions) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });

    new Gauge({
      name: 'prometheus_build_info',
      help: "A metric with a constant '1' value labeled by version, revision, branch, goversion from which prometheus was built, and the goos and goarch for the build.",
      labelNames: ['branch', 'goarch', 'goos', 'goversion', 'revision', 'version'],
      registers,
    }).set(
      {
        branch: options.build.branch,
        goarch: GOARCH[process.arch] ?? process.arch,
        goos: GOOS[process.platform] ?? process.platform,
        goversion: process.version,
        revision: options.build.revision,
        version: options.build.version,
      },
      1,
    );

    const readiness = options.readiness;
    new Gauge({
      name: 'prometheus_ready',
      help: 'Whether Prometheus startup was fully completed and the server is ready for normal operation.',
      registers,
      collect() {
        this.set(readiness.isReady ? 1 : 0);
      },
    });

    this.configSuccess = new Gauge({
      name: 'prometheus_config_last_reload_successful',
      help: 'Whether the last configuration reload attempt was successful.',
      registers,
    });
    this.configSuccessTime = new Gauge({
      name: 'prometheus_config_last_reload_success_timestamp_seconds',
      help: 'Timestamp of the last successful configuration reload.',
      registers,
    });

    this.requests = new Counter({
      name: 'prometheus_http_requests_total',
      help: 'Counter of HTTP requests.',
      labelNames: ['code', 'handler'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'prometheus_http_request_duration_seconds',
      help: 'Histogram of latencies for HTTP requests.',
      labelNames: ['handler'],
      buckets: REQUEST_DURATION_BUCKETS,
      registers,
    });
  }

  /** Counts one answered request of a route (`handler` is its path pattern, as Prometheus labels it). */
  observeRequest(handler: string, code: number, seconds: number): void {
    const key = `${handler} ${code}`;
    let counter = this.requestChildren.get(key);
    if (counter === undefined) {
      counter = this.requests.labels({ code: String(code), handler });
      this.requestChildren.set(key, counter);
    }
    counter.inc();
    let histogram = this.durationChildren.get(handler);
    if (histogram === undefined) {
      histogram = this.requestDuration.labels({ handler });
      this.durationChildren.set(handler, histogram);
    }
    histogram.observe(seconds);
  }

  /** Records a configuration (re)load; `atMs` is when it succeeded. */
  configLoaded(success: boolean, atMs: number): void {
    this.configSuccess.set(success ? 1 : 0);
    if (success) this.configSuccessTime.set(atMs / 1000);
  }

  /**
   * Exposes the storage's counters, read from `stats` at every scrape. Called once the storage
   * is open (Prometheus registers the TSDB metrics when it opens the DB). A metric whose stat
   * the engine does not provide is left out.
   */
  attachStorage(stats: () => DBStats): void {
    if (this.storageAttached) throw new Error('storage metrics are already registered');
    this.storageAttached = true;
    const provided = stats();
    const registers = [this.registry];
    for (const metric of STORAGE_METRICS) {
      if (provided[metric.stat] === undefined) continue;
      const read = (): number => {
        const value = stats()[metric.stat] ?? 0;
        return metric.seconds ? value / 1000 : value;
      };
      const labelNames = metric.floatType ? ['type'] : [];
      if (metric.type === 'gauge') {
        new Gauge({ name: metric.name, help: metric.help, registers, collect() { this.set(read()); } });
      } else {
        new Counter({
          name: metric.name,
          help: metric.help,
          labelNames,
          registers,
          collect() {
            this.reset();
            if (metric.floatType) this.inc({ type: 'float' }, read());
            else this.inc(read());
          },
        });
      }
    }
  }
}

export interface MetricsPluginOptions {
  readonly selfMetrics: SelfMetrics;
}

/** GET /metrics: the registry in the text exposition format 0.0.4. */
export const metricsPlugin: FastifyPluginAsync<MetricsPluginOptions> = async (app, { selfMetrics }) => {
  app.get('/metrics', async (_request, reply) => {
    const body = await selfMetrics.registry.metrics();
    return reply.type(selfMetrics.registry.contentType).send(body);
  });
};
