// `scrape_configs` entries as ScrapeConfig.UnmarshalYAML (Prometheus 2.42 config/config.go) reads them:
// defaults (metrics_path /metrics, scheme http, honor_timestamps true, the HTTP client's), the fields,
// the service discovery lists, then the checks in Prometheus's order. The interval and timeout are
// completed from `global` by the caller, which knows it.

import { checkTargetAddress, TargetLabelError } from '../relabel/target.js';
import type { RelabelConfig } from '../relabel/config.js';
import { BAD, type Decoded, type FieldHandler, type YamlNode } from './yaml-decode.js';
import { assign, bytesValue, durationValue, stringListValue, type DecodeContext } from './decode-values.js';
import { decodeRelabelList, relabelConfigsOf, type RelabelEntry } from './decode-relabel.js';
import { addDiscoveryFields, finishDiscovery, newSdDraft } from './discovery.js';
import { addHttpClientFields, defaultHttpClientDraft, freezeHttpClient, validateHttpClient } from './http-client.js';
import type { ScrapeConfig, ServiceDiscoveryConfigs } from './types.js';

/** A scrape configuration before `global` fills its interval and timeout (0 = not set). */
export interface ScrapeDraft extends Omit<ScrapeConfig, 'scrapeIntervalMs' | 'scrapeTimeoutMs'> {
  scrapeIntervalMs: number;
  scrapeTimeoutMs: number;
  /** Where the entry is, for the checks made at the top level. */
  readonly node: YamlNode;
  readonly path: string;
}

const LIMITS = [
  ['sample_limit', 'sampleLimit'],
  ['target_limit', 'targetLimit'],
  ['label_limit', 'labelLimit'],
  ['label_name_length_limit', 'labelNameLengthLimit'],
  ['label_value_length_limit', 'labelValueLengthLimit'],
] as const;

/** One entry; null for a null entry. */
export function decodeScrapeConfig(ctx: DecodeContext, node: YamlNode, path: string): Decoded<ScrapeDraft | null> {
  const { dec } = ctx;
  if (dec.isNull(node, path)) return null;
  const before = dec.mismatches.length;
  const c = {
    jobName: '',
    honorLabels: false,
    honorTimestamps: true,
    params: {} as Record<string, readonly string[]>,
    scrapeIntervalMs: 0,
    scrapeTimeoutMs: 0,
    metricsPath: '/metrics',
    scheme: 'http',
    bodySizeLimit: 0,
    sampleLimit: 0,
    targetLimit: 0,
    labelLimit: 0,
    labelNameLengthLimit: 0,
    labelValueLengthLimit: 0,
  };
  let relabel: RelabelEntry[] = [];
  let metricRelabel: RelabelEntry[] = [];
  const client = defaultHttpClientDraft();
  const sd = newSdDraft();
  const fields = new Map<string, FieldHandler>([
    ['job_name', (v, p) => assign(c, 'jobName', dec.string(v, p))],
    ['honor_labels', (v, p) => assign(c, 'honorLabels', dec.bool(v, p))],
    ['honor_timestamps', (v, p) => assign(c, 'honorTimestamps', dec.bool(v, p))],
    ['params', (v, p) => {
      const m = dec.mapping(v, p, 'url.Values', (n, q) => stringListValue(dec, n, q));
      if (m !== BAD) c.params = Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }],
    ['scrape_interval', (v, p) => assign(c, 'scrapeIntervalMs', durationValue(dec, v, p))],
    ['scrape_timeout', (v, p) => assign(c, 'scrapeTimeoutMs', durationValue(dec, v, p))],
    ['metrics_path', (v, p) => assign(c, 'metricsPath', dec.string(v, p))],
    ['scheme', (v, p) => assign(c, 'scheme', dec.string(v, p))],
    ['body_size_limit', (v, p) => assign(c, 'bodySizeLimit', bytesValue(dec, v, p))],
    ['relabel_configs', (v, p) => {
      const r = decodeRelabelList(ctx, v, p);
      if (r !== BAD) relabel = r;
    }],
    ['metric_relabel_configs', (v, p) => {
      const r = decodeRelabelList(ctx, v, p);
      if (r !== BAD) metricRelabel = r;
    }],
  ]);
  for (const [key, field] of LIMITS) {
    fields.set(key, (v, p) => {
      const n = dec.integer(v, p, 'uint');
      if (n !== BAD) c[field] = Number(n);
    });
  }
  addHttpClientFields(ctx, fields, client);
  addDiscoveryFields(ctx, fields, sd);
  dec.struct(node, path, 'config.ScrapeConfig', fields);
  if (dec.mismatches.length > before) return BAD;

  const fail = (at: string, reason: string): never => dec.fail(dec.fieldNode(node, path, at), at === '' ? path : `${path}.${at}`, reason);
  const serviceDiscovery = finishDiscovery(ctx, sd);
  if (c.jobName === '') fail('job_name', 'job_name is empty');
  validateHttpClient(client, (reason) => fail('', reason));
  if (relabel.length === 0) checkStaticTargets(serviceDiscovery, (reason) => fail('static_configs', reason));
  const relabelConfigs: readonly RelabelConfig[] = relabelConfigsOf(ctx, relabel, 'empty or null target relabeling rule in scrape config');
  const metricRelabelConfigs = relabelConfigsOf(ctx, metricRelabel, 'empty or null metric relabeling rule in scrape config');
  return {
    ...c,
    params: Object.freeze(c.params),
    httpClient: freezeHttpClient(ctx, client),
    relabelConfigs,
    metricRelabelConfigs,
    serviceDiscovery,
    node,
    path,
  };
}

/** Prometheus refuses a URL given as a static target (unless relabeling may rewrite it). */
export function checkStaticTargets(sd: ServiceDiscoveryConfigs, fail: (reason: string) => never): void {
  for (const group of sd.staticConfigs) {
    for (const target of group.targets) {
      try {
        for (const l of target) if (l.name === '__address__') checkTargetAddress(l.value);
      } catch (err) {
        if (err instanceof TargetLabelError) fail(err.message);
        throw err;
      }
    }
  }
}

/** The finished entry: interval and timeout from `global` where not set, frozen. */
export function freezeScrapeConfig(d: ScrapeDraft): ScrapeConfig {
  const { node: _node, path: _path, ...config } = d;
  return Object.freeze(config);
}
