// Bad input and limits: every query Prometheus 2.42 refuses gets its message (a table captured from a real
// 2.42 server), seeded random queries never crash or hang the parser or the engine, and the engine's
// limits (max samples, timeout, cancellation) stop queries with 2.42's errors.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/promql/engine.js';
import { parseExpr, PromQLParseError } from '../../src/promql/parser.js';
import { MemoryQueryable } from '../../src/promql/queryable.js';
import {
  PromQLExecutionError, QueryCanceledError, QueryTimeoutError, TooManySamplesError,
} from '../../src/promql/index.js';
import { Prng } from '../helpers/prng.js';

interface Table {
  errors: { query: string; errorType: string; error: string }[];
  accepted: { query: string; resultType: string }[];
}
const table = JSON.parse(readFileSync(new URL('../fixtures/promql/query-errors.json', import.meta.url), 'utf8')) as Table;

function storage(series = 3, samples = 100): MemoryQueryable {
  const q = new MemoryQueryable();
  for (let s = 0; s < series; s++) {
    const ts = Float64Array.from({ length: samples }, (_, i) => i * 15_000);
    const vs = Float64Array.from({ length: samples }, (_, i) => i * (s + 1));
    q.set([{ name: '__name__', value: 'foo' }, { name: 'a', value: String(s) }], ts, vs);
  }
  return q;
}

