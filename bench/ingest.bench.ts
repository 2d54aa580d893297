// End-to-end remote-write load test over HTTP: the same pre-encoded requests against
// promwasm and, in the same run, against Prometheus with its receiver on.
//
//   npm run bench:ingest -- [--series=100000] [--rounds=30] [--connections=4] [--batch=2000]
//   npm run bench:ingest -- --url=http://127.0.0.1:9090 --pid=N ...   (drive a server started by hand, e.g. under a profiler)
//
// Without --series, both standard workloads run: 100k series × 30 rounds and 1M series × 5 rounds.

import { Agent } from 'node:http';
import snappy from 'snappy';
import { cpuSeconds, rssBytes } from './lib/proc.js';
import { postRemoteWrite } from './lib/rw-post.js';
import { encodeLabels, encodeWriteRequest } from '../test/helpers/rw-encode.js';
import { hasPrometheus, startPrometheus, startPromwasm, type ServerUnderTest } from './lib/servers.js';
import type { Label } from '../src/model/labels.js';

interface Workload {
  series: number;
  rounds: number;
  batch: number;
  connections: number;
}

interface Result {
  server: string;
  samples: number;
  seconds: number;
  p50: number;
  p99: number;
  cpu: number;
  /** Growth of the resident set over the run: what the series cost. */
  rss: number;
  errors: number;
}

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'];
  }),
);

const METRICS = [
  'container_cpu_usage_seconds_total', 'container_memory_working_set_bytes', 'container_network_receive_bytes_total',
  'container_network_transmit_bytes_total', 'container_fs_reads_total', 'container_fs_writes_total',
  'kube_pod_container_status_restarts_total', 'kube_pod_status_ready', 'http_requests_total',
  'http_request_duration_seconds_bucket', 'process_resident_memory_bytes', 'go_goroutines',
];

/** k8s-shaped label sets: 6–10 labels, a few hundred pods per namespace. */
function makeSeries(n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const metric = METRICS[i % METRICS.length]!;
    const pod = Math.floor(i / METRICS.length);
    const labels: Label[] = [
      { name: '__name__', value: metric },
      { name: 'namespace', value: `ns-${pod % 37}` },
      { name: 'pod', value: `app-${pod % 997}-${(pod * 2654435761) % 100000}` },
      { name: 'container', value: `c${pod % 5}` },
      { name: 'instance', value: `10.${(pod >> 16) & 255}.${(pod >> 8) & 255}.${pod & 255}:9100` },
      { name: 'job', value: 'kubernetes-pods' },
    ];
    if (i % 3 !== 0) labels.push({ name: 'node', value: `node-${pod % 61}` });
    if (metric.startsWith('http_')) labels.push({ name: 'code', value: String(200 + (i % 4)) }, { name: 'method', value: 'GET' });
    if (metric.endsWith('_bucket')) labels.push({ name: 'le', value: String(0.005 * 2 ** (i % 12)) });
    out.push(encodeLabels(labels));
  }
  return out;
}

function prepareRequests(w: Workload): Buffer[] {
  const series = makeSeries(w.series);
  const start = Date.now() - w.rounds * 15_000;
  const reqs: Buffer[] = [];
  const values = new Float64Array(w.batch);
  for (let r = 0; r < w.rounds; r++) {
    for (let off = 0; off < w.series; off += w.batch) {
      const part = series.slice(off, off + w.batch);
      for (let i = 0; i < part.length; i++) values[i] = r * 10 + ((off + i) % 17);
      reqs.push(snappy.compressSync(Buffer.from(encodeWriteRequest(part, values, start + r * 15_000))));
    }
  }
  return reqs;
}

async function drive(server: ServerUnderTest, reqs: Buffer[], w: Workload): Promise<Result> {
  const agent = new Agent({ keepAlive: true, maxSockets: w.connections });
  const url = new URL('/api/v1/write', server.url);
  const latencies = new Float64Array(reqs.length);
  let next = 0;
  let errors = 0;
  const rss0 = rssBytes(server.pid);
  const cpu0 = cpuSeconds(server.pid);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: w.connections }, async () => {
      while (next < reqs.length) {
        const i = next++;
        const s = performance.now();
        const status = await postRemoteWrite(agent, url, reqs[i]!);
        latencies[i] = performance.now() - s;
        if (status < 200 || status > 299) errors++;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(server.pid) - cpu0;
  // Let the runtime settle, then read the resident memory that the series cost.
  await new Promise((r) => setTimeout(r, 2000));
  const rss = rssBytes(server.pid) - rss0;
  agent.destroy();
  latencies.sort();
  return {
    server: server.name,
    samples: w.series * w.rounds,
    seconds,
    p50: latencies[Math.floor(latencies.length * 0.5)]!,
    p99: latencies[Math.floor(latencies.length * 0.99)]!,
    cpu,
    rss,
    errors,
  };
}

function row(r: Result, w: Workload, ref?: Result): string {
  const rate = r.samples / r.seconds;
  const ratio = ref ? ` ${(rate / (ref.samples / ref.seconds)).toFixed(2)}×` : '';
  return [
    r.server.padEnd(16),
    `${w.series}×${w.rounds}`.padEnd(11),
    `${Math.round(rate).toLocaleString('en-US')}/s${ratio}`.padEnd(22),
    `${r.p50.toFixed(1)} / ${r.p99.toFixed(1)} ms`.padEnd(20),
    `${((r.cpu / r.samples) * 1e6).toFixed(2)} µs`.padEnd(12),
    `${(r.rss / w.series).toFixed(0)} B`.padEnd(10),
    String(r.errors),
  ].join(' | ');
}

async function main(): Promise<void> {
  const connections = Number(args.connections ?? 4);
  const batch = Number(args.batch ?? 2000);
  const workloads: Workload[] = args.series
    ? [{ series: Number(args.series), rounds: Number(args.rounds ?? 30), batch, connections }]
    : [
        { series: 100_000, rounds: 30, batch, connections },
        { series: 1_000_000, rounds: 5, batch, connections },
      ];
  const withPrometheus = hasPrometheus() && args.only !== 'promwasm';
  if (!withPrometheus) console.log('prometheus not installed (or --only=promwasm): measuring promwasm alone\n');
  console.log('server           | workload    | samples/s (vs prom)    | p50 / p99 latency    | CPU/sample   | RSS/series | errors');
  for (const w of workloads) {
    const reqs = prepareRequests(w);
    const results: Result[] = [];
    if (args.url) {
      const external: ServerUnderTest = { name: 'external', url: args.url, pid: Number(args.pid), dataDir: '', stop: async () => {} };
      console.log(row(await drive(external, reqs, w), w));
      continue;
    }
    const servers = [startPromwasm, ...(withPrometheus ? [startPrometheus] : [])];
    for (const start of servers) {
      const server = await start();
      try {
        results.push(await drive(server, reqs, w));
      } finally {
        await server.stop();
      }
    }
    const ref = results.find((r) => r.server.startsWith('prometheus'));
    for (const r of results) console.log(row(r, w, r === ref ? undefined : ref));
  }
}

await main();
