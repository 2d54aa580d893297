// Regular expressions as Prometheus 2.42's relabeling compiles them: Go's RE2 syntax (Go 1.19), the
// user's text wrapped as `^(?:<text>)$` and compiled as one string — so `a)|(b` is accepted and means
// `^(?:a)|(b)$`, exactly as in Go. re2js is a port of Go's regexp and agrees with it on syntax, error
// texts and leftmost-first submatch semantics, with two differences that are bridged here:
//   - re2js accepts `(?<name>re)` (Go 1.22+); Go 1.19 rejects every `(?<` as unsupported Perl syntax.
//   - re2js rejects two groups with the same name; Go accepts them (a `$name` reference takes the
//     first group of that name that took part in the match).

import { RE2JS } from 're2js';
import { simplePattern, type SimplePattern } from './simple-pattern.js';
import { expandTemplate } from './template.js';

/** A pattern that does not compile; the message is Go's (`error parsing regexp: ...`). */
export class RegexpError extends Error {
  override readonly name = 'RegexpError';
}

/** The index of every submatch as [start0, end0, start1, end1, ...]; -1 for a group that did not take part. */
export type SubmatchIndexes = readonly number[];

/** A compiled, fully anchored relabeling regex. Immutable and safe to share. */
export class AnchoredRegexp {
  private constructor(
    /** The text as the user wrote it (Go's Regexp.String() with the anchors trimmed). */
    readonly source: string,
    private readonly re: RE2JS,
    /** Capture group names by group number; index 0 (the whole match) and unnamed groups are "". */
    readonly groupNames: readonly string[],
    /** The same pattern as plain string tests, when it has one of the common simple shapes. */
    private readonly simple: SimplePattern | undefined,
  ) {}

  /** Compiles `^(?:source)$`; throws RegexpError with Go's message when Go would refuse it. */
  static compile(source: string): AnchoredRegexp {
    const anchored = '^(?:' + source + ')$';
    const syntax = scanGroups(anchored);
    if (syntax.firstAngleGroup >= 0) throw angleGroupError(anchored, syntax.firstAngleGroup);
    let re: RE2JS;
    try {
      re = RE2JS.compile(anchored);
    } catch (err) {
      const message = errorMessage(err);
      if (!message.includes('duplicate capture group name')) throw new RegexpError(message);
      // Go allows repeated names: compile with every group unnamed, the names are ours to look up.
      const unnamed = withoutGroupNames(anchored, syntax.groups);
      try {
        re = RE2JS.compile(unnamed);
      } catch (err2) {
        throw new RegexpError(errorMessage(err2).split(unnamed).join(anchored));
      }
    }
    const names = ['', ...syntax.groups.map((g) => g.name)];
    if (re.groupCount() !== names.length - 1) {
      throw new Error(`internal error: counted ${names.length - 1} capture groups in ${JSON.stringify(source)}, re2js has ${re.groupCount()}`);
    }
    return new AnchoredRegexp(source, re, names, simplePattern(source));
  }

  /** Go's MatchString: whether the (anchored) expression matches `s`. */
  matches(s: string): boolean {
    return this.simple !== undefined ? this.simple.matches(s) : this.re.test(s);
  }

  /** Go's FindStringSubmatchIndex, or null when there is no match. */
  submatchIndexes(s: string): SubmatchIndexes | null {
    if (this.simple !== undefined) return this.simple.submatches(s);
    return this.re.re2().findSubmatchIndex(s) as number[] | null;
  }

  /** Go's ExpandString: the template with `$1`, `${name}`, `$$` resolved against a match of `src`. */
  expand(template: string, src: string, match: SubmatchIndexes): string {
    return expandTemplate(template, src, match, this.groupNames);
  }

  /**
   * Go's ReplaceAllString. For a fully anchored pattern that matched, this is the one match's
   * expansion; the loop matters only for patterns that escape their anchors (`a)|(b`).
   */
  replaceAll(src: string, template: string): string {
    if (this.simple !== undefined) {
      // Anchored at the start, a simple pattern can match only once, at 0.
      const match = this.simple.submatches(src);
      return match === null ? src : this.expand(template, src, match);
    }
    const re2 = this.re.re2();
    const ngroup = this.groupNames.length;
    let out = '';
    let lastMatchEnd = 0;
    let searchPos = 0;
    while (searchPos <= src.length) {
      const [found, caps] = re2.matchWithGroup(src, searchPos, src.length, UNANCHORED, ngroup) as [boolean, number[] | null];
      if (!found || caps === null) break;
      const match = padded(caps, ngroup);
      const start = match[0]!;
      const end = match[1]!;
      out += src.slice(lastMatchEnd, start);
      // No replacement for an empty match right after the previous match (Go's rule).
      if (end > lastMatchEnd || start === 0) out += this.expand(template, src, match);
      lastMatchEnd = end;
      const width = codePointWidth(src, searchPos);
      if (searchPos + width > end) searchPos += width;
      else if (searchPos + 1 > end) searchPos++;
      else searchPos = end;
    }
    return out + src.slice(lastMatchEnd);
  }

