// The whole prometheus.yml as Prometheus 2.42's config.Load reads it: the top-level sections, `global`
// with its defaults (scrape_interval 1m, scrape_timeout 10s, evaluation_interval 1m), the checks made
// once everything is read (rule file patterns, scrape interval and timeout inherited from global,
// unique job names, null entries), and alerting, storage and tracing.

import type { Document, LineCounter } from 'yaml';
import { goQuote } from '../format/go-quote.js';
import { compareStrings, type Labels } from '../model/labels.js';
import { isValidLabelName } from '../relabel/config.js';
import { BAD, DecodeFailure, YamlDecoder, type Decoded, type FieldHandler, type YamlNode } from './yaml-decode.js';
import { assign, durationValue, joinDir, stringListValue, stringMapValue, type DecodeContext } from './decode-values.js';
import { decodeRelabelList, relabelConfigsOf, type RelabelEntry } from './decode-relabel.js';
import { checkStaticTargets, decodeScrapeConfig, freezeScrapeConfig, type ScrapeDraft } from './decode-scrape.js';
import { checkUniqueRemoteNames, decodeRemoteRead, decodeRemoteWrite, type Located } from './decode-remote.js';
import { addDiscoveryFields, finishDiscovery, newSdDraft } from './discovery.js';
import { addHttpClientFields, decodeTlsConfig, defaultHttpClientDraft, freezeHttpClient, freezeTlsConfig, validateHttpClient } from './http-client.js';
import type { AlertingConfig, AlertmanagerConfig, GlobalConfig, PrometheusConfig, RemoteReadConfig, RemoteWriteConfig, StorageConfig, TracingConfig } from './types.js';

export const DEFAULT_GLOBAL_CONFIG: GlobalConfig = Object.freeze({
  scrapeIntervalMs: 60_000,
  scrapeTimeoutMs: 10_000,
  evaluationIntervalMs: 60_000,
  queryLogFile: '',
  externalLabels: Object.freeze([]),
});

const DEFAULT_MAX_EXEMPLARS = 100_000;
// A rule file path: `*` only in the last path element.
const RULE_PATH = /^[^*]*(\*[^/]*)?$/;

/** The outcome of decoding: the configuration, or yaml.v2's collected type errors. */
export type DecodeResult = { readonly config: PrometheusConfig } | { readonly mismatches: YamlDecoder['mismatches'] };

/**
 * Decodes a parsed document (a mapping, or empty). Throws DecodeFailure for a failed check; returns the
 * type errors when there are some, as yaml.v2 reports them only once the whole document is read.
 */
export function decodePrometheusConfig(doc: Document, lines: LineCounter, directory: string): DecodeResult {
  const dec = new YamlDecoder(doc, lines);
  const ctx: DecodeContext = { dec, directory };
  const root = doc.contents as YamlNode;
  const config = dec.isNull(root, '') ? defaultConfig() : decodeRoot(ctx, root);
  if (dec.mismatches.length > 0) return { mismatches: dec.mismatches };
  return { config: deepFreeze(config as PrometheusConfig) };
}

/** Freezes plain objects and arrays all the way down (compiled regexes keep their engine's caches). */
function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return value;
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}

function defaultConfig(): PrometheusConfig {
  return Object.freeze({
    global: DEFAULT_GLOBAL_CONFIG,
    alerting: Object.freeze({ alertRelabelConfigs: Object.freeze([]), alertmanagers: Object.freeze([]) }),
    ruleFiles: Object.freeze([]),
    scrapeConfigs: Object.freeze([]),
    storage: defaultStorage(),
    tracing: undefined,
    remoteWrite: Object.freeze([]),
    remoteRead: Object.freeze([]),
  });
}

function defaultStorage(): StorageConfig {
  return Object.freeze({ tsdb: Object.freeze({ outOfOrderTimeWindowMs: 0 }), exemplars: Object.freeze({ maxExemplars: DEFAULT_MAX_EXEMPLARS }) });
}

