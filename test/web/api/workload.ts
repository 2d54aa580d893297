// A seeded workload for the query API's end-to-end tests: counters with resets, classic histogram buckets,
// gauges and a series that ends with a staleness marker, one hour at a 15s interval, sent over remote write
// the way Prometheus sends it (one request per timestamp).

import { compressSync } from 'snappy';
import { labelsFromRecord, type Labels } from '../../../src/model/labels.js';
import { encodeLabels, encodeWriteRequest } from '../../helpers/rw-encode.js';
import { Prng } from '../../helpers/prng.js';

export const INTERVAL_MS = 15_000;
export const STEPS = 241; // one hour, both ends included
const STALE_MARKER = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;
const LE = ['0.1', '0.5', '1', '+Inf'];

export interface WorkloadSeries {
  readonly labels: Labels;
  /** One value per step (the stale marker's bits kept in the typed array). */
  readonly values: Float64Array;
  /** Steps at which the series has no sample. */
  readonly missing: ReadonlySet<number>;
}

export interface Workload {
  readonly start: number;
  readonly end: number;
  readonly series: readonly WorkloadSeries[];
}

/** The workload ending at `end` (ms, aligned to the interval). */
export function makeWorkload(end: number, seed = 42): Workload {
  const rng = new Prng(seed);
  const start = end - (STEPS - 1) * INTERVAL_MS;
  const series: WorkloadSeries[] = [];
  const add = (rec: Record<string, string>, values: Float64Array, missing: Set<number> = new Set()): void => {
    series.push({ labels: labelsFromRecord(rec), values, missing });
  };
  for (const job of ['api', 'db', 'web']) {
    for (const instance of ['a:9100', 'b:9100']) {
      for (const code of ['200', '500']) {
        const v = new Float64Array(STEPS);
        let c = rng.int(0, 1000);
        for (let i = 0; i < STEPS; i++) {
          if (rng.chance(0.01)) c = 0; // a counter reset
          c += rng.int(0, code === '200' ? 120 : 7);
          v[i] = c;
        }
        add({ __name__: 'http_requests_total', job, instance, code }, v);
      }
    }
    // Cumulative buckets: each bucket is at least the one below it.
    const buckets = LE.map(() => new Float64Array(STEPS));
    const counts = LE.map(() => 0);
    for (let i = 0; i < STEPS; i++) {
      let below = 0;
      for (let b = 0; b < LE.length; b++) {
        below += rng.int(0, 10);
        counts[b] = counts[b]! + below;
        buckets[b]![i] = counts[b]!;
      }
    }
    LE.forEach((le, b) => add({ __name__: 'request_duration_seconds_bucket', job, le }, buckets[b]!));
  }
  for (const room of ['r1', 'r2', 'r3', 'r4']) {
    const v = new Float64Array(STEPS);
    for (let i = 0; i < STEPS; i++) v[i] = Math.round((15 + rng.next() * 10) * 1000) / 1000;
    add({ __name__: 'temperature_celsius', room }, v);
  }
  // A series that stops halfway: a staleness marker, then nothing.
  const flaky = new Float64Array(STEPS);
  const gone = new Set<number>();
  for (let i = 0; i < STEPS; i++) {
    if (i < 120) flaky[i] = i;
    else if (i === 120) flaky[i] = STALE_MARKER;
    else gone.add(i);
  }
  add({ __name__: 'flaky', instance: 'x' }, flaky, gone);
  return { start, end, series };
}

/** Remote-writes the workload to `url` (…/api/v1/write), one request per timestamp. */
export async function sendWorkload(url: string, w: Workload): Promise<void> {
  const encoded = w.series.map((s) => encodeLabels(s.labels));
  for (let i = 0; i < STEPS; i++) {
    const present = w.series.map((s, k) => ({ s, k })).filter(({ s }) => !s.missing.has(i));
    const values = new Float64Array(present.length);
    present.forEach(({ s }, j) => values.set(s.values.subarray(i, i + 1), j));
    const body = compressSync(Buffer.from(encodeWriteRequest(present.map(({ k }) => encoded[k]!), values, w.start + i * INTERVAL_MS)));
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' },
      body,
    });
    if (res.status !== 204) throw new Error(`remote write to ${url} answered ${res.status}: ${await res.text()}`);
  }
}
