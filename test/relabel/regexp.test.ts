import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { AnchoredRegexp, RegexpError } from '../../src/relabel/index.js';
import { Prng } from '../helpers/prng.js';

function compileError(source: string): string | null {
  try {
    AnchoredRegexp.compile(source);
    return null;
  } catch (err) {
    if (err instanceof RegexpError) return err.message;
    throw err;
  }
}

describe('anchoring', () => {
  it.each([
    ['foo', 'foo', true],
    ['foo', 'xfoo', false],
    ['foo', 'foox', false],
    ['f|o', 'foo', false],
    ['f|o', 'o', true],
    ['a|b', 'ab', false],
    ['.*', 'a\nb', false],
    ['(?s).*', 'a\nb', true],
    ['(?m)^a$', 'a\na', false], // flags inside the group do not reach the outer anchors
    ['', '', true],
    ['', 'x', false],
    ['a)|(b', 'xxb', true], // escapes its anchors: ^(?:a)|(b)$, exactly as Go compiles it
    ['a)|(b', 'axx', true],
    ['a)|(b', 'xax', false],
  ])('%j matches %j: %s', (re, input, want) => {
    expect(AnchoredRegexp.compile(re).matches(input)).toBe(want);
  });

  it('keeps the source as written', () => {
    expect(AnchoredRegexp.compile('a|b').source).toBe('a|b');
    expect(String(AnchoredRegexp.compile('(.*)'))).toBe('(.*)');
  });

  it('leftmost-first submatches, like Go', () => {
    const re = AnchoredRegexp.compile('(a*)(a*)');
    expect(re.submatchIndexes('aaa')).toEqual([0, 3, 0, 3, 3, 3]);
    const lazy = AnchoredRegexp.compile('(a*?)(a*)');
    expect(lazy.submatchIndexes('aaa')).toEqual([0, 3, 0, 0, 0, 3]);
    const alt = AnchoredRegexp.compile('(a|ab)(c|bcd)?(d*)');
    expect(alt.submatchIndexes('abcd')).toEqual([0, 4, 0, 1, 1, 4, 4, 4]);
  });

  it('Go character classes are ASCII (\\d, \\w, \\s, \\b) and (?i) folds Unicode simply', () => {
    expect(AnchoredRegexp.compile('\\d+').matches('٣')).toBe(false);
    expect(AnchoredRegexp.compile('\\w+').matches('é')).toBe(false);
    expect(AnchoredRegexp.compile('\\pL+').matches('é')).toBe(true);
    expect(AnchoredRegexp.compile('(?i)k').matches('\u212a')).toBe(true); // KELVIN SIGN
    expect(AnchoredRegexp.compile('(?i)straße').matches('STRASSE')).toBe(false);
  });
});

describe('replaceAll (labelmap)', () => {
  it('replaces the single anchored match', () => {
    expect(AnchoredRegexp.compile('__meta_(.*)').replaceAll('__meta_x', '$1')).toBe('x');
  });

  it('replaces every match of a pattern that escapes its anchors, as Go does', () => {
    expect(AnchoredRegexp.compile('a)|(b').replaceAll('ab', '[$1]')).toBe('[][b]');
    expect(AnchoredRegexp.compile('a)|(b').replaceAll('cab', '<$0>')).toBe('ca<b>');
    expect(AnchoredRegexp.compile('x)|(').replaceAll('xy', '-')).toBe('-y-');
    // An empty match right after a match is not replaced.
    expect(AnchoredRegexp.compile('x)|(').replaceAll('x', '-')).toBe('-');
  });
});

