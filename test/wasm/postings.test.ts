import { describe, expect, it } from 'vitest';
import { compareLabels, compareStrings, type Labels } from '../../src/model/labels.js';
import { LabelSetError, PostingsBuilder, sortLabelSets } from '../../src/wasm/index.js';
import { Prng } from '../helpers/prng.js';

/** Interns label sets into a sorted symbol table and returns the (pairs, ends) batch of the WASM side. */
function intern(sets: readonly Labels[]): { symbols: string[]; pairs: Uint32Array; ends: Uint32Array } {
  const strings = new Set<string>();
  for (const ls of sets) for (const l of ls) strings.add(l.name).add(l.value);
  const symbols = [...strings].sort(compareStrings);
  const id = new Map(symbols.map((s, i) => [s, i]));
  const ends = new Uint32Array(sets.length);
  const pairs: number[] = [];
  sets.forEach((ls, i) => {
    for (const l of ls) pairs.push(id.get(l.name)!, id.get(l.value)!);
    ends[i] = pairs.length / 2;
  });
  return { symbols, pairs: Uint32Array.from(pairs), ends };
}

function randomLabelSets(prng: Prng, n: number): Labels[] {
  const names = ['__name__', 'job', 'instance', 'zone', 'ü', 'a', '😀', '\uffff', 'le'];
  const values = ['', 'a', 'b', 'ab', 'é', '😀x', '\ue000', 'z', '0', '10', '9'];
  const seen = new Set<string>();
  const out: Labels[] = [];
  while (out.length < n) {
    const chosen = names.filter(() => prng.chance(0.5));
    if (chosen.length === 0) continue;
    const ls = chosen
      .sort(compareStrings)
      .map((name) => ({ name, value: prng.pick(values.slice(1)) + (prng.chance(0.3) ? String(prng.int(0, 50)) : '') }));
    const key = JSON.stringify(ls);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(ls);
  }
  return out;
}

describe('sortLabelSets', () => {
  it('orders label sets as labels.Compare does, pair by pair, shorter set first', () => {
    const sets: Labels[] = [
      [{ name: 'a', value: 'x' }, { name: 'b', value: 'y' }],
      [{ name: 'a', value: 'x' }],
      [{ name: 'a', value: '\uffff' }],
      [{ name: 'a', value: '😀' }], // U+1F600 sorts after U+FFFF in UTF-8 (not in UTF-16)
      [{ name: 'a', value: 'w' }, { name: 'c', value: 'a' }],
    ];
    const { symbols, pairs, ends } = intern(sets);
    const order = sortLabelSets(pairs, ends, symbols.length);
    expect([...order]).toEqual([4, 1, 0, 2, 3]);
  });

  it('agrees with compareLabels on seeded random label sets', () => {
    for (const seed of [1, 2, 3, 42]) {
      const prng = new Prng(seed);
      const sets = randomLabelSets(prng, 2000);
      const { symbols, pairs, ends } = intern(sets);
      const order = sortLabelSets(pairs, ends, symbols.length);
      const expected = sets.map((_, i) => i).sort((x, y) => compareLabels(sets[x]!, sets[y]!));
      expect([...order], `seed ${seed}`).toEqual(expected);
    }
  });

  it('handles no series, one series and already sorted input', () => {
    expect([...sortLabelSets(new Uint32Array(0), new Uint32Array(0), 0)]).toEqual([]);
    const sets = randomLabelSets(new Prng(5), 300).sort(compareLabels);
    const { symbols, pairs, ends } = intern(sets);
    expect([...sortLabelSets(pairs, ends, symbols.length)]).toEqual(sets.map((_, i) => i));
    const one = intern(sets.slice(0, 1));
    expect([...sortLabelSets(one.pairs, one.ends, one.symbols.length)]).toEqual([0]);
  });

  it('refuses duplicates, unsorted or repeated names, empty sets and unknown symbols', () => {
    const dup = intern([[{ name: 'a', value: '1' }], [{ name: 'b', value: '1' }], [{ name: 'a', value: '1' }]]);
    const e = catchError(() => sortLabelSets(dup.pairs, dup.ends, dup.symbols.length));
    expect(e).toBeInstanceOf(LabelSetError);
    expect(e).toMatchObject({ problem: 'duplicate-series', series: 2, other: 0 });

    // symbols: 0 "1", 1 "a", 2 "b"
    const unsorted = Uint32Array.of(2, 0, 1, 0);
    expect(catchError(() => sortLabelSets(unsorted, Uint32Array.of(2), 3))).toMatchObject({ problem: 'unsorted-labels', series: 0 });
    const repeated = Uint32Array.of(2, 0, 1, 0, 1, 0);
    expect(catchError(() => sortLabelSets(repeated, Uint32Array.of(1, 3), 3))).toMatchObject({ problem: 'unsorted-labels', series: 1 });
    expect(catchError(() => sortLabelSets(Uint32Array.of(1, 0), Uint32Array.of(1, 1), 3))).toMatchObject({ problem: 'empty-labels', series: 1 });
    expect(catchError(() => sortLabelSets(Uint32Array.of(1, 3), Uint32Array.of(1), 3))).toMatchObject({ problem: 'symbol-range', series: 0 });
    expect(() => sortLabelSets(Uint32Array.of(1, 0), Uint32Array.of(2), 3)).toThrow(/ends need 2 label pairs/);
  });
});

