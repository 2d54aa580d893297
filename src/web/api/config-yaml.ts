// The loaded configuration as Prometheus 2.42 prints it for /api/v1/status/config (config.Config.String):
// every default filled in, fields in Go's struct order with its omitempty rules, secrets as <secret>, and
// go-yaml v2's layout (block sequences not indented under their key, label-name lists in flow style,
// strings that would read back as another type double-quoted, others single-quoted where plain is not
// possible). Service discovery mechanisms promwasm does not run are not printed: only their key is kept.

import { Document, Scalar, type Node } from 'yaml';
import type {
  AlertmanagerConfig, HttpClientConfig, PrometheusConfig, RemoteReadConfig, RemoteWriteConfig, ScrapeConfig,
  ServiceDiscoveryConfigs, TlsConfig,
} from '../../config/types.js';
import { formatDuration } from '../../model/duration.js';
import type { Labels } from '../../model/labels.js';
import type { RelabelConfig } from '../../relabel/config.js';

const SECRET = '<secret>';
const DEFAULT_MAX_EXEMPLARS = 100_000;

type Fields = [string, unknown][];

/** A mapping in the given field order; `undefined` values are left out (omitempty). */
class Mapping {
  constructor(readonly fields: Fields) {}
}

/** A sequence printed in flow style (`[a, b]`), as model.LabelNames is. */
class FlowList {
  constructor(readonly items: readonly string[]) {}
}

export function configYaml(c: PrometheusConfig): string {
  const g = c.global;
  const root = new Mapping([
    ['global', new Mapping([
      ['scrape_interval', formatDuration(g.scrapeIntervalMs)],
      ['scrape_timeout', formatDuration(g.scrapeTimeoutMs)],
      ['evaluation_interval', formatDuration(g.evaluationIntervalMs)],
      ['query_log_file', g.queryLogFile || undefined],
      ['external_labels', labelMap(g.externalLabels)],
    ])],
    ['alerting', alerting(c)],
    ['rule_files', nonEmpty(c.ruleFiles)],
    ['scrape_configs', nonEmpty(c.scrapeConfigs.map(scrapeConfig))],
    ['storage', storage(c)],
    ['tracing', c.tracing && new Mapping([
      ['client_type', c.tracing.clientType || undefined],
      ['endpoint', c.tracing.endpoint || undefined],
      ['sampling_fraction', c.tracing.samplingFraction || undefined],
      ['insecure', c.tracing.insecure || undefined],
      ['tls_config', tls(c.tracing.tlsConfig)],
      ['headers', stringMap(c.tracing.headers)],
      ['compression', c.tracing.compression || undefined],
      ['timeout', c.tracing.timeoutMs ? formatDuration(c.tracing.timeoutMs) : undefined],
    ])],
    ['remote_write', nonEmpty(c.remoteWrite.map(remoteWrite))],
    ['remote_read', nonEmpty(c.remoteRead.map(remoteRead))],
  ]);
  const doc = new Document();
  doc.contents = toNode(doc, root) as never;
  return doc.toString({ indentSeq: false, lineWidth: 0, singleQuote: true, flowCollectionPadding: false });
}

function scrapeConfig(s: ScrapeConfig): Mapping {
  return new Mapping([
    ['job_name', s.jobName],
    ['honor_labels', s.honorLabels || undefined],
    ['honor_timestamps', s.honorTimestamps],
    ['params', Object.keys(s.params).length > 0 ? new Mapping(Object.entries(s.params).map(([k, v]) => [k, [...v]])) : undefined],
    ['scrape_interval', formatDuration(s.scrapeIntervalMs)],
    ['scrape_timeout', formatDuration(s.scrapeTimeoutMs)],
    ['metrics_path', s.metricsPath],
    ['scheme', s.scheme],
    ['body_size_limit', s.bodySizeLimit || undefined],
    ['sample_limit', s.sampleLimit || undefined],
    ['target_limit', s.targetLimit || undefined],
    ['label_limit', s.labelLimit || undefined],
    ['label_name_length_limit', s.labelNameLengthLimit || undefined],
    ['label_value_length_limit', s.labelValueLengthLimit || undefined],
    ...httpClient(s.httpClient),
    ['relabel_configs', nonEmpty(s.relabelConfigs.map(relabel))],
    ['metric_relabel_configs', nonEmpty(s.metricRelabelConfigs.map(relabel))],
    ...discovery(s.serviceDiscovery),
  ]);
}