// The syntax Go 1.19 (Prometheus 2.42) accepts for `regex`, with its messages, observed with promtool 2.42.
const GO_SYNTAX: ReadonlyArray<[string, string | null]> = [
  ['(', 'error parsing regexp: missing closing ): `^(?:()$`'],
  [')', 'error parsing regexp: unexpected ): `^(?:))$`'],
  ['[a', 'error parsing regexp: missing closing ]: `[a)$`'],
  ['a**', 'error parsing regexp: invalid nested repetition operator: `**`'],
  ['(?<n>a)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?<`'],
  ['(?<=a)b', 'error parsing regexp: invalid or unsupported Perl syntax: `(?<`'],
  [')(?<a>x)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?<`'],
  ['(?P<n>a)', null],
  ['(?P<n>a)(?P<n>b)', null],
  ['(?i)abc', null],
  ['\\pL\\p{Greek}\\PL\\p{^Greek}', null],
  ['(?=a)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`'],
  ['(?!a)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?!`'],
  ['\\1', 'error parsing regexp: invalid escape sequence: `\\1`'],
  ['a{1001}', 'error parsing regexp: invalid repeat count: `{1001}`'],
  ['a{1000}', null],
  ['x{2}{3}', 'error parsing regexp: invalid nested repetition operator: `{2}{3}`'],
  ['\\z', null],
  ['\\Z', 'error parsing regexp: invalid escape sequence: `\\Z`'],
  ['[[:alpha:]][[:^alpha:]]', null],
  ['[[:foo:]]', 'error parsing regexp: invalid character class range: `[:foo:]`'],
  ['\\Qa.b\\E', null],
  ['a++', 'error parsing regexp: invalid nested repetition operator: `++`'],
  ['\\x{110000}', 'error parsing regexp: invalid escape sequence: `\\x{110000`'],
  ['a)|(b', null],
  ['[z-a]', 'error parsing regexp: invalid character class range: `z-a`'],
  ['(?i', 'error parsing regexp: missing closing ): `^(?:(?i)$`'],
  ['*', 'error parsing regexp: missing argument to repetition operator: `*`'],
  ['\\p{Foo}', 'error parsing regexp: invalid character class range: `\\p{Foo}`'],
  ['(?P<>x)', 'error parsing regexp: invalid named capture: `(?P<>`'],
  ['(?P=n)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?P`'],
  ['(?#comment)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?#`'],
  ['\\e', 'error parsing regexp: invalid escape sequence: `\\e`'],
  ['\\u0041', 'error parsing regexp: invalid escape sequence: `\\u`'],
  ['(?x) a b', 'error parsing regexp: invalid or unsupported Perl syntax: `(?x`'],
  ['[a-\\d]', 'error parsing regexp: invalid escape sequence: `\\d`'],
  ['\\_\\ \\@', null],
  ['(?P<name>', 'error parsing regexp: missing closing ): `^(?:(?P<name>)$`'],
  ['a{1,1001}', 'error parsing regexp: invalid repeat count: `{1,1001}`'],
  ['\\Q(?<\\E[(?<](?P<x>\\Q(?<\\E)', null], // `(?<` inside a class or \Q...\E is text
  ['\\Q(?<', 'error parsing regexp: missing closing ): `^(?:\\Q(?<)$`'], // \Q runs to the end
  ['[\\Q(?<\\E]', 'error parsing regexp: invalid escape sequence: `\\Q`'], // no \Q inside a class
];

