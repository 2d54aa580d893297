// `remote_write` and `remote_read` entries as Prometheus 2.42 reads them (config/config.go): defaults
// (remote_timeout 30s / 1m, the queue and metadata settings of 2.42), the fields, then the checks.
// One field beyond 2.42: `protobuf_message` (remote write 2.0, from Prometheus 3.x), so that the
// sender can speak 2.0; its values and its default are 3.x's.

import { goQuote } from '../format/go-quote.js';
import { BAD, type Decoded, type FieldHandler, type YamlNode } from './yaml-decode.js';
import { assign, durationValue, labelSetValue, secretValue, urlValue, type DecodeContext } from './decode-values.js';
import { decodeRelabelList, relabelConfigsOf, type RelabelEntry } from './decode-relabel.js';
import { addHttpClientFields, defaultHttpClientDraft, freezeHttpClient, validateHttpClient } from './http-client.js';
import type { MetadataConfig, QueueConfig, RemoteReadConfig, RemoteWriteConfig, RemoteWriteMessage, SigV4Config } from './types.js';

export const DEFAULT_QUEUE_CONFIG: QueueConfig = Object.freeze({
  capacity: 2500,
  maxShards: 200,
  minShards: 1,
  maxSamplesPerSend: 500,
  batchSendDeadlineMs: 5_000,
  minBackoffMs: 30,
  maxBackoffMs: 5_000,
  retryOnRateLimit: false,
});

/** The messages `protobuf_message` may name; the first is the default. */
export const REMOTE_WRITE_MESSAGES = ['prometheus.WriteRequest', 'io.prometheus.write.v2.Request'] as const;

export const DEFAULT_METADATA_CONFIG: MetadataConfig = Object.freeze({ send: true, sendIntervalMs: 60_000, maxSamplesPerSend: 500 });

// Headers Prometheus sets itself (authorization has its own message).
const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'content-encoding',
  'content-length',
  'content-type',
  'user-agent',
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'www-authenticate',
  'accept-encoding',
  'x-prometheus-remote-write-version',
  'x-prometheus-remote-read-version',
  'x-amz-date',
  'x-amz-security-token',
  'x-amz-content-sha256',
]);

