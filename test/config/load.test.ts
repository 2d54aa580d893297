import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/default-config.js';
import type { PrometheusConfig } from '../../src/config/types.js';
import { process } from '../../src/relabel/index.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/config');
const load = (text: string, directory?: string): PrometheusConfig => parseConfig(text, 'p.yml', directory === undefined ? {} : { directory }).prometheus;

describe('defaults', () => {
  it('an empty file is the default configuration', () => {
    for (const text of ['', '# only a comment\n', '---\n', 'global:\n']) {
      const c = load(text);
      expect(c.global).toEqual({ scrapeIntervalMs: 60_000, scrapeTimeoutMs: 10_000, evaluationIntervalMs: 60_000, queryLogFile: '', externalLabels: [] });
      expect(c.scrapeConfigs).toEqual([]);
      expect(c.storage).toEqual({ tsdb: { outOfOrderTimeWindowMs: 0 }, exemplars: { maxExemplars: 100_000 } });
      expect(c.remoteWrite).toEqual([]);
      expect(c.tracing).toBeUndefined();
    }
  });

  it('global fills what is not given; the timeout is capped at a short interval', () => {
    expect(load('global: {scrape_interval: 5s}\n').global).toMatchObject({ scrapeIntervalMs: 5_000, scrapeTimeoutMs: 5_000, evaluationIntervalMs: 60_000 });
    expect(load('global: {scrape_interval: 30s}\n').global).toMatchObject({ scrapeIntervalMs: 30_000, scrapeTimeoutMs: 10_000 });
    expect(load('global: {evaluation_interval: 15s, scrape_timeout: 20s}\n').global).toMatchObject({ scrapeIntervalMs: 60_000, scrapeTimeoutMs: 20_000, evaluationIntervalMs: 15_000 });
  });

  it('a scrape config takes its defaults and inherits interval and timeout from global', () => {
    const c = load('global: {scrape_interval: 20s, scrape_timeout: 15s}\nscrape_configs:\n  - job_name: a\n  - job_name: b\n    scrape_interval: 10s\n  - job_name: c\n    scrape_interval: 1m\n    scrape_timeout: 50s\n');
    const [a, b, cc] = c.scrapeConfigs;
    expect(a).toMatchObject({
      jobName: 'a',
      honorLabels: false,
      honorTimestamps: true,
      params: {},
      scrapeIntervalMs: 20_000,
      scrapeTimeoutMs: 15_000,
      metricsPath: '/metrics',
      scheme: 'http',
      bodySizeLimit: 0,
      sampleLimit: 0,
      targetLimit: 0,
      labelLimit: 0,
      labelNameLengthLimit: 0,
      labelValueLengthLimit: 0,
      relabelConfigs: [],
      metricRelabelConfigs: [],
    });
    expect(a!.httpClient).toEqual({
      basicAuth: undefined,
      authorization: undefined,
      oauth2: undefined,
      proxyUrl: '',
      proxyConnectHeader: {},
      tlsConfig: { caFile: '', certFile: '', keyFile: '', serverName: '', insecureSkipVerify: false, minVersion: undefined, maxVersion: undefined },
      followRedirects: true,
      enableHttp2: true,
    });
    expect([b!.scrapeIntervalMs, b!.scrapeTimeoutMs]).toEqual([10_000, 10_000]);
    expect([cc!.scrapeIntervalMs, cc!.scrapeTimeoutMs]).toEqual([60_000, 50_000]);
  });

  it('remote_write takes the 2.42 queue and metadata defaults', () => {
    const [rw] = load('remote_write:\n  - url: http://h/api/v1/write\n').remoteWrite;
    expect(rw).toMatchObject({ url: 'http://h/api/v1/write', name: '', remoteTimeoutMs: 30_000, headers: {}, sendExemplars: false, sendNativeHistograms: false, sigv4: undefined });
    expect(rw!.queueConfig).toEqual({ capacity: 2500, maxShards: 200, minShards: 1, maxSamplesPerSend: 500, batchSendDeadlineMs: 5_000, minBackoffMs: 30, maxBackoffMs: 5_000, retryOnRateLimit: false });
    expect(rw!.metadataConfig).toEqual({ send: true, sendIntervalMs: 60_000, maxSamplesPerSend: 500 });
  });

  it('a partial queue_config keeps the other defaults; a null one is all zero, as in Go', () => {
    expect(load('remote_write: [{url: "http://h", queue_config: {capacity: 10, retry_on_http_429: true}}]\n').remoteWrite[0]!.queueConfig).toMatchObject({ capacity: 10, maxShards: 200, retryOnRateLimit: true });
    expect(load('remote_write: [{url: "http://h", queue_config: }]\n').remoteWrite[0]!.queueConfig.capacity).toBe(0);
    expect(load('remote_write: [{url: "http://h", metadata_config: {send_interval: 10s}}]\n').remoteWrite[0]!.metadataConfig).toEqual({ send: true, sendIntervalMs: 10_000, maxSamplesPerSend: 500 });
  });

  it('remote_read defaults', () => {
    const [rr] = load('remote_read:\n  - url: http://h/api/v1/read\n    required_matchers: {job: x}\n').remoteRead;
    expect(rr).toMatchObject({ remoteTimeoutMs: 60_000, readRecent: false, filterExternalLabels: true, requiredMatchers: [{ name: 'job', value: 'x' }] });
  });

  it('storage: out_of_order_time_window and exemplars', () => {
    expect(load('storage:\n  tsdb:\n    out_of_order_time_window: 30m\n').storage).toEqual({ tsdb: { outOfOrderTimeWindowMs: 1_800_000 }, exemplars: { maxExemplars: 100_000 } });
    expect(load('storage: {exemplars: {}}\n').storage.exemplars.maxExemplars).toBe(0);
    expect(load('storage: {exemplars: {max_exemplars: 5}}\n').storage.exemplars.maxExemplars).toBe(5);
  });
});

