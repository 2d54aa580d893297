// One target's scrape loop, after Prometheus 2.42's scrapeLoop (scrape/scrape.go): every interval,
// at a stable offset, fetch the target, parse the body, append its samples through one storage
// transaction together with the report series (`up`, `scrape_*`), and write staleness markers for
// series that disappeared. A failed scrape rolls its samples back and is then appended as an empty
// exposition: stale markers for everything of the previous scrape, plus the report with up=0.

import type { Logger } from '../logging.js';
import { labelsKey, type Labels } from '../model/labels.js';
import type { RelabelConfig } from '../relabel/config.js';
import { StorageError } from '../storage/errors.js';
import type { Appendable, Appender, SeriesRef } from '../storage/interface.js';
import { createParser, Entry, TextParseError } from '../textparse/index.js';
import { MAX_AHEAD_MS, ScrapeLimitAppender, STALE_NAN_VALUES } from './limit-appender.js';
import { checkLabelLimits, labelsAreValid, labelsString, mutateSampleLabels, reportSampleLabels, type LabelLimits } from './sample-labels.js';
import { ScrapeCache } from './scrape-cache.js';
import type { Scraper } from './scraper.js';
import type { Target } from './target.js';

/** Scrape times within this of the ideal tick are snapped to it, so samples sit exactly an interval apart. */
const SCRAPE_TIMESTAMP_TOLERANCE_MS = 2;

export const REPORT_SERIES = [
  'up',
  'scrape_duration_seconds',
  'scrape_samples_scraped',
  'scrape_samples_post_metric_relabeling',
  'scrape_series_added',
] as const;

export interface ScrapeLoopOptions {
  readonly target: Target;
  readonly scraper: Scraper;
  readonly appendable: Appendable;
  readonly honorLabels: boolean;
  readonly honorTimestamps: boolean;
  /** 0: no limit. */
  readonly sampleLimit: number;
  readonly labelLimits: LabelLimits;
  readonly metricRelabelConfigs: readonly RelabelConfig[];
  /** Spreads the targets of different servers; default 0. */
  readonly jitterSeed?: bigint;
  readonly logger?: Logger;
}

interface AppendResult {
  total: number;
  added: number;
  seriesAdded: number;
  /** Why the samples failed (rolled back), as Prometheus words it. */
  error: string | undefined;
}

export class ScrapeLoop {
  readonly target: Target;
  private readonly cache = new ScrapeCache();
  private readonly reportRefs = new Map<string, SeriesRef>();
  /** Scratch for one sample: values stay in typed arrays so NaN payloads keep their bits. */
  private readonly ts = new Float64Array(1);
  private readonly vs = new Float64Array(1);
  private readonly abort = new AbortController();
  /** Cancels a pending end-of-run staleness wait (the whole pool or server is stopping). */
  private readonly staleWait = new AbortController();
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastScrapeTime = 0;
  private nextTick = 0;
  /** Set by the pool while it is over its target_limit: every scrape fails with it, without a request. */
  private forcedError: string | undefined;

  constructor(private readonly opts: ScrapeLoopOptions) {
    this.target = opts.target;
  }

  /** Starts scraping at the target's offset inside the interval. */
  start(): void {
    const offset = this.target.offsetMs(Date.now(), this.opts.jitterSeed ?? 0n);
    this.timer = setTimeout(() => {
      this.nextTick = Date.now();
      this.tick();
    }, offset);
  }

