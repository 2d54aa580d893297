// Which series satisfy a list of matchers, computed from postings as Prometheus's PostingsForMatchers
// does: a series is selected when every matcher accepts its value for the matcher's label, a missing
// label counting as "". Matchers that reject "" narrow the result by intersection; matchers that
// accept "" remove the series whose value they reject. No matchers select nothing.

import type { Matcher } from '../../model/matchers.js';
import { EMPTY_POSTINGS, intersectPostings, subtractPostings } from './postings.js';

/** What matcher evaluation needs from an index. */
export interface PostingsIndex {
  /** Every value of a label name present in the index. */
  labelValues(name: string): readonly string[];
  /** The series having `name` set to any of `values`, as a sorted list. */
  postings(name: string, values: readonly string[]): Uint32Array;
  /** Every series in the index. */
  allPostings(): Uint32Array;
}

/** The sorted IDs of the series that satisfy every matcher. */
export function postingsForMatchers(ix: PostingsIndex, matchers: readonly Matcher[]): Uint32Array {
  const its: Uint32Array[] = [];
  const notIts: Uint32Array[] = [];
  // A label some matcher requires to be non-empty lets the other matchers on it subtract instead.
  const mustBeSet = new Set(matchers.filter((m) => !m.matches('')).map((m) => m.name));

  for (const m of matchers) {
    const isNot = m.type === '!=' || m.type === '!~';
    if (!mustBeSet.has(m.name) || (isNot && m.matches(''))) {
      // l="", l!="x", or l!="x" beside l=~".+": drop the series whose value the matcher rejects.
      notIts.push(valuesPostings(ix, m.name, (v) => !m.matches(v)));
    } else {
      const it = valuesPostings(ix, m.name, (v) => m.matches(v));
      if (it.length === 0) return EMPTY_POSTINGS;
      its.push(it);
    }
  }
  if (its.length === 0 && notIts.length > 0) its.push(ix.allPostings());
  let result = intersectPostings(its);
  for (const n of notIts) result = subtractPostings(result, n);
  return result;
}

function valuesPostings(ix: PostingsIndex, name: string, accept: (value: string) => boolean): Uint32Array {
  const values = ix.labelValues(name).filter(accept);
  return values.length === 0 ? EMPTY_POSTINGS : ix.postings(name, values);
}