describe('scrape config fields', () => {
  const full = `
scrape_configs:
  - job_name: full
    honor_labels: true
    honor_timestamps: false
    params: {module: [http_2xx, other], b: [x]}
    scrape_interval: 30s
    scrape_timeout: 5s
    metrics_path: /probe
    scheme: https
    body_size_limit: 10MB
    sample_limit: 1000
    target_limit: 10
    label_limit: 30
    label_name_length_limit: 200
    label_value_length_limit: 2048
    basic_auth: {username: u, password_file: secrets/pw}
    tls_config: {ca_file: ca.pem, cert_file: /abs/c.pem, key_file: k.pem, server_name: s, insecure_skip_verify: true, min_version: TLS12}
    follow_redirects: false
    enable_http2: false
    proxy_url: http://proxy:3128
    proxy_connect_header: {X-Auth: [a, b]}
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
    metric_relabel_configs:
      - regex: go_.*
        source_labels: [__name__]
        action: drop
    static_configs:
      - targets: ['a:1', 'b:2']
        labels: {env: prod}
      - targets: ['c:3']
    file_sd_configs:
      - files: [targets/*.json]
    http_sd_configs:
      - url: https://sd.example/targets
        refresh_interval: 30s
        bearer_token: tok
`;

  it('are all read', () => {
    const [s] = load(full, '/etc/prom').scrapeConfigs;
    expect(s).toMatchObject({
      honorLabels: true,
      honorTimestamps: false,
      params: { b: ['x'], module: ['http_2xx', 'other'] },
      scrapeIntervalMs: 30_000,
      scrapeTimeoutMs: 5_000,
      metricsPath: '/probe',
      scheme: 'https',
      bodySizeLimit: 10 * 1024 * 1024,
      sampleLimit: 1000,
      targetLimit: 10,
      labelLimit: 30,
      labelNameLengthLimit: 200,
      labelValueLengthLimit: 2048,
    });
    expect(Object.keys(s!.params)).toEqual(['b', 'module']);
    expect(s!.httpClient).toMatchObject({
      basicAuth: { username: 'u', password: '', passwordFile: '/etc/prom/secrets/pw' },
      tlsConfig: { caFile: '/etc/prom/ca.pem', certFile: '/abs/c.pem', keyFile: '/etc/prom/k.pem', serverName: 's', insecureSkipVerify: true, minVersion: 'TLS12' },
      followRedirects: false,
      enableHttp2: false,
      proxyUrl: 'http://proxy:3128',
    });
    expect(s!.relabelConfigs.map((r) => [r.action, r.targetLabel])).toEqual([['replace', '__param_target']]);
    expect(s!.metricRelabelConfigs[0]!.regex.source).toBe('go_.*');
    expect(s!.serviceDiscovery.staticConfigs).toEqual([
      { targets: [[{ name: '__address__', value: 'a:1' }], [{ name: '__address__', value: 'b:2' }]], labels: [{ name: 'env', value: 'prod' }], source: '0' },
      { targets: [[{ name: '__address__', value: 'c:3' }]], labels: [], source: '1' },
    ]);
    expect(s!.serviceDiscovery.fileSdConfigs).toEqual([{ files: ['/etc/prom/targets/*.json'], refreshIntervalMs: 300_000 }]);
    expect(s!.serviceDiscovery.httpSdConfigs[0]).toMatchObject({ url: 'https://sd.example/targets', refreshIntervalMs: 30_000 });
    expect(s!.serviceDiscovery.httpSdConfigs[0]!.httpClient.authorization).toEqual({ type: 'Bearer', credentials: 'tok', credentialsFile: '' });
  });

  it('the loaded relabel rules work on labels', () => {
    const [s] = load(full).scrapeConfigs;
    expect(process([{ name: '__name__', value: 'go_gc' }], s!.metricRelabelConfigs)).toBeNull();
    expect(process([{ name: '__name__', value: 'up' }], s!.metricRelabelConfigs)).toEqual([{ name: '__name__', value: 'up' }]);
  });

  it('bearer_token and bearer_token_file become authorization; its type defaults to Bearer', () => {
    const c = load('scrape_configs:\n  - {job_name: a, bearer_token_file: tok}\n  - {job_name: b, authorization: {credentials: x}}\n  - {job_name: c, authorization: {type: " Token ", credentials_file: f}}\n', '/d');
    expect(c.scrapeConfigs.map((s) => s.httpClient.authorization)).toEqual([
      { type: 'Bearer', credentials: '', credentialsFile: '/d/tok' },
      { type: 'Bearer', credentials: 'x', credentialsFile: '' },
      { type: 'Token', credentials: '', credentialsFile: '/d/f' },
    ]);
  });

  it('the configuration is frozen all the way down: nothing can be changed by accident', () => {
    const c = load(full + 'remote_write: [{url: "http://a", headers: {a: b}}]\n');
    const unfrozen: string[] = [];
    const visit = (v: unknown, path: string): void => {
      if (typeof v !== 'object' || v === null) return;
      const proto = Object.getPrototypeOf(v) as unknown;
      if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) return; // a compiled regex
      if (!Object.isFrozen(v)) unfrozen.push(path);
      for (const [k, x] of Object.entries(v)) visit(x, `${path}.${k}`);
    };
    visit(c, 'config');
    expect(unfrozen).toEqual([]);
    expect(c.scrapeConfigs[0]!.httpClient.proxyConnectHeader).toEqual({ 'X-Auth': ['a', 'b'] });
  });

  it('external labels are sorted; rule files and query log resolved against the directory', () => {
    const c = load('global:\n  external_labels: {zone: b, cluster: a}\n  query_log_file: q.log\nrule_files: [rules/*.yml, /abs/r.yml]\n', 'conf');
    expect(c.global.externalLabels).toEqual([{ name: 'cluster', value: 'a' }, { name: 'zone', value: 'b' }]);
    expect(c.global.queryLogFile).toBe('conf/q.log');
    expect(c.ruleFiles).toEqual(['conf/rules/*.yml', '/abs/r.yml']);
  });

  it('other discovery mechanisms are accepted and named, not run', () => {
    const [s] = load('scrape_configs:\n  - job_name: k\n    kubernetes_sd_configs:\n      - role: pod\n    consul_sd_configs:\n      - server: c:8500\n').scrapeConfigs;
    expect(s!.serviceDiscovery.unsupported).toEqual([
      { key: 'consul_sd_configs', line: 6 },
      { key: 'kubernetes_sd_configs', line: 4 },
    ]);
  });

  it('alerting, tracing and rule files are accepted', () => {
    const c = load(`
alerting:
  alertmanagers:
    - static_configs: [{targets: ['am:9093']}]
      path_prefix: /am
  alert_relabel_configs: [{action: labeldrop, regex: replica}]
tracing: {endpoint: 'otel:4317', sampling_fraction: 0.5}
rule_files: [a.yml]
`);
    expect(c.alerting.alertmanagers[0]).toMatchObject({ scheme: 'http', pathPrefix: '/am', timeoutMs: 10_000, apiVersion: 'v2' });
    expect(c.alerting.alertRelabelConfigs[0]!.action).toBe('labeldrop');
    expect(c.tracing).toMatchObject({ clientType: 'grpc', endpoint: 'otel:4317', samplingFraction: 0.5 });
  });
});

