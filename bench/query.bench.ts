// Query latency of typical dashboard queries: promwasm against Prometheus 2.42 serving the same data in
// the same run. The data is one block written by our block writer (src/tsdb/block/writer.ts); both
// servers open a copy of it, so neither pays for ingestion and both read the same chunks. Each query is
// sent through HTTP (/api/v1/query, /api/v1/query_range), one warm-up then `runs` timed runs alternating
// between the servers; the table shows medians, their ratio, and whether the answers agree (1e-6 rel).
// When promwasm has no /api/v1/query yet, its engine is timed in this process over the same block.
//
//   npm run bench:query [-- series=10000 hours=24 runs=5]
//
// Data: `http_requests_total{job,instance}` counters (`series` of them, 10 jobs) and a classic histogram
// `http_request_duration_seconds_bucket{job,instance,le}` (100 histograms x 10 buckets), every 15 s for
// `hours`, ending on a 2h boundary.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { writeBlock, type SampleSeries } from '../src/tsdb/block/writer.js';
import { ReadOnlyDB } from '../src/tsdb/block/db.js';
import { Engine } from '../src/promql/index.js';
import type { Labels } from '../src/model/labels.js';
import { Prng } from '../test/helpers/prng.js';
import { freePort, startServer, type RunningServer } from '../test/helpers/cli.js';

const arg = (name: string, fallback: number): number => {
  const a = process.argv.find((x) => x.startsWith(`${name}=`));
  return a ? Number(a.slice(name.length + 1)) : fallback;
};
const SERIES = arg('series', 10_000);
const HOURS = arg('hours', 24);
const RUNS = arg('runs', 5);
const STEP_MS = 15_000;
const JOBS = 10;
const HISTOGRAMS = 100;
const BOUNDS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];
const END = Math.floor(1_700_000_000_000 / 7_200_000) * 7_200_000;
const START = END - HOURS * 3_600_000;
const POINTS = HOURS * 3_600_000 / STEP_MS;

function labels(pairs: Record<string, string>): Labels {
  return Object.entries(pairs).sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, value]) => ({ name, value }));
}

function timestamps(): Float64Array {
  return Float64Array.from({ length: POINTS }, (_, i) => START + i * STEP_MS);
}

function* generate(): Generator<SampleSeries> {
  const rng = new Prng(7);
  const ts = timestamps();
  for (let s = 0; s < SERIES; s++) {
    const values = new Float64Array(POINTS);
    const rate = rng.int(1, 20);
    let v = rng.int(0, 1000);
    for (let i = 0; i < POINTS; i++) values[i] = v += rng.int(0, rate);
    yield { labels: labels({ __name__: 'http_requests_total', job: `job-${s % JOBS}`, instance: `host-${Math.floor(s / JOBS)}:9100` }), timestamps: ts, values };
  }
  for (let h = 0; h < HISTOGRAMS; h++) {
    const buckets = BOUNDS.map(() => new Float64Array(POINTS));
    const counts = new Float64Array(BOUNDS.length);
    for (let i = 0; i < POINTS; i++) {
      const observations = rng.int(0, 30);
      for (let o = 0; o < observations; o++) {
        const b = Math.min(BOUNDS.length - 1, Math.floor(-Math.log(1 - rng.next()) * 2.5));
        for (let k = b; k < BOUNDS.length; k++) counts[k]!++;
      }
      for (let k = 0; k < BOUNDS.length; k++) buckets[k]![i] = counts[k]!;
    }
    for (let k = 0; k < BOUNDS.length; k++) {
      yield {
        labels: labels({ __name__: 'http_request_duration_seconds_bucket', job: `job-${h % JOBS}`, instance: `host-${Math.floor(h / JOBS)}:9100`, le: BOUNDS[k]! }),
        timestamps: ts,
        values: buckets[k]!,
      };
    }
  }
}

interface Query {
  readonly name: string;
  readonly expr: string;
  /** Range queries cover the whole data at 60 s. */
  readonly range: boolean;
}

const QUERIES: Query[] = [
  { name: `rate 5m, ${SERIES} series`, expr: 'rate(http_requests_total[5m])', range: false },
  { name: 'sum by (job) (rate 5m)', expr: 'sum by (job) (rate(http_requests_total[5m]))', range: false },
  { name: 'histogram_quantile 0.99', expr: 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))', range: false },
  { name: `sum by (job) (rate 5m), ${HOURS}h at 60s`, expr: 'sum by (job) (rate(http_requests_total[5m]))', range: true },
  { name: `histogram_quantile 0.99, ${HOURS}h at 60s`, expr: 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))', range: true },
];

/** A result reduced to label set -> values, for comparing answers. */
type Answer = Map<string, number[]>;

interface Target {
  readonly name: string;
  run(q: Query): Promise<Answer>;
  stop(): Promise<void>;
}

function params(q: Query): URLSearchParams {
  const p = new URLSearchParams({ query: q.expr });
  if (q.range) {
    p.set('start', String(START / 1000));
    p.set('end', String(END / 1000));
    p.set('step', '60');
  } else p.set('time', String(END / 1000));
  return p;
}

