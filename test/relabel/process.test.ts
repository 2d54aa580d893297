import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { labelsFromRecord, type Labels } from '../../src/model/labels.js';
import { md5Tail64, newRelabelConfig, process, type RelabelConfigInput } from '../../src/relabel/index.js';

const L = (rec: Record<string, string>): Labels => labelsFromRecord(rec);
const run = (input: Record<string, string>, steps: RelabelConfigInput[]) => process(L(input), steps.map(newRelabelConfig));

describe('defaults', () => {
  it('a step with only source_labels and target_label copies the joined value ((.*) -> $1, ";")', () => {
    expect(run({ a: 'x', b: 'y' }, [{ source_labels: ['a', 'b'], target_label: 'c' }])).toEqual(L({ a: 'x', b: 'y', c: 'x;y' }));
  });

  it('missing source labels contribute empty strings', () => {
    expect(run({ b: 'y' }, [{ source_labels: ['a', 'b', 'z'], target_label: 'c' }])).toEqual(L({ b: 'y', c: ';y;' }));
  });

  it('no steps returns the input unchanged', () => {
    const input = L({ a: '1' });
    expect(process(input, [])).toBe(input);
  });

  it('the output is sorted by name whatever the order of additions', () => {
    const out = run({ m: '1' }, [
      { source_labels: ['m'], target_label: 'z' },
      { source_labels: ['m'], target_label: 'a' },
      { source_labels: ['m'], target_label: '_' },
    ]);
    expect(out!.map((l) => l.name)).toEqual(['_', 'a', 'm', 'z']);
  });

  it('labels with empty values in the input count as absent', () => {
    const input: Labels = [{ name: 'a', value: '' }, { name: 'b', value: 'x' }];
    expect(process(input, [newRelabelConfig({ source_labels: ['b'], target_label: 'c' })])).toEqual(L({ b: 'x', c: 'x' }));
  });
});

