// The /api/v1 query routes through fastify inject, over a real DB (head) in a temporary directory:
// request parsing, every error type with Prometheus 2.42's messages and statuses, and the JSON shapes.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/default-config.js';
import { labelsFromRecord } from '../../../src/model/labels.js';
import { QueryCanceledError } from '../../../src/promql/errors.js';
import type { QueryStorage } from '../../../src/server/storage-seam.js';
import { CorruptionError } from '../../../src/tsdb/encoding/errors.js';
import { DB } from '../../../src/tsdb/db.js';
import { queryApiPlugin, type QueryApiOptions } from '../../../src/web/api/index.js';
import { testApp } from '../helpers.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/web-api');
const CONFIG = parseConfig(readFileSync(join(FIXTURES, 'config.yml'), 'utf8'), 'config.yml', { directory: '.' });
const T0 = 1_700_000_000_000;
const NOW = T0 + 600_000;
let dir: string;
let db: DB;

async function fill(): Promise<void> {
  const app = db.appendable.appender();
  const series: { labels: Record<string, string>; rate: number }[] = [
    { labels: { __name__: 'http_requests_total', job: 'api', instance: 'a' }, rate: 1 },
    { labels: { __name__: 'http_requests_total', job: 'api', instance: 'b' }, rate: 2 },
    { labels: { __name__: 'http_requests_total', job: 'db', instance: 'c' }, rate: 4 },
    { labels: { __name__: 'up', job: 'api', note: 'a<b&c>' }, rate: 0 },
  ];
  for (const s of series) {
    const ls = labelsFromRecord(s.labels);
    for (let i = 0; i <= 40; i++) app.append(0, ls, T0 + i * 15_000, s.rate === 0 ? 1 : s.rate * 15 * i);
  }
  app.updateMetadata(0, labelsFromRecord(series[0]!.labels), { type: 'counter', help: 'Requests served.', unit: '' });
  await app.commit();
}

function api(overrides: Partial<QueryApiOptions> = {}) {
  const options: QueryApiOptions = {
    storage: () => db.query,
    engine: {},
    runtime: () => ({ startTimeMs: T0, reloadConfigSuccess: true, lastConfigTimeMs: T0 + 1500, corruptionCount: 0, storageRetention: '15d' }),
    build: { version: '1.2.3', revision: 'rev', branch: 'main' },
    flags: { 'query.timeout': '2m', 'config.file': 'prometheus.yml' },
    config: () => CONFIG.prometheus,
    now: () => NOW,
    ...overrides,
  };
  const t = testApp({ plugins: [{ plugin: queryApiPlugin, prefix: '/api/v1', options: { ...options } }] });
  t.readiness.set(true);
  return t.app;
}

async function get(url: string, options: Partial<QueryApiOptions> = {}) {
  const res = await api(options).inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.body, json: res.body === '' ? undefined : JSON.parse(res.body), headers: res.headers };
}

/** The DB's query view with another selection. */
function withSelect(select: QueryStorage['select']): QueryStorage {
  const real = db.query;
  return {
    select,
    labelNames: (mint, maxt, m) => real.labelNames(mint, maxt, m),
    labelValues: (name, mint, maxt, m) => real.labelValues(name, mint, maxt, m),
    headStatus: () => real.headStatus(),
    metadata: () => real.metadata(),
  };
}

function q(params: Record<string, string | string[]>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) sp.append(k, x);
  return sp.toString();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'promwasm-api-'));
  db = await DB.open({ dir, retentionMs: 0, minBlockDurationMs: 7_200_000, maxBlockDurationMs: 7_200_000, walCompression: false, outOfOrderTimeWindowMs: 0, compactionIntervalMs: 0 });
  await fill();
});

afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('/api/v1/query', () => {
  it('answers a vector with the query time on every sample, labels HTML-escaped as Go writes them', async () => {
    const r = await get(`/api/v1/query?${q({ query: 'up', time: String((T0 + 60_000) / 1000 + 0.5) })}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.body).toBe(
      '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"api","note":"a\\u003cb\\u0026c\\u003e"},"value":[1700000060.500,"1"]}]}}',
    );
  });

  it('defaults the time to now and sorts nothing it was not asked to', async () => {
    const r = await get(`/api/v1/query?${q({ query: 'sum by (job) (http_requests_total)' })}`);
    const result = r.json.data.result as { metric: Record<string, string>; value: [number, string] }[];
    expect(result.map((s) => [s.metric.job, s.value[0], s.value[1]]).sort()).toEqual([
      ['api', NOW / 1000, String(40 * 15 * 3)],
      ['db', NOW / 1000, String(40 * 15 * 4)],
    ]);
  });

  it('spells scalars with %f digits, sample values as jsonutil does, strings as JSON', async () => {
    expect((await get(`/api/v1/query?${q({ query: '1e-7', time: '100' })}`)).body).toBe(
      '{"status":"success","data":{"resultType":"scalar","result":[100,"0.0000001"]}}',
    );
    expect((await get(`/api/v1/query?${q({ query: 'vector(1e-7)', time: '100.25' })}`)).json.data.result[0].value).toEqual([100.25, '1e-07']);
    expect((await get(`/api/v1/query?${q({ query: 'vector(1/0) ', time: '1' })}`)).json.data.result[0].value[1]).toBe('+Inf');
    expect((await get(`/api/v1/query?${q({ query: '"a<b"', time: '1.5' })}`)).body).toBe(
      '{"status":"success","data":{"resultType":"string","result":[1.5,"a\\u003cb"]}}',
    );
  });

  it('answers a range selector as a matrix of raw samples', async () => {
    const r = await get(`/api/v1/query?${q({ query: 'http_requests_total{instance="a"}[30s]', time: String((T0 + 30_000) / 1000) })}`);
    expect(r.json.data.resultType).toBe('matrix');
    expect(r.json.data.result).toEqual([
      { metric: { __name__: 'http_requests_total', instance: 'a', job: 'api' }, values: [[1700000000, '0'], [1700000015, '15'], [1700000030, '30']] },
    ]);
  });

  it('takes a urlencoded POST body, whose values win over the URL', async () => {
    const res = await api().inject({
      method: 'POST',
      url: `/api/v1/query?${q({ query: 'nonsense(' })}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: q({ query: 'up', time: String(T0 / 1000) }),
    });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).data.result).toHaveLength(1);
  });

  it('refuses bad input with bad_data and Prometheus messages', async () => {
    const bad = async (params: Record<string, string>) => {
      const r = await get(`/api/v1/query?${q(params)}`);
      expect(r.status).toBe(400);
      expect(r.json.status).toBe('error');
      expect(r.json.errorType).toBe('bad_data');
      return r.json.error as string;
    };
    expect(await bad({ query: 'up', time: 'yesterday' })).toBe(`invalid parameter "time": Invalid time value for 'time': cannot parse "yesterday" to a valid timestamp`);
    expect(await bad({ query: 'up', timeout: 'soon' })).toBe('invalid parameter "timeout": cannot parse "soon" to a valid duration');
    expect(await bad({ query: 'sum(' })).toMatch(/^invalid parameter "query": 1:\d+: parse error: /);
    expect(await bad({ query: 'up{job=~"("}' })).toMatch(/^invalid parameter "query": 1:\d+: parse error: /);
  });

  it('maps engine failures to execution, timeout, canceled and internal', async () => {
    const exec = await get(`/api/v1/query?${q({ query: 'label_replace(up, "x", "y", "job", "[")', time: '100' })}`);
    expect([exec.status, exec.json.errorType, exec.json.error]).toEqual([422, 'execution', 'invalid regular expression in label_replace(): [']);

    const samples = await get(`/api/v1/query?${q({ query: 'http_requests_total[10m]', time: String(NOW / 1000) })}`, { engine: { maxSamples: 10 } });
    expect([samples.status, samples.json.errorType, samples.json.error]).toEqual([422, 'execution', 'query processing would load too many samples into memory in query execution']);

    const timeout = await get(`/api/v1/query?${q({ query: 'up', timeout: '0.000000001' })}`);
    expect([timeout.status, timeout.json.errorType, timeout.json.error]).toEqual([503, 'timeout', 'query timed out in query execution']);

    const failing = (err: Error): QueryStorage => withSelect(() => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(err) }) }));
    const canceled = await get(`/api/v1/query?${q({ query: 'up' })}`, { storage: () => failing(new QueryCanceledError('query execution')) });
    expect([canceled.status, canceled.json.errorType, canceled.json.error]).toEqual([503, 'canceled', 'query was canceled in query execution']);
    const internal = await get(`/api/v1/query?${q({ query: 'up' })}`, { storage: () => failing(new CorruptionError('bad crc', 'index', 12)) });
    expect([internal.status, internal.json.errorType]).toEqual([500, 'internal']);
  });
});

