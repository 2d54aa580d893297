// Remote-write decode throughput: the hand-walked decoder (src/remote) against protobufjs
// decoding the same bytes with the same .proto files, in the same process.
//
//   npx tsx bench/remote-decode.bench.ts        (each workload in a child process)
//   npx tsx bench/remote-decode.bench.ts 1      (workload 1 only, its row as JSON)
//
// Workloads (decompressed bodies; snappy is not timed):
//   fixtures      the 31 sample requests (+3 metadata) Prometheus 2.42 sent (500 series × 1 sample)
//   k8s warm      1.0, 2000 series × 1 sample, 6–10 labels: the same series request after request,
//                 as a scraping sender sends them (the label-set cache hits)
//   k8s churn     the same shape, every request with series never seen before (the cache misses)
//   k8s 2.0       the warm workload as 2.0 requests (symbols table)
// Columns: the hand decoder (columnar samples, normalized label sets); protobufjs's decode alone
// (objects per sample, int64 as Long, 2.0 labels still as symbol references); and protobufjs
// followed by what the handler needs from it, normalized label sets per series.
// Each workload is timed in alternating rounds; the table shows the median round.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import snappy from 'snappy';
import { DecodedWriteRequest } from '../src/remote/decoded-request.js';
import { WriteRequestDecoder } from '../src/remote/decoder.js';
import { fixtureBody, fixtureNames } from '../test/remote/fixtures.js';
import { RequestV2, WriteRequestV1 } from '../test/remote/proto-schema.js';
import { encodeV2 } from '../test/remote/v2-requests.js';
import { Prng } from '../test/helpers/prng.js';
import { normalizeLabels } from '../src/remote/series-labels.js';

interface Workload {
  readonly name: string;
  readonly version: 1 | 2;
  readonly bodies: readonly Uint8Array[];
  readonly samples: number;
}

const LABEL_NAMES = ['container', 'endpoint', 'image', 'instance', 'job', 'namespace', 'node', 'pod', 'service'];
const METRICS = [
  'container_cpu_usage_seconds_total', 'container_memory_working_set_bytes', 'container_network_receive_bytes_total',
  'kube_pod_container_status_restarts_total', 'kube_pod_status_phase', 'node_cpu_seconds_total',
  'apiserver_request_duration_seconds_bucket', 'http_requests_total',
];

/** 2000 label sets shaped like a Kubernetes cluster's: a metric name and 5–9 of the usual labels. */
function k8sSeries(rng: Prng, generation: number): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (let i = 0; i < 2000; i++) {
    const labels: Record<string, string> = { __name__: METRICS[i % METRICS.length]! };
    const n = 5 + (i % 5);
    for (const name of LABEL_NAMES.slice(0, n)) {
      labels[name] =
        name === 'pod' ? `api-${generation}-${(i * 7919).toString(36)}-${(rng.nextU32() % 46656).toString(36)}` :
        name === 'instance' ? `10.${(i >> 8) & 255}.${i & 255}.${i % 7}:10250` :
        name === 'namespace' ? `team-${i % 23}` :
        name === 'image' ? `registry.example.com/app/service-${i % 41}:v1.${i % 13}.0` :
        `${name}-${i % 17}`;
    }
    out.push(labels);
  }
  return out;
}

function encodeV1(series: Record<string, string>[], t: number, rng: Prng): Uint8Array {
  const timeseries = series.map((labels) => ({
    labels: Object.entries(labels).map(([name, value]) => ({ name, value })),
    samples: [{ value: rng.next() * 1e6, timestamp: t }],
  }));
  return WriteRequestV1.encode(WriteRequestV1.fromObject({ timeseries })).finish().slice();
}

