// GET /api/v1/targets with Prometheus 2.42's JSON (web/api/v1/api.go targets): the active targets of
// every scrape pool with their health, and the targets relabeling dropped. `state` (active, dropped,
// any) and `scrapePool` filter as in Prometheus.

import type { FastifyPluginAsync } from 'fastify';
import { formatDuration, parseDuration } from '../model/duration.js';
import type { Labels } from '../model/labels.js';
import { splitHostPort } from '../relabel/target.js';
import type { ScrapeManager } from '../scrape/manager.js';
import type { Target } from '../scrape/target.js';

export interface TargetsPluginOptions {
  /** The manager, once scraping runs. */
  readonly manager: () => ScrapeManager | undefined;
  /** The externally reachable `scheme` and `host:port` (--web.external-url), for globalUrl. */
  readonly external: { readonly scheme: string; readonly host: string };
  /** The port this server listens on: a localhost target on it is this server itself. */
  readonly listenPort: () => string;
}

const LOCALHOST_REPRESENTATIONS = new Set(['127.0.0.1', 'localhost', '::1']);

export const targetsPlugin: FastifyPluginAsync<TargetsPluginOptions> = async (app, opts) => {
  app.get('/targets', async (request) => {
    const query = request.query as { state?: string; scrapePool?: string };
    const state = (query.state ?? '').toLowerCase();
    const showActive = state === '' || state === 'any' || state === 'active';
    const showDropped = state === '' || state === 'any' || state === 'dropped';
    const pools = (opts.manager()?.scrapePools() ?? []).filter((p) => query.scrapePool === undefined || query.scrapePool === '' || p.jobName === query.scrapePool);
    const data: { activeTargets?: unknown[]; droppedTargets?: unknown[] } = {};
    if (showActive) {
      data.activeTargets = pools.flatMap((pool) => pool.activeTargets().map((t) => activeTarget(pool.jobName, t, opts)));
    }
    if (showDropped) {
      data.droppedTargets = pools.flatMap((pool) => pool.droppedTargets().map((d) => ({ discoveredLabels: labelMap(d.discoveredLabels) })));
    }
    return { status: 'success', data };
  });
};

function activeTarget(scrapePool: string, t: Target, opts: TargetsPluginOptions): unknown {
  const labelValue = (name: string): string => t.labels.find((l) => l.name === name)?.value ?? '';
  return {
    discoveredLabels: labelMap(t.discoveredLabels),
    labels: labelMap(t.publicLabels),
    scrapePool,
    scrapeUrl: t.url,
    globalUrl: globalUrl(t.url, opts),
    lastError: t.lastError,
    lastScrape: rfc3339Nano(t.lastScrapeMs),
    lastScrapeDuration: t.lastScrapeDurationSeconds,
    health: t.health,
    scrapeInterval: formatDuration(parseDuration(labelValue('__scrape_interval__'))),
    scrapeTimeout: formatDuration(parseDuration(labelValue('__scrape_timeout__'))),
  };
}

function labelMap(ls: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of ls) out[l.name] = l.value;
  return out;
}

/** getGlobalURL: a localhost target is given the external host (and scheme, when it is this server). */
function globalUrl(scrapeUrl: string, opts: TargetsPluginOptions): string {
  const u = new URL(scrapeUrl);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!LOCALHOST_REPRESENTATIONS.has(host)) return scrapeUrl;
  const scheme = u.protocol.slice(0, -1);
  const rest = scrapeUrl.slice(`${scheme}://${u.host}`.length);
  if (u.port === opts.listenPort()) return `${opts.external.scheme}://${opts.external.host}${rest}`;
  const externalHost = splitHostPort(opts.external.host)?.host ?? opts.external.host;
  const hostPort = u.port === '' ? externalHost : `${externalHost.includes(':') ? `[${externalHost}]` : externalHost}:${u.port}`;
  return `${scheme}://${hostPort}${rest}`;
}

/** Go's time.Time in JSON (RFC3339Nano, UTC): fractional zeros trimmed; the zero time when never scraped. */
function rfc3339Nano(ms: number): string {
  if (ms === 0) return '0001-01-01T00:00:00Z';
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}
