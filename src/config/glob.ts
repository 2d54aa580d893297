// Go's path/filepath.Match and Glob (POSIX separators), which promtool uses to expand rule_files and
// file_sd_configs patterns: `*` (any run of non-separators), `?` (one non-separator), `[a-z]` / `[^a-z]`
// classes and `\` escapes. A malformed pattern is "syntax error in pattern" (filepath.ErrBadPattern).

import { lstatSync, readdirSync, statSync } from 'node:fs';

export class GlobPatternError extends Error {
  override readonly name = 'GlobPatternError';
  constructor() {
    super('syntax error in pattern');
  }
}

/** filepath.Match: whether `name` matches `pattern`; throws GlobPatternError for a malformed pattern. */
export function globMatch(pattern: string, name: string): boolean {
  return compile(pattern).test(name);
}

/** filepath.Glob: the matching paths in sorted order per directory; I/O errors are ignored, as in Go. */
export function glob(pattern: string): string[] {
  compile(pattern); // Go checks the whole pattern first
  if (!hasMeta(pattern)) {
    try {
      lstatSync(pattern);
      return [pattern];
    } catch {
      return [];
    }
  }
  const slash = pattern.lastIndexOf('/');
  const dirPart = slash < 0 ? '' : pattern.slice(0, slash + 1);
  const file = pattern.slice(slash + 1);
  const dir = dirPart === '' ? '.' : dirPart === '/' ? '/' : dirPart.slice(0, -1);
  if (!hasMeta(dir)) return globIn(dir, file);
  if (dir === pattern) throw new GlobPatternError();
  return glob(dir).flatMap((d) => globIn(d, file));
}

function globIn(dir: string, pattern: string): string[] {
  try {
    if (!statSync(dir).isDirectory()) return [];
  } catch {
    return [];
  }
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const re = compile(pattern);
  return names
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .filter((n) => re.test(n))
    .map((n) => joinClean(dir, n));
}

function hasMeta(path: string): boolean {
  return /[*?[\\]/.test(path);
}

/** filepath.Join(dir, name) for a plain name: "." disappears, as Clean does. */
function joinClean(dir: string, name: string): string {
  if (dir === '.') return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

const cache = new Map<string, RegExp>();

/** Translates a Go pattern into an anchored JavaScript regex, refusing what Go refuses. */
function compile(pattern: string): RegExp {
  const cached = cache.get(pattern);
  if (cached !== undefined) return cached;
  let out = '^';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\') {
      if (i + 1 >= chars.length) throw new GlobPatternError();
      out += escapeChar(chars[++i]!);
    } else if (c === '[') {
      let j = i + 1;
      let negate = false;
      if (chars[j] === '^') {
        negate = true;
        j++;
      }
      let cls = '';
      let ranges = 0;
      for (;;) {
        if (j < chars.length && chars[j] === ']' && ranges > 0) break;
        const lo = classChar(chars, j);
        j = lo.next;
        let hi = lo;
        if (chars[j] === '-') {
          hi = classChar(chars, j + 1);
          j = hi.next;
          if (hi.code < lo.code) throw new GlobPatternError();
        }
        cls += `\\u{${lo.code.toString(16)}}-\\u{${hi.code.toString(16)}}`;
        ranges++;
      }
      out += negate ? `[^${cls}]` : `[${cls}]`;
      i = j;
    } else {
      out += escapeChar(c);
    }
  }
  const re = new RegExp(out + '$', 'u');
  if (cache.size > 1000) cache.clear();
  cache.set(pattern, re);
  return re;
}

/** One class character (Go's getEsc): `-` and `]` must be escaped; the pattern must not end inside. */
function classChar(chars: readonly string[], i: number): { code: number; next: number } {
  let c = chars[i];
  if (c === undefined || c === '-' || c === ']') throw new GlobPatternError();
  let next = i + 1;
  if (c === '\\') {
    c = chars[next];
    if (c === undefined) throw new GlobPatternError();
    next++;
  }
  if (next >= chars.length) throw new GlobPatternError();
  return { code: c.codePointAt(0)!, next };
}

function escapeChar(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? '\\' + c : c;
}