function workloads(): Workload[] {
  const rng = new Prng(42);
  const fixtures = fixtureNames.map((n) => snappy.uncompressSync(fixtureBody(n), { asBuffer: true }) as Buffer);
  const fixtureSamples = fixtures.reduce((n, b) => n + new WriteRequestDecoder().decode(1, b).sampleCount, 0);
  const steady = k8sSeries(rng, 0);
  const t0 = 1795560000000;
  const warm = Array.from({ length: 10 }, (_, k) => encodeV1(steady, t0 + k * 15000, rng));
  const churn = Array.from({ length: 10 }, (_, k) => encodeV1(k8sSeries(rng, k + 1), t0 + k * 15000, rng));
  const v2 = Array.from({ length: 10 }, (_, k) =>
    encodeV2(steady.map((labels) => ({ labels, samples: [{ value: rng.next() * 1e6, timestamp: t0 + k * 15000 }] }))).slice(),
  );
  return [
    { name: 'fixtures (2.42, 500×1)', version: 1, bodies: fixtures, samples: fixtureSamples },
    { name: 'k8s 1.0 warm (2000×1)', version: 1, bodies: warm, samples: 20000 },
    { name: 'k8s 1.0 churn (2000×1)', version: 1, bodies: churn, samples: 20000 },
    { name: 'k8s 2.0 (2000×1)', version: 2, bodies: v2, samples: 20000 },
  ];
}

interface PbRequest {
  symbols?: string[];
  timeseries: { labels?: { name: string; value: string }[]; labelsRefs?: number[] }[];
}

/** The normalized label set of every series of a protobufjs-decoded request (2.0: symbols resolved). */
function labelSetsOf(version: 1 | 2, req: PbRequest): void {
  const names: string[] = [];
  const values: string[] = [];
  for (const ts of req.timeseries) {
    let n = 0;
    if (version === 1) {
      for (const l of ts.labels!) (names[n] = l.name), (values[n++] = l.value);
    } else {
      const refs = ts.labelsRefs!;
      for (let k = 0; k + 1 < refs.length; k += 2) (names[n] = req.symbols![refs[k]!]!), (values[n++] = req.symbols![refs[k + 1]!]!);
    }
    normalizeLabels(names, values, n);
  }
}

function timeRound(fn: () => void, minMs = 150): number {
  let runs = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    fn();
    runs++;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return elapsed / runs;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** Times one workload; returns its table row. */
function measure(w: Workload): string[] {
  const decoder = new WriteRequestDecoder();
  const out = new DecodedWriteRequest();
  const type = w.version === 1 ? WriteRequestV1 : RequestV2;
  const hand = (): void => {
    for (const b of w.bodies) decoder.decode(w.version, b, out);
  };
  // A "churn" round must meet series the decoder's caches have not seen: a new decoder per round.
  const handChurn = (): void => {
    const fresh = new WriteRequestDecoder();
    for (const b of w.bodies) fresh.decode(w.version, b, out);
  };
  const pbjs = (): void => {
    for (const b of w.bodies) type.decode(b);
  };
  const pbjsLabels = (): void => {
    for (const b of w.bodies) labelSetsOf(w.version, type.decode(b) as unknown as PbRequest);
  };
  const handRound = w.name.includes('churn') ? handChurn : hand;
  for (const f of [handRound, pbjs, pbjsLabels]) timeRound(f);
  const ms: number[][] = [[], [], []];
  for (let round = 0; round < 7; round++) {
    ms[0]!.push(timeRound(handRound));
    ms[1]!.push(timeRound(pbjs));
    ms[2]!.push(timeRound(pbjsLabels));
  }
  const [h, p, pl] = ms.map((m) => w.samples / median(m) / 1000) as [number, number, number];
  const mib = w.bodies.reduce((n, b) => n + b.length, 0) / 2 ** 20;
  return [w.name, String(w.bodies.length), mib.toFixed(2), h.toFixed(2), p.toFixed(2), `${(h / p).toFixed(1)}×`, pl.toFixed(2), `${(h / pl).toFixed(1)}×`];
}

/**
 * Each workload runs in a process of its own: protobufjs's speed depends on what its generated
 * decoders met before (V8 specializes them), which would make the order of workloads matter.
 */
function main(): void {
  const which = process.argv[2];
  if (which !== undefined) {
    process.stdout.write(JSON.stringify(measure(workloads()[Number(which)]!)));
    return;
  }
  const rows: string[][] = [
    ['workload', 'bodies', 'MiB', 'hand Ms/s', 'protobufjs Ms/s', 'ratio', 'protobufjs+labels Ms/s', 'ratio'],
  ];
  const script = fileURLToPath(import.meta.url);
  for (let i = 0; i < workloads().length; i++) {
    const child = spawnSync(process.execPath, [...process.execArgv, script, String(i)], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`workload ${i} failed: ${child.stderr}`);
    rows.push(JSON.parse(child.stdout) as string[]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows) console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
}

main();
