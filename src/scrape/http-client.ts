// One HTTP GET as the scraper and HTTP service discovery make it: prometheus/common's http client
// settings applied (basic auth, authorization header, TLS CA/cert/key/server name/skip-verify,
// redirects), a deadline covering connect, headers and body, and a cap on the (decompressed) body.

import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { createGunzip } from 'node:zlib';
import type { HttpClientConfig } from '../config/types.js';

export interface GetOptions {
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Bytes of body allowed after decompression; 0 is no limit. */
  readonly bodySizeLimit: number;
  /** Gunzip a body whose Content-Encoding is exactly "gzip". */
  readonly gunzip: boolean;
  readonly client?: HttpClientConfig;
  /** Aborts the request (the scrape loop stopping). */
  readonly signal?: AbortSignal;
}

export interface GetResponse {
  readonly status: number;
  /** Go's resp.Status: "404 Not Found". */
  readonly statusText: string;
  readonly contentType: string | undefined;
  readonly body: Buffer;
}

/** A failed request, with Go's wording: `Get "<url>": context deadline exceeded`. */
export class HttpGetError extends Error {
  override readonly name = 'HttpGetError';
}

export class BodySizeLimitError extends Error {
  override readonly name = 'BodySizeLimitError';
  constructor() {
    super('body size limit exceeded');
  }
}

const MAX_REDIRECTS = 10;

export function httpGet(url: string, options: GetOptions): Promise<GetResponse> {
  return new Promise<GetResponse>((resolve, reject) => {
    let settled = false;
    let current: http.ClientRequest | undefined;
    const finish = (err: Error | undefined, res?: GetResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (err !== undefined) {
        current?.destroy();
        reject(err);
      } else {
        resolve(res!);
      }
    };
    const fail = (reason: string): void => finish(new HttpGetError(`Get ${JSON.stringify(url)}: ${reason}`));
    const timer = setTimeout(() => fail('context deadline exceeded'), options.timeoutMs);
    const onAbort = (): void => fail('context canceled');
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const request = (target: URL, redirects: number): void => {
      let reqOptions: https.RequestOptions;
      try {
        reqOptions = requestOptions(target, options);
      } catch (err) {
        return fail((err as Error).message);
      }
      const lib = target.protocol === 'https:' ? https : http;
      const req = lib.request(target, reqOptions, (res) => {
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (status >= 300 && status < 400 && location !== undefined && status !== 304 && (options.client?.followRedirects ?? true)) {
          res.resume();
          if (redirects >= MAX_REDIRECTS) return fail('stopped after 10 redirects');
          return request(new URL(location, target), redirects + 1);
        }
        readBody(res, options).then(
          (body) =>
            finish(undefined, {
              status,
              statusText: `${status} ${res.statusMessage ?? http.STATUS_CODES[status] ?? ''}`.trimEnd(),
              contentType: res.headers['content-type'],
              body,
            }),
          (err: Error) => (err instanceof BodySizeLimitError ? finish(err) : fail(err.message)),
        );
      });
      current = req;
      req.on('error', (err) => fail(describeError(err)));
      req.end();
    };
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return fail('invalid URL');
    }
    request(parsed, 0);
  });
}

function requestOptions(target: URL, options: GetOptions): https.RequestOptions {
  const headers: Record<string, string> = { ...options.headers };
  const client = options.client;
  if (client?.basicAuth !== undefined) {
    const { username, password, passwordFile } = client.basicAuth;
    const secret = passwordFile !== '' ? readFileSync(passwordFile, 'utf8').trim() : password;
    headers['Authorization'] = `Basic ${Buffer.from(`${username}:${secret}`).toString('base64')}`;
  } else if (client?.authorization !== undefined) {
    const { type, credentials, credentialsFile } = client.authorization;
    const secret = credentialsFile !== '' ? readFileSync(credentialsFile, 'utf8').trim() : credentials;
    headers['Authorization'] = `${type} ${secret}`;
  }
  const result: https.RequestOptions = { method: 'GET', headers, agent: false };
  if (target.protocol === 'https:' && client !== undefined) {
    const tls = client.tlsConfig;
    if (tls.caFile !== '') result.ca = readFileSync(tls.caFile);
    if (tls.certFile !== '') result.cert = readFileSync(tls.certFile);
    if (tls.keyFile !== '') result.key = readFileSync(tls.keyFile);
    if (tls.serverName !== '') result.servername = tls.serverName;
    result.rejectUnauthorized = !tls.insecureSkipVerify;
  }
  return result;
}

/** Reads the body, gunzipping when asked and the server said gzip, failing once it passes the limit. */
function readBody(res: http.IncomingMessage, options: GetOptions): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const gzip = options.gunzip && res.headers['content-encoding'] === 'gzip';
    const source: NodeJS.ReadableStream = gzip ? res.pipe(createGunzip()) : res;
    const chunks: Buffer[] = [];
    let size = 0;
    const limit = options.bodySizeLimit;
    const stop = (err: Error): void => {
      res.destroy();
      reject(err);
    };
    source.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (limit > 0 && size > limit) return stop(new BodySizeLimitError());
      chunks.push(chunk);
    });
    source.on('error', (err: Error) => stop(gzip ? new Error(`gzip: ${err.message}`) : err));
    res.on('error', (err: Error) => stop(err));
    source.on('end', () => resolve(Buffer.concat(chunks, size)));
  });
}

/** Go's wording for the common dial errors. */
function describeError(err: NodeJS.ErrnoException): string {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e.code === 'ECONNREFUSED') return `dial tcp ${e.address ?? ''}:${e.port ?? ''}: connect: connection refused`;
  if (e.code === 'ENOTFOUND') return `dial tcp: lookup ${e.message.split(' ').pop()}: no such host`;
  return err.message;
}
