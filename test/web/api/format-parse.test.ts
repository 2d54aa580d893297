// The API's value formatting (jsonutil, Go's FormatFloat 'f', MarshalTimestamp, encoding/json strings),
// its parameter parsing (times, durations) with seeded hostile inputs, and the PromQL printer's round trip.

import { describe, expect, it } from 'vitest';
import { parseExpr } from '../../../src/promql/parser.js';
import { goFixed, goJsonString, sampleValueString, timestampJson } from '../../../src/web/api/json.js';
import { MAX_TIME_MS, MIN_TIME_MS, goParseFloat, parseApiDuration, parseTime } from '../../../src/web/api/params.js';
import { exprString, prettyExpr } from '../../../src/web/api/promql-printer.js';
import { Prng } from '../../helpers/prng.js';

describe('value formatting', () => {
  it('sample values as jsonutil.MarshalValue', () => {
    const cases: [number, string][] = [
      [1, '1'], [0.1, '0.1'], [1e-6, '0.000001'], [9.99e-7, '9.99e-07'], [-1.5e-9, '-1.5e-09'], [1e21, '1e+21'],
      [123456789012345680000, '123456789012345680000'], [-0, '-0'], [0, '0'], [NaN, 'NaN'], [Infinity, '+Inf'],
      [-Infinity, '-Inf'], [1.7976931348623157e308, '1.7976931348623157e+308'], [5e-324, '5e-324'], [1234567.5, '1234567.5'],
    ];
    for (const [v, want] of cases) expect(sampleValueString(v), String(v)).toBe(want);
  });

  it("scalars as FormatFloat(v, 'f', -1, 64)", () => {
    expect(goFixed(1e21)).toBe('1000000000000000000000');
    expect(goFixed(1.5e-8)).toBe('0.000000015');
    expect(goFixed(-2.5e22)).toBe('-25000000000000000000000');
    expect(goFixed(1e-7)).toBe('0.0000001');
    expect(goFixed(-0)).toBe('-0');
    expect(goFixed(12.75)).toBe('12.75');
  });

  it('timestamps as MarshalTimestamp', () => {
    expect([0, 1000, 1500, 1005, 1050, -1500, -5, 1_700_000_000_123].map(timestampJson)).toEqual([
      '0', '1', '1.500', '1.005', '1.050', '-1.500', '-0.005', '1700000000.123',
    ]);
  });

  it("strings as Go's encoding/json", () => {
    expect(goJsonString('a<b>&c')).toBe('"a\\u003cb\\u003e\\u0026c"');
    expect(goJsonString('q"\\\n\r\t\b\f\u0001\u007f')).toBe('"q\\"\\\\\\n\\r\\t\\u0008\\u000c\\u0001\u007f"');
    expect(goJsonString('\u2028\u2029é')).toBe('"\\u2028\\u2029é"');
    const rng = new Prng(7);
    for (let i = 0; i < 500; i++) {
      const s = String.fromCharCode(...Array.from({ length: rng.int(0, 12) }, () => rng.int(0, 0x3000)));
      expect(JSON.parse(goJsonString(s))).toBe(s);
    }
  });
});

describe('parameters', () => {
  it('times: unix seconds (Go float syntax) and RFC3339, as milliseconds', () => {
    expect(parseTime('1.5')).toBe(1500);
    expect(parseTime('1e3')).toBe(1_000_000);
    expect(parseTime('0x10p0')).toBe(16_000);
    expect(parseTime('1.0006')).toBe(1001);
    expect(parseTime('-1.5')).toBe(-1500);
    expect(parseTime('2023-11-14T22:13:20Z')).toBe(1_700_000_000_000);
    expect(parseTime('2023-11-14T23:13:20.123456789+01:00')).toBe(1_700_000_000_123);
    expect(parseTime('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    expect(parseTime('-292273086-05-16T16:47:06Z')).toBe(MIN_TIME_MS);
    expect(parseTime('292277025-08-18T07:12:54.999999999Z')).toBe(MAX_TIME_MS);
    for (const bad of ['', 'now', 'inf', 'NaN', '1e400', '2023-02-29T00:00:00Z', '2023-11-14 22:13:20Z', '2023-11-14T24:00:00Z', '1_000', '9e300']) {
      expect(() => parseTime(bad), bad).toThrow(`cannot parse ${JSON.stringify(bad)} to a valid timestamp`);
    }
  });

  it('durations: float seconds or Prometheus durations, in exact nanoseconds', () => {
    expect(parseApiDuration('1.5')).toBe(1_500_000_000n);
    expect(parseApiDuration('5m')).toBe(300_000_000_000n);
    expect(parseApiDuration('1h30m')).toBe(5_400_000_000_000n);
    expect(parseApiDuration('-2')).toBe(-2_000_000_000n);
    expect(parseApiDuration('NaN')).toBe(-(1n << 63n));
    expect(() => parseApiDuration('1e10')).toThrow('cannot parse "1e10" to a valid duration. It overflows int64');
    expect(() => parseApiDuration('5 m')).toThrow('cannot parse "5 m" to a valid duration');
    expect(goParseFloat('+Infinity')).toBe(Infinity);
    expect(goParseFloat('+nan')).toBeUndefined();
  });

  it('seeded hostile inputs: a value or a clear error, never a crash or a hang', () => {
    const rng = new Prng(99);
    const alphabet = '0123456789.eE+-xXpPT:Zinfatys_ ';
    for (let i = 0; i < 5000; i++) {
      const s = Array.from({ length: rng.int(0, 24) }, () => alphabet[rng.int(0, alphabet.length - 1)]).join('');
      try {
        const t = parseTime(s);
        expect(Number.isSafeInteger(t) || t === MIN_TIME_MS || t === MAX_TIME_MS, s).toBe(true);
      } catch (e) {
        expect((e as Error).message, s).toMatch(/^cannot parse ".*" to a valid timestamp$/s);
      }
      try {
        expect(typeof parseApiDuration(s)).toBe('bigint');
      } catch (e) {
        expect((e as Error).message, s).toMatch(/^cannot parse ".*" to a valid duration/s);
      }
    }
  });
});

describe('PromQL printer', () => {
  const queries = [
    'sum by (job) (rate(http_requests_total{code=~"5..",job!="x"}[5m] offset 1m))',
    'a + on (x) group_left (y) b * ignoring (z) c',
    '-foo @ 1700000000.5 > bool 2 unless bar',
    'max_over_time(deriv(rate(x[1m])[5m:30s] @ end())[1h:] offset -1d)',
    'topk(3, x) or count_values("v", y) and quantile without (a) (0.9, z)',
    'label_replace(x, "a\\"b\\n", \'$1\', `c`, "(.*)")',
    '1e-07 + Inf - NaN / 0x10',
    '((x))',
  ];

  it('prints what parses back to the same print', () => {
    for (const q of queries) {
      const once = exprString(parseExpr(q));
      expect(exprString(parseExpr(once)), q).toBe(once);
      expect(prettyExpr(parseExpr(q)), q).toBe(once); // all shorter than 100 characters
    }
  });

  it('splits long expressions with two spaces per level', () => {
    const long = `sum by (job) (rate(${'x'.repeat(60)}{a="${'b'.repeat(30)}"}[5m]))`;
    expect(prettyExpr(parseExpr(long))).toBe(`sum by (job) (\n  rate(\n    ${'x'.repeat(60)}{a="${'b'.repeat(30)}"}[5m]\n  )\n)`);
  });
});
