// Table tests of both parsers: what Prometheus 2.42 accepts, what it refuses (with its own messages),
// escapes, timestamps, special floats, exemplars and the EOF rules. The accept/refuse and message facts
// were checked against a real 2.42 scrape (see prometheus-diff.test.ts, which re-checks many of them).

import { describe, expect, it } from 'vitest';
import { createParser, Entry, expositionFormatFor, TextParseError, UnsupportedFormatError } from '../../src/textparse/index.js';
import { OPENMETRICS_REFUSALS, TEXT_METADATA_REFUSALS, TEXT_SAMPLE_REFUSALS } from './cases.js';
import { OPENMETRICS, TEXT, bitsOf, parseAll, parseError, seriesOf } from './helpers.js';

const GO_NAN = '7ff8000000000001';

function only(body: string, ct = TEXT) {
  const s = seriesOf(parseAll(body, ct));
  expect(s).toHaveLength(1);
  return s[0]!;
}

function labelsOf(body: string, ct = TEXT): Record<string, string> {
  return Object.fromEntries(only(body, ct).labels.map((l) => [l.name, l.value]));
}

function reason(body: string | Uint8Array, ct = TEXT): string | undefined {
  const e = parseError(body, ct);
  if (e && !(e instanceof TextParseError)) throw e;
  return e?.reason;
}

describe('parser selection (textparse.New)', () => {
  it.each([
    [undefined, 'prometheus-text'],
    ['', 'prometheus-text'],
    ['text/plain; version=0.0.4; charset=utf-8', 'prometheus-text'],
    ['application/openmetrics-text; version=1.0.0; charset=utf-8', 'openmetrics'],
    ['application/openmetrics-text', 'openmetrics'],
    ['APPLICATION/OpenMetrics-Text ; version=0.0.1;', 'openmetrics'],
    ['application/openmetrics-text; version', 'prometheus-text'],
    ['application/openmetrics-text; a=1; a=2', 'prometheus-text'],
    ['application/openmetrics-text; a="unterminated', 'prometheus-text'],
    ['application/openmetrics-text/x', 'prometheus-text'],
    ['text/html', 'prometheus-text'],
    ['application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited', 'protobuf'],
  ] as const)('%s -> %s', (ct, format) => {
    expect(expositionFormatFor(ct)).toBe(format);
  });

  it('refuses the protobuf format with a clear error', () => {
    expect(() => createParser(new Uint8Array(), 'application/vnd.google.protobuf')).toThrow(UnsupportedFormatError);
  });
});

