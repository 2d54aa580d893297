// The remote-write self-metrics under Prometheus 2.42's names (storage/remote/queue_manager.go,
// write.go): one family per name, a child per queue labelled remote_name and url. Counters move
// once per batch, never per sample.

import { Counter, Gauge, Histogram, Registry } from 'prom-client';

const P = 'prometheus_remote_storage_';

/** Go's prometheus.DefBuckets plus 25, 60, 120, 300 (sent_batch_duration_seconds). */
const BATCH_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 60, 120, 300];

type QueueLabel = 'remote_name' | 'url';
const LABELS: QueueLabel[] = ['remote_name', 'url'];

/** Every family, registered once in a registry. */
export class RemoteWriteMetrics {
  readonly registry: Registry;
  readonly highestTimestamp: Gauge;
  readonly counters: Record<QueueCounterName, Counter<QueueLabel>>;
  readonly gauges: Record<QueueGaugeName, Gauge<QueueLabel>>;
  readonly sentBatchDuration: Histogram<QueueLabel>;

  constructor(registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    this.highestTimestamp = new Gauge({
      name: `${P}highest_timestamp_in_seconds`,
      help: 'Highest timestamp that has come into the remote storage via the Appender interface, in seconds since epoch.',
      registers,
    });
    const counters = {} as Record<QueueCounterName, Counter<QueueLabel>>;
    for (const [key, [name, help]] of Object.entries(COUNTERS) as [QueueCounterName, [string, string]][]) {
      counters[key] = new Counter({ name: P + name, help, labelNames: LABELS, registers });
    }
    this.counters = counters;
    const gauges = {} as Record<QueueGaugeName, Gauge<QueueLabel>>;
    for (const [key, [name, help]] of Object.entries(GAUGES) as [QueueGaugeName, [string, string]][]) {
      gauges[key] = new Gauge({ name: P + name, help, labelNames: LABELS, registers });
    }
    this.gauges = gauges;
    this.sentBatchDuration = new Histogram({
      name: `${P}sent_batch_duration_seconds`,
      help: 'Duration of send calls to the remote storage.',
      labelNames: LABELS,
      buckets: BATCH_DURATION_BUCKETS,
      registers,
    });
  }

  /** The children of one queue. */
  forQueue(remoteName: string, url: string): QueueMetrics {
    const labels = { remote_name: remoteName, url };
    const c = {} as Record<QueueCounterName, { inc(v?: number): void }>;
    for (const key of Object.keys(COUNTERS) as QueueCounterName[]) c[key] = this.counters[key].labels(labels);
    const g = {} as Record<QueueGaugeName, { set(v: number): void; inc(v?: number): void; dec(v?: number): void }>;
    for (const key of Object.keys(GAUGES) as QueueGaugeName[]) g[key] = this.gauges[key].labels(labels);
    const duration = this.sentBatchDuration.labels(labels);
    return {
      ...c,
      ...g,
      sentBatchDuration: duration,
      remove: () => {
        for (const m of Object.values(this.counters)) m.remove(labels);
        for (const m of Object.values(this.gauges)) m.remove(labels);
        this.sentBatchDuration.remove(labels);
      },
    };
  }
}

const COUNTERS = {
  samplesTotal: ['samples_total', 'Total number of samples sent to remote storage.'],
  exemplarsTotal: ['exemplars_total', 'Total number of exemplars sent to remote storage.'],
  histogramsTotal: ['histograms_total', 'Total number of histograms sent to remote storage.'],
  samplesFailed: ['samples_failed_total', 'Total number of samples which failed on send to remote storage, non-recoverable errors.'],
  exemplarsFailed: ['exemplars_failed_total', 'Total number of exemplars which failed on send to remote storage, non-recoverable errors.'],
  histogramsFailed: ['histograms_failed_total', 'Total number of histograms which failed on send to remote storage, non-recoverable errors.'],
  samplesRetried: ['samples_retried_total', 'Total number of samples which failed on send to remote storage but were retried because the send error was recoverable.'],
  exemplarsRetried: ['exemplars_retried_total', 'Total number of exemplars which failed on send to remote storage but were retried because the send error was recoverable.'],
  histogramsRetried: ['histograms_retried_total', 'Total number of histograms which failed on send to remote storage but were retried because the send error was recoverable.'],
  samplesDropped: ['samples_dropped_total', 'Total number of samples which were dropped after being read from the WAL before being sent via remote write, either via relabelling or unintentionally because of an unknown reference ID.'],
  exemplarsDropped: ['exemplars_dropped_total', 'Total number of exemplars which were dropped after being read from the WAL before being sent via remote write, either via relabelling or unintentionally because of an unknown reference ID.'],
  histogramsDropped: ['histograms_dropped_total', 'Total number of histograms which were dropped after being read from the WAL before being sent via remote write, either via relabelling or unintentionally because of an unknown reference ID.'],
  enqueueRetries: ['enqueue_retries_total', 'Total number of times enqueue has failed because a shards queue was full.'],
  bytesTotal: ['bytes_total', 'The total number of bytes of data (not metadata) sent by the queue after compression. Note that when exemplars over remote write is enabled the exemplars included in a remote write request count towards this metric.'],
} as const;
type QueueCounterName = keyof typeof COUNTERS;

const GAUGES = {
  highestSentTimestamp: ['queue_highest_sent_timestamp_seconds', 'Timestamp from a WAL sample, the highest timestamp successfully sent by this queue, in seconds since epoch.'],
  samplesPending: ['samples_pending', 'The number of samples pending in the queues shards to be sent to the remote storage.'],
  exemplarsPending: ['exemplars_pending', 'The number of exemplars pending in the queues shards to be sent to the remote storage.'],
  histogramsPending: ['histograms_pending', 'The number of histograms pending in the queues shards to be sent to the remote storage.'],
  shardCapacity: ['shard_capacity', 'The capacity of each shard of the queue used for parallel sending to the remote storage.'],
  shards: ['shards', 'The number of shards used for parallel sending to the remote storage.'],
  shardsMax: ['shards_max', 'The maximum number of shards that the queue is allowed to run.'],
  shardsMin: ['shards_min', 'The minimum number of shards that the queue is allowed to run.'],
  shardsDesired: ['shards_desired', "The number of shards that the queues shard calculation wants to run based on the rate of samples in vs. samples out."],
  maxSamplesPerSend: ['max_samples_per_send', 'The maximum number of samples to be sent, in a single request, to the remote storage. Note that, when sending of exemplars over remote write is enabled, exemplars count towards this limt.'],
} as const;
type QueueGaugeName = keyof typeof GAUGES;

type Inc = { inc(v?: number): void };
type Set = { set(v: number): void; inc(v?: number): void; dec(v?: number): void };

export type QueueMetrics = Record<QueueCounterName, Inc> &
  Record<QueueGaugeName, Set> & {
    readonly sentBatchDuration: { observe(v: number): void };
    /** Removes the queue's children (the queue is gone). */
    remove(): void;
  };
