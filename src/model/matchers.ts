// Label matchers (=, !=, =~, !~) and the series-selector parser that `promtool tsdb dump --match` and
// the library use. Regular expressions follow Prometheus 2.42: RE2 syntax (re2js), fully anchored as
// `^(?:re)$`, so `.` does not match a newline unless the pattern says `(?s)`.

import { RE2JS } from 're2js';
import { goQuote } from '../format/go-quote.js';
import { METRIC_NAME } from './labels.js';

export type MatchType = '=' | '!=' | '=~' | '!~';

/** A compiled label matcher. A missing label matches as the empty string, as in Prometheus. */
export class Matcher {
  private readonly re: RE2JS | undefined;

  constructor(
    readonly type: MatchType,
    readonly name: string,
    readonly value: string,
  ) {
    this.re = type === '=~' || type === '!~' ? compileAnchored(value) : undefined;
  }

  /** Whether a label value (or "" for a missing label) satisfies the matcher. */
  matches(value: string): boolean {
    switch (this.type) {
      case '=':
        return value === this.value;
      case '!=':
        return value !== this.value;
      case '=~':
        return this.re!.matches(value);
      case '!~':
        return !this.re!.matches(value);
    }
  }

  /** The matcher that selects exactly the values this one rejects. */
  inverse(): Matcher {
    const inverted: Record<MatchType, MatchType> = { '=': '!=', '!=': '=', '=~': '!~', '!~': '=~' };
    return new Matcher(inverted[this.type], this.name, this.value);
  }

  /** Prometheus's Matcher.String(): `name="value"` with the value Go-quoted. */
  toString(): string {
    return `${this.name}${this.type}${goQuote(this.value)}`;
  }
}

export class MatcherError extends Error {
  override readonly name = 'MatcherError';
}

function compileAnchored(pattern: string): RE2JS {
  rejectNamedGroupsOfNewerGo(pattern);
  try {
    RE2JS.compile(pattern); // on its own first, so that `a)|(b` cannot escape the anchoring group
    return RE2JS.compile('^(?:' + pattern + ')$');
  } catch (e) {
    throw new MatcherError(e instanceof Error ? e.message : String(e));
  }
}

/**
 * Go 1.19's regexp (Prometheus 2.42) knows only `(?P<name>re)`; `(?<name>re)` arrived in Go 1.22 and
 * re2js accepts it, so reject it here to keep the accepted language the same.
 */
function rejectNamedGroupsOfNewerGo(pattern: string): void {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && pattern[i + 1] === 'Q') {
      const end = pattern.indexOf('\\E', i + 2);
      i = end < 0 ? pattern.length : end + 1;
    } else if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') {
      inClass = true;
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++; // a leading ] is a literal
    } else if (c === '(' && pattern.startsWith('?<', i + 1)) {
      throw new MatcherError(`error parsing regexp: invalid or unsupported Perl syntax: \`(?<\``);
    }
  }
}

/** Convenience constructor mirroring labels.MustNewMatcher. */
export function matcher(type: MatchType, name: string, value: string): Matcher {
  return new Matcher(type, name, value);
}

/** Whether a label set satisfies every matcher (missing labels count as ""). */
export function matchesAll(matchers: readonly Matcher[], get: (name: string) => string | undefined): boolean {
  for (const m of matchers) if (!m.matches(get(m.name) ?? '')) return false;
  return true;
}


// ---------------------------------------------------------------------------------------------------------
// Series selectors: `metric`, `metric{a="b"}`, `{__name__=~"x.*", job!="y",}`, as Prometheus 2.42's
// parser.ParseMetricSelector reads them: the PromQL lexer's rules for identifiers, strings (double, single
// or back quotes, Go escapes) and `#` comments; no check that a matcher is non-empty (so `{}` selects
// nothing and `{a=""}` selects every series without `a`), and a metric name beside a `__name__` matcher
// simply adds a second matcher.

/** A selector that does not parse; the message is Prometheus's `line:col: parse error: ...`. */
export class SelectorParseError extends MatcherError {}