interface ApiSeries {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

async function httpRun(url: string, q: Query): Promise<Answer> {
  const res = await fetch(`${url}/api/v1/${q.range ? 'query_range' : 'query'}`, { method: 'POST', body: params(q) });
  const body = (await res.json()) as { status: string; error?: string; data: { result: ApiSeries[] } };
  if (body.status !== 'success') throw new Error(`${q.expr}: ${body.error}`);
  const out: Answer = new Map();
  for (const s of body.data.result) {
    const key = JSON.stringify(Object.entries(s.metric).sort());
    out.set(key, (s.values ?? [s.value!]).map(([, v]) => Number(v)));
  }
  return out;
}

async function startPrometheus(block: string): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-query-bench-'));
  cpSync(block, join(dir, 'data', basename(block)), { recursive: true });
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\n');
  const port = await freePort();
  const proc: ChildProcess = spawn('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn', '--storage.tsdb.retention.time=100y',
  ], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 120_000; ; ) {
    if (proc.exitCode !== null) throw new Error(`prometheus exited with ${proc.exitCode}`);
    if (Date.now() > deadline) throw new Error('prometheus did not become ready');
    try {
      if ((await fetch(`${url}/-/ready`)).status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name: 'Prometheus 2.42',
    run: (q) => httpRun(url, q),
    stop: async () => {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** promwasm over HTTP when its query API answers, else its engine in this process. */
async function startPromwasm(block: string): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'promwasm-query-bench-'));
  cpSync(block, join(dir, basename(block)), { recursive: true });
  let server: RunningServer | undefined;
  try {
    server = await startServer(dir, ['--storage.tsdb.retention.time=100y', '--log.level=warn']);
    const probe = await fetch(`${server.url}/api/v1/query?query=1`);
    if (probe.status === 200) {
      const url = server.url;
      const proc = server.proc;
      return {
        name: 'promwasm (HTTP)',
        run: (q) => httpRun(url, q),
        stop: async () => {
          proc.kill('SIGTERM');
          await new Promise((r) => proc.once('exit', r));
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    console.log(`promwasm answers /api/v1/query with ${probe.status}: timing its engine in this process instead`);
  } catch (e) {
    console.log(`promwasm server did not start (${(e as Error).message.split('\n')[0]}): timing its engine in this process instead`);
  }
  if (server) {
    server.proc.kill('SIGTERM');
    await new Promise((r) => server!.proc.once('exit', r));
  }
  const db = await ReadOnlyDB.open(dir);
  const engine = new Engine();
  return {
    name: 'promwasm (engine in-process)',
    async run(q) {
      const out: Answer = new Map();
      const key = (ls: Labels): string => JSON.stringify(ls.map((l) => [l.name, l.value]));
      if (q.range) {
        for (const s of await engine.rangeQuery(db, q.expr, START, END, 60_000)) out.set(key(s.labels), Array.from(s.values));
      } else {
        const v = await engine.instantQuery(db, q.expr, END);
        if (v.kind === 'vector') for (const s of v.samples) out.set(key(s.labels), [s.v]);
      }
      return out;
    },
    stop: async () => {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function agree(a: Answer, b: Answer): boolean {
  if (a.size !== b.size) return false;
  for (const [k, va] of a) {
    const vb = b.get(k);
    if (!vb || vb.length !== va.length) return false;
    for (let i = 0; i < va.length; i++) {
      const x = va[i]!;
      const y = vb[i]!;
      if (!(x === y || (Number.isNaN(x) && Number.isNaN(y)) || Math.abs(x - y) <= 1e-6 * Math.max(Math.abs(x), Math.abs(y)))) return false;
    }
  }
  return true;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  if (spawnSync('prometheus', ['--version']).status !== 0) throw new Error('prometheus 2.42 is not on PATH');
  const work = mkdtempSync(join(tmpdir(), 'query-bench-block-'));
  const t0 = performance.now();
  const meta = await writeBlock(work, generate(), { minTime: START, maxTime: END });
  const block = join(work, meta!.ulid);
  console.log(`block: ${meta!.stats.numSeries} series, ${meta!.stats.numSamples} samples over ${HOURS}h, written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const prometheus = await startPrometheus(block);
  const promwasm = await startPromwasm(block);
  const rows: string[] = [];
  try {
    for (const q of QUERIES) {
      const times: Record<'ours' | 'theirs', number[]> = { ours: [], theirs: [] };
      const ours = await promwasm.run(q);
      const theirs = await prometheus.run(q);
      if (theirs.size === 0) throw new Error(`${q.expr}: Prometheus answered an empty result; is the block loaded?`);
      for (let r = 0; r < RUNS; r++) {
        for (const [side, target] of [['theirs', prometheus], ['ours', promwasm]] as const) {
          const t = performance.now();
          await target.run(q);
          times[side].push(performance.now() - t);
        }
      }
      const [o, p] = [median(times.ours), median(times.theirs)];
      const points = [...theirs.values()].reduce((n, vs) => n + vs.length, 0);
      const row = `| ${q.name} | ${theirs.size} x ${points / Math.max(1, theirs.size)} | ${p.toFixed(1)} | ${o.toFixed(1)} | ${(o / p).toFixed(2)} | ${agree(ours, theirs) ? 'yes' : 'NO'} |`;
      console.log(row);
      rows.push(row);
    }
  } finally {
    await promwasm.stop();
    await prometheus.stop();
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`\n${promwasm.name} vs ${prometheus.name}, median of ${RUNS} runs (ms), ${SERIES + HISTOGRAMS * BOUNDS.length} series, ${HOURS}h at 15s\n`);
  console.log('| query | result (series x points) | Prometheus 2.42 | promwasm | promwasm / Prometheus | same answer |');
  console.log('|---|---|---:|---:|---:|---|');
  for (const row of rows) console.log(row);
}

await main();