  toString(): string {
    return this.source;
  }
}

const UNANCHORED = 0;

function padded(caps: readonly number[], ngroup: number): number[] {
  const out = new Array<number>(2 * ngroup);
  for (let i = 0; i < out.length; i++) out[i] = caps[i] ?? -1;
  return out;
}

/** UTF-16 units of the code point at `pos` (0 at the end, like Go's DecodeRuneInString on ""). */
function codePointWidth(s: string, pos: number): number {
  if (pos >= s.length) return 0;
  const c = s.charCodeAt(pos);
  if (c < 0xd800 || c >= 0xdc00 || pos + 1 >= s.length) return 1;
  const next = s.charCodeAt(pos + 1);
  return next >= 0xdc00 && next < 0xe000 ? 2 : 1;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

interface CaptureGroup {
  /** Offset of the `(`. */
  readonly at: number;
  /** Offset just past the group's header: `(` or `(?P<name>`. */
  readonly headerEnd: number;
  readonly name: string;
}

/**
 * Walks a pattern as Go's parser does, skipping escapes, `\Q...\E` and character classes (with their
 * `[:alpha:]` parts), to find the capture groups in order and the first `(?<`.
 */
function scanGroups(pattern: string): { groups: CaptureGroup[]; firstAngleGroup: number } {
  const groups: CaptureGroup[] = [];
  let firstAngleGroup = -1;
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === '\\') {
      if (pattern[i + 1] === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        i = end < 0 ? pattern.length : end + 2;
      } else {
        i += 2;
      }
    } else if (c === '[') {
      i = skipClass(pattern, i);
    } else if (c === '(') {
      if (pattern[i + 1] !== '?') {
        groups.push({ at: i, headerEnd: i + 1, name: '' });
      } else if (pattern.startsWith('P<', i + 2)) {
        const close = pattern.indexOf('>', i + 4);
        if (close < 0) break; // Go fails here: the rest does not matter
        groups.push({ at: i, headerEnd: close + 1, name: pattern.slice(i + 4, close) });
        i = close;
      } else if (pattern[i + 2] === '<' && firstAngleGroup < 0) {
        firstAngleGroup = i;
      }
      i++;
    } else {
      i++;
    }
  }
  return { groups, firstAngleGroup };
}

/** The offset after the character class that starts at `start` (or the end of the pattern). */
function skipClass(pattern: string, start: number): number {
  let i = start + 1;
  if (pattern[i] === '^') i++;
  if (pattern[i] === ']') i++; // a leading ] is a literal
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === ']') return i + 1;
    if (c === '\\') {
      i += 2;
    } else if (c === '[' && pattern[i + 1] === ':') {
      const end = pattern.indexOf(':]', i + 2);
      i = end < 0 ? i + 1 : end + 2;
    } else {
      i++;
    }
  }
  return i;
}

function withoutGroupNames(pattern: string, groups: readonly CaptureGroup[]): string {
  let out = '';
  let from = 0;
  for (const g of groups) {
    if (g.name === '') continue;
    out += pattern.slice(from, g.at) + '(';
    from = g.headerEnd;
  }
  return out + pattern.slice(from);
}

/**
 * Go 1.19 stops at the first `(?<` with "invalid or unsupported Perl syntax", unless an error comes
 * earlier in the pattern. re2js parses left to right like Go, so let it parse the pattern with that
 * `(?<` replaced by a flag it rejects in the same way (`(?~`), and translate the answer back.
 */
function angleGroupError(anchored: string, at: number): RegexpError {
  const probe = anchored.slice(0, at) + '(?~' + anchored.slice(at + 3);
  const goMessage = 'error parsing regexp: invalid or unsupported Perl syntax: `(?<`';
  try {
    RE2JS.compile(probe);
  } catch (err) {
    const message = errorMessage(err);
    const probeMessage = 'error parsing regexp: invalid or unsupported Perl syntax: `(?~`';
    if (message === probeMessage && !anchored.slice(0, at).includes('(?~')) return new RegexpError(goMessage);
    return new RegexpError(message.split(probe).join(anchored));
  }
  return new RegexpError(goMessage);
}