  /**
   * Stops the loop: an in-flight scrape is abandoned and stores nothing. With `markStale` (the target
   * went away while its job keeps running) waits two interval ticks plus a tenth, then writes stale
   * markers for every series of the last scrape and for the report series.
   */
  async stop(opts: { markStale?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort();
    await this.running;
    if (!opts.markStale || this.lastScrapeTime === 0) return;
    const interval = this.target.intervalMs;
    const signal = this.staleWait.signal;
    if (!(await sleep(nextTickAfter(this.nextTick, interval, Date.now()) - Date.now(), signal))) return;
    const staleTime = Date.now();
    if (!(await sleep(interval + interval / 10, signal))) return;
    await this.appendStaleMarkers(staleTime);
  }

  /** Makes every scrape fail with `error` (undefined: scrape normally again), as sl.setForcedError. */
  setForcedError(error: string | undefined): void {
    this.forcedError = error;
  }

  /** Abandons a pending end-of-run staleness wait: no markers are written (as on shutdown). */
  cancelStaleness(): void {
    this.staleWait.abort();
  }

  private tick(): void {
    if (this.stopped) return;
    const interval = this.target.intervalMs;
    let scrapeTime = Date.now();
    if (interval > 100 * SCRAPE_TIMESTAMP_TOLERANCE_MS) {
      const ideal = this.nextTick;
      if (scrapeTime - ideal >= 0 && scrapeTime - ideal <= SCRAPE_TIMESTAMP_TOLERANCE_MS) scrapeTime = ideal;
    }
    this.running = this.scrapeAndReport(scrapeTime).catch((err: unknown) => {
      this.opts.logger?.error({ err, target: this.target.url }, 'Scrape failed unexpectedly');
    });
    void this.running.then(() => {
      if (this.stopped) return;
      this.nextTick = nextTickAfter(this.nextTick, interval, Date.now());
      this.timer = setTimeout(() => this.tick(), this.nextTick - Date.now());
    });
  }

  /** One scrape at `appendTime` (ms): fetch, append, report, commit. */
  async scrapeAndReport(appendTime: number): Promise<void> {
    const start = performance.now();
    let body: Uint8Array = new Uint8Array(0);
    let contentType: string | undefined;
    // A forced error skips the request: the empty body appended below stales the last scrape's series.
    let scrapeError = this.forcedError;
    if (scrapeError === undefined) {
      try {
        ({ body, contentType } = await this.opts.scraper.scrape(this.abort.signal));
      } catch (err) {
        scrapeError = (err as Error).message;
      }
    }
    if (this.stopped) return; // stopping: store nothing of an abandoned scrape

    let app = this.opts.appendable.appender();
    let result = this.appendBody(app, body, contentType, appendTime);
    if (result.error !== undefined) {
      await app.rollback();
      app = this.opts.appendable.appender();
      this.cache.discardCurrent();
      const empty = this.appendBody(app, new Uint8Array(0), undefined, appendTime);
      if (empty.error !== undefined) {
        await app.rollback();
        app = this.opts.appendable.appender();
      }
      result = { ...result, added: 0, seriesAdded: 0 };
    }
    scrapeError ??= result.error;
    const durationSeconds = (performance.now() - start) / 1000;
    this.target.report(appendTime, durationSeconds, scrapeError);
    const reportValues = [scrapeError === undefined ? 1 : 0, durationSeconds, result.total, result.added, result.seriesAdded];
    try {
      REPORT_SERIES.forEach((name, i) => this.appendReportSample(app, name, appendTime, reportValues[i]!));
    } catch (err) {
      this.opts.logger?.warn({ err, target: this.target.url }, 'Appending scrape report failed');
      await app.rollback();
      return;
    }
    this.lastScrapeTime = appendTime;
    await app.commit();
  }

  /** sl.append: the samples of one body (empty: only stale markers), into `app`; never throws for bad input. */
  private appendBody(base: Appender, body: Uint8Array, contentType: string | undefined, defTime: number): AppendResult {
    const res: AppendResult = { total: 0, added: 0, seriesAdded: 0, error: undefined };
    const app = new ScrapeLimitAppender(base, this.opts.sampleLimit, Date.now() + MAX_AHEAD_MS);
    const { ts, vs, cache, opts } = this;
    let sampleLimitHit = false;
    try {
      const p = createParser(body, contentType);
      for (let et = p.next(); et !== Entry.Eof; et = p.next()) {
        if (et !== Entry.Series) continue;
        res.total++;
        const explicitTs = opts.honorTimestamps && p.hasTimestamp();
        ts[0] = explicitTs ? p.timestamp() : defTime;
        const key = p.seriesKey();
        if (cache.isDropped(key)) continue;
        const cached = cache.get(key);
        let labels: Labels;
        let staleKey: string;
        if (cached !== undefined) {
          labels = cached.labels;
          staleKey = cached.staleKey;
        } else {
          const exposed = p.labels();
          staleKey = labelsKey(exposed);
          const mutated = mutateSampleLabels(exposed, this.target.publicLabels, opts.honorLabels, opts.metricRelabelConfigs);
          if (mutated === null) {
            cache.addDropped(key);
            continue;
          }
          labels = mutated;
          if (!labels.some((l) => l.name === '__name__')) throw new ScrapeFailure('missing metric name (__name__ label)');
          if (!labelsAreValid(labels)) throw new ScrapeFailure(`invalid metric name or label names: ${labelsString(labels)}`);
          const limitError = checkLabelLimits(labels, opts.labelLimits);
          if (limitError !== undefined) throw new ScrapeFailure(limitError);
        }
        p.copyValueTo(vs, 0);
        let ref: SeriesRef = cached?.ref ?? 0;
        let sampleAdded = false;
        try {
          ref = app.appendSamples(ref, labels, ts, vs, 0, 1);
          sampleAdded = true;
        } catch (err) {
          if (!(err instanceof StorageError)) throw err;
          if (err.code === 'SAMPLE_LIMIT') sampleLimitHit = true; // keep parsing so the totals are right
          else if (!isSkippableSampleError(err)) throw new ScrapeFailure(err.message);
        }
        if (sampleAdded && !explicitTs) cache.trackStaleness(staleKey, labels);
        if (cached === undefined) {
          cache.addRef(key, ref, labels, staleKey);
          if (sampleAdded && !sampleLimitHit) res.seriesAdded++;
        } else if (sampleAdded) {
          cached.ref = ref;
        }
        res.added++;
      }
      if (sampleLimitHit) throw new ScrapeFailure('sample limit exceeded');
      for (const labels of cache.stale()) {
        try {
          base.appendSamples(0, labels, new Float64Array([defTime]), STALE_NAN_VALUES, 0, 1);
        } catch (err) {
          if (!(err instanceof StorageError) || !isSkippableStaleError(err)) throw err;
        }
      }
    } catch (err) {
      res.error = failureMessage(err);
      return res;
    }
    cache.iterDone(body.length > 0);
    return res;
  }

  private appendReportSample(app: Appender, name: string, t: number, v: number): void {
    this.ts[0] = t;
    this.vs[0] = v;
    this.writeReport(app, name, this.reportRefs.get(name), reportSampleLabels(name, this.target.publicLabels), this.vs);
  }

  private writeReport(app: Appender, name: string, cached: SeriesRef | undefined, labels: Labels, values: Float64Array): void {
    try {
      const ref = app.appendSamples(cached ?? 0, labels, this.ts, values, 0, 1);
      if (cached === undefined) this.reportRefs.set(name, ref);
    } catch (err) {
      if (err instanceof StorageError && (err.code === 'OUT_OF_ORDER_SAMPLE' || err.code === 'DUPLICATE_SAMPLE_FOR_TIMESTAMP')) return;
      throw err;
    }
  }

  /** endOfRunStaleness: markers for the last scrape's series and the report series at `staleTime`. */
  private async appendStaleMarkers(staleTime: number): Promise<void> {
    let app = this.opts.appendable.appender();
    if (this.appendBody(app, new Uint8Array(0), undefined, staleTime).error !== undefined) {
      await app.rollback();
      app = this.opts.appendable.appender();
    }
    try {
      this.ts[0] = staleTime;
      for (const name of REPORT_SERIES) {
        this.writeReport(app, name, this.reportRefs.get(name), reportSampleLabels(name, this.target.publicLabels), STALE_NAN_VALUES);
      }
    } catch (err) {
      this.opts.logger?.warn({ err, target: this.target.url }, 'Stale report failed');
      await app.rollback();
      return;
    }
    await app.commit();
  }
}

/** A reason that fails the scrape (Prometheus's message). */
class ScrapeFailure extends Error {}

function failureMessage(err: unknown): string {
  if (err instanceof TextParseError) return err.reason;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Per-sample errors that skip the sample but keep the scrape. */
function isSkippableSampleError(err: StorageError): boolean {
  return err.code === 'OUT_OF_ORDER_SAMPLE' || err.code === 'DUPLICATE_SAMPLE_FOR_TIMESTAMP' || err.code === 'OUT_OF_BOUNDS';
}

/** A marker that lands behind newer data (the target came back under a new loop) is expected. */
function isSkippableStaleError(err: StorageError): boolean {
  return err.code === 'OUT_OF_ORDER_SAMPLE' || err.code === 'DUPLICATE_SAMPLE_FOR_TIMESTAMP';
}

/** The first tick `base + k*interval` after `now`. */
function nextTickAfter(base: number, interval: number, now: number): number {
  if (now < base) return base;
  return base + (Math.floor((now - base) / interval) + 1) * interval;
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (completed: boolean): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(completed);
    };
    const onAbort = (): void => done(false);
    const timer = setTimeout(() => done(true), Math.max(0, ms));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