function decodeRoot(ctx: DecodeContext, root: YamlNode): Decoded<PrometheusConfig> {
  const { dec } = ctx;
  let global: GlobalConfig = DEFAULT_GLOBAL_CONFIG;
  let alerting: AlertingConfig = defaultConfig().alerting;
  let ruleFiles: string[] = [];
  let scrape: (ScrapeDraft | null)[] = [];
  let storage = defaultStorage();
  let tracing: TracingConfig | undefined;
  let remoteWrite: Located<RemoteWriteConfig>[] = [];
  let remoteRead: Located<RemoteReadConfig>[] = [];
  const nodes = new Map<string, YamlNode>();
  const at = (key: string, handler: FieldHandler): [string, FieldHandler] => [key, (v, p, k) => (nodes.set(key, v), handler(v, p, k))];
  dec.struct(root, '', 'config.plain', new Map<string, FieldHandler>([
    at('global', (v, p) => {
      const g = decodeGlobal(ctx, v, p);
      if (g !== BAD) global = g;
    }),
    at('alerting', (v, p) => {
      const a = decodeAlerting(ctx, v, p);
      if (a !== BAD) alerting = a;
    }),
    at('rule_files', (v, p) => {
      ruleFiles = orKeep(stringListValue(dec, v, p), ruleFiles);
    }),
    at('scrape_configs', (v, p) => {
      scrape = orKeep(dec.sequence(v, p, '[]*config.ScrapeConfig', (n, q) => decodeScrapeConfig(ctx, n, q)), scrape);
    }),
    at('storage', (v, p) => {
      const s = decodeStorage(ctx, v, p);
      if (s !== BAD) storage = s;
    }),
    at('tracing', (v, p) => {
      const t = decodeTracing(ctx, v, p);
      if (t !== BAD) tracing = t;
    }),
    at('remote_write', (v, p) => {
      remoteWrite = orKeep(dec.sequence(v, p, '[]*config.RemoteWriteConfig', (n, q) => decodeRemoteWrite(ctx, n, q)), remoteWrite);
    }),
    at('remote_read', (v, p) => {
      remoteRead = orKeep(dec.sequence(v, p, '[]*config.RemoteReadConfig', (n, q) => decodeRemoteRead(ctx, n, q)), remoteRead);
    }),
  ]));
  if (dec.mismatches.length > 0) return BAD;

  for (const rf of ruleFiles) {
    if (!RULE_PATH.test(rf)) dec.fail(nodes.get('rule_files'), 'rule_files', `invalid rule file path ${goQuote(rf)}`);
  }
  const scrapeConfigs = completeScrapeConfigs(ctx, scrape, global, nodes.get('scrape_configs'));
  return Object.freeze({
    global,
    alerting,
    ruleFiles: Object.freeze(ruleFiles.map((f) => joinDir(ctx, f))),
    scrapeConfigs,
    storage,
    tracing,
    remoteWrite: checkUniqueRemoteNames(ctx, remoteWrite, 'remote write'),
    remoteRead: checkUniqueRemoteNames(ctx, remoteRead, 'remote read'),
  });
}

function orKeep<T>(value: Decoded<T>, previous: T): T {
  return value === BAD ? previous : value;
}

/** Intervals and timeouts from `global` where a job sets none; the timeout ≤ interval rule; unique names. */
function completeScrapeConfigs(ctx: DecodeContext, drafts: readonly (ScrapeDraft | null)[], global: GlobalConfig, listNode: YamlNode) {
  const { dec } = ctx;
  const names = new Set<string>();
  return Object.freeze(
    drafts.map((d, i) => {
      if (d === null) return dec.fail(listNode, `scrape_configs[${i}]`, 'empty or null scrape config section');
      if (d.scrapeIntervalMs === 0) d.scrapeIntervalMs = global.scrapeIntervalMs;
      if (d.scrapeTimeoutMs > d.scrapeIntervalMs) {
        dec.fail(dec.fieldNode(d.node, d.path, 'scrape_timeout'), `${d.path}.scrape_timeout`, `scrape timeout greater than scrape interval for scrape config with job name ${goQuote(d.jobName)}`);
      }
      if (d.scrapeTimeoutMs === 0) d.scrapeTimeoutMs = Math.min(global.scrapeTimeoutMs, d.scrapeIntervalMs);
      if (names.has(d.jobName)) {
        dec.fail(dec.fieldNode(d.node, d.path, 'job_name'), `${d.path}.job_name`, `found multiple scrape configs with job name ${goQuote(d.jobName)}`);
      }
      names.add(d.jobName);
      return freezeScrapeConfig(d);
    }),
  );
}

