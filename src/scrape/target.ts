// A scrape target, after Prometheus 2.42's scrape/target.go: its labels (public ones are attached to
// every sample), the URL built from `__scheme__`, `__address__`, `__metrics_path__` and `__param_*`,
// its interval and timeout, and the health of its last scrape as /api/v1/targets reports it.

import type { Labels } from '../model/labels.js';
import { labelsKey } from '../model/labels.js';
import { parseDuration } from '../model/duration.js';
import {
  ADDRESS_LABEL,
  METRICS_PATH_LABEL,
  PARAM_LABEL_PREFIX,
  SCHEME_LABEL,
  SCRAPE_INTERVAL_LABEL,
  SCRAPE_TIMEOUT_LABEL,
} from '../relabel/target.js';

export type TargetHealth = 'up' | 'down' | 'unknown';

export class Target {
  /** The labels not starting with `__`: attached to every sample of this target. */
  readonly publicLabels: Labels;
  readonly url: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Identity within a scrape pool: the labels and the URL. */
  readonly key: string;

  health: TargetHealth = 'unknown';
  lastError = '';
  /** Start of the last scrape, ms since the epoch (0: never scraped). */
  lastScrapeMs = 0;
  lastScrapeDurationSeconds = 0;

  constructor(
    /** After target relabeling; keeps the `__` labels the scraper reads. */
    readonly labels: Labels,
    /** What service discovery delivered, before relabeling. */
    readonly discoveredLabels: Labels,
    /** Query parameters of the scrape config (a `__param_<name>` label replaces the first value). */
    params: Readonly<Record<string, readonly string[]>>,
  ) {
    this.publicLabels = labels.filter((l) => !l.name.startsWith('__'));
    this.url = targetUrl(labels, params);
    this.intervalMs = parseDuration(get(labels, SCRAPE_INTERVAL_LABEL));
    this.timeoutMs = parseDuration(get(labels, SCRAPE_TIMEOUT_LABEL));
    this.key = `${labelsKey(labels)}\u0000${this.url}`;
  }

  /** Records a scrape's outcome (scrapeError undefined: success). */
  report(startMs: number, durationSeconds: number, scrapeError: string | undefined): void {
    this.health = scrapeError === undefined ? 'up' : 'down';
    this.lastError = scrapeError ?? '';
    this.lastScrapeMs = startMs;
    this.lastScrapeDurationSeconds = durationSeconds;
  }

  /**
   * How long to wait before the first scrape: a stable point inside the interval derived from the
   * target's hash, so the scrapes of many targets spread over the interval (Target.offset).
   */
  offsetMs(nowMs: number, jitterSeed: bigint): number {
    const interval = BigInt(this.intervalMs);
    const base = interval - (BigInt(Math.floor(nowMs)) % interval);
    const offset = (fnv1a64(this.key) ^ jitterSeed) % interval;
    let next = base + offset;
    if (next > interval) next -= interval;
    return Number(next);
  }
}

function get(ls: Labels, name: string): string {
  for (const l of ls) if (l.name === name) return l.value;
  return '';
}

/** Target.URL: scheme, host, path and the query from params with `__param_*` labels overriding. */
function targetUrl(ls: Labels, params: Readonly<Record<string, readonly string[]>>): string {
  const query = new Map<string, string[]>();
  for (const [name, values] of Object.entries(params)) query.set(name, [...values]);
  for (const l of ls) {
    if (!l.name.startsWith(PARAM_LABEL_PREFIX)) continue;
    const name = l.name.slice(PARAM_LABEL_PREFIX.length);
    const values = query.get(name);
    if (values === undefined || values.length === 0) query.set(name, [l.value]);
    else values[0] = l.value;
  }
  // Go's url.Values.Encode: keys sorted, QueryEscape'd.
  const parts: string[] = [];
  for (const name of [...query.keys()].sort()) {
    for (const v of query.get(name)!) parts.push(`${queryEscape(name)}=${queryEscape(v)}`);
  }
  const q = parts.length > 0 ? `?${parts.join('&')}` : '';
  return `${get(ls, SCHEME_LABEL)}://${get(ls, ADDRESS_LABEL)}${get(ls, METRICS_PATH_LABEL)}${q}`;
}

/** Go's url.QueryEscape: spaces as '+', unreserved kept. */
function queryEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+');
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK64 = (1n << 64n) - 1n;

/** FNV-1a, 64 bits, over the UTF-8 bytes of s. */
export function fnv1a64(s: string): bigint {
  let h = FNV_OFFSET;
  for (const b of Buffer.from(s)) h = ((h ^ BigInt(b)) * FNV_PRIME) & MASK64;
  return h;
}