describe('YAML as yaml.v2 reads it', () => {
  it.each([
    ['honor_labels: yes', 'honorLabels', true],
    ['honor_labels: On', 'honorLabels', true],
    ['honor_timestamps: n', 'honorTimestamps', false],
    ['honor_timestamps: OFF', 'honorTimestamps', false],
    ['sample_limit: 0x10', 'sampleLimit', 16],
    ['sample_limit: 0o17', 'sampleLimit', 15],
    ['sample_limit: 017', 'sampleLimit', 15],
    ['sample_limit: 08', 'sampleLimit', 8],
    ['sample_limit: 1_000', 'sampleLimit', 1000],
    ['sample_limit: 0b101', 'sampleLimit', 5],
    ['sample_limit: 1e3', 'sampleLimit', 1000],
    ['sample_limit: 1.9', 'sampleLimit', 1],
    ['sample_limit: ~', 'sampleLimit', 0],
    ['sample_limit: !!int "7"', 'sampleLimit', 7],
    ['metrics_path: 123', 'metricsPath', '123'],
    ['metrics_path: true', 'metricsPath', 'true'],
    ['metrics_path: 2001-12-14', 'metricsPath', '2001-12-14'],
    ['metrics_path: "quoted"', 'metricsPath', 'quoted'],
    ['metrics_path:', 'metricsPath', ''],
    ['metrics_path: "null"', 'metricsPath', 'null'],
    ['scrape_interval: 0', 'scrapeIntervalMs', 60_000],
  ])('%s', (line, field, want) => {
    const [s] = load(`scrape_configs:\n  - job_name: a\n    ${line}\n`).scrapeConfigs;
    expect((s as unknown as Record<string, unknown>)[field]).toEqual(want);
  });

  it('anchors, aliases and merge keys', () => {
    const yaml = `
scrape_configs:
  - &base
    job_name: a
    scrape_interval: 7s
    metric_relabel_configs: &drop_go
      - source_labels: [__name__]
        regex: go_.*
        action: drop
  - <<: *base
    job_name: b
  - job_name: c
    metric_relabel_configs: *drop_go
`;
    const [a, b, cc] = load(yaml).scrapeConfigs;
    expect(a!.scrapeIntervalMs).toBe(7_000);
    expect(b).toMatchObject({ jobName: 'b', scrapeIntervalMs: 7_000 });
    expect(b!.metricRelabelConfigs).toHaveLength(1);
    expect(cc!.metricRelabelConfigs[0]!.regex.source).toBe('go_.*');
  });
});