describe('text format 0.0.4', () => {
  it('reads metadata, comments and samples', () => {
    const entries = parseAll('# HELP m Some help.\n# TYPE m counter\n# a comment\n#also\nm{a="1"} 2 1000\n\nm 3\n', TEXT);
    expect(entries).toEqual([
      { kind: 'help', name: 'm', help: 'Some help.' },
      { kind: 'type', name: 'm', type: 'counter' },
      { kind: 'comment', text: '# a comment' },
      { kind: 'comment', text: '#also' },
      expect.objectContaining({ kind: 'series', key: 'm{a="1"}', labels: [{ name: '__name__', value: 'm' }, { name: 'a', value: '1' }], value: 2, ts: 1000 }),
      expect.objectContaining({ kind: 'series', key: 'm', value: 3 }),
    ]);
    expect(entries[5]).not.toHaveProperty('ts');
  });

  it.each([
    ['counter', 'counter'],
    ['gauge', 'gauge'],
    ['histogram', 'histogram'],
    ['summary', 'summary'],
    ['untyped', 'unknown'],
  ])('TYPE %s', (word, type) => {
    expect(parseAll(`# TYPE m ${word}\n`, TEXT)).toEqual([{ kind: 'type', name: 'm', type }]);
  });

  it.each(TEXT_METADATA_REFUSALS)('refuses %j', (body, why) => {
    expect(reason(body)).toBe(why);
  });

  it('sorts labels by name and keeps duplicates in input order', () => {
    expect(only('m{b="2",a="1",B="3",b="4"} 1').labels).toEqual([
      { name: 'B', value: '3' },
      { name: '__name__', value: 'm' },
      { name: 'a', value: '1' },
      { name: 'b', value: '2' },
      { name: 'b', value: '4' },
    ]);
  });

  it('unescapes only \\\\, \\" and \\n in label values and keeps every other escape', () => {
    expect(labelsOf(String.raw`m{a="x\\y\"z\nw\t\q",b="\\n",c="\\\"",d="\\"} 1`)).toEqual({
      __name__: 'm', a: 'x\\y"z\nw\\t\\q', b: '\\n', c: '\\"', d: '\\',
    });
  });

  it('unescapes \\\\ and \\n in HELP and keeps \\"', () => {
    expect(parseAll('# HELP m a\\\\b\\nc\\"d\\t\n', TEXT)).toEqual([{ kind: 'help', name: 'm', help: 'a\\b\nc\\"d\\t' }]);
  });

  it('keeps what follows the name in HELP/TYPE after dropping one byte', () => {
    expect(parseAll('# HELP m  two spaces\n# HELP m-dash\n# HELP m\n# HELP m   \n', TEXT)).toEqual([
      { kind: 'help', name: 'm', help: ' two spaces' },
      { kind: 'help', name: 'm', help: 'dash' },
      { kind: 'help', name: 'm', help: '' },
      { kind: 'help', name: 'm', help: '' },
    ]);
  });

  it('reads UTF-8 label values and raw newlines inside them', () => {
    expect(labelsOf('m{a="Küche ☕ 東京 🚀",b="x\ny"} 1')).toEqual({ __name__: 'm', a: 'Küche ☕ 東京 🚀', b: 'x\ny' });
  });

  it('refuses invalid UTF-8 in label values and HELP', () => {
    expect(reason(Buffer.from([...Buffer.from('m{a="'), 0xff, ...Buffer.from('"} 1\n')]))).toBe('invalid UTF-8 label value');
    expect(reason(Buffer.from([...Buffer.from('m{a="'), 0xed, 0xa0, 0x80, ...Buffer.from('"} 1\n')]))).toBe('invalid UTF-8 label value');
    expect(reason(Buffer.from([...Buffer.from('# HELP m x'), 0xc3, ...Buffer.from('\n')]))).toBe('help text is not a valid utf8 string');
  });

  it('accepts blanks and tabs around tokens, a trailing comma, {} and a value right after }', () => {
    expect(labelsOf('m \t{ a = "1" ,\tb="2", } \t 7 \t 123 \t\n')).toEqual({ __name__: 'm', a: '1', b: '2' });
    expect(only('m{} 1').key).toBe('m{}');
    expect(only('m{a="b"}1').value).toBe(1);
  });

  it('appends the missing final newline', () => {
    expect(only('m 5').value).toBe(5);
    expect(only('m 5 42').ts).toBe(42);
  });

  it('keeps blanks before a metric name in the name (the scrape loop refuses it)', () => {
    const s = only('   lws_m{a="1"} 1\n');
    expect(s.labels[0]).toEqual({ name: '__name__', value: '   lws_m' });
    expect(s.key).toBe('   lws_m{a="1"}');
  });

  it('gives each distinct series text its own key', () => {
    const s = seriesOf(parseAll('m{a="1"} 1\nm{ a="1"} 1\nm{a="1",} 1\n', TEXT));
    expect(new Set(s.map((x) => x.key)).size).toBe(3);
    expect(new Set(s.map((x) => JSON.stringify(x.labels))).size).toBe(1);
  });

  it('treats a NUL at the start of a token in a line as the end of the input', () => {
    expect(seriesOf(parseAll('a 1\n\0b 2\n', TEXT))).toHaveLength(1);
    expect(seriesOf(parseAll('a 1\n#x\0y\nb 2\n', TEXT))).toHaveLength(1);
    expect(seriesOf(parseAll('a 1\n# x\0y\nb 2\n', TEXT))).toHaveLength(2); // skipped inside a `# ` comment
  });

  it('steps over NULs after a closing quote and keeps them in the value, as 2.42 stores it', () => {
    expect(labelsOf('m{a="x"\0\0,b="y"} 1\n')).toEqual({ __name__: 'm', a: 'x"\0', b: 'y' });
  });

  it.each(TEXT_SAMPLE_REFUSALS)('refuses %j', (body, why) => {
    expect(reason(body)).toBe(why);
  });

  it('reports the line and column of an error', () => {
    const e = parseError('a 1\nb 2\nccc{x="ü",y=1} 3\n', TEXT) as TextParseError;
    expect(e).toBeInstanceOf(TextParseError);
    expect(e.reason).toBe('expected label value, got "INVALID"');
    expect([e.line, e.column, e.offset]).toEqual([3, 13, 21]);
    expect(e.message).toBe('expected label value, got "INVALID" (line 3, column 13)');
  });

  it('reads timestamps as int64 milliseconds', () => {
    expect(only('m 1 0').ts).toBe(0);
    expect(only('m 1 0001795560710334').ts).toBe(1795560710334);
    expect(only('m 1 9223372036854775807').ts).toBe(9223372036854775807);
  });
});