/** A remote entry with where it is (for the name check made at the top level). */
export interface Located<T> {
  /** null for a null entry. */
  readonly config: T | null;
  readonly node: YamlNode;
  readonly path: string;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function decodeRemoteWrite(ctx: DecodeContext, node: YamlNode, path: string): Decoded<Located<RemoteWriteConfig>> {
  const { dec } = ctx;
  if (dec.isNull(node, path)) return { config: null, node, path };
  const before = dec.mismatches.length;
  let url: string | undefined;
  const c = { name: '', remoteTimeoutMs: 30_000, headers: {} as Record<string, string>, sendExemplars: false, sendNativeHistograms: false };
  let protobufMessage: string = REMOTE_WRITE_MESSAGES[0];
  let relabel: RelabelEntry[] = [];
  let headerOrder: string[] = [];
  const queue: Mutable<QueueConfig> = { ...DEFAULT_QUEUE_CONFIG };
  const metadata: Mutable<MetadataConfig> = { ...DEFAULT_METADATA_CONFIG };
  let sigv4: SigV4Config | undefined;
  const client = defaultHttpClientDraft();
  const fields = new Map<string, FieldHandler>([
    ['url', (v, p) => {
      const u = urlValue(dec, v, p);
      if (u !== BAD) url = u?.text;
    }],
    ['remote_timeout', (v, p) => assign(c, 'remoteTimeoutMs', durationValue(dec, v, p))],
    ['headers', (v, p) => {
      const h = decodeHeaders(ctx, v, p);
      if (h !== BAD) [c.headers, headerOrder] = h;
    }],
    ['write_relabel_configs', (v, p) => {
      const r = decodeRelabelList(ctx, v, p);
      if (r !== BAD) relabel = r;
    }],
    ['name', (v, p) => assign(c, 'name', dec.string(v, p))],
    ['send_exemplars', (v, p) => assign(c, 'sendExemplars', dec.bool(v, p))],
    ['send_native_histograms', (v, p) => assign(c, 'sendNativeHistograms', dec.bool(v, p))],
    ['protobuf_message', (v, p) => {
      const m = dec.string(v, p);
      if (m !== BAD) protobufMessage = m;
    }],
    ['queue_config', (v, p) => decodeQueueConfig(ctx, v, p, queue)],
    ['metadata_config', (v, p) => decodeMetadataConfig(ctx, v, p, metadata)],
    ['sigv4', (v, p) => {
      const s = decodeSigV4(ctx, v, p);
      if (s !== BAD) sigv4 = s;
    }],
  ]);
  addHttpClientFields(ctx, fields, client);
  dec.struct(node, path, 'config.plain', fields);
  if (dec.mismatches.length > before) return BAD;

  const fail = (at: string, reason: string): never => dec.fail(dec.fieldNode(node, path, at), at === '' ? path : `${path}.${at}`, reason);
  if (url === undefined) fail('url', 'url for remote_write is empty');
  const message = isRemoteWriteMessage(protobufMessage)
    ? protobufMessage
    : fail('protobuf_message', `unknown remote write protobuf message ${protobufMessage}, supported: ${REMOTE_WRITE_MESSAGES.join(', ')}`);
  const writeRelabelConfigs = relabelConfigsOf(ctx, relabel, 'empty or null relabeling rule in remote write config');
  validateHeaders(headerOrder, (reason) => fail('headers', reason));
  validateHttpClient(client, (reason) => fail('', reason));
  const authEnabled = client.basicAuth !== undefined || client.authorization !== undefined || client.oauth2 !== undefined;
  if (authEnabled && sigv4 !== undefined) fail('sigv4', 'at most one of basic_auth, authorization, oauth2, & sigv4 must be configured');
  const config: RemoteWriteConfig = Object.freeze({
    url: url!,
    ...c,
    headers: Object.freeze(c.headers),
    writeRelabelConfigs,
    httpClient: freezeHttpClient(ctx, client),
    queueConfig: Object.freeze(queue),
    metadataConfig: Object.freeze(metadata),
    sigv4,
    protobufMessage: message,
  });
  return { config, node, path };
}

function isRemoteWriteMessage(m: string): m is RemoteWriteMessage {
  return (REMOTE_WRITE_MESSAGES as readonly string[]).includes(m);
}

export function decodeRemoteRead(ctx: DecodeContext, node: YamlNode, path: string): Decoded<Located<RemoteReadConfig>> {
  const { dec } = ctx;
  if (dec.isNull(node, path)) return { config: null, node, path };
  const before = dec.mismatches.length;
  let url: string | undefined;
  const c = { name: '', remoteTimeoutMs: 60_000, headers: {} as Record<string, string>, readRecent: false, filterExternalLabels: true };
  let headerOrder: string[] = [];
  let requiredMatchers: RemoteReadConfig['requiredMatchers'] = [];
  const client = defaultHttpClientDraft();
  const fields = new Map<string, FieldHandler>([
    ['url', (v, p) => {
      const u = urlValue(dec, v, p);
      if (u !== BAD) url = u?.text;
    }],
    ['remote_timeout', (v, p) => assign(c, 'remoteTimeoutMs', durationValue(dec, v, p))],
    ['headers', (v, p) => {
      const h = decodeHeaders(ctx, v, p);
      if (h !== BAD) [c.headers, headerOrder] = h;
    }],
    ['read_recent', (v, p) => assign(c, 'readRecent', dec.bool(v, p))],
    ['name', (v, p) => assign(c, 'name', dec.string(v, p))],
    ['required_matchers', (v, p) => {
      const m = labelSetValue(dec, v, p);
      if (m !== BAD) requiredMatchers = m;
    }],
    ['filter_external_labels', (v, p) => assign(c, 'filterExternalLabels', dec.bool(v, p))],
  ]);
  addHttpClientFields(ctx, fields, client);
  dec.struct(node, path, 'config.plain', fields);
  if (dec.mismatches.length > before) return BAD;

  const fail = (at: string, reason: string): never => dec.fail(dec.fieldNode(node, path, at), at === '' ? path : `${path}.${at}`, reason);
  if (url === undefined) fail('url', 'url for remote_read is empty');
  validateHeaders(headerOrder, (reason) => fail('headers', reason));
  validateHttpClient(client, (reason) => fail('', reason));
  const config: RemoteReadConfig = Object.freeze({
    url: url!,
    ...c,
    headers: Object.freeze(c.headers),
    httpClient: freezeHttpClient(ctx, client),
    requiredMatchers,
  });
  return { config, node, path };
}

/** Headers in document order (Go's map order is random; the first bad one in the file is reported). */
function decodeHeaders(ctx: DecodeContext, node: YamlNode, path: string): Decoded<[Record<string, string>, string[]]> {
  const m = ctx.dec.mapping(node, path, 'map[string]string', (n, p) => ctx.dec.string(n, p));
  if (m === BAD) return BAD;
  return [Object.fromEntries(m), [...m.keys()]];
}

function validateHeaders(names: readonly string[], fail: (reason: string) => never): void {
  for (const header of names) {
    const lower = header.toLowerCase();
    if (lower === 'authorization') fail('authorization header must be changed via the basic_auth, authorization, oauth2, or sigv4 parameter');
    if (RESERVED_HEADERS.has(lower)) fail(`${header} is a reserved header. It must not be changed`);
  }
}

/** queue_config: a plain structure (no defaults of its own: null zeroes it, as in Go). */
function decodeQueueConfig(ctx: DecodeContext, node: YamlNode, path: string, q: Mutable<QueueConfig>): void {
  const { dec } = ctx;
  if (dec.isNull(node, path)) {
    Object.assign(q, { capacity: 0, maxShards: 0, minShards: 0, maxSamplesPerSend: 0, batchSendDeadlineMs: 0, minBackoffMs: 0, maxBackoffMs: 0, retryOnRateLimit: false });
    return;
  }
  const int = (key: 'capacity' | 'maxShards' | 'minShards' | 'maxSamplesPerSend'): FieldHandler => (v, p) => {
    const n = dec.integer(v, p, 'int');
    if (n !== BAD) q[key] = Number(n);
  };
  dec.struct(node, path, 'config.QueueConfig', new Map<string, FieldHandler>([
    ['capacity', int('capacity')],
    ['max_shards', int('maxShards')],
    ['min_shards', int('minShards')],
    ['max_samples_per_send', int('maxSamplesPerSend')],
    ['batch_send_deadline', (v, p) => assign(q, 'batchSendDeadlineMs', durationValue(dec, v, p))],
    ['min_backoff', (v, p) => assign(q, 'minBackoffMs', durationValue(dec, v, p))],
    ['max_backoff', (v, p) => assign(q, 'maxBackoffMs', durationValue(dec, v, p))],
    ['retry_on_http_429', (v, p) => assign(q, 'retryOnRateLimit', dec.bool(v, p))],
  ]));
}

function decodeMetadataConfig(ctx: DecodeContext, node: YamlNode, path: string, m: Mutable<MetadataConfig>): void {
  const { dec } = ctx;
  if (dec.isNull(node, path)) {
    Object.assign(m, { send: false, sendIntervalMs: 0, maxSamplesPerSend: 0 });
    return;
  }
  dec.struct(node, path, 'config.MetadataConfig', new Map<string, FieldHandler>([
    ['send', (v, p) => assign(m, 'send', dec.bool(v, p))],
    ['send_interval', (v, p) => assign(m, 'sendIntervalMs', durationValue(dec, v, p))],
    ['max_samples_per_send', (v, p) => {
      const n = dec.integer(v, p, 'int');
      if (n !== BAD) m.maxSamplesPerSend = Number(n);
    }],
  ]));
}

function decodeSigV4(ctx: DecodeContext, node: YamlNode, path: string): Decoded<SigV4Config | undefined> {
  const { dec } = ctx;
  if (dec.isNull(node, path)) return undefined;
  const before = dec.mismatches.length;
  const s = { region: '', accessKey: '', secretKey: '', profile: '', roleArn: '' };
  dec.struct(node, path, 'sigv4.plain', new Map<string, FieldHandler>([
    ['region', (v, p) => assign(s, 'region', dec.string(v, p))],
    ['access_key', (v, p) => assign(s, 'accessKey', dec.string(v, p))],
    ['secret_key', (v, p) => assign(s, 'secretKey', secretValue(dec, v, p))],
    ['profile', (v, p) => assign(s, 'profile', dec.string(v, p))],
    ['role_arn', (v, p) => assign(s, 'roleArn', dec.string(v, p))],
  ]));
  if (dec.mismatches.length > before) return BAD;
  if ((s.accessKey === '') !== (s.secretKey === '')) {
    dec.fail(node, path, 'must provide a AWS SigV4 Access key and Secret Key if credentials are specified in the SigV4 config');
  }
  return Object.freeze(s);
}

/** "found multiple remote write configs with job name" (sic: Prometheus's words for both lists). */
export function checkUniqueRemoteNames<T extends { readonly name: string }>(
  ctx: DecodeContext,
  entries: readonly Located<T>[],
  kind: 'remote write' | 'remote read',
): readonly T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const e of entries) {
    if (e.config === null) ctx.dec.fail(e.node, e.path, `empty or null ${kind} config section`);
    const name = e.config.name;
    if (name !== '' && seen.has(name)) {
      ctx.dec.fail(ctx.dec.fieldNode(e.node, e.path, 'name'), `${e.path}.name`, `found multiple ${kind} configs with job name ${goQuote(name)}`);
    }
    seen.add(name);
    out.push(e.config);
  }
  return Object.freeze(out);
}