function discovery(sd: ServiceDiscoveryConfigs): Fields {
  return [
    ['static_configs', nonEmpty(sd.staticConfigs.map((g) => new Mapping([
      ['targets', g.targets.map((t) => t.find((l) => l.name === '__address__')?.value ?? '')],
      ['labels', labelMap(g.labels)],
    ])))],
    ['file_sd_configs', nonEmpty(sd.fileSdConfigs.map((f) => new Mapping([['files', [...f.files]], ['refresh_interval', formatDuration(f.refreshIntervalMs)]])))],
    ['http_sd_configs', nonEmpty(sd.httpSdConfigs.map((h) => new Mapping([
      ...httpClient(h.httpClient),
      ['refresh_interval', formatDuration(h.refreshIntervalMs)],
      ['url', h.url],
    ])))],
  ];
}

function relabel(r: RelabelConfig): Mapping {
  return new Mapping([
    ['source_labels', r.sourceLabels.length > 0 ? new FlowList(r.sourceLabels) : undefined],
    ['separator', r.separator || undefined],
    ['regex', r.regex.source],
    ['modulus', r.modulus !== 0n ? r.modulus : undefined],
    ['target_label', r.targetLabel || undefined],
    ['replacement', r.replacement],
    ['action', r.action],
  ]);
}

function httpClient(h: HttpClientConfig): Fields {
  return [
    ['basic_auth', h.basicAuth && new Mapping([
      ['username', h.basicAuth.username],
      ['password', h.basicAuth.password ? SECRET : undefined],
      ['password_file', h.basicAuth.passwordFile || undefined],
    ])],
    ['authorization', h.authorization && new Mapping([
      ['type', h.authorization.type || undefined],
      ['credentials', h.authorization.credentials ? SECRET : undefined],
      ['credentials_file', h.authorization.credentialsFile || undefined],
    ])],
    ['oauth2', h.oauth2 && new Mapping([
      ['client_id', h.oauth2.clientId],
      ['client_secret', h.oauth2.clientSecret ? SECRET : undefined],
      ['client_secret_file', h.oauth2.clientSecretFile || undefined],
      ['scopes', nonEmpty(h.oauth2.scopes)],
      ['token_url', h.oauth2.tokenUrl],
      ['endpoint_params', stringMap(h.oauth2.endpointParams)],
      ['tls_config', tls(h.oauth2.tlsConfig)],
      ['proxy_url', h.oauth2.proxyUrl || undefined],
    ])],
    ['proxy_url', h.proxyUrl || undefined],
    ['proxy_connect_header', Object.keys(h.proxyConnectHeader).length > 0
      ? new Mapping(Object.entries(h.proxyConnectHeader).map(([k, v]) => [k, v.map(() => SECRET)]))
      : undefined],
    ['tls_config', tls(h.tlsConfig)],
    ['follow_redirects', h.followRedirects],
    ['enable_http2', h.enableHttp2],
  ];
}

function tls(t: TlsConfig): Mapping | undefined {
  const m = new Mapping([
    ['ca_file', t.caFile || undefined],
    ['cert_file', t.certFile || undefined],
    ['key_file', t.keyFile || undefined],
    ['server_name', t.serverName || undefined],
    ['insecure_skip_verify', t.insecureSkipVerify],
    ['min_version', t.minVersion],
    ['max_version', t.maxVersion],
  ]);
  // The struct is left out when every field is at its zero value.
  return m.fields.some(([, v]) => v !== undefined && v !== false) ? m : undefined;
}

function remoteWrite(r: RemoteWriteConfig): Mapping {
  const q = r.queueConfig;
  return new Mapping([
    ['url', r.url],
    ['remote_timeout', formatDuration(r.remoteTimeoutMs)],
    ['headers', stringMap(r.headers)],
    ['write_relabel_configs', nonEmpty(r.writeRelabelConfigs.map(relabel))],
    ['name', r.name || undefined],
    ['send_exemplars', r.sendExemplars || undefined],
    ['send_native_histograms', r.sendNativeHistograms || undefined],
    ...httpClient(r.httpClient),
    ['queue_config', new Mapping([
      ['capacity', q.capacity],
      ['max_shards', q.maxShards],
      ['min_shards', q.minShards],
      ['max_samples_per_send', q.maxSamplesPerSend],
      ['batch_send_deadline', formatDuration(q.batchSendDeadlineMs)],
      ['min_backoff', formatDuration(q.minBackoffMs)],
      ['max_backoff', formatDuration(q.maxBackoffMs)],
      ['retry_on_http_429', q.retryOnRateLimit || undefined],
    ])],
    ['metadata_config', new Mapping([
      ['send', r.metadataConfig.send],
      ['send_interval', formatDuration(r.metadataConfig.sendIntervalMs)],
      ['max_samples_per_send', r.metadataConfig.maxSamplesPerSend],
    ])],
    ['sigv4', r.sigv4 && new Mapping([
      ['region', r.sigv4.region || undefined],
      ['access_key', r.sigv4.accessKey || undefined],
      ['secret_key', r.sigv4.secretKey ? SECRET : undefined],
      ['profile', r.sigv4.profile || undefined],
      ['role_arn', r.sigv4.roleArn || undefined],
    ])],
  ]);
}