// PromQL keywords that the grammar does not accept as a metric name (sum, by, offset, ... are accepted).
const KEYWORDS_REJECTED_AS_METRIC = new Set(['atan2', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'inf', 'nan']);
const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 0x5c };
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const UTF8_ENCODER = new TextEncoder();

/** Parses a series selector into matchers (a metric name becomes a trailing `__name__="..."` matcher). */
export function parseSeriesSelector(input: string): Matcher[] {
  return new SelectorParser(input).parse();
}

const isAlpha = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z_]$/.test(c);
const isAlphaNumeric = (c: string | undefined): boolean => c !== undefined && /^[A-Za-z0-9_]$/.test(c);
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

class SelectorParser {
  private pos = 0;

  constructor(private readonly input: string) {}

  parse(): Matcher[] {
    this.skipBlank();
    let name: string | undefined;
    const c = this.input[this.pos];
    if (isAlpha(c) || c === ':') name = this.metricIdentifier();
    else if (c !== '{') this.unexpectedAtStart();
    this.skipBlank();
    let matchers: Matcher[] = [];
    if (this.input[this.pos] === '{') {
      this.pos++;
      matchers = this.matcherList();
      this.skipBlank();
    }
    if (this.pos < this.input.length) this.unexpectedAtStart();
    if (name !== undefined) matchers.push(new Matcher('=', METRIC_NAME, name));
    return matchers;
  }

  private metricIdentifier(): string {
    const start = this.pos;
    while (isAlphaNumeric(this.input[this.pos]) || this.input[this.pos] === ':') this.pos++;
    const word = this.input.slice(start, this.pos);
    const lower = word.toLowerCase();
    if (KEYWORDS_REJECTED_AS_METRIC.has(lower)) {
      this.fail(start, lower === 'inf' || lower === 'nan' ? `unexpected number "${word}"` : `unexpected <${lower}>`);
    }
    return word;
  }

  /** After `{`: matchers separated by commas, an optional trailing comma, then `}`. */
  private matcherList(): Matcher[] {
    const matchers: Matcher[] = [];
    for (;;) {
      this.skipBlank(true);
      const c = this.input[this.pos];
      if (c === '}') {
        this.pos++;
        return matchers;
      }
      if (!isAlpha(c)) this.unexpectedInBraces('identifier or "}"');
      matchers.push(this.labelMatcher());
      this.skipBlank(true);
      const sep = this.input[this.pos];
      if (sep === ',') this.pos++;
      else if (sep !== '}') this.unexpectedInBraces('"," or "}"');
    }
  }

  private labelMatcher(): Matcher {
    const start = this.pos;
    while (isAlphaNumeric(this.input[this.pos])) this.pos++;
    const name = this.input.slice(start, this.pos);
    this.skipBlank(true);
    const op = this.matchOp();
    this.skipBlank(true);
    const q = this.input[this.pos];
    if (q !== '"' && q !== "'" && q !== '`') this.unexpectedInBraces('string');
    const value = this.stringLiteral();
    try {
      return new Matcher(op, name, value);
    } catch (e) {
      return this.fail(start, e instanceof Error ? e.message : String(e));
    }
  }

  private matchOp(): MatchType {
    const c = this.input[this.pos];
    const n = this.input[this.pos + 1];
    if (c === '=') {
      this.pos += n === '~' ? 2 : 1;
      return n === '~' ? '=~' : '=';
    }
    if (c === '!') {
      if (n === '=' || n === '~') {
        this.pos += 2;
        return n === '=' ? '!=' : '!~';
      }
      this.fail(this.pos, `unexpected character after '!' inside braces: ${quoteRuneGo(n)}`);
    }
    return this.unexpectedInBraces('label matching operator');
  }

