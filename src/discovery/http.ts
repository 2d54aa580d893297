// http_sd_configs, after Prometheus 2.42's discovery/http: GET the URL every refresh_interval with the
// job's http client settings; a 200 answer with Content-Type application/json holding target groups
// replaces the previous ones. Group i has source "<url>:i" and the label `__meta_url`. A failed
// refresh keeps the previous groups.

import type { HttpSdConfig } from '../config/types.js';
import type { Logger } from '../logging.js';
import type { TargetGroup } from '../relabel/target.js';
import { httpGet } from '../scrape/http-client.js';
import { formatSecondsF, USER_AGENT } from '../scrape/scraper.js';
import type { Discoverer } from './discoverer.js';
import { decodeTargetGroups } from './target-group.js';

export const URL_LABEL = '__meta_url';

const JSON_CONTENT_TYPE = /^application\/json(;\s*charset=("utf-8"|utf-8))?$/i;
/** Bounds one refresh; Prometheus's refresh uses the discovery's context (no own deadline), this keeps a hung server from stacking refreshes. */
const REFRESH_TIMEOUT_MS = 30_000;

export class HttpSdError extends Error {
  override readonly name = 'HttpSdError';
}

export class HttpDiscoverer implements Discoverer {
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private update: ((groups: readonly TargetGroup[]) => void) | undefined;

  constructor(
    private readonly config: HttpSdConfig,
    private readonly logger?: Logger,
  ) {}

  start(update: (groups: readonly TargetGroup[]) => void): void {
    this.update = update;
    const loop = async (): Promise<void> => {
      await this.refreshOnce();
      if (this.update !== undefined) this.timer = setTimeout(() => void loop(), this.config.refreshIntervalMs);
    };
    void loop();
  }

  stop(): void {
    this.update = undefined;
    clearTimeout(this.timer);
    this.abort.abort();
  }

  private async refreshOnce(): Promise<void> {
    try {
      const groups = await fetchTargetGroups(this.config, this.abort.signal);
      this.update?.(groups);
    } catch (err) {
      if (this.update !== undefined) this.logger?.error({ err, url: this.config.url }, 'Unable to refresh target groups');
    }
  }
}

/** One refresh: the endpoint's target groups, or an error saying why not. */
export async function fetchTargetGroups(config: HttpSdConfig, signal?: AbortSignal): Promise<TargetGroup[]> {
  const res = await httpGet(config.url, {
    headers: {
      'User-Agent': USER_AGENT,
      Accept: 'application/json',
      'X-Prometheus-Refresh-Interval-Seconds': formatSecondsF(config.refreshIntervalMs),
    },
    timeoutMs: REFRESH_TIMEOUT_MS,
    bodySizeLimit: 0,
    gunzip: true,
    client: config.httpClient,
    signal,
  });
  if (res.status !== 200) throw new HttpSdError(`server returned HTTP status ${res.statusText}`);
  const contentType = res.contentType ?? '';
  if (!JSON_CONTENT_TYPE.test(contentType.trim())) throw new HttpSdError(`unsupported content type ${JSON.stringify(contentType)}`);
  let data: unknown;
  try {
    data = JSON.parse(res.body.toString('utf8'));
  } catch (err) {
    throw new HttpSdError((err as Error).message);
  }
  return decodeTargetGroups(data, (i) => `${config.url}:${i}`, [{ name: URL_LABEL, value: config.url }]);
}