function remoteRead(r: RemoteReadConfig): Mapping {
  return new Mapping([
    ['url', r.url],
    ['remote_timeout', formatDuration(r.remoteTimeoutMs)],
    ['headers', stringMap(r.headers)],
    ['read_recent', r.readRecent || undefined],
    ['name', r.name || undefined],
    ...httpClient(r.httpClient),
    ['required_matchers', labelMap(r.requiredMatchers)],
    ['filter_external_labels', r.filterExternalLabels],
  ]);
}

function alerting(c: PrometheusConfig): Mapping | undefined {
  const a = c.alerting;
  if (a.alertRelabelConfigs.length === 0 && a.alertmanagers.length === 0) return undefined;
  return new Mapping([
    ['alert_relabel_configs', nonEmpty(a.alertRelabelConfigs.map(relabel))],
    ['alertmanagers', nonEmpty(a.alertmanagers.map(alertmanager))],
  ]);
}

function alertmanager(am: AlertmanagerConfig): Mapping {
  return new Mapping([
    ...httpClient(am.httpClient),
    ['scheme', am.scheme],
    ['path_prefix', am.pathPrefix || undefined],
    ['timeout', formatDuration(am.timeoutMs)],
    ['api_version', am.apiVersion],
    ['relabel_configs', nonEmpty(am.relabelConfigs.map(relabel))],
    ...discovery(am.serviceDiscovery),
  ]);
}

function storage(c: PrometheusConfig): Mapping | undefined {
  const { tsdb, exemplars } = c.storage;
  const fields: Fields = [
    // 2.42's TSDBConfig also has an untagged int64 field, which go-yaml prints under its lower-cased name.
    ['tsdb', tsdb.outOfOrderTimeWindowMs > 0
      ? new Mapping([['outofordertimewindow', tsdb.outOfOrderTimeWindowMs], ['out_of_order_time_window', formatDuration(tsdb.outOfOrderTimeWindowMs)]])
      : undefined],
    ['exemplars', exemplars.maxExemplars !== DEFAULT_MAX_EXEMPLARS ? new Mapping([['max_exemplars', exemplars.maxExemplars]]) : undefined],
  ];
  return fields.some(([, v]) => v !== undefined) ? new Mapping(fields) : undefined;
}

function labelMap(ls: Labels): Mapping | undefined {
  return ls.length > 0 ? new Mapping(ls.map((l) => [l.name, l.value])) : undefined;
}

function stringMap(m: Readonly<Record<string, string>>): Mapping | undefined {
  const keys = Object.keys(m).sort();
  return keys.length > 0 ? new Mapping(keys.map((k) => [k, m[k]])) : undefined;
}

function nonEmpty<T>(list: readonly T[]): T[] | undefined {
  return list.length > 0 ? [...list] : undefined;
}

// YAML 1.1 plain scalars go-yaml v2 would read back as something other than a string.
const YAML11_NON_STRING =
  /^(?:|~|null|Null|NULL|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+]?[0-9]+)?|[1-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?))$/;

function toNode(doc: Document, v: unknown): Node | unknown {
  if (v instanceof Mapping) {
    const map = doc.createNode({}) as ReturnType<typeof doc.createNode> & { add(pair: unknown): void };
    for (const [k, x] of v.fields) if (x !== undefined) map.add(doc.createPair(k, toNode(doc, x)));
    return map;
  }
  if (v instanceof FlowList) {
    const seq = doc.createNode(v.items.map((s) => toNode(doc, s))) as { flow: boolean };
    seq.flow = true;
    return seq;
  }
  if (Array.isArray(v)) return doc.createNode(v.map((x) => toNode(doc, x)));
  if (typeof v === 'string') {
    const s = new Scalar(v);
    if (YAML11_NON_STRING.test(v)) s.type = Scalar.QUOTE_DOUBLE;
    return s;
  }
  if (typeof v === 'bigint') return new Scalar(Number(v));
  return new Scalar(v);
}