function decodeGlobal(ctx: DecodeContext, node: YamlNode, path: string): Decoded<GlobalConfig> {
  const { dec } = ctx;
  // A null section is Go's zero GlobalConfig, which Config.UnmarshalYAML replaces by the defaults.
  if (dec.isNull(node, path)) return DEFAULT_GLOBAL_CONFIG;
  const before = dec.mismatches.length;
  const g = { scrapeIntervalMs: 0, scrapeTimeoutMs: 0, evaluationIntervalMs: 0, queryLogFile: '' };
  let external = new Map<string, string>();
  dec.struct(node, path, 'config.plain', new Map<string, FieldHandler>([
    ['scrape_interval', (v, p) => assign(g, 'scrapeIntervalMs', durationValue(dec, v, p))],
    ['scrape_timeout', (v, p) => assign(g, 'scrapeTimeoutMs', durationValue(dec, v, p))],
    ['evaluation_interval', (v, p) => assign(g, 'evaluationIntervalMs', durationValue(dec, v, p))],
    ['query_log_file', (v, p) => assign(g, 'queryLogFile', dec.string(v, p))],
    ['external_labels', (v, p) => {
      const m = dec.mapping(v, p, 'map[string]string', (n, q) => dec.string(n, q));
      if (m !== BAD) external = m;
    }],
  ]));
  if (dec.mismatches.length > before) return BAD;
  const fail = (at: string, reason: string): never => dec.fail(dec.fieldNode(node, path, at), `${path}.${at}`, reason);
  const externalLabels: Labels = Object.freeze(
    [...external].map(([name, value]) => Object.freeze({ name, value })).sort((a, b) => compareStrings(a.name, b.name)),
  );
  for (const l of externalLabels) {
    if (!isValidLabelName(l.name)) fail('external_labels', `${goQuote(l.name)} is not a valid label name`);
    if (!isWellFormed(l.value)) fail('external_labels', `${goQuote(l.value)} is not a valid label value`);
  }
  if (g.scrapeIntervalMs === 0) g.scrapeIntervalMs = DEFAULT_GLOBAL_CONFIG.scrapeIntervalMs;
  if (g.scrapeTimeoutMs > g.scrapeIntervalMs) fail('scrape_timeout', 'global scrape timeout greater than scrape interval');
  if (g.scrapeTimeoutMs === 0) g.scrapeTimeoutMs = Math.min(DEFAULT_GLOBAL_CONFIG.scrapeTimeoutMs, g.scrapeIntervalMs);
  if (g.evaluationIntervalMs === 0) g.evaluationIntervalMs = DEFAULT_GLOBAL_CONFIG.evaluationIntervalMs;
  return Object.freeze({ ...g, queryLogFile: joinDir(ctx, g.queryLogFile), externalLabels });
}

function decodeStorage(ctx: DecodeContext, node: YamlNode, path: string): Decoded<StorageConfig> {
  const { dec } = ctx;
  let outOfOrderTimeWindowMs = 0;
  let maxExemplars = DEFAULT_MAX_EXEMPLARS;
  if (!dec.isNull(node, path)) {
    dec.struct(node, path, 'config.StorageConfig', new Map<string, FieldHandler>([
      ['tsdb', (v, p) => {
        outOfOrderTimeWindowMs = 0;
        if (dec.isNull(v, p)) return;
        dec.struct(v, p, 'config.plain', new Map<string, FieldHandler>([
          ['out_of_order_time_window', (w, q) => {
            const ms = durationValue(dec, w, q);
            if (ms !== BAD) outOfOrderTimeWindowMs = ms;
          }],
        ]));
      }],
      ['exemplars', (v, p) => {
        // Present (even empty) replaces the default; absent or null keeps it.
        if (dec.isNull(v, p)) return void (maxExemplars = DEFAULT_MAX_EXEMPLARS);
        maxExemplars = 0;
        dec.struct(v, p, 'config.ExemplarsConfig', new Map<string, FieldHandler>([
          ['max_exemplars', (w, q) => {
            const n = dec.integer(w, q, 'int64');
            if (n !== BAD) maxExemplars = Number(n);
          }],
        ]));
      }],
    ]));
  }
  return Object.freeze({ tsdb: Object.freeze({ outOfOrderTimeWindowMs }), exemplars: Object.freeze({ maxExemplars }) });
}

function decodeTracing(ctx: DecodeContext, node: YamlNode, path: string): Decoded<TracingConfig | undefined> {
  const { dec } = ctx;
  if (dec.isNull(node, path)) return undefined;
  const before = dec.mismatches.length;
  const t = { clientType: 'grpc', endpoint: '', samplingFraction: 0, insecure: false, compression: '', timeoutMs: 0 };
  let headers: Record<string, string> = {};
  let tlsConfig = freezeTlsConfig(ctx, { caFile: '', certFile: '', keyFile: '', serverName: '', insecureSkipVerify: false, minVersion: undefined, maxVersion: undefined });
  dec.struct(node, path, 'config.plain', new Map<string, FieldHandler>([
    ['client_type', (v, p) => {
      if (dec.isNull(v, p)) return void (t.clientType = '');
      const s = dec.string(v, p, 'config.plain');
      if (s === BAD) return;
      if (s !== 'http' && s !== 'grpc') dec.fail(v, p, `expected tracing client type to be to be http or grpc, but got ${s}`);
      t.clientType = s;
    }],
    ['endpoint', (v, p) => assign(t, 'endpoint', dec.string(v, p))],
    ['sampling_fraction', (v, p) => assign(t, 'samplingFraction', dec.float(v, p))],
    ['insecure', (v, p) => assign(t, 'insecure', dec.bool(v, p))],
    ['tls_config', (v, p) => {
      const c = decodeTlsConfig(dec, v, p);
      if (c !== BAD) tlsConfig = freezeTlsConfig(ctx, c);
    }],
    ['headers', (v, p) => {
      headers = orKeep(stringMapValue(dec, v, p), headers);
    }],
    ['compression', (v, p) => assign(t, 'compression', dec.string(v, p))],
    ['timeout', (v, p) => assign(t, 'timeoutMs', durationValue(dec, v, p))],
  ]));
  if (dec.mismatches.length > before) return BAD;
  const fail = (reason: string): never => dec.fail(node, path, reason);
  for (const header of Object.keys(headers)) {
    if (header.toLowerCase() === 'authorization') fail('custom authorization header configuration is not yet supported');
  }
  if (t.endpoint === '') fail('tracing endpoint must be set');
  if (t.compression !== '' && t.compression !== 'gzip') fail(`invalid compression type ${t.compression} provided, valid options: gzip`);
  return Object.freeze({ ...t, tlsConfig, headers: Object.freeze(headers) });
}

