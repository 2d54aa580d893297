import { describe, expect, it } from 'vitest';
import { Matcher, MatcherError, parseSeriesSelector, SelectorParseError } from '../../src/model/matchers.js';

const show = (ms: Matcher[]): string[] => ms.map(String);

describe('Matcher', () => {
  it('matches =, !=, =~, !~ with missing labels as ""', () => {
    expect(new Matcher('=', 'a', 'x').matches('x')).toBe(true);
    expect(new Matcher('=', 'a', '').matches('')).toBe(true);
    expect(new Matcher('!=', 'a', 'x').matches('')).toBe(true);
    expect(new Matcher('=~', 'a', 'x|y').matches('y')).toBe(true);
    expect(new Matcher('!~', 'a', 'x|y').matches('y')).toBe(false);
  });

  it('anchors regular expressions at both ends', () => {
    const m = new Matcher('=~', 'a', 'foo');
    expect(m.matches('foo')).toBe(true);
    expect(m.matches('foobar')).toBe(false);
    expect(m.matches('xfoo')).toBe(false);
    expect(new Matcher('=~', 'a', 'a|b').matches('ab')).toBe(false);
  });

  it('follows RE2: `.` does not match a newline unless (?s); `$` is the end of text', () => {
    expect(new Matcher('=~', 'a', '.*').matches('multi\nline')).toBe(false);
    expect(new Matcher('=~', 'a', '(?s:.*)').matches('multi\nline')).toBe(true);
    expect(new Matcher('=~', 'a', 'x').matches('x\n')).toBe(false);
    expect(new Matcher('=~', 'a', 'caf.').matches('café')).toBe(true);
    expect(new Matcher('=~', 'a', '..').matches('🚀x')).toBe(true); // one code point, not two UTF-16 units
  });

  it('rejects bad regular expressions, and (?<name>) which Go 1.19 does not know', () => {
    expect(() => new Matcher('=~', 'a', 'a(')).toThrow(MatcherError);
    expect(() => new Matcher('=~', 'a', '(?<n>a)')).toThrow(/invalid or unsupported Perl syntax/);
    expect(new Matcher('=~', 'a', '(?P<n>a)').matches('a')).toBe(true);
    expect(new Matcher('=~', 'a', '[(?<]').matches('<')).toBe(true);
    expect(new Matcher('=~', 'a', '\\Q(?<\\E').matches('(?<')).toBe(true);
    expect(() => new Matcher('=~', 'a', 'a)|(b')).toThrow(MatcherError); // cannot break out of the anchoring group
  });

  it('inverts', () => {
    expect(String(new Matcher('=~', 'a', 'x').inverse())).toBe('a!~"x"');
    expect(String(new Matcher('!=', 'a', 'x').inverse())).toBe('a="x"');
  });
});

