// Differential: the same remote-written workload in promwasm and in a real Prometheus 2.42
// (--web.enable-remote-write-receiver); the real promtool asks both the same queries and gets the same
// answers (floats within 1e-9 relative), and the raw API answers for lookups and errors are identical.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, freePort, startServer, type RunningServer } from '../../helpers/cli.js';
import { PROMTOOL, PROMTOOL_MISSING, promtool } from '../../helpers/promtool.js';
import { INTERVAL_MS, makeWorkload, sendWorkload, type Workload } from './workload.js';

const HAS_PROMETHEUS = spawnSync('prometheus', ['--version']).status === 0;
if (!HAS_PROMETHEUS) console.warn('prometheus is not on PATH: skipping the query API differential test against the real Prometheus 2.42');
if (!PROMTOOL) console.warn(`${PROMTOOL_MISSING} (query API differential test)`);

const dir = mkdtempSync(join(tmpdir(), 'promwasm-api-diff-'));
let ours: RunningServer;
let prom: ChildProcess;
let promUrl: string;
let w: Workload;

const QUERIES = [
  'http_requests_total',
  'rate(http_requests_total[5m])',
  'increase(http_requests_total{code="500"}[10m])',
  'sum by (job) (rate(http_requests_total[5m]))',
  'sum without (instance) (rate(http_requests_total[2m])) / on (job, code) group_left sum by (job, code) (rate(http_requests_total[2m]))',
  'topk(3, http_requests_total)',
  'bottomk(2, sum by (instance) (http_requests_total))',
  'histogram_quantile(0.9, sum by (le) (rate(request_duration_seconds_bucket[5m])))',
  'histogram_quantile(0.5, rate(request_duration_seconds_bucket[10m]))',
  'max_over_time(rate(http_requests_total{job="api"}[1m])[10m:1m])',
  'avg_over_time(sum(temperature_celsius)[15m:30s])',
  'label_replace(temperature_celsius, "floor", "$1", "room", "r(.)")',
  'label_join(http_requests_total{job="db"}, "where", "/", "job", "instance")',
  'temperature_celsius offset 10m',
  'rate(http_requests_total[5m] offset -2m)',
  'flaky',
  'count_over_time(flaky[10m])',
  'deriv(temperature_celsius[10m])',
  'predict_linear(temperature_celsius[10m], 600)',
  'quantile(0.25, temperature_celsius)',
  'stddev by (job) (http_requests_total)',
  'count_values("bucket", request_duration_seconds_bucket{le="+Inf"} > bool 0)',
  'temperature_celsius > 20',
  'sort_desc(sum by (code) (irate(http_requests_total[1m])))',
  'resets(http_requests_total[1h])',
  'changes(temperature_celsius[5m])',
  'absent(nonexistent_metric{job="x"})',
  'scalar(sum(temperature_celsius)) * 2',
  'holt_winters(temperature_celsius[10m], 0.5, 0.5)',
  'clamp(temperature_celsius, 18, 22) - round(temperature_celsius, 0.5)',
];

/** Status and body of a GET on a connection of its own (no keep-alive socket left from the writes). */
function httpGet(url: string): Promise<[number, string]> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve([res.statusCode ?? 0, body]));
    }).on('error', reject);
  });
}

/** A promtool JSON answer with series sorted by their labels (Prometheus leaves vector order unspecified). */
interface Series {
  key: string;
  points: [number, string][];
}