describe('queries 2.42 refuses', () => {
  const prefix = 'invalid parameter "query": ';
  it.each(table.errors.filter((r) => r.errorType === 'bad_data').map((r) => [r.query, r.error] as const))('%j', (query, error) => {
    let thrown: unknown;
    try {
      parseExpr(query);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(PromQLParseError);
    expect(prefix + (thrown as Error).message).toBe(error);
    expect((thrown as PromQLParseError).errorType).toBe('bad_data');
  });

  it.each(table.errors.filter((r) => r.errorType === 'execution').map((r) => [r.query, r.error] as const))('%j fails when run', async (query, error) => {
    const run = new Engine().instantQuery(storage(), query, 1_000_000);
    await expect(run).rejects.toBeInstanceOf(PromQLExecutionError);
    await expect(run).rejects.toThrow(error);
  });

  it.each(table.accepted.map((r) => [r.query] as const))('%j parses', (query) => {
    expect(() => parseExpr(query)).not.toThrow();
  });

  it('has both kinds of rows', () => {
    expect(table.errors.length).toBeGreaterThan(100);
    expect(table.errors.some((r) => r.errorType === 'execution')).toBe(true);
  });
});

const PIECES = [
  'foo', 'bar', 'sum', 'rate', 'by', 'without', 'on', 'ignoring', 'group_left', 'offset', '@', 'start()', 'end()',
  '(', ')', '{', '}', '[', ']', ',', '=', '!=', '=~', '!~', '"a"', "'b'", '`c`', '"\\', '5m', '1h30m', '0s', '-', '+',
  '*', '/', '%', '^', '==', '>', 'bool', 'and', 'or', 'unless', '1', '0x1f', '1e3', 'Inf', 'NaN', ':', '#', ' ',
  '\n', 'histogram_quantile', 'label_replace', 'topk', 'count_values', 'x', '.5', '[5m:1m]', '[', 'abs', '\u00e9', '\\',
];

const VALID = [
  'sum by (a) (rate(foo[5m]))', 'foo{a=~"1|2"} offset 1m', 'topk(2, foo) and on(a) bar', 'max_over_time(foo[10m:1m])',
  'histogram_quantile(0.9, sum by (le) (rate(foo[5m])))', 'label_replace(foo, "b", "$1", "a", "(.*)")', 'foo @ 100 - foo offset -1m',
];

function randomQuery(rng: Prng): string {
  if (rng.chance(0.5)) {
    const parts: string[] = [];
    const n = rng.int(1, 12);
    for (let i = 0; i < n; i++) parts.push(PIECES[rng.int(0, PIECES.length - 1)]!);
    return parts.join(rng.chance(0.5) ? '' : ' ');
  }
  let q = VALID[rng.int(0, VALID.length - 1)]!;
  const edits = rng.int(1, 4);
  for (let i = 0; i < edits; i++) {
    const at = rng.int(0, q.length);
    const what = rng.int(0, 2);
    if (what === 0) q = q.slice(0, at) + q.slice(at + 1);
    else if (what === 1) q = q.slice(0, at) + PIECES[rng.int(0, PIECES.length - 1)]! + q.slice(at);
    else q = q.slice(0, at) + String.fromCharCode(rng.int(0, 127)) + q.slice(at + 1);
  }
  return q;
}

describe('seeded random queries', () => {
  it.each([1, 2, 3])('seed %i: parse or a PromQLParseError, evaluation or an execution error, quickly', async (seed) => {
    const rng = new Prng(seed);
    const data = storage();
    const engine = new Engine({ timeoutMs: 2000, maxSamples: 100_000 });
    let parsed = 0;
    for (let i = 0; i < 1500; i++) {
      const query = randomQuery(rng);
      let expr;
      try {
        expr = parseExpr(query);
      } catch (e) {
        if (!(e instanceof PromQLParseError)) throw new Error(`${JSON.stringify(query)}: ${String(e)}`);
        expect(e.message).toMatch(/^\d+:\d+: parse error: ./);
        continue;
      }
      parsed++;
      try {
        await engine.instantQuery(data, expr, 1_000_000);
        await engine.rangeQuery(data, expr, 0, 1_200_000, 60_000);
      } catch (e) {
        if (!(e instanceof PromQLExecutionError)) throw new Error(`${JSON.stringify(query)}: ${String(e)}`);
      }
    }
    expect(parsed).toBeGreaterThan(50);
  }, 60_000);
});

describe('query limits', () => {
  it('refuses to hold more samples than maxSamples, as 2.42 words it', async () => {
    const data = storage(10, 200);
    const small = new Engine({ maxSamples: 100 });
    await expect(small.instantQuery(data, 'foo[1h]', 3_000_000)).rejects.toThrow(
      new TooManySamplesError().message,
    );
    await expect(small.rangeQuery(data, 'foo', 0, 2_985_000, 15_000)).rejects.toBeInstanceOf(TooManySamplesError);
    expect(new TooManySamplesError().message).toBe('query processing would load too many samples into memory in query execution');
    // The same queries within the budget.
    const big = new Engine({ maxSamples: 10_000 });
    await expect(big.instantQuery(data, 'foo[1h]', 3_000_000)).resolves.toMatchObject({ kind: 'matrix' });
    await expect(big.rangeQuery(data, 'sum(foo)', 0, 2_985_000, 15_000)).resolves.toHaveLength(1);
  });

  it('stops a long query at its deadline, inside the evaluation', async () => {
    const engine = new Engine({ timeoutMs: 100 });
    const data = storage();
    const started = performance.now();
    // 8.6 billion subquery steps and a trillion range steps: each would run for hours.
    await expect(engine.instantQuery(data, 'max_over_time(foo[100000d:1ms])', 1_000_000)).rejects.toThrow(
      new QueryTimeoutError('expression evaluation').message,
    );
    await expect(engine.rangeQuery(data, 'foo', 0, 1e15, 1000)).rejects.toBeInstanceOf(QueryTimeoutError);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(new QueryTimeoutError('expression evaluation').errorType).toBe('timeout');
  });

  it('stops when the caller aborts, also from a timer while the query runs', async () => {
    const engine = new Engine();
    const data = storage();
    const aborted = new AbortController();
    aborted.abort();
    await expect(engine.instantQuery(data, 'foo', 0, { signal: aborted.signal })).rejects.toThrow('query was canceled in query execution');
    const later = new AbortController();
    setTimeout(() => later.abort(), 50);
    const started = performance.now();
    const run = engine.rangeQuery(data, 'rate(foo[5m])', 0, 1e13, 1000, { signal: later.signal });
    await expect(run).rejects.toBeInstanceOf(QueryCanceledError);
    await expect(run).rejects.toThrow('query was canceled in expression evaluation');
    expect(performance.now() - started).toBeLessThan(5000);
    expect(new QueryCanceledError('expression evaluation').errorType).toBe('canceled');
  });
});