describe('parseSeriesSelector (parser.ParseMetricSelector)', () => {
  it.each([
    ["{__name__=~'(?s:.*)'}", ['__name__=~"(?s:.*)"']],
    ['up', ['__name__="up"']],
    ['metric{a="b"}', ['a="b"', '__name__="metric"']],
    ['{__name__=~"shop_.*", job!="x"}', ['__name__=~"shop_.*"', 'job!="x"']],
    ['job:rate5m:sum{ a != "1" , b!~"2",}', ['a!="1"', 'b!~"2"', '__name__="job:rate5m:sum"']],
    ['{}', []],
    ['{a=""}', ['a=""']],
    ['sum', ['__name__="sum"']],
    ['SUM{x="y"}', ['x="y"', '__name__="SUM"']],
    ['x{__name__="y"}', ['__name__="y"', '__name__="x"']],
    ['x # a comment', ['__name__="x"']],
    ['{a="1", # inside\n b="2"}', ['a="1"', 'b="2"']],
    ['{a=`raw\\n"`}', ['a="raw\\\\n\\""']],
    ["{a='it\\'s'}", ['a="it\'s"']],
    ['{a="\\a\\b\\f\\n\\r\\t\\v\\\\\\""}', ['a="\\a\\b\\f\\n\\r\\t\\v\\\\\\""']],
    ['{a="\\x41\\101\\u00e9\\U0001F680"}', ['a="AAé🚀"']],
    ['{a="\\xc3\\xa9"}', ['a="é"']], // byte escapes build UTF-8
    ['{on="x", by="y"}', ['on="x"', 'by="y"']],
  ])('%s', (input, expected) => {
    expect(show(parseSeriesSelector(input))).toEqual(expected);
  });

  it.each([
    ['on', '1:1: parse error: unexpected <on>'],
    ['inf', 'unexpected number "inf"'],
    ['x{', 'unexpected end of input inside braces'],
    ['{,}', 'unexpected "," in label matching, expected identifier or "}"'],
    ['{a="b" c="d"}', 'expected "," or "}"'],
    ['{a}', 'expected label matching operator'],
    ['{a=b}', 'expected string'],
    ['{a="b}', 'unterminated quoted string'],
    ['{a="b\nc"}', 'unterminated quoted string'],
    ['{a=`b}', 'unterminated raw string'],
    ['{a="\\q"}', "unknown escape sequence U+0071 'q'"],
    ['{a="\\\'"}', "unknown escape sequence U+0027 '''"],
    ['{a="\\x4"}', 'illegal character U+0022 \'"\' in escape sequence'],
    ['{a="\\777"}', 'invalid Unicode code point'],
    ['{a="\\ud800"}', 'invalid Unicode code point'],
    ['{a="\\xff"}', 'not valid UTF-8'],
    ['{a=~"("}', 'error parsing regexp'],
    ['{a!"b"}', "unexpected character after '!' inside braces"],
    ['x y', 'unexpected character'],
    ['', 'unexpected end of input'],
    ['{a="b"}}', 'unexpected character'],
  ])('rejects %j', (input, message) => {
    expect(() => parseSeriesSelector(input)).toThrow(SelectorParseError);
    expect(() => parseSeriesSelector(input)).toThrow(message);
  });
});

describe('parseSeriesSelector on generated input', () => {
  it('reads back any matcher list written with Go quoting (seeded)', async () => {
    const { goQuote } = await import('../../src/format/go-quote.js');
    const { Prng } = await import('../helpers/prng.js');
    const rng = new Prng(4242);
    const alphabet = ['a', 'Z', '_', '0', ' ', '"', "'", '\\', '\n', '\t', 'é', '東', '🚀', '\u00a0', '\u200d', '\x00', '\x7f', '{', '}', ','];
    const types = ['=', '!=', '=~', '!~'] as const;
    for (let n = 0; n < 2000; n++) {
      const count = rng.int(1, 4);
      const ms: Matcher[] = [];
      for (let i = 0; i < count; i++) {
        const name = rng.pick(['a', 'job', '__name__', 'x_1', 'ON']);
        const type = rng.pick(types);
        let value = '';
        for (let k = rng.int(0, 8); k > 0; k--) value += rng.pick(alphabet);
        if (type === '=~' || type === '!~') value = value.replace(/[\\()[\]{}*+?|^$.]/g, '\\$&');
        ms.push(new Matcher(type, name, value));
      }
      const text = '{' + ms.map((m) => `${m.name}${m.type}${goQuote(m.value)}`).join(rng.pick([',', ', ', ' ,\n'])) + '}';
      expect(show(parseSeriesSelector(text))).toEqual(show(ms));
    }
  });

  it('never fails with anything but a SelectorParseError on random input (seeded)', async () => {
    const { Prng } = await import('../helpers/prng.js');
    const rng = new Prng(99);
    const pieces = ['{', '}', 'a', 'job', '=', '!=', '=~', '!~', '"', "'", '`', '\\', 'x', '\\x4', '\\u12', ',', ' ', '\n', '#', '(', ')', '*', 'é', '🚀', ':'];
    for (let n = 0; n < 20_000; n++) {
      let s = '';
      for (let k = rng.int(0, 12); k > 0; k--) s += rng.pick(pieces);
      try {
        parseSeriesSelector(s);
      } catch (e) {
        if (!(e instanceof SelectorParseError)) expect.fail(`seed 99 case ${n}: ${JSON.stringify(s)} threw ${String(e)}`);
      }
    }
  });
});