describe('sample values (Go ParseFloat minus p, P and _)', () => {
  it.each([
    ['1', 1],
    ['-0.25', -0.25],
    ['+7', 7],
    ['00012', 12],
    ['5.', 5],
    ['.5', 0.5],
    ['-.25', -0.25],
    ['1.5e3', 1500],
    ['1.5E+03', 1500],
    ['6E0', 6],
    ['3.0e-2', 0.03],
    ['0.10000000000000001', 0.1],
    ['0.30000000000000004', 0.30000000000000004],
    ['123456789012345678901234567890', 1.2345678901234568e29],
    ['9007199254740993', 9007199254740992],
    ['1e308', 1e308],
    ['1.7976931348623157e308', 1.7976931348623157e308],
    ['4.9e-324', 5e-324],
    ['2.2250738585072011e-308', 2.225073858507201e-308],
    ['1e-400', 0],
    ['0e999999999999', 0],
    ['Inf', Infinity],
    ['+Inf', Infinity],
    ['-inf', -Infinity],
    ['Infinity', Infinity],
    ['-iNfInItY', -Infinity],
  ])('%s', (text, value) => {
    expect(only(`m ${text}`).value).toBe(value);
    expect(only(`m ${text}\n# EOF\n`, OPENMETRICS).value).toBe(value);
  });

  it('keeps negative zero', () => {
    for (const z of ['-0', '-0.0', '-0e10', '-1e-400']) expect(only(`m ${z}`).bits).toBe('8000000000000000');
  });

  it("stores every NaN as Go's NaN 0x7ff8000000000001, in both formats and in exemplars", () => {
    for (const n of ['NaN', 'nan', 'nAN']) {
      expect(only(`m ${n}`).bits).toBe(GO_NAN);
      expect(only(`m ${n}\n# EOF\n`, OPENMETRICS).bits).toBe(GO_NAN);
    }
    const ex = only('a_total 1 # {} NaN\n# EOF\n', OPENMETRICS).exemplar!;
    expect(bitsOf(ex.value)).toBe(GO_NAN);
  });

  it.each([
    ['0x1', 'strconv.ParseFloat: parsing "0x1": invalid syntax'],
    ['0x1p3', 'unsupported character in float'],
    ['1_000', 'unsupported character in float'],
    ['1e400', 'strconv.ParseFloat: parsing "1e400": value out of range'],
    ['-1e400', 'strconv.ParseFloat: parsing "-1e400": value out of range'],
    ['+nan', 'strconv.ParseFloat: parsing "+nan": invalid syntax'],
    ['infin', 'strconv.ParseFloat: parsing "infin": invalid syntax'],
    ['1e', 'strconv.ParseFloat: parsing "1e": invalid syntax'],
    ['1e+', 'strconv.ParseFloat: parsing "1e+": invalid syntax'],
    ['.', 'strconv.ParseFloat: parsing ".": invalid syntax'],
    ['1.2.3', 'strconv.ParseFloat: parsing "1.2.3": invalid syntax'],
    ['0b1', 'strconv.ParseFloat: parsing "0b1": invalid syntax'],
    ['１', 'strconv.ParseFloat: parsing "１": invalid syntax'],
  ])('refuses %s', (text, why) => {
    expect(reason(`m ${text}\n`)).toBe(why);
    expect(reason(`m ${text}\n# EOF\n`, OPENMETRICS)).toBe(why);
  });

  it('quotes invalid UTF-8 in error messages as Go does', () => {
    expect(reason(Buffer.from([0x6d, 0x20, 0x31, 0xff, 0x0a]))).toBe('strconv.ParseFloat: parsing "1\\xff": invalid syntax');
  });
});

