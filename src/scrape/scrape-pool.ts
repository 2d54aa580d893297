// One job's scrape pool, after Prometheus 2.42's scrapePool (scrape/scrape.go): its service discovery
// (static, file, HTTP) yields target groups; target relabeling turns them into active and dropped
// targets; each active target gets a scrape loop. On every discovery update the loops are synced:
// new targets start, vanished ones stop with end-of-run staleness markers, unchanged ones keep running.

import type { ScrapeConfig } from '../config/types.js';
import type { Logger } from '../logging.js';
import type { Labels } from '../model/labels.js';
import { targetsFromGroup, type TargetGroup } from '../relabel/target.js';
import type { Appendable } from '../storage/interface.js';
import { StaticDiscoverer, type Discoverer } from '../discovery/discoverer.js';
import { FileDiscoverer } from '../discovery/file.js';
import { HttpDiscoverer } from '../discovery/http.js';
import { ScrapePoolMetrics } from './metrics.js';
import { ScrapeLoop } from './scrape-loop.js';
import { HttpScraper } from './scraper.js';
import { Target } from './target.js';

export interface DroppedTarget {
  readonly discoveredLabels: Labels;
}

export class ScrapePool {
  private readonly loops = new Map<string, ScrapeLoop>();
  private readonly discoverers: Discoverer[];
  /** Latest groups of each discoverer, by its index. */
  private readonly groups: (readonly TargetGroup[])[];
  private dropped: DroppedTarget[] = [];
  private stopped = false;

  constructor(
    readonly config: ScrapeConfig,
    private readonly appendable: Appendable,
    private readonly logger?: Logger,
    private readonly metrics = new ScrapePoolMetrics(),
  ) {
    metrics.targetLimit.set(config.jobName, config.targetLimit);
    const sd = config.serviceDiscovery;
    const log = logger?.child({ component: 'discovery', job: config.jobName });
    this.discoverers = [
      new StaticDiscoverer(sd.staticConfigs),
      ...sd.fileSdConfigs.map((c) => new FileDiscoverer(c, log)),
      ...sd.httpSdConfigs.map((c) => new HttpDiscoverer(c, log)),
    ];
    this.groups = this.discoverers.map(() => []);
  }

  get jobName(): string {
    return this.config.jobName;
  }

  start(): void {
    this.discoverers.forEach((d, i) =>
      d.start((groups) => {
        this.groups[i] = groups;
        this.sync();
      }),
    );
  }

  /** Stops discovery and every loop; no staleness markers (the job is gone or the server stops). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.metrics.forget(this.config.jobName);
    for (const d of this.discoverers) d.stop();
    const loops = [...this.loops.values()];
    this.loops.clear();
    for (const loop of loops) loop.cancelStaleness();
    await Promise.all(loops.map((loop) => loop.stop()));
  }

  activeTargets(): Target[] {
    return [...this.loops.values()].map((l) => l.target);
  }

  droppedTargets(): readonly DroppedTarget[] {
    return this.dropped;
  }

  /** Turns the current groups into targets and starts or stops loops to match. */
  private sync(): void {
    if (this.stopped) return;
    const cfg = this.config;
    const active = new Map<string, Target>();
    const dropped: DroppedTarget[] = [];
    for (const group of this.groups.flat()) {
      const { targets, failures } = targetsFromGroup(group, cfg);
      for (const f of failures) this.logger?.error({ err: f.message, scrape_pool: cfg.jobName }, 'Creating target failed');
      for (const t of targets) {
        if (t.labels.length === 0) {
          dropped.push({ discoveredLabels: t.discoveredLabels });
          continue;
        }
        const target = new Target(t.labels, t.discoveredLabels, cfg.params);
        if (!active.has(target.key)) active.set(target.key, target);
      }
    }
    this.dropped = dropped;
    for (const [key, loop] of this.loops) {
      if (active.has(key)) continue;
      this.loops.delete(key);
      void loop.stop({ markStale: true });
    }
    for (const [key, target] of active) {
      if (this.loops.has(key)) continue;
      const loop = new ScrapeLoop({
        target,
        scraper: new HttpScraper(target.url, { timeoutMs: target.timeoutMs, bodySizeLimit: cfg.bodySizeLimit, client: cfg.httpClient }),
        appendable: this.appendable,
        honorLabels: cfg.honorLabels,
        honorTimestamps: cfg.honorTimestamps,
        sampleLimit: cfg.sampleLimit,
        labelLimits: cfg,
        metricRelabelConfigs: cfg.metricRelabelConfigs,
        logger: this.logger,
      });
      this.loops.set(key, loop);
      loop.start();
    }
    this.metrics.targets.set(cfg.jobName, active.size);
    const forcedError = this.targetLimitError();
    for (const loop of this.loops.values()) loop.setForcedError(forcedError);
  }

  /**
   * Over target_limit, every loop of the pool fails its scrapes with this error (they keep running,
   * so that they resume once targets go away); refreshTargetLimitErr in Prometheus.
   */
  private targetLimitError(): string | undefined {
    const limit = this.config.targetLimit;
    if (limit === 0 || this.loops.size <= limit) return undefined;
    this.metrics.exceededTargetLimit++;
    return `target_limit exceeded (number of targets: ${this.loops.size}, limit: ${limit})`;
  }
}