/** The reference: postings by (name, value) strings, lists in ref order. */
function referencePostings(sets: readonly Labels[], refs: readonly number[]): Map<string, number[]> {
  const lists = new Map<string, number[]>();
  sets.forEach((ls, i) => {
    for (const l of ls) {
      const key = `${l.name}\u0000${l.value}`;
      if (!lists.has(key)) lists.set(key, []);
      lists.get(key)!.push(refs[i]!);
    }
  });
  return lists;
}

describe('PostingsBuilder', () => {
  it('builds every list in (name, value) byte order, each in ref order, fed in uneven batches', () => {
    for (const seed of [7, 8, 9]) {
      const prng = new Prng(seed);
      const sets = randomLabelSets(prng, 3000).sort(compareLabels);
      const { symbols, pairs, ends } = intern(sets);
      let ref = 0;
      const refs = Uint32Array.from(sets, () => (ref += prng.int(1, 40)));

      const builder = new PostingsBuilder(symbols.length);
      for (let start = 0; start < sets.length; ) {
        const end = Math.min(sets.length, start + prng.int(0, 700));
        const base = start === 0 ? 0 : ends[start - 1]!;
        const batchEnds = ends.slice(start, end).map((e) => e - base);
        builder.add(pairs.subarray(2 * base), batchEnds, refs.subarray(start, end));
        start = end;
      }
      expect(builder.seriesCount).toBe(sets.length);
      const built = builder.finish();

      expect([...built.all]).toEqual([...refs]);
      const expected = referencePostings(sets, [...refs]);
      const expectedKeys = [...expected.keys()].sort((a, b) => {
        const [an, av] = a.split('\u0000') as [string, string];
        const [bn, bv] = b.split('\u0000') as [string, string];
        return compareStrings(an, bn) || compareStrings(av, bv);
      });
      expect(built.ends.length).toBe(expectedKeys.length);
      expectedKeys.forEach((key, k) => {
        expect(`${symbols[built.keys[2 * k]!]}\u0000${symbols[built.keys[2 * k + 1]!]}`).toBe(key);
        const list = built.refs.subarray(k === 0 ? 0 : built.ends[k - 1]!, built.ends[k]!);
        expect([...list]).toEqual(expected.get(key));
      });
    }
  });

  it('builds empty postings for no series', () => {
    const built = new PostingsBuilder(0).finish();
    expect([built.all.length, built.keys.length, built.ends.length, built.refs.length]).toEqual([0, 0, 0, 0]);
  });

  it('refuses a batch as a whole: decreasing refs, bad label sets; the builder is unchanged', () => {
    // symbols: 0 "", 1 "a", 2 "b", 3 "x"
    const builder = new PostingsBuilder(4);
    builder.add(Uint32Array.of(1, 3), Uint32Array.of(1), Uint32Array.of(5));
    expect(catchError(() => builder.add(Uint32Array.of(1, 3, 2, 3), Uint32Array.of(1, 2), Uint32Array.of(6, 5)))).toMatchObject({
      problem: 'refs-order',
      series: 1,
    });
    expect(catchError(() => builder.add(Uint32Array.of(1, 3, 2, 4), Uint32Array.of(1, 2), Uint32Array.of(6, 7)))).toMatchObject({
      problem: 'symbol-range',
      series: 1,
    });
    expect(catchError(() => builder.add(Uint32Array.of(2, 3), Uint32Array.of(1), Uint32Array.of(5)))).toMatchObject({ problem: 'refs-order', series: 0 });
    builder.add(Uint32Array.of(2, 3), Uint32Array.of(1), Uint32Array.of(9));
    const built = builder.finish();
    expect([...built.all]).toEqual([5, 9]);
    expect([...built.keys]).toEqual([1, 3, 2, 3]);
    expect([...built.refs]).toEqual([5, 9]);
    expect(() => builder.finish()).toThrow(/twice/);
    expect(() => builder.add(Uint32Array.of(), Uint32Array.of(), Uint32Array.of())).toThrow(/after finish/);
  });
});

function catchError(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}