describe('replace', () => {
  it.each<[string, Record<string, string>, RelabelConfigInput[], Record<string, string> | null]>([
    ['captures in the replacement', { a: 'foo', b: 'bar' }, [{ source_labels: ['a'], regex: 'f(.*)', target_label: 'd', replacement: 'ch${1}-ch${1}' }], { a: 'foo', b: 'bar', d: 'choo-choo' }],
    [
      'each step sees the previous result',
      { a: 'foo', b: 'bar', c: 'baz' },
      [
        { source_labels: ['a', 'b'], regex: 'f(.*);(.*)r', target_label: 'a', replacement: 'b${1}${2}m' },
        { source_labels: ['c', 'a'], regex: '(b).*b(.*)ba(.*)', target_label: 'd', replacement: '$1$2$2$3' },
      ],
      { a: 'boobam', b: 'bar', c: 'baz', d: 'boooom' },
    ],
    ['no match, no change', { a: 'boo' }, [{ source_labels: ['a'], regex: 'f', target_label: 'b', replacement: 'bar' }], { a: 'boo' }],
    ['the regex must match the whole value (anchored)', { a: 'xfoox' }, [{ source_labels: ['a'], regex: 'foo', target_label: 'b', replacement: 'hit' }], { a: 'xfoox' }],
    ['a group inside the anchored match', { a: 'abc' }, [{ source_labels: ['a'], regex: '.*(b).*', target_label: 'd' }], { a: 'abc', d: 'b' }],
    ['an empty result deletes the target', { a: 'x', t: 'old' }, [{ source_labels: ['a'], target_label: 't', replacement: '' }], { a: 'x' }],
    ['a templated target label', { a: 'some-name-value' }, [{ source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', replacement: '${2}', target_label: '${1}' }], { a: 'some-name-value', name: 'value' }],
    ['a replacement naming a missing group is empty: the target is deleted', { a: 'some-name-value' }, [{ source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', replacement: '${3}', target_label: '${1}' }], { a: 'some-name-value' }],
    [
      'an expanded target that is no label name deletes the label named by the unexpanded text',
      { a: 'some-name-value', '${3}': 'deleted' },
      [{ source_labels: ['a'], regex: 'some-([^-]+)-([^,]+)', replacement: '${1}', target_label: '${3}' }],
      { a: 'some-name-value' },
    ],
    [
      'an expanded target starting with a digit is no label name',
      { a: '1st' },
      [{ source_labels: ['a'], regex: '(.*)', replacement: 'v', target_label: '${1}' }],
      { a: '1st' },
    ],
    ['$1_x is the group named "1_x": empty, so the target goes', { foo: 'bar', x: 'old' }, [{ source_labels: ['foo'], target_label: 'x', replacement: '$1_x' }], { foo: 'bar' }],
    ['${1}_x', { foo: 'bar' }, [{ source_labels: ['foo'], target_label: 'x', replacement: '${1}_x' }], { foo: 'bar', x: 'bar_x' }],
    [
      'a service discovery tag list taken apart',
      { __meta_sd_tags: 'path:/secret,job:some-job,label:foo=bar' },
      [
        { source_labels: ['__meta_sd_tags'], regex: '(?:.+,|^)path:(/[^,]+).*', replacement: '${1}', target_label: '__metrics_path__' },
        { source_labels: ['__meta_sd_tags'], regex: '(?:.+,|^)job:([^,]+).*', replacement: '${1}', target_label: 'job' },
        { source_labels: ['__meta_sd_tags'], regex: '(?:.+,|^)label:([^=]+)=([^,]+).*', replacement: '${2}', target_label: '${1}' },
      ],
      { __meta_sd_tags: 'path:/secret,job:some-job,label:foo=bar', __metrics_path__: '/secret', job: 'some-job', foo: 'bar' },
    ],
    ['(.*) does not match a newline (no (?s))', { a: 'x\ny' }, [{ source_labels: ['a'], target_label: 'b' }], { a: 'x\ny' }],
    ['(?s) lets . match a newline', { a: 'x\ny' }, [{ source_labels: ['a'], regex: '(?s)(.*)', target_label: 'b' }], { a: 'x\ny', b: 'x\ny' }],
    ['(?i) case-insensitive', { a: 'FOO' }, [{ source_labels: ['a'], regex: '(?i)f(o+)', target_label: 'b' }], { a: 'FOO', b: 'OO' }],
    ['an empty regex matches only the empty value', { a: '' }, [{ source_labels: ['a'], regex: '', target_label: 'b', replacement: 'empty' }], { b: 'empty' }],
  ])('%s', (_name, input, steps, output) => {
    expect(run(input, steps)).toEqual(output === null ? null : L(output));
  });
});

describe('keep and drop', () => {
  it.each<[string, Record<string, string>, RelabelConfigInput[], boolean]>([
    ['drop on a match', { a: 'foo', b: 'bar' }, [{ source_labels: ['a'], regex: '.*o.*', action: 'drop' }], true],
    ['drop stops the remaining steps', { a: 'foo' }, [{ source_labels: ['a'], regex: '.*o.*', action: 'drop' }, { source_labels: ['a'], target_label: 'd' }], true],
    ['no drop without a match', { a: 'foo' }, [{ source_labels: ['a'], regex: 'no-match', action: 'drop' }], false],
    ['a partial match is no match', { a: 'foo' }, [{ source_labels: ['a'], regex: 'f|o', action: 'drop' }], false],
    ['keep drops without a match', { a: 'foo' }, [{ source_labels: ['a'], regex: 'no-match', action: 'keep' }], true],
    ['keep keeps a match', { a: 'foo' }, [{ source_labels: ['a'], regex: 'f.*', action: 'keep' }], false],
    ['keep with the default regex keeps anything without a newline', { a: 'x' }, [{ source_labels: ['a'], action: 'keep' }], false],
    ['the action name is case-insensitive', { a: 'x' }, [{ source_labels: ['a'], regex: 'x', action: 'DROP' }], true],
    ['keepequal keeps equal values', { __tmp_port: '1234', __port1: '1234' }, [{ source_labels: ['__tmp_port'], action: 'keepequal', target_label: '__port1' }], false],
    ['keepequal drops different values', { __tmp_port: '1234', __port2: '5678' }, [{ source_labels: ['__tmp_port'], action: 'keepequal', target_label: '__port2' }], true],
    ['dropequal drops equal values', { __tmp_port: '1234', __port1: '1234' }, [{ source_labels: ['__tmp_port'], action: 'dropequal', target_label: '__port1' }], true],
    ['dropequal keeps different values', { __tmp_port: '1234', __port2: '5678' }, [{ source_labels: ['__tmp_port'], action: 'dropequal', target_label: '__port2' }], false],
    ['keepequal: a missing target equals an empty source', { x: '1' }, [{ source_labels: ['missing'], action: 'keepequal', target_label: 'gone' }], false],
    ['keepequal compares strings, not regexes', { a: 'a.c', b: 'abc' }, [{ source_labels: ['a'], action: 'keepequal', target_label: 'b' }], true],
  ])('%s', (_name, input, steps, dropped) => {
    const out = run(input, steps);
    if (dropped) expect(out).toBeNull();
    else expect(out).toEqual(L(input));
  });
});

describe('labelmap, labeldrop, labelkeep', () => {
  it.each<[string, Record<string, string>, RelabelConfigInput[], Record<string, string>]>([
    ['labelmap copies matching names', { a: 'foo', b1: 'bar', b2: 'baz' }, [{ regex: '(b.*)', replacement: 'bar_${1}', action: 'labelmap' }], { a: 'foo', b1: 'bar', b2: 'baz', bar_b1: 'bar', bar_b2: 'baz' }],
    [
      'labelmap strips a prefix, originals stay',
      { a: 'foo', __meta_my_bar: 'aaa', __meta_my_baz: 'bbb', __meta_other: 'ccc' },
      [{ regex: '__meta_(my.*)', replacement: '${1}', action: 'labelmap' }],
      { a: 'foo', __meta_my_bar: 'aaa', __meta_my_baz: 'bbb', __meta_other: 'ccc', my_bar: 'aaa', my_baz: 'bbb' },
    ],
    ['labelmap with the default replacement $1', { foo: 'bar' }, [{ regex: 'fo(o)', replacement: 'mapped_$1', action: 'labelmap' }], { foo: 'bar', mapped_o: 'bar' }],
    ['labelmap overwrites an existing label', { x_a: '1', a: 'old' }, [{ regex: 'x_(.*)', action: 'labelmap' }], { x_a: '1', a: '1' }],
    ['labelmap: later names win', { a_x: '1', b_x: '2' }, [{ regex: '.*_(x)', action: 'labelmap' }], { a_x: '1', b_x: '2', x: '2' }],
    ['labelmap sees the labels as they were before the step', { a: '1' }, [{ regex: '(.*)', replacement: '${1}_c', action: 'labelmap' }], { a: '1', a_c: '1' }],
    ['labelkeep keeps matching names only', { a: 'foo', b1: 'bar', b2: 'baz' }, [{ regex: '(b.*)', action: 'labelkeep' }], { b1: 'bar', b2: 'baz' }],
    ['labeldrop drops matching names', { a: 'foo', b1: 'bar', b2: 'baz' }, [{ regex: '(b.*)', action: 'labeldrop' }], { a: 'foo' }],
    ['labeldrop needs the whole name to match', { ab: '1', b: '2' }, [{ regex: 'b', action: 'labeldrop' }], { ab: '1' }],
    ['labelkeep everything away leaves an empty set, not a drop', { a: '1' }, [{ regex: 'zzz', action: 'labelkeep' }], {}],
  ])('%s', (_name, input, steps, output) => {
    expect(run(input, steps)).toEqual(L(output));
  });
});

describe('lowercase and uppercase', () => {
  it('map the joined value into the target', () => {
    const out = run({ foo: 'bAr123Foo' }, [
      { source_labels: ['foo'], action: 'uppercase', target_label: 'foo_uppercase' },
      { source_labels: ['foo'], action: 'lowercase', target_label: 'foo_lowercase' },
    ]);
    expect(out).toEqual(L({ foo: 'bAr123Foo', foo_lowercase: 'bar123foo', foo_uppercase: 'BAR123FOO' }));
  });

  it('use the joined source values (separator included)', () => {
    expect(run({ foo: 'bar', job: 'fromsd' }, [{ source_labels: ['foo', 'job'], action: 'uppercase', target_label: 'up' }])).toEqual(
      L({ foo: 'bar', job: 'fromsd', up: 'BAR;FROMSD' }),
    );
  });

  it('an empty value deletes the target', () => {
    expect(run({ t: 'x' }, [{ source_labels: ['missing'], action: 'lowercase', target_label: 't' }])).toEqual([]);
  });

  it('Go case mapping: one code point at a time, simple mappings only', () => {
    expect(run({ a: 'straße ﬁ ᾳ' }, [{ source_labels: ['a'], action: 'uppercase', target_label: 'u' }])![1]).toEqual({ name: 'u', value: 'STRAßE ﬁ ᾼ' });
    expect(run({ a: 'İSTANBUL ΟΔΟΣ' }, [{ source_labels: ['a'], action: 'lowercase', target_label: 'l' }])![1]).toEqual({ name: 'l', value: 'istanbul οδοσ' });
  });
});

describe('hashmod', () => {
  /** The expected value computed here independently: MD5, bytes 8..15 big-endian, mod m. */
  function expected(value: string, modulus: bigint): string {
    const d = createHash('md5').update(Buffer.from(value, 'utf8')).digest();
    let tail = 0n;
    for (let i = 8; i < 16; i++) tail = (tail << 8n) | BigInt(d[i]!);
    return (tail % modulus).toString();
  }

  it.each([
    ['baz', 1000n, '976'],
    ['foo\nbar', 1000n, '734'],
    ['127.0.0.1:18083', 1000n, '783'],
    ['example.invalid', 1000n, '756'],
  ])('%j mod %d = %s (values Prometheus computed)', (value, modulus, want) => {
    expect(expected(value, modulus)).toBe(want);
    expect(run({ a: value }, [{ source_labels: ['a'], action: 'hashmod', modulus, target_label: 'h' }])).toEqual(L({ a: value, h: want }));
  });

  it('agrees with the independent computation on many values and moduli', () => {
    for (let i = 0; i < 300; i++) {
      const value = `host-${i}.example:${9000 + i}/ü${String.fromCodePoint(0x1f600 + (i % 50))}`;
      for (const m of [1n, 2n, 7n, 1000n, 4294967311n, (1n << 64n) - 1n]) {
        expect((md5Tail64(value) % m).toString()).toBe(expected(value, m));
      }
    }
  });

  it('the first 8 bytes of the digest do not matter', () => {
    // For modulus 2^64-1 the result is the tail itself unless it is exactly 2^64-1.
    const d = createHash('md5').update('abc').digest();
    expect(md5Tail64('abc')).toBe(d.readBigUInt64BE(8));
  });
});
