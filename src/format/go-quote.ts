// Go's strconv.Quote: a double-quoted string in which printable runes (Go's strconv.IsPrint) appear as
// themselves, `"` and `\` are backslash-escaped, the C escapes \a \b \f \n \r \t \v are used where they
// exist, other runes below U+0020 and U+007F become \xNN, and every other unprintable rune \uNNNN or
// \UNNNNNNNN. JavaScript strings cannot hold invalid UTF-8; a lone surrogate (which TextEncoder would
// write as U+FFFD) is quoted as U+FFFD, which is printable.

import { isGoPrintable } from './go-printable.js';

const C_ESCAPES: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };

/** True when `s` quotes to itself between the quotes: printable ASCII except `"` and `\`. */
function isPlainAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

/** Quotes a string exactly as Go's `strconv.Quote` does. */
export function goQuote(s: string): string {
  if (isPlainAscii(s)) return '"' + s + '"';
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    let cp = s.charCodeAt(i);
    if (cp >= 0xd800 && cp < 0xe000) {
      const next = s.charCodeAt(i + 1);
      if (cp < 0xdc00 && next >= 0xdc00 && next < 0xe000) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else {
        cp = 0xfffd;
      }
    }
    out += quoteRune(cp);
  }
  return out + '"';
}

function quoteRune(cp: number): string {
  if (cp === 0x22) return '\\"';
  if (cp === 0x5c) return '\\\\';
  if (isGoPrintable(cp)) return String.fromCodePoint(cp);
  const escape = C_ESCAPES[cp];
  if (escape !== undefined) return escape;
  if (cp < 0x20 || cp === 0x7f) return '\\x' + hex(cp, 2);
  if (cp < 0x10000) return '\\u' + hex(cp, 4);
  return '\\U' + hex(cp, 8);
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}
