// Fetching a target's exposition, after Prometheus 2.42's targetScraper (scrape/scrape.go): a GET
// with Prometheus's Accept, Accept-Encoding, User-Agent and X-Prometheus-Scrape-Timeout-Seconds headers,
// only 200 accepted, gzip bodies gunzipped, the body size limit applied after decompression.

import type { HttpClientConfig } from '../config/types.js';
import { httpGet } from './http-client.js';

export const SCRAPE_ACCEPT_HEADER =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
export const USER_AGENT = 'Prometheus/2.42.0';

export interface ScrapeResult {
  readonly contentType: string | undefined;
  readonly body: Uint8Array;
}

/** Fetches one exposition; throws an Error whose message is the scrape's lastError. */
export interface Scraper {
  scrape(signal: AbortSignal): Promise<ScrapeResult>;
}

export interface HttpScraperOptions {
  readonly timeoutMs: number;
  /** Bytes; 0 is no limit. */
  readonly bodySizeLimit: number;
  readonly client?: HttpClientConfig;
}

export class HttpScraper implements Scraper {
  private readonly headers: Record<string, string>;

  constructor(
    readonly url: string,
    private readonly opts: HttpScraperOptions,
  ) {
    this.headers = {
      Accept: SCRAPE_ACCEPT_HEADER,
      'Accept-Encoding': 'gzip',
      'User-Agent': USER_AGENT,
      // Go's strconv.FormatFloat(seconds, 'f', -1, 64): the shortest exact decimal, never an exponent.
      'X-Prometheus-Scrape-Timeout-Seconds': formatSecondsF(opts.timeoutMs),
    };
  }

  async scrape(signal: AbortSignal): Promise<ScrapeResult> {
    const res = await httpGet(this.url, {
      headers: this.headers,
      timeoutMs: this.opts.timeoutMs,
      bodySizeLimit: this.opts.bodySizeLimit,
      gunzip: true,
      client: this.opts.client,
      signal,
    });
    if (res.status !== 200) throw new Error(`server returned HTTP status ${res.statusText}`);
    return { contentType: res.contentType, body: res.body };
  }
}

/** Milliseconds as seconds in 'f' format: 10000 → "10", 500 → "0.5", 1 → "0.001". */
export function formatSecondsF(ms: number): string {
  const whole = Math.floor(ms / 1000);
  const frac = ms % 1000;
  if (frac === 0) return String(whole);
  return `${whole}.${String(frac).padStart(3, '0').replace(/0+$/, '')}`;
}