function decodeAlerting(ctx: DecodeContext, node: YamlNode, path: string): Decoded<AlertingConfig> {
  const { dec } = ctx;
  const empty: AlertingConfig = Object.freeze({ alertRelabelConfigs: Object.freeze([]), alertmanagers: Object.freeze([]) });
  if (dec.isNull(node, path)) return empty;
  const before = dec.mismatches.length;
  let relabel: RelabelEntry[] = [];
  let alertmanagers: (AlertmanagerConfig | null)[] = [];
  dec.struct(node, path, 'config.plain', new Map<string, FieldHandler>([
    ['alert_relabel_configs', (v, p) => (relabel = orKeep(decodeRelabelList(ctx, v, p), relabel))],
    ['alertmanagers', (v, p) => {
      alertmanagers = orKeep(dec.sequence(v, p, 'config.AlertmanagerConfigs', (n, q) => decodeAlertmanager(ctx, n, q)), alertmanagers);
    }],
  ]));
  if (dec.mismatches.length > before) return BAD;
  const alertRelabelConfigs = relabelConfigsOf(ctx, relabel, 'empty or null alert relabeling rule');
  const present = alertmanagers.filter((a): a is AlertmanagerConfig => a !== null);
  return Object.freeze({ alertRelabelConfigs, alertmanagers: Object.freeze(present) });
}

function decodeAlertmanager(ctx: DecodeContext, node: YamlNode, path: string): Decoded<AlertmanagerConfig | null> {
  const { dec } = ctx;
  if (dec.isNull(node, path)) return null;
  const before = dec.mismatches.length;
  const a = { scheme: 'http', pathPrefix: '', timeoutMs: 10_000, apiVersion: 'v2' };
  let relabel: RelabelEntry[] = [];
  const client = defaultHttpClientDraft();
  const sd = newSdDraft();
  const fields = new Map<string, FieldHandler>([
    ['scheme', (v, p) => assign(a, 'scheme', dec.string(v, p))],
    ['path_prefix', (v, p) => assign(a, 'pathPrefix', dec.string(v, p))],
    ['timeout', (v, p) => assign(a, 'timeoutMs', durationValue(dec, v, p))],
    ['api_version', (v, p) => {
      if (dec.isNull(v, p)) return void (a.apiVersion = '');
      const s = dec.string(v, p, 'config.plain');
      if (s === BAD) return;
      if (s !== 'v1' && s !== 'v2') dec.fail(v, p, `expected Alertmanager api version to be one of [v1 v2] but got ${s}`);
      a.apiVersion = s;
    }],
    ['relabel_configs', (v, p) => (relabel = orKeep(decodeRelabelList(ctx, v, p), relabel))],
  ]);
  addHttpClientFields(ctx, fields, client);
  addDiscoveryFields(ctx, fields, sd);
  dec.struct(node, path, 'config.AlertmanagerConfig', fields);
  if (dec.mismatches.length > before) return BAD;
  const fail = (at: string, reason: string): never => dec.fail(dec.fieldNode(node, path, at), at === '' ? path : `${path}.${at}`, reason);
  const serviceDiscovery = finishDiscovery(ctx, sd);
  validateHttpClient(client, (reason) => fail('', reason));
  if (relabel.length === 0) checkStaticTargets(serviceDiscovery, (reason) => fail('static_configs', reason));
  const relabelConfigs = relabelConfigsOf(ctx, relabel, 'empty or null Alertmanager target relabeling rule');
  return Object.freeze({ ...a, httpClient: freezeHttpClient(ctx, client), relabelConfigs, serviceDiscovery });
}

/** Whether a string is valid Unicode (encodes to valid UTF-8): no lone surrogates. */
function isWellFormed(s: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

export { DecodeFailure };
