// The scrape manager, after Prometheus 2.42's scrape.Manager: one scrape pool per job of the
// configuration. Applying a configuration keeps pools whose job is unchanged, restarts changed ones,
// stops removed ones and starts new ones.

import type { PrometheusConfig, ScrapeConfig } from '../config/types.js';
import type { Logger } from '../logging.js';
import type { Appendable } from '../storage/interface.js';
import { ScrapePoolMetrics } from './metrics.js';
import { ScrapePool } from './scrape-pool.js';

export class ScrapeManager {
  private readonly pools = new Map<string, ScrapePool>();
  private stopped = false;
  /** The pools' target-limit metrics, for /metrics (registerScrapePoolMetrics). */
  readonly metrics = new ScrapePoolMetrics();

  constructor(
    private readonly appendable: Appendable,
    private readonly logger?: Logger,
  ) {}

  /** Brings the pools in line with `config` (the first call starts scraping). */
  async applyConfig(config: PrometheusConfig): Promise<void> {
    if (this.stopped) return;
    const wanted = new Map(config.scrapeConfigs.map((c) => [c.jobName, c]));
    const stopping: Promise<void>[] = [];
    for (const [job, pool] of this.pools) {
      const next = wanted.get(job);
      if (next !== undefined && sameScrapeConfig(pool.config, next)) continue;
      this.pools.delete(job);
      stopping.push(pool.stop());
    }
    await Promise.all(stopping);
    for (const [job, cfg] of wanted) {
      if (this.pools.has(job)) continue;
      const logger = this.logger?.child({ component: 'scrape manager', scrape_pool: job });
      for (const sd of cfg.serviceDiscovery.unsupported) {
        logger?.warn({ config: sd.key, line: sd.line }, 'Service discovery mechanism not supported by promwasm: no targets come from it');
      }
      const pool = new ScrapePool(cfg, this.appendable, logger, this.metrics);
      this.pools.set(job, pool);
      pool.start();
    }
  }

  /** The pools, in configuration order of their jobs' first appearance. */
  scrapePools(): readonly ScrapePool[] {
    return [...this.pools.values()];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.stop()));
  }
}

/** Structural equality of two loaded scrape configurations (regexes compare by their fields). */
function sameScrapeConfig(a: ScrapeConfig, b: ScrapeConfig): boolean {
  const replacer = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value);
  return JSON.stringify(a, replacer) === JSON.stringify(b, replacer);
}