function normalize(json: string): Series[] {
  const parsed = JSON.parse(json) as { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[] | [number, string];
  if (!Array.isArray(parsed[0]) && typeof parsed[0] === 'number') return [{ key: 'scalar', points: [parsed as [number, string]] }];
  return (parsed as { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[])
    .map((s) => ({ key: JSON.stringify(Object.entries(s.metric).sort()), points: s.values ?? [s.value!] }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function expectSameAnswer(query: string, got: Series[], want: Series[]): void {
  expect(got.map((s) => s.key), query).toEqual(want.map((s) => s.key));
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!.points;
    const x = want[i]!.points;
    expect(g.map((p) => p[0]), `${query} ${want[i]!.key}`).toEqual(x.map((p) => p[0]));
    for (let k = 0; k < x.length; k++) {
      const a = Number(g[k]![1]);
      const b = Number(x[k]![1]);
      const close = Number.isNaN(a) ? Number.isNaN(b) : a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
      expect(close, `${query} ${want[i]!.key} @${x[k]![0]}: ${g[k]![1]} vs ${x[k]![1]}`).toBe(true);
    }
  }
}

describe.skipIf(!HAS_PROMETHEUS || !PROMTOOL)('promwasm and Prometheus 2.42 answer the same', () => {
  beforeAll(async () => {
    ours = await startServer(join(dir, 'ours'), ['--log.level=warn']);
    const port = await freePort();
    const config = join(dir, 'prometheus.yml');
    writeFileSync(config, 'global:\n  scrape_interval: 1m\n');
    prom = spawn('prometheus', [
      `--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'prometheus')}`, `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver', '--log.level=warn',
    ], { stdio: 'ignore' });
    promUrl = `http://127.0.0.1:${port}`;
    for (let waited = 0; ; waited += 100) {
      if ((await fetch(`${promUrl}/-/ready`).then((r) => r.status).catch(() => 0)) === 200) break;
      if (waited > 30_000) throw new Error('Prometheus did not become ready');
      await new Promise((r) => setTimeout(r, 100));
    }
    w = makeWorkload(Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS, 7);
    await Promise.all([sendWorkload(`${ours.url}/api/v1/write`, w), sendWorkload(`${promUrl}/api/v1/write`, w)]);
  }, 120_000);

  afterAll(async () => {
    for (const p of [ours?.proc, prom]) p?.kill('SIGTERM');
    for (const p of [ours?.proc, prom]) if (p) await exited(p);
    rmSync(dir, { recursive: true, force: true });
  });

  const sec = (ms: number): string => String(ms / 1000);
  const both = (args: (url: string) => string[]): [Series[], Series[]] => [
    normalize(promtool(args(ours.url))),
    normalize(promtool(args(promUrl))),
  ];

  it.each(QUERIES)('instant %s', (query) => {
    // At the end, mid-workload between samples, and near the start where windows are partly empty.
    for (const t of [w.end, w.start + 1_800_000 + 7_000, w.start + 90_000]) {
      const [got, want] = both((url) => ['query', 'instant', '-o', 'json', `--time=${sec(t)}`, url, query]);
      expectSameAnswer(`${query} @ ${t}`, got, want);
    }
  });

  it.each(QUERIES)('range %s', (query) => {
    const [got, want] = both((url) => ['query', 'range', '-o', 'json', `--start=${sec(w.start)}`, `--end=${sec(w.end)}`, '--step=1m', url, query]);
    expectSameAnswer(query, got, want);
  });

  it('@ modifiers and offsets relative to a fixed time', () => {
    const at = (w.start + 1_200_000) / 1000;
    for (const query of [`http_requests_total @ ${at}`, `rate(http_requests_total[5m] @ ${at} offset 1m)`, 'temperature_celsius @ start()', 'sum(temperature_celsius @ end())']) {
      const [got, want] = both((url) => ['query', 'range', '-o', 'json', `--start=${sec(w.start + 600_000)}`, `--end=${sec(w.end)}`, '--step=5m', url, query]);
      expectSameAnswer(query, got, want);
    }
  });

  it('head statistics of /status/tsdb agree', async () => {
    const [a, b] = await Promise.all([httpGet(`${ours.url}/api/v1/status/tsdb`), httpGet(`${promUrl}/api/v1/status/tsdb`)]);
    const [x, y] = [JSON.parse(a[1]).data, JSON.parse(b[1]).data];
    expect(x.headStats).toEqual(y.headStats);
    // Equal counts leave Prometheus's top-10 heap order unspecified: compare the lists as sets of counts per name.
    const sorted = (list: { name: string; value: number }[]) => [...list].sort((p, q) => q.value - p.value || (p.name < q.name ? -1 : 1));
    expect(sorted(x.seriesCountByMetricName)).toEqual(sorted(y.seriesCountByMetricName));
    expect(sorted(x.labelValueCountByLabelName)).toEqual(sorted(y.labelValueCountByLabelName));
    expect(sorted(x.memoryInBytesByLabelName)).toEqual(sorted(y.memoryInBytesByLabelName));
  });

  it('lookups, format_query and error answers are byte for byte the same', async () => {
    const paths = [
      `/api/v1/series?match[]=http_requests_total{job="web"}&match[]=flaky`,
      '/api/v1/labels',
      `/api/v1/labels?match[]=request_duration_seconds_bucket`,
      '/api/v1/label/room/values',
      `/api/v1/label/job/values?match[]=temperature_celsius`,
      `/api/v1/format_query?query=${encodeURIComponent('sum by(job)(rate(http_requests_total{job="api",code=~"5.."}[5m] offset 1m)) / ignoring(code) group_left sum without(code)(rate(http_requests_total[5m]))')}`,
      `/api/v1/query?query=${encodeURIComponent('sum(')}`,
      `/api/v1/query?query=up&time=abc`,
      '/api/v1/query_range?query=up&start=10&end=5&step=1',
      '/api/v1/query_range?query=up&start=0&end=100000&step=1',
      '/api/v1/query_range?query=up&start=0&end=100&step=-1',
      '/api/v1/query_range?query=up[5m]&start=0&end=100&step=10',
      '/api/v1/series',
      `/api/v1/series?match[]=${encodeURIComponent('{a=""}')}`,
      '/api/v1/label/0bad/values',
      `/api/v1/query?query=${encodeURIComponent('label_replace(up, "x", "y", "job", "(")')}&time=1`,
      `/api/v1/query_exemplars?query=up&start=10&end=5`,
      `/api/v1/query_exemplars?query=${encodeURIComponent('http_requests_total')}`,
      ...[
        'rate(http_requests_total[5m]',
        'up{job=~"a(?=b)"}',
        'rate(up[1000000000000y])',
        'topk(up)',
        '1 +',
        'foo{}',
        '"unterminated',
        '',
        'rate(up)',
        'sum(rate(up[5m])) by (job',
        '{job=""}',
        'up @ foo()',
        'x[5m:1s:1s]',
        'sum(http_requests_total) / on (job) group_left http_requests_total',
        'label_replace(up, "1x", "y", "job", ".*")',
      ].map((query) => `/api/v1/query?time=1&query=${encodeURIComponent(query)}`),
      '/api/v1/query?query=up&time=1e400',
      '/api/v1/query?query=vector(1)&time=2023-01-01T01:00:00.123456789%2B01:00',
      '/api/v1/query?query=vector(1)&time=-1.0005',
      '/api/v1/query?query=up&timeout=-1s',
      '/api/v1/query_range?query=up&start=0&end=1&step=1e400',
      '/api/v1/query_range?query=vector(time())&start=0.0015&end=3&step=0.7',
      ...[
        'topk by (job) (2, sum by (job, code) (rate(http_requests_total{code!="200"}[5m:30s] @ 1700000000 offset 5m)))',
        '-sum(temperature_celsius) > bool on (room) group_right (a, b) -(1e-7 * +Inf) or NaN',
        'count_values without (x) ("v\\n\\"q", label_join(up, "a", ",", "b"))',
        'rate(x[5m] @ end()) unless ignoring (code) absent_over_time(y[1h:] offset -1d)',
        `histogram_quantile(0.99, sum by (le, job, instance, handler, method, code) (rate(http_request_duration_seconds_bucket{job=~"api|web", handler!~"/metrics|/-/healthy"}[5m]))) > 0.5`,
      ].map((query) => `/api/v1/format_query?query=${encodeURIComponent(query)}`),
    ];
    for (const path of paths) {
      const [a, b] = await Promise.all([httpGet(ours.url + path), httpGet(promUrl + path)]);
      expect.soft(a, path).toEqual(b);
    }
  });
});
