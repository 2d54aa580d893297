// The scrape pools' self-metrics of Prometheus 2.42 (scrape/scrape.go) that describe target_limit:
// plain numbers kept by the pools, exported through prom-client collect callbacks on /metrics.

import { Counter, Gauge, type Registry } from 'prom-client';

export class ScrapePoolMetrics {
  /** prometheus_target_scrape_pool_exceeded_target_limit_total: syncs that found a pool over its limit. */
  exceededTargetLimit = 0;
  /** prometheus_target_scrape_pool_target_limit, by job (0: no limit). */
  readonly targetLimit = new Map<string, number>();
  /** prometheus_target_scrape_pool_targets, by job: unique active targets at the last sync. */
  readonly targets = new Map<string, number>();

  /** A pool went away: its per-job series disappear, as Prometheus deletes their label values. */
  forget(job: string): void {
    this.targetLimit.delete(job);
    this.targets.delete(job);
  }
}

/** Registers the metrics on `registry`; they are read when /metrics is scraped. */
export function registerScrapePoolMetrics(registry: Registry, metrics: ScrapePoolMetrics): void {
  const registers = [registry];
  new Counter({
    name: 'prometheus_target_scrape_pool_exceeded_target_limit_total',
    help: 'Total number of times scrape pools hit the target limit, during sync or config reload.',
    registers,
    collect() {
      this.reset();
      this.inc(metrics.exceededTargetLimit);
    },
  });
  const perJob = (name: string, help: string, values: ReadonlyMap<string, number>): void => {
    new Gauge({
      name,
      help,
      labelNames: ['scrape_job'],
      registers,
      collect() {
        this.reset();
        for (const [job, v] of values) this.set({ scrape_job: job }, v);
      },
    });
  };
  perJob('prometheus_target_scrape_pool_target_limit', 'Maximum number of targets allowed in this scrape pool.', metrics.targetLimit);
  perJob('prometheus_target_scrape_pool_targets', 'Current number of targets in this scrape pool.', metrics.targets);
}
