// The shapes most relabel regexes take, matched without the regex engine: `foo|bar` (exact names),
// `go_.*|process_.*` (prefixes), `(.*)` (the default), `__meta_(.+)` (a prefix and one group). For
// these the anchored Go semantics are plain string tests: `.` is any character but "\n", so `P.*`
// matches exactly the strings that start with P and have no newline after it. Anything else (flags,
// classes, escapes, other groups) goes to re2js.

/** A matcher for one of the simple shapes; `submatches` gives Go's FindStringSubmatchIndex. */
export interface SimplePattern {
  matches(s: string): boolean;
  /** Indexes of the whole match and of the groups, or null when there is no match. */
  submatches(s: string): number[] | null;
}

const META = /[\\.+*?()|[\]{}^$]/;

/** Recognises a simple shape, or returns undefined. */
export function simplePattern(source: string): SimplePattern | undefined {
  const grouped = /^([^\\.+*?()|[\]{}^$]*)\(\.([*+])\)$/.exec(source);
  if (grouped !== null) return new PrefixGroup(grouped[1]!, grouped[2] === '+');
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const alternative of source.split('|')) {
    if (alternative.endsWith('.*') && !META.test(alternative.slice(0, -2))) prefixes.push(alternative.slice(0, -2));
    else if (!META.test(alternative)) exact.add(alternative);
    else return undefined;
  }
  return new Alternatives(exact, prefixes);
}

/** `L(.*)` or `L(.+)`: group 1 is everything after the literal L. */
class PrefixGroup implements SimplePattern {
  constructor(
    private readonly prefix: string,
    private readonly nonEmpty: boolean,
  ) {}

  matches(s: string): boolean {
    return s.startsWith(this.prefix) && (!this.nonEmpty || s.length > this.prefix.length) && s.indexOf('\n', this.prefix.length) < 0;
  }

  submatches(s: string): number[] | null {
    return this.matches(s) ? [0, s.length, this.prefix.length, s.length] : null;
  }
}

/** `a|b|c.*|...`: exact strings and prefixes (each followed by `.*`), no groups. */
class Alternatives implements SimplePattern {
  constructor(
    private readonly exact: ReadonlySet<string>,
    private readonly prefixes: readonly string[],
  ) {}

  matches(s: string): boolean {
    if (this.exact.has(s)) return true;
    for (const p of this.prefixes) if (s.startsWith(p) && s.indexOf('\n', p.length) < 0) return true;
    return false;
  }

  submatches(s: string): number[] | null {
    return this.matches(s) ? [0, s.length] : null;
  }
}