describe('fixtures from real Prometheus runs', () => {
  it('wal-snappy / wal-plain', () => {
    for (const name of ['wal-snappy.yml', 'wal-plain.yml']) {
      const c = load(readFileSync(join(FIXTURES, name), 'utf8'));
      expect(c.global).toMatchObject({ scrapeIntervalMs: 5_000, scrapeTimeoutMs: 5_000, evaluationIntervalMs: 5_000 });
      expect(c.scrapeConfigs.map((s) => [s.jobName, s.scrapeIntervalMs, s.scrapeTimeoutMs])).toEqual([
        ['prometheus', 5_000, 5_000],
        ['node', 500, 500],
      ]);
    }
  });

  it('remote-write', () => {
    const c = load(readFileSync(join(FIXTURES, 'remote-write.yml'), 'utf8'));
    expect(c.remoteWrite).toHaveLength(1);
    expect(c.remoteWrite[0]).toMatchObject({ url: 'http://127.0.0.1:19201/api/v1/write', metadataConfig: { send: true, sendIntervalMs: 10_000, maxSamplesPerSend: 500 } });
    expect(c.scrapeConfigs.map((s) => s.scrapeTimeoutMs)).toEqual([1_000, 1_000]);
  });

  it('scrape-request (no evaluation_interval: the default)', () => {
    const c = load(readFileSync(join(FIXTURES, 'scrape-request.yml'), 'utf8'));
    expect(c.global).toMatchObject({ scrapeIntervalMs: 1_000, scrapeTimeoutMs: 1_000, evaluationIntervalMs: 60_000 });
    expect(c.scrapeConfigs[0]!.serviceDiscovery.staticConfigs[0]!.targets).toEqual([[{ name: '__address__', value: '127.0.0.1:19300' }]]);
  });

  it('loadConfig resolves paths against the file\'s directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'promwasm-config-'));
    const file = join(dir, 'prometheus.yml');
    writeFileSync(file, 'scrape_configs:\n  - job_name: a\n    file_sd_configs: [{files: [sd/*.yml]}]\n');
    const loaded = await loadConfig(file);
    expect(loaded.prometheus.scrapeConfigs[0]!.serviceDiscovery.fileSdConfigs[0]!.files).toEqual([join(dir, 'sd/*.yml')]);
    expect(loaded.config).toEqual({ scrape_configs: [{ job_name: 'a', file_sd_configs: [{ files: ['sd/*.yml'] }] }] });
  });

  it('the built-in default configuration', async () => {
    const loaded = await loadConfig(undefined);
    expect(loaded.prometheus.global).toMatchObject({ scrapeIntervalMs: 15_000, evaluationIntervalMs: 15_000, scrapeTimeoutMs: 10_000 });
    expect(loaded.prometheus.scrapeConfigs[0]!.jobName).toBe('prometheus');
  });
});