describe('OpenMetrics 1.0', () => {
  it('reads metadata, units, exemplars and float-second timestamps', () => {
    const entries = parseAll(
      '# TYPE a counter\n# UNIT a_seconds seconds\n# HELP a h\\"i\\\\\\n\na_total{x="1"} 1 1600000000.5 # {trace_id="abc"} 0.5 1600000000.25\na_total 2 # {} 3\n# EOF\n',
      OPENMETRICS,
    );
    expect(entries).toEqual([
      { kind: 'type', name: 'a', type: 'counter' },
      { kind: 'unit', name: 'a_seconds', unit: 'seconds' },
      { kind: 'help', name: 'a', help: 'h"i\\\n' },
      expect.objectContaining({ key: 'a_total{x="1"}', value: 1, ts: 1600000000500, exemplar: { labels: [{ name: 'trace_id', value: 'abc' }], value: 0.5, hasTimestamp: true, timestamp: 1600000000250 } }),
      expect.objectContaining({ key: 'a_total', value: 2, exemplar: { labels: [], value: 3, hasTimestamp: false, timestamp: 0 } }),
    ]);
  });

  it('converts timestamps with int64(seconds * 1000)', () => {
    const ts = (t: string) => only(`m 1 ${t}\n# EOF\n`, OPENMETRICS).ts;
    expect(ts('1.001')).toBe(1000);
    expect(ts('1.005')).toBe(1004);
    expect(ts('1686735433.242964')).toBe(1686735433242);
    expect(ts('-1.5')).toBe(-1500);
    expect(ts('1.5e3')).toBe(1500000);
    expect(ts('-0.0001')).toBe(0);
    expect(ts('1e300')).toBe(-(2 ** 63)); // amd64's conversion of an out-of-range float
    expect(ts('12345678901234567890.1234567890')).toBe(-(2 ** 63));
  });

  it('does not unescape exemplar label values (2.42 passes them through)', () => {
    expect(only('a_total 1 # {b="x\\"y\\n"} 1\n# EOF\n', OPENMETRICS).exemplar!.labels).toEqual([{ name: 'b', value: 'x\\"y\\n' }]);
  });

  it('resets exemplar and timestamp state between samples', () => {
    const [a, b] = seriesOf(parseAll('a_total 1 5 # {x="1"} 1 2\na_total 2\n# EOF\n', OPENMETRICS));
    expect(a!.exemplar).toBeDefined();
    expect(b!.exemplar).toBeUndefined();
    expect(b).not.toHaveProperty('ts');
  });

  it.each([
    ['# EOF', 0],
    ['# EOF\n', 0],
    ['m 1\n# EOF', 1],
  ])('accepts %j', (body, n) => {
    expect(seriesOf(parseAll(body, OPENMETRICS))).toHaveLength(n);
  });

  it.each(OPENMETRICS_REFUSALS)('refuses %j', (body, why) => {
    expect(reason(body, OPENMETRICS)).toBe(why);
  });

  it('accepts an empty HELP and UNIT, {} and NULs where 2.42 steps over them', () => {
    expect(parseAll('# HELP a \n# UNIT a \nm{} 1\n# EOF\n', OPENMETRICS)).toEqual([
      { kind: 'help', name: 'a', help: '' },
      { kind: 'unit', name: 'a', unit: '' },
      expect.objectContaining({ key: 'm{}', value: 1 }),
    ]);
    expect(parseAll('# HELP a he\0lp\n# E\0OF\n', OPENMETRICS)).toEqual([{ kind: 'help', name: 'a', help: 'he\0lp' }]);
  });

  it('reports positions in the body', () => {
    const e = parseError('a 1\nb 2 x\n# EOF\n', OPENMETRICS) as TextParseError;
    expect([e.reason, e.line, e.column]).toEqual(['strconv.ParseFloat: parsing "x": invalid syntax', 2, 5]);
  });
});

describe('the cursor', () => {
  it('keeps returning Eof at the end and after', () => {
    const p = createParser(Buffer.from('m 1\n'), TEXT);
    expect(p.next()).toBe(Entry.Series);
    expect(p.next()).toBe(Entry.Eof);
    expect(p.next()).toBe(Entry.Eof);
  });

  it('exposes the series byte range and the metric name without allocating labels', () => {
    const p = createParser(Buffer.from('# TYPE x gauge\nx{a="b"} 1\n'), TEXT);
    p.next();
    p.next();
    expect([p.seriesStart, p.seriesEnd, p.metricName()]).toEqual([15, 23, 'x']);
  });

  it('reads a body with many labels (buffers grow)', () => {
    const labels = Array.from({ length: 40 }, (_, i) => `l${i}="${'v'.repeat(i)}"`).join(',');
    const s = only(`m{${labels}} 1`);
    expect(s.labels).toHaveLength(41);
    expect(s.labels.find((l) => l.name === 'l39')!.value).toBe('v'.repeat(39));
  });
});