describe('--query.max-concurrency', () => {
  it('queues queries beyond the limit; a wait past the deadline is a timeout in the query queue', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow = withSelect((m, mint, maxt) => ({
      async *[Symbol.asyncIterator]() {
        await held;
        yield* db.query.select(m, mint, maxt);
      },
    }));
    const app = api({ storage: () => slow, maxConcurrency: 1 });
    const first = app.inject({ method: 'GET', url: `/api/v1/query?${q({ query: 'up', time: String(NOW / 1000) })}` });
    await new Promise((r) => setTimeout(r, 50));
    const second = await app.inject({ method: 'GET', url: `/api/v1/query?${q({ query: 'up', timeout: '0.1' })}` });
    expect([second.statusCode, JSON.parse(second.body).error]).toEqual([503, 'query timed out in query queue']);
    release();
    expect(JSON.parse((await first).body).data.result).toHaveLength(1);
    // The slot is free again.
    expect((await app.inject({ method: 'GET', url: `/api/v1/query?${q({ query: 'up', time: String(NOW / 1000) })}` })).statusCode).toBe(200);
  });
});

describe('/api/v1/query_range', () => {
  const range = (params: Record<string, string>) => get(`/api/v1/query_range?${q(params)}`);

  it('answers a sorted matrix; a scalar expression is one series without labels', async () => {
    const r = await range({ query: 'sum by (job) (rate(http_requests_total[1m]))', start: String((T0 + 120_000) / 1000), end: String((T0 + 180_000) / 1000), step: '30s' });
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual({
      resultType: 'matrix',
      result: [
        { metric: { job: 'api' }, values: [[1700000120, '3'], [1700000150, '3'], [1700000180, '3']] },
        { metric: { job: 'db' }, values: [[1700000120, '4'], [1700000150, '4'], [1700000180, '4']] },
      ],
    });
    const s = await range({ query: '2 * 3', start: '2023-11-14T22:13:20Z', end: '2023-11-14T22:13:21.5Z', step: '0.5' });
    expect(s.json.data.result).toEqual([{ metric: {}, values: [[1700000000, '6'], [1700000000.5, '6'], [1700000001, '6'], [1700000001.5, '6']] }]);
  });

  it('checks parameters in Prometheus order with its messages', async () => {
    const err = async (params: Record<string, string>) => {
      const r = await range({ query: 'up', start: '100', end: '200', step: '10', ...params });
      return [r.status, r.json.errorType, r.json.error];
    };
    expect(await err({ start: 'x' })).toEqual([400, 'bad_data', 'invalid parameter "start": cannot parse "x" to a valid timestamp']);
    expect(await err({ end: '' })).toEqual([400, 'bad_data', 'invalid parameter "end": cannot parse "" to a valid timestamp']);
    expect(await err({ end: '99' })).toEqual([400, 'bad_data', 'invalid parameter "end": end timestamp must not be before start time']);
    expect(await err({ step: 'x' })).toEqual([400, 'bad_data', 'invalid parameter "step": cannot parse "x" to a valid duration']);
    expect(await err({ step: '1e30' })).toEqual([400, 'bad_data', 'invalid parameter "step": cannot parse "1e30" to a valid duration. It overflows int64']);
    expect(await err({ step: '0' })).toEqual([400, 'bad_data', 'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer']);
    expect(await err({ step: '-1m' })).toEqual([400, 'bad_data', 'invalid parameter "step": cannot parse "-1m" to a valid duration']);
    expect(await err({ end: String(100 + 11_001), step: '1' })).toEqual([
      400, 'bad_data', 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
    ]);
    expect((await err({ end: String(100 + 11_000), step: '1', query: 'vector(1)' }))[0]).toBe(200);
    expect(await err({ query: 'up[5m]' })).toEqual([400, 'bad_data', 'invalid expression type "range vector" for range query, must be Scalar or instant Vector']);
    expect(await err({ query: '"s"' })).toEqual([400, 'bad_data', 'invalid expression type "string" for range query, must be Scalar or instant Vector']);
    const parse = await err({ query: 'rate(' });
    expect(parse.slice(0, 2)).toEqual([400, 'bad_data']);
    expect(parse[2]).toMatch(/^1:\d+: parse error: /);
  });
});