describe('Go 1.19 syntax and messages', () => {
  it.each(GO_SYNTAX)('%j', (source, goError) => {
    expect(compileError(source)).toBe(goError);
  });

  it('differs from re2js alone exactly where Go does (proof that the bridging is needed)', () => {
    const re2jsAccepts = (s: string): boolean => {
      try {
        RE2JS.compile('^(?:' + s + ')$');
        return true;
      } catch {
        return false;
      }
    };
    expect(re2jsAccepts('(?<n>a)')).toBe(true); // Go 1.19 refuses
    expect(re2jsAccepts('(?P<n>a)(?P<n>b)')).toBe(false); // Go accepts
  });

  it('names capture groups past classes, escapes and \\Q...\\E', () => {
    const re = AnchoredRegexp.compile('[(](?P<a>x)\\((?:y)(z)\\Q(\\E(?P<b>w)[[:alpha:]](?i:(v))');
    expect(re.groupNames).toEqual(['', 'a', '', 'b', '']);
  });

  it('seeded random patterns: every one compiles or fails with a Go message, never an internal error', () => {
    const prng = new Prng(0x5eed_0042);
    const atoms = ['a', '.', '(', ')', '(?:', '(?P<n>', '(?P<m>', '(?<', '(?i)', '[', ']', '[^', '[:alpha:]', '\\', '\\d', '\\Q', '\\E', '*', '+', '?', '{2}', '{1,3}', '|', '^', '$', '-', 'z', 'é'];
    let compiled = 0;
    for (let i = 0; i < 3000; i++) {
      let s = '';
      const n = prng.int(1, 12);
      for (let j = 0; j < n; j++) s += atoms[prng.int(0, atoms.length - 1)];
      const err = compileError(s);
      if (err === null) {
        compiled++;
        const re = AnchoredRegexp.compile(s);
        // With no repeated names, our group names agree with re2js's.
        const named = re.groupNames.filter((x) => x !== '');
        if (new Set(named).size === named.length) {
          const fromRe2js = RE2JS.compile('^(?:' + s + ')$').namedGroups();
          for (const [name, index] of Object.entries(fromRe2js)) expect(re.groupNames[index]).toBe(name);
        }
      } else {
        expect(err).toMatch(/^error parsing regexp: /);
      }
    }
    expect(compiled).toBeGreaterThan(300);
  });
});

describe('simple shapes are matched without the regex engine, with the same results', () => {
  const SIMPLE = ['foo', 'foo|bar', 'go_.*|process_.*', '.*', '', 'a|', '(.*)', '(.+)', '__meta_(.*)', '__meta_kubernetes_pod_label_(.+)', 'a-b/c:d,e f', 'é|ü.*', 'x.*|y'];
  const NOT_SIMPLE = ['f.o', 'a(b)c', '(?i)foo', '[ab]', 'a\\.b', 'a+', 'x(.*)y', '(.*)x', 'a.*b', '^a', 'a$', 'a{2}', '\\d.*'];
  const sample = (prng: Prng): string => {
    const parts = ['', 'foo', 'bar', 'go_', 'process_', '__meta_', '__meta_kubernetes_pod_label_', 'a', 'b', '-', '\n', 'é', 'ü', 'x', 'y', 'a-b/c:d,e f', '😀'];
    let s = '';
    for (let i = prng.int(0, 4); i > 0; i--) s += parts[prng.int(0, parts.length - 1)];
    return s;
  };

  it.each(SIMPLE)('%j', (source) => {
    const fast = AnchoredRegexp.compile(source);
    const reference = RE2JS.compile('^(?:' + source + ')$');
    const prng = new Prng(source.length * 7919 + 1);
    for (let i = 0; i < 2000; i++) {
      const s = sample(prng);
      expect(fast.matches(s), JSON.stringify(s)).toBe(reference.test(s));
      const want = reference.re2().findSubmatchIndex(s);
      expect(fast.submatchIndexes(s), JSON.stringify(s)).toEqual(want);
      if (want !== null) {
        const group1 = want.length > 2 && want[2]! >= 0 ? s.slice(want[2], want[3]) : '';
        expect(fast.replaceAll(s, '<${0}|${1}>')).toBe(`<${s}|${group1}>`);
      }
    }
  });

  it.each(NOT_SIMPLE)('%j still goes to re2js and matches correctly', (source) => {
    const re = AnchoredRegexp.compile(source);
    const reference = RE2JS.compile('^(?:' + source + ')$');
    for (const s of ['foo', 'fxo', 'abc', 'a.b', 'aa', 'xy', 'x', '1', '1ab', 'a\nb']) expect(re.matches(s)).toBe(reference.test(s));
  });
});
