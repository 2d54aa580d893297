// Go's regexp template expansion (Regexp.ExpandString), which relabeling uses for `replacement` and a
// templated `target_label`:
//   `$$` is a literal `$`;
//   `$name` / `${name}` is a submatch, where the name is the LONGEST run of Unicode letters, digits
//   and `_` — so `$1x` means the group named "1x", not group 1 followed by "x" (write `${1}x`);
//   a name made only of ASCII digits (below 1e8, no leading zero) is a group number, any other name
//   is looked up among the named groups (the first one of that name that took part in the match);
//   a reference to a group that does not exist or did not take part expands to "";
//   a `$` that starts no valid reference (`$`, `$-`, `${1`, `${}`) is kept as a literal `$`.

import type { SubmatchIndexes } from './regexp.js';

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;

/** Expands `template` against the submatches `match` of `src`; `names[i]` names group i ("" if unnamed). */
export function expandTemplate(template: string, src: string, match: SubmatchIndexes, names: readonly string[]): string {
  let dollar = template.indexOf('$');
  if (dollar < 0) return template;
  let out = '';
  let rest = template;
  while (dollar >= 0) {
    out += rest.slice(0, dollar);
    rest = rest.slice(dollar + 1);
    if (rest[0] === '$') {
      out += '$';
      rest = rest.slice(1);
    } else {
      const ref = readReference(rest);
      if (ref === undefined) {
        out += '$';
      } else {
        out += submatch(ref.name, src, match, names);
        rest = rest.slice(ref.length);
      }
    }
    dollar = rest.indexOf('$');
  }
  return out + rest;
}

/** The reference at the start of `text` (just after a `$`): its name and how many units it spans. */
function readReference(text: string): { name: string; length: number } | undefined {
  const braced = text[0] === '{';
  let i = braced ? 1 : 0;
  for (const ch of text.slice(i)) {
    if (!NAME_CHAR.test(ch)) break;
    i += ch.length;
  }
  const name = text.slice(braced ? 1 : 0, i);
  if (name === '') return undefined;
  if (braced) {
    if (text[i] !== '}') return undefined;
    i++;
  }
  return { name, length: i };
}

function submatch(name: string, src: string, match: SubmatchIndexes, names: readonly string[]): string {
  const num = groupNumber(name);
  if (num >= 0) return group(num, src, match);
  for (let i = 0; i < names.length; i++) {
    if (names[i] === name && 2 * i + 1 < match.length && match[2 * i]! >= 0) return group(i, src, match);
  }
  return '';
}

/** The group number a name denotes, or -1 when it is a name (not all ASCII digits, too big, or 0-led). */
function groupNumber(name: string): number {
  let num = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x30 || c > 0x39 || num >= 1e8) return -1;
    num = num * 10 + (c - 0x30);
  }
  return name.length > 1 && name[0] === '0' ? -1 : num;
}

function group(i: number, src: string, match: SubmatchIndexes): string {
  if (2 * i + 1 >= match.length) return '';
  const start = match[2 * i]!;
  const end = match[2 * i + 1]!;
  return start >= 0 ? src.slice(start, end) : '';
}