  /** A quoted string; Go escapes in "..." and '...' (each byte escape adds one byte), none in `...`. */
  private stringLiteral(): string {
    const start = this.pos;
    const quote = this.input[this.pos++]!;
    if (quote === '`') {
      const end = this.input.indexOf('`', this.pos);
      if (end < 0) this.fail(this.input.length, 'unterminated raw string');
      this.pos = end + 1;
      return this.input.slice(start + 1, end);
    }
    const bytes: number[] = [];
    for (;;) {
      const c = this.input[this.pos];
      if (c === undefined || c === '\n') this.fail(this.pos, 'unterminated quoted string');
      this.pos++;
      if (c === quote) break;
      if (c !== '\\') {
        const cp = this.input.codePointAt(this.pos - 1)!;
        if (cp > 0xffff) this.pos++;
        if (cp >= 0xd800 && cp < 0xe000) this.fail(this.pos - 1, 'invalid UTF-8 rune');
        for (const b of UTF8_ENCODER.encode(String.fromCodePoint(cp))) bytes.push(b);
        continue;
      }
      this.escape(quote, bytes);
    }
    try {
      return UTF8.decode(Uint8Array.from(bytes));
    } catch {
      return this.fail(start, 'string literal is not valid UTF-8 after unescaping');
    }
  }

  private escape(quote: string, bytes: number[]): void {
    const at = this.pos - 1;
    const c = this.input[this.pos++];
    if (c === undefined) this.fail(at, 'escape sequence not terminated');
    if (c === quote) return void bytes.push(quote.charCodeAt(0));
    const simple = SIMPLE_ESCAPES[c];
    if (simple !== undefined) return void bytes.push(simple);
    let digits: number;
    let base: number;
    if (c >= '0' && c <= '7') {
      digits = 3;
      base = 8;
      this.pos--;
    } else if (c === 'x') [digits, base] = [2, 16];
    else if (c === 'u') [digits, base] = [4, 16];
    else if (c === 'U') [digits, base] = [8, 16];
    else return this.fail(at, `unknown escape sequence ${goRuneName(c)}`);
    let value = 0;
    for (let i = 0; i < digits; i++) {
      const d = this.input[this.pos];
      const v = d === undefined ? NaN : parseInt(d, base);
      if (d === undefined) this.fail(this.pos, 'escape sequence not terminated');
      if (Number.isNaN(v)) this.fail(this.pos, `illegal character ${goRuneName(d)} in escape sequence`);
      value = value * base + v;
      this.pos++;
    }
    if (base === 8 || c === 'x') {
      if (value > 255) this.fail(at, 'escape sequence is an invalid Unicode code point');
      bytes.push(value);
      return;
    }
    if (value > 0x10ffff || (value >= 0xd800 && value < 0xe000)) {
      this.fail(at, 'escape sequence is an invalid Unicode code point');
    }
    for (const b of UTF8_ENCODER.encode(String.fromCodePoint(value))) bytes.push(b);
  }

  /** Skips whitespace and `#` comments (which run to the end of the line). */
  private skipBlank(insideBraces = false): void {
    for (;;) {
      const c = this.input[this.pos];
      if (isSpace(c)) this.pos++;
      else if (c === '#') {
        const nl = this.input.indexOf('\n', this.pos);
        this.pos = nl < 0 ? this.input.length : nl;
      } else break;
    }
    if (insideBraces && this.pos >= this.input.length) this.fail(this.pos, 'unexpected end of input inside braces');
  }

  private unexpectedAtStart(): never {
    const c = this.input[this.pos];
    if (c === undefined) this.fail(this.pos, 'unexpected end of input');
    return this.fail(this.pos, `unexpected character: ${quoteRuneGo(c)}`);
  }

  private unexpectedInBraces(expected: string): never {
    const c = this.input[this.pos];
    if (c === undefined) this.fail(this.pos, 'unexpected end of input inside braces');
    const what = c === ',' ? '","' : c === '}' ? '"}"' : c === '=' || c === '!' ? 'label matching operator' : quoteRuneGo(c);
    return this.fail(this.pos, `unexpected ${what} in label matching, expected ${expected}`);
  }

  private fail(at: number, message: string): never {
    const before = this.input.slice(0, at);
    const line = before.split('\n').length;
    const col = at - (before.lastIndexOf('\n') + 1) + 1;
    throw new SelectorParseError(`${line}:${col}: parse error: ${message}`);
  }
}

function quoteRuneGo(c: string | undefined): string {
  return c === undefined ? 'EOF' : `'${c}'`;
}

/** Go's %#U: "U+0071 'q'". */
function goRuneName(c: string): string {
  const cp = c.codePointAt(0)!;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${c}'`;
}
