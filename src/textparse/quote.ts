// Go's %q of a byte string, for error messages that quote pieces of the body as Prometheus does: valid
// UTF-8 runes are quoted like strconv.Quote, every byte that is not part of a valid UTF-8 sequence
// becomes \xNN.

import { goQuote } from '../format/go-quote.js';

/** Length of the valid UTF-8 sequence starting at b[i] (Go's rules: no overlongs, no surrogates), or 0. */
export function utf8SequenceLength(b: Uint8Array, i: number, end: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  let n: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) n = 2;
  else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c === 0xe0) lo = 0xa0;
    else if (c === 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c === 0xf0) lo = 0x90;
    else if (c === 0xf4) hi = 0x8f;
  } else return 0;
  if (i + n > end) return 0;
  const c1 = b[i + 1]!;
  if (c1 < lo || c1 > hi) return 0;
  for (let k = 2; k < n; k++) {
    const ck = b[i + k]!;
    if (ck < 0x80 || ck > 0xbf) return 0;
  }
  return n;
}

/** Go's `fmt.Sprintf("%q", string(b[start:end]))`. */
export function quoteGoBytes(b: Uint8Array, start: number, end: number): string {
  let out = '"';
  let i = start;
  while (i < end) {
    const n = utf8SequenceLength(b, i, end);
    if (n === 0) {
      out += '\\x' + b[i]!.toString(16).padStart(2, '0');
      i++;
      continue;
    }
    const rune = Buffer.from(b.buffer, b.byteOffset + i, n).toString('utf8');
    out += goQuote(rune).slice(1, -1);
    i += n;
  }
  return out + '"';
}
