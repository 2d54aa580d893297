// The remote-write HTTP client (Go's remote.Client.Store): POSTs one snappy-compressed request
// with Prometheus's headers and the configured auth, custom headers and TLS settings, within
// remote_timeout, over kept-alive connections. The answer is classified as Prometheus does:
// 2xx done; 5xx and network errors retried; 429 retried (honouring Retry-After) only with
// retry_on_http_429; any other status is final. Error bodies are read up to 1024 bytes for logs.

import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { HttpClientConfig } from '../../config/types.js';

/** Prometheus's User-Agent: upstreams that special-case the Prometheus sender treat us alike. */
export const REMOTE_WRITE_USER_AGENT = 'Prometheus/2.42.0';

const MAX_ERR_MSG_LEN = 1024;

export interface RemoteWriteClientOptions {
  readonly url: string;
  readonly timeoutMs: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly httpClient: HttpClientConfig;
  readonly retryOnRateLimit: boolean;
  /** The protocol headers (Content-Type, Content-Encoding, version). */
  readonly protocolHeaders: Readonly<Record<string, string>>;
}

export type StoreResult =
  | { readonly ok: true; readonly status: number }
  | {
      readonly ok: false;
      /** Whether sending the same request again may succeed. */
      readonly recoverable: boolean;
      /** From Retry-After (a retried 429): how long to wait; 0 means "use the backoff". */
      readonly retryAfterMs: number;
      readonly status: number | undefined;
      readonly message: string;
    };

/** The store operation the queue depends on (tests hand it fakes). */
export interface WriteClient {
  store(body: Uint8Array): Promise<StoreResult>;
  close(): void;
}

export class RemoteWriteClient implements WriteClient {
  private readonly target: URL;
  private readonly agent: http.Agent;
  private readonly tls: https.RequestOptions;

  constructor(private readonly opts: RemoteWriteClientOptions) {
    this.target = new URL(opts.url);
    const secure = this.target.protocol === 'https:';
    this.tls = secure ? tlsOptions(opts.httpClient) : {};
    this.agent = secure ? new https.Agent({ keepAlive: true, ...(this.tls as https.AgentOptions) }) : new http.Agent({ keepAlive: true });
  }

  store(body: Uint8Array): Promise<StoreResult> {
    let headers: Record<string, string>;
    try {
      headers = this.headers(body.length);
    } catch (err) {
      // An unreadable secret file fails the request as Go's round tripper does: retried.
      return Promise.resolve(failure(true, 0, undefined, (err as Error).message));
    }
    const lib = this.target.protocol === 'https:' ? https : http;
    return new Promise<StoreResult>((resolve) => {
      let settled = false;
      const done = (r: StoreResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const req = lib.request(this.target, { method: 'POST', headers, agent: this.agent, ...this.tls }, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          res.resume();
          res.on('end', () => done({ ok: true, status }));
          res.on('error', () => done({ ok: true, status }));
          return;
        }
        readLimited(res).then((text) => {
          const line = text.split('\n', 1)[0] ?? '';
          const message = `server returned HTTP status ${status} ${res.statusMessage ?? http.STATUS_CODES[status] ?? ''}: ${line}`;
          if (Math.floor(status / 100) === 5) return done(failure(true, 0, status, message));
          if (this.opts.retryOnRateLimit && status === 429) {
            return done(failure(true, retryAfterMs(res.headers['retry-after']), status, message));
          }
          done(failure(false, 0, status, message));
        });
      });
      const timer = setTimeout(() => {
        req.destroy();
        done(failure(true, 0, undefined, `Post ${JSON.stringify(this.opts.url)}: context deadline exceeded`));
      }, this.opts.timeoutMs);
      req.on('error', (err) => done(failure(true, 0, undefined, `Post ${JSON.stringify(this.opts.url)}: ${err.message}`)));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private headers(length: number): Record<string, string> {
    const h: Record<string, string> = { ...this.opts.headers, ...this.opts.protocolHeaders };
    h['User-Agent'] = REMOTE_WRITE_USER_AGENT;
    h['Content-Length'] = String(length);
    const client = this.opts.httpClient;
    // Secrets in files are read at every request, so a rotated file takes effect at once.
    if (client.basicAuth !== undefined) {
      const { username, password, passwordFile } = client.basicAuth;
      const secret = passwordFile !== '' ? readFileSync(passwordFile, 'utf8').trim() : password;
      h['Authorization'] = `Basic ${Buffer.from(`${username}:${secret}`).toString('base64')}`;
    } else if (client.authorization !== undefined) {
      const { type, credentials, credentialsFile } = client.authorization;
      const secret = credentialsFile !== '' ? readFileSync(credentialsFile, 'utf8').trim() : credentials;
      h['Authorization'] = `${type} ${secret}`;
    }
    return h;
  }
}

function failure(recoverable: boolean, retryAfter: number, status: number | undefined, message: string): StoreResult {
  return { ok: false, recoverable, retryAfterMs: retryAfter, status, message };
}

function tlsOptions(client: HttpClientConfig): https.RequestOptions {
  const tls = client.tlsConfig;
  const o: https.RequestOptions = { rejectUnauthorized: !tls.insecureSkipVerify };
  if (tls.caFile !== '') o.ca = readFileSync(tls.caFile);
  if (tls.certFile !== '') o.cert = readFileSync(tls.certFile);
  if (tls.keyFile !== '') o.key = readFileSync(tls.keyFile);
  if (tls.serverName !== '') o.servername = tls.serverName;
  if (tls.minVersion !== undefined) o.minVersion = TLS_VERSIONS[tls.minVersion];
  if (tls.maxVersion !== undefined) o.maxVersion = TLS_VERSIONS[tls.maxVersion];
  return o;
}

const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;

/**
 * Go's retryAfterDuration: an HTTP date (time until then, whole seconds) or a number of seconds;
 * anything else, or a time in the past, means "use the backoff" (0).
 */
export function retryAfterMs(value: string | undefined, now = Date.now()): number {
  if (value === undefined) return 0;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(v)) {
    const at = Date.parse(v);
    if (!Number.isNaN(at)) return Math.max(0, Math.trunc((at - now) / 1000) * 1000);
  }
  return 0;
}

function readLimited(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      if (size < MAX_ERR_MSG_LEN) chunks.push(chunk.subarray(0, MAX_ERR_MSG_LEN - size));
      size += chunk.length;
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}
