// The engine's range evaluation against its instant evaluation: a range query must give, at every step,
// exactly what an instant query at that time gives (2.42's harness checks the same). Range queries take the
// column path for range functions over selectors (all steps at once, sliding windows), instant queries the
// per-step path, so this compares the two on seeded data with gaps, resets and staleness markers.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/promql/engine.js';
import { MemoryQueryable } from '../../src/promql/queryable.js';
import { keyOf } from '../../src/promql/value.js';
import { Prng } from '../helpers/prng.js';

const STALE = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;

function data(seed: number): MemoryQueryable {
  const rng = new Prng(seed);
  const q = new MemoryQueryable();
  for (let s = 0; s < 12; s++) {
    const ts: number[] = [];
    const vs: number[] = [];
    let v = rng.int(0, 100);
    for (let t = rng.int(0, 14) * 1000; t < 3_600_000; t += rng.int(1, 40) * 1000) {
      if (rng.chance(0.05)) {
        t += rng.int(5, 20) * 60_000; // a gap longer than the lookback
        continue;
      }
      v = rng.chance(0.03) ? rng.int(0, 10) : v + rng.int(0, 9) + (rng.chance(0.3) ? 0.25 : 0);
      ts.push(t);
      vs.push(rng.chance(0.02) ? NaN : v);
    }
    const values = Float64Array.from(vs);
    for (let i = 0; i < values.length; i++) if (rng.chance(0.03)) values[i] = STALE;
    q.set([{ name: '__name__', value: s % 3 === 0 ? 'gauge' : 'counter' }, { name: 'i', value: String(s) }], Float64Array.from(ts), values);
  }
  return q;
}

const FUNCTIONS = [
  'rate', 'increase', 'delta', 'irate', 'idelta', 'deriv', 'resets', 'changes', 'avg_over_time', 'sum_over_time',
  'count_over_time', 'last_over_time', 'present_over_time', 'max_over_time', 'min_over_time', 'stdvar_over_time',
  'stddev_over_time', 'absent_over_time',
];
const SELECTORS = ['{__name__=~".+"}[5m]', 'counter[2m] offset 1m', 'counter[10m] offset -3m', 'gauge[3m] @ 1800', 'counter[1m]'];
const QUERIES = [
  ...FUNCTIONS.flatMap((f) => SELECTORS.map((sel) => `${f}(${sel})`)),
  ...SELECTORS.flatMap((sel) => [
    `quantile_over_time(0.3, ${sel})`, `predict_linear(${sel}, 120)`, `holt_winters(${sel}, 0.4, 0.6)`,
    `sum by (__name__) (rate(${sel}))`, `max_over_time(${sel.replace(/\[(\d+m)\]/, '[$1:30s]')})`,
    ...['sum', 'avg', 'min', 'max', 'count', 'group'].flatMap((op) => [`${op}(delta(${sel}))`, `${op} without (i) (last_over_time(${sel}))`]),
  ]),
];

function bits(v: number): bigint {
  return new BigUint64Array(Float64Array.of(v).buffer)[0]!;
}

describe('range query = instant query at every step', () => {
  it.each([11, 12])('seed %i', async (seed) => {
    const q = data(seed);
    const engine = new Engine();
    let compared = 0;
    for (const query of QUERIES) {
      const start = 300_000;
      const step = 45_000;
      const matrix = await engine.rangeQuery(q, query, start, 3_900_000, step);
      const byKey = new Map(matrix.map((s) => [keyOf(s.labels), s]));
      for (let t = start; t <= 3_900_000; t += step) {
        const v = await engine.instantQuery(q, query, t);
        if (v.kind !== 'vector') throw new Error(`${query}: ${v.kind}`);
        const atStep = matrix.filter((s) => s.timestamps.includes(t)).length;
        expect(atStep, `${query} at ${t}`).toBe(v.samples.length);
        for (const s of v.samples) {
          const series = byKey.get(keyOf(s.labels));
          const i = series ? series.timestamps.indexOf(t) : -1;
          expect(i, `${query} at ${t}`).toBeGreaterThanOrEqual(0);
          expect(bits(series!.values[i]!), `${query} at ${t}`).toBe(bits(s.v));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(10_000);
  }, 120_000);
});