describe('series and labels', () => {
  it('/series needs match[], returns each series once, sorted across sets', async () => {
    expect((await get('/api/v1/series')).json).toEqual({ status: 'error', errorType: 'bad_data', error: 'no match[] parameter provided' });
    expect((await get(`/api/v1/series?${q({ 'match[]': '{job=""}' })}`)).json.error).toBe('invalid parameter "match[]": match[] must contain at least one non-empty matcher');
    const r = await get(`/api/v1/series?${q({ 'match[]': ['up', 'http_requests_total{instance=~"a|c"}', 'up'] })}`);
    expect(r.json.data).toEqual([
      { __name__: 'http_requests_total', instance: 'a', job: 'api' },
      { __name__: 'http_requests_total', instance: 'c', job: 'db' },
      { __name__: 'up', job: 'api', note: 'a<b&c>' },
    ]);
    const outside = await get(`/api/v1/series?${q({ 'match[]': 'up', start: '0', end: '1000' })}`);
    expect(outside.json).toEqual({ status: 'success', data: [] });
  });

  it('/labels and /label/:name/values, with and without match[]', async () => {
    expect((await get('/api/v1/labels')).json.data).toEqual(['__name__', 'instance', 'job', 'note']);
    expect((await get(`/api/v1/labels?${q({ 'match[]': 'up' })}`)).json.data).toEqual(['__name__', 'job', 'note']);
    expect((await get(`/api/v1/labels?${q({ 'match[]': 'up', end: '1000' })}`)).json.data).toEqual([]);
    expect((await get('/api/v1/label/job/values')).json.data).toEqual(['api', 'db']);
    expect((await get(`/api/v1/label/instance/values?${q({ 'match[]': ['{job="db"}', 'http_requests_total{instance="a"}'] })}`)).json.data).toEqual(['a', 'c']);
    expect((await get('/api/v1/label/__name__/values')).json.data).toEqual(['http_requests_total', 'up']);
    const bad = await get('/api/v1/label/not-a-name/values');
    expect([bad.status, bad.json.error]).toEqual([400, 'invalid label name: "not-a-name"']);
    const badMatch = await get(`/api/v1/labels?${q({ 'match[]': 'up{' })}`);
    expect([badMatch.status, badMatch.json.errorType]).toEqual([400, 'bad_data']);
    expect(badMatch.json.error).toMatch(/^1:\d+: parse error: /);
  });

  it('/metadata lists what the head recorded per metric name, honouring limit and metric', async () => {
    expect((await get('/api/v1/metadata')).json.data).toEqual({ http_requests_total: [{ type: 'counter', help: 'Requests served.', unit: '' }] });
    expect((await get('/api/v1/metadata?metric=up')).json.data).toEqual({});
    expect((await get('/api/v1/metadata?limit=0')).json.data).toEqual({});
    expect((await get('/api/v1/metadata?limit=x')).json.error).toBe('limit must be a number');
  });
});

