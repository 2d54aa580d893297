import { describe, expect, it } from 'vitest';
import { AnchoredRegexp } from '../../src/relabel/index.js';

/** Expands `template` against the match of `re` on `src`, as relabeling does. */
function expand(re: string, src: string, template: string): string {
  const r = AnchoredRegexp.compile(re);
  const m = r.submatchIndexes(src);
  if (m === null) throw new Error(`${re} does not match ${src}`);
  return r.expand(template, src, m);
}

describe("Go's template expansion (Regexp.ExpandString)", () => {
  it.each([
    // [regex, input, template, result]
    ['(a)(b)', 'ab', '$1-$2', 'a-b'],
    ['(a)(b)', 'ab', '${1}${2}', 'ab'],
    ['(a)(b)', 'ab', '$0', 'ab'],
    ['(a)(b)', 'ab', '${0}x', 'abx'],
    ['(a)(b)', 'ab', '$$1', '$1'],
    ['(a)(b)', 'ab', '$$$1', '$a'],
    ['(a)(b)', 'ab', 'cost: $', 'cost: $'],
    ['(a)(b)', 'ab', '$-', '$-'],
    ['(a)(b)', 'ab', '${', '${'],
    ['(a)(b)', 'ab', '${}', '${}'],
    ['(a)(b)', 'ab', '${1', '${1'],
    ['(a)(b)', 'ab', '${1 }', '${1 }'],
    ['(a)(b)', 'ab', '$1x', ''], // the group named "1x"
    ['(a)(b)', 'ab', '$1_', ''],
    ['(a)(b)', 'ab', '${1}x', 'ax'],
    ['(a)(b)', 'ab', '$1.x', 'a.x'],
    ['(a)(b)', 'ab', '$1-x', 'a-x'],
    ['(a)(b)', 'ab', '$3', ''],
    ['(a)(b)', 'ab', '$99999999', ''],
    ['(a)(b)', 'ab', '$100000000', ''], // too big to be a number: a (missing) name
    ['(a)(b)', 'ab', '$01', ''], // a leading zero makes it a name
    ['(a)(b)', 'ab', '$00', ''],
    ['(?P<x>a)(?P<y_1>b)', 'ab', '$x|${y_1}|$y_1', 'a|b|b'],
    ['(?P<x>a)(?P<y_1>b)', 'ab', '$xy', ''],
    ['(?P<x>a)(?P<y_1>b)', 'ab', '${x}y', 'ay'],
    ['(?P<x>a)(?P<y_1>b)', 'ab', '$X', ''], // names are case-sensitive
    ['(?P<x>a)(b)?', 'a', '[$2][$x]', '[][a]'], // a group that took no part is empty
    ['(?P<n>a)|(?P<n>b)', 'b', '$n', 'b'], // repeated names: the first one that matched
    ['(?P<n>a)|(?P<n>b)', 'a', '$n', 'a'],
    ['(a)', 'a', '$é', ''], // letters are Unicode letters: "é" is a name
    ['(a)', 'a', '$1é', ''],
    ['(a)', 'a', '${1}é', 'aé'],
    ['(a)', 'a', '$1٣', ''], // Arabic-Indic digit: part of the name, and not a number
    ['(a)', 'a', 'no dollar', 'no dollar'],
    ['(.*)', 'x$1y', '$1', 'x$1y'], // the input is not expanded again
  ])('%s on %j: %j -> %j', (re, src, template, want) => {
    expect(expand(re, src, template)).toBe(want);
  });
});
