// The agent storage's self-metrics under 2.42's names (tsdb/agent/db.go, and the WAL's own
// prometheus_tsdb_wal_* that the agent registers too). Values are read from the DB's counters when
// /metrics is scraped: appending never touches prom-client.

import { Counter, Gauge, Summary, type Registry } from 'prom-client';
import type { AgentDB } from './db.js';

export function registerAgentMetrics(registry: Registry, db: AgentDB): void {
  const registers = [registry];
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({ name, help, registers, collect() { this.set(read()); } });
  };
  const counter = (name: string, help: string, read: () => number): void => {
    new Counter({ name, help, registers, collect() { this.reset(); this.inc(read()); } });
  };
  const { counters, walCounters } = db;

  gauge('prometheus_agent_active_series', 'Number of active series being tracked by the WAL storage', () => db.series.size);
  gauge('prometheus_agent_deleted_series', 'Number of series pending deletion from the WAL', () => db.deletedSeries);
  new Counter({
    name: 'prometheus_agent_samples_appended_total',
    help: 'Total number of samples appended to the storage',
    labelNames: ['type'],
    registers,
    collect() {
      this.reset();
      this.inc({ type: 'float' }, counters.floatSamplesAppended);
      this.inc({ type: 'histogram' }, counters.histogramSamplesAppended);
    },
  });
  counter('prometheus_agent_exemplars_appended_total', 'Total number of exemplars appended to the storage', () => counters.exemplarsAppended);
  counter('prometheus_agent_out_of_order_samples_total', 'Total number of out of order samples ingestion failed attempts.', () => counters.outOfOrderSamples);
  let observed = 0;
  let observedSum = 0;
  new Summary({
    name: 'prometheus_agent_truncate_duration_seconds',
    help: 'Duration of WAL truncation.',
    percentiles: [],
    registers,
    collect() {
      // One observation per truncation since the last scrape; their durations sum to what is new.
      const runs = walCounters.truncations - observed;
      const seconds = walCounters.truncateSecondsSum - observedSum;
      for (let i = 0; i < runs; i++) this.observe(seconds / runs);
      observed = walCounters.truncations;
      observedSum = walCounters.truncateSecondsSum;
    },
  });
  counter('prometheus_agent_corruptions_total', 'Total number of WAL corruptions.', () => walCounters.corruptions);
  gauge('prometheus_agent_data_replay_duration_seconds', 'Time taken to replay the data on disk.', () => walCounters.replaySeconds);
  counter('prometheus_agent_checkpoint_deletions_failed_total', 'Total number of checkpoint deletions that failed.', () => walCounters.checkpointDeletionsFailed);
  counter('prometheus_agent_checkpoint_deletions_total', 'Total number of checkpoint deletions attempted.', () => walCounters.checkpointDeletions);
  counter('prometheus_agent_checkpoint_creations_failed_total', 'Total number of checkpoint creations that failed.', () => walCounters.checkpointCreationsFailed);
  counter('prometheus_agent_checkpoint_creations_total', 'Total number of checkpoint creations attempted.', () => walCounters.checkpointCreations);
  gauge('prometheus_agent_clean_start', '-1: lockfile is disabled. 0: a lockfile from a previous execution was replaced. 1: lockfile creation was clean', () => db.cleanStart);
  gauge('prometheus_tsdb_wal_segment_current', 'Write log segment index that TSDB is currently writing to.', () => db.walSegment);
  counter('prometheus_tsdb_wal_truncations_total', 'Total number of write log truncations attempted.', () => walCounters.checkpointCreations);
  counter(
    'promwasm_agent_unsent_segments_dropped_total',
    'WAL segments truncated before every remote-write queue had sent them, because they were older than the retention max-time.',
    () => walCounters.unsentSegmentsDropped,
  );
}