describe('exemplars, format_query, status, CORS', () => {
  it('/query_exemplars: 204 without selectors, an empty list with them, errors as Prometheus', async () => {
    expect((await get(`/api/v1/query_exemplars?${q({ query: '1 + 1' })}`)).status).toBe(204);
    expect((await get(`/api/v1/query_exemplars?${q({ query: 'up' })}`)).json).toEqual({ status: 'success', data: [] });
    expect((await get(`/api/v1/query_exemplars?${q({ query: 'up', start: '10', end: '5' })}`)).json.error).toBe('end timestamp must not be before start timestamp');
  });

  it('/format_query prints and splits long expressions', async () => {
    expect((await get(`/api/v1/format_query?${q({ query: 'sum by(job)(rate(x{b="1",a=~"2"}[5m] offset -1m))' })}`)).json.data).toBe(
      'sum by (job) (rate(x{a=~"2",b="1"}[5m] offset -1m))',
    );
    const long = 'sum by (job) (rate(http_requests_total{job="api-server-number-one",instance="host-1.example.com:9090"}[5m])) / 2';
    expect((await get(`/api/v1/format_query?${q({ query: long })}`)).json.data).toBe(
      [
        '  sum by (job) (',
        '    rate(http_requests_total{instance="host-1.example.com:9090",job="api-server-number-one"}[5m])',
        '  )',
        '/',
        '  2',
      ].join('\n'),
    );
    expect((await get(`/api/v1/format_query?${q({ query: 'up +' })}`)).json.error).toMatch(/^invalid parameter "query": 1:\d+: parse error: /);
  });

  it('status pages', async () => {
    expect((await get('/api/v1/status/buildinfo')).json.data).toMatchObject({ version: '1.2.3', revision: 'rev', branch: 'main', buildUser: '', buildDate: '' });
    const rt = (await get('/api/v1/status/runtimeinfo')).json.data;
    expect(rt).toMatchObject({ startTime: '2023-11-14T22:13:20Z', lastConfigTime: '2023-11-14T22:13:21Z', reloadConfigSuccess: true, corruptionCount: 0, storageRetention: '15d', CWD: process.cwd() });
    expect(Object.keys(rt)).toEqual(['startTime', 'CWD', 'reloadConfigSuccess', 'lastConfigTime', 'corruptionCount', 'goroutineCount', 'GOMAXPROCS', 'GOGC', 'GODEBUG', 'storageRetention']);
    expect((await get('/api/v1/status/flags')).body).toBe('{"status":"success","data":{"config.file":"prometheus.yml","query.timeout":"2m"}}');
    const tsdb = (await get('/api/v1/status/tsdb')).json.data;
    expect(tsdb.headStats).toEqual({ numSeries: 4, numLabelPairs: 8, chunkCount: 4, minTime: T0, maxTime: T0 + 600_000 });
    expect(tsdb.seriesCountByMetricName).toEqual([{ name: 'http_requests_total', value: 3 }, { name: 'up', value: 1 }]);
    expect(tsdb.labelValueCountByLabelName[0]).toEqual({ name: 'instance', value: 3 });
    expect(tsdb.memoryInBytesByLabelName).toContainEqual({ name: '__name__', value: 'http_requests_total'.length + 2 });
    expect(tsdb.seriesCountByLabelValuePair[0]).toEqual({ name: '__name__=http_requests_total', value: 3 });
  });

  it('/status/config prints the configuration as Prometheus 2.42 printed the same file', async () => {
    const want = readFileSync(join(FIXTURES, 'config.prometheus-2.42.yml'), 'utf8');
    expect((await get('/api/v1/status/config')).json).toEqual({ status: 'success', data: { yaml: want } });
  });

  it('compresses as CompressionHandler: the first exact gzip or deflate entry of Accept-Encoding', async () => {
    const gz = await api().inject({ method: 'GET', url: '/api/v1/labels', headers: { 'accept-encoding': 'br, gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe('{"status":"success","data":["__name__","instance","job","note"]}');
    const plain = await api().inject({ method: 'GET', url: '/api/v1/labels', headers: { 'accept-encoding': 'gzip;q=1.0' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
  });

  it('sets CORS headers for a browser and answers OPTIONS with 204', async () => {
    const res = await api().inject({ method: 'GET', url: '/api/v1/labels', headers: { origin: 'http://grafana.local' } });
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-methods']).toBe('GET, POST, OPTIONS');
    expect((await api().inject({ method: 'OPTIONS', url: '/api/v1/query' })).statusCode).toBe(204);
  });

  it('answers 503 until the storage is open', async () => {
    const t = testApp({ plugins: [{ plugin: queryApiPlugin, prefix: '/api/v1', options: { storage: () => db.query, engine: {}, runtime: () => { throw new Error('x'); }, build: { version: '', revision: '', branch: '' }, flags: {}, config: () => CONFIG.prometheus } }] });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/query?query=up' })).statusCode).toBe(503);
  });
});
