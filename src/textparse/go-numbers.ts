// Number syntax exactly as Prometheus 2.42's text parsers read it, working on byte ranges of the body:
// floats through Go's strconv.ParseFloat after rejecting any `p`, `P` or `_` (model/textparse parseFloat:
// "Keep to pre-Go 1.13 float formats", so hex floats and digit separators fail), integers through
// strconv.ParseInt(s, 10, 64). Both are correctly rounded, so common values are computed directly from the
// digits and only long or extreme ones go through JavaScript's (equally correctly rounded) Number().

import { quoteGoBytes } from './quote.js';

/** A number that Go's strconv would refuse; `message` is Go's wording. */
export class NumberSyntaxError extends Error {
  override readonly name = 'NumberSyntaxError';
}

const DIGIT_0 = 48;
const DIGIT_9 = 57;

// 10^0 .. 10^22 are exact doubles; a mantissa below 2^53 times or divided by one of them is a single
// correctly rounded operation (the same shortcut as Go's atof64exact).
const EXACT_POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const MAX_EXACT_DIGITS = 15;

function lower(c: number): number {
  return c | 0x20;
}

/** Length of the case-insensitive common prefix of b[i, end) and the ASCII word `word`. */
function commonPrefixIgnoreCase(b: Uint8Array, i: number, end: number, word: string): number {
  let n = 0;
  while (n < word.length && i + n < end && lower(b[i + n]!) === word.charCodeAt(n)) n++;
  return n;
}

/**
 * Go's special(): `[+-]?(inf|infinity)` and `nan` (no sign), case-insensitive, covering the whole range.
 * Returns the value, or undefined when the range is not one of those spellings.
 */
function parseSpecial(b: Uint8Array, start: number, end: number): number | undefined {
  let i = start;
  let sign = 1;
  const c = b[i]!;
  if (c === 0x2b || c === 0x2d) {
    if (c === 0x2d) sign = -1;
    i++;
  } else if (lower(c) === 0x6e /* n */) {
    return end - start === 3 && commonPrefixIgnoreCase(b, i, end, 'nan') === 3 ? NaN : undefined;
  }
  if (i >= end || lower(b[i]!) !== 0x69 /* i */) return undefined;
  let n = commonPrefixIgnoreCase(b, i, end, 'infinity');
  if (n > 3 && n < 8) n = 3; // anything between "inf" and "infinity" consumes only "inf"
  if ((n === 3 || n === 8) && i + n === end) return sign * Infinity;
  return undefined;
}

/**
 * Parses b[start, end) as Prometheus's parseFloat does. NaN comes back as a JavaScript NaN: callers that
 * store it write Go's NaN bit pattern themselves. Throws NumberSyntaxError with Go's message.
 */
export function parseGoFloat(b: Uint8Array, start: number, end: number): number {
  if (start >= end) throw syntaxError(b, start, end, 'ParseFloat');
  // Digits first: the common case needs no other look at the bytes.
  let i = start;
  let negative = false;
  const first = b[i]!;
  if (first === 0x2d || first === 0x2b) {
    negative = first === 0x2d;
    i++;
  }
  let mantissa = 0;
  let digits = 0; // significant digits kept in `mantissa`
  let dropped = false; // a non-zero digit did not fit
  let sawDigits = false;
  let sawDot = false;
  let decimalExp = 0; // value = mantissa * 10^decimalExp (before the exponent part)
  for (; i < end; i++) {
    const c = b[i]!;
    if (c >= DIGIT_0 && c <= DIGIT_9) {
      sawDigits = true;
      if (c === DIGIT_0 && digits === 0) {
        if (sawDot) decimalExp--;
        continue; // leading zeros carry no digits
      }
      if (digits < MAX_EXACT_DIGITS) {
        mantissa = mantissa * 10 + (c - DIGIT_0);
        digits++;
        if (sawDot) decimalExp--;
      } else {
        if (c !== DIGIT_0) dropped = true;
        if (!sawDot) decimalExp++;
      }
      continue;
    }
    if (c === 0x2e /* . */ && !sawDot) {
      sawDot = true;
      continue;
    }
    break;
  }
  if (!sawDigits) return parseNonDecimal(b, start, end);
  const mantissaEnd = i;
  let exp = 0;
  if (i < end) {
    if (lower(b[i]!) !== 0x65 /* e */) return parseNonDecimal(b, start, end);
    i++;
    let expNegative = false;
    if (i < end && (b[i] === 0x2b || b[i] === 0x2d)) {
      expNegative = b[i] === 0x2d;
      i++;
    }
    if (i >= end) return parseNonDecimal(b, start, end);
    for (; i < end; i++) {
      const c = b[i]!;
      if (c < DIGIT_0 || c > DIGIT_9) return parseNonDecimal(b, start, end);
      if (exp < 10_000) exp = exp * 10 + (c - DIGIT_0); // Go stops accumulating here too
    }
    if (expNegative) exp = -exp;
  }
  let v: number;
  const e10 = decimalExp + exp;
  if (mantissa === 0) {
    v = 0;
  } else if (!dropped && e10 >= -22 && e10 <= 22) {
    v = e10 >= 0 ? mantissa * EXACT_POW10[e10]! : mantissa / EXACT_POW10[-e10]!;
  } else {
    // The digits as written with the exponent as Go read it (capped), rounded by Number().
    v = Number(`${latin1(b, start, mantissaEnd)}e${exp}`);
    if (v === Infinity || v === -Infinity) throw rangeError(b, start, end);
    return v;
  }
  return negative ? -v : v;
}

/** The spellings that are not plain decimals: Inf/NaN words, or a syntax error (hex floats included). */
function parseNonDecimal(b: Uint8Array, start: number, end: number): number {
  const special = parseSpecial(b, start, end);
  if (special !== undefined) return special;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c === 0x70 || c === 0x50 || c === 0x5f) throw new NumberSyntaxError('unsupported character in float');
  }
  throw syntaxError(b, start, end, 'ParseFloat');
}

const INT64_MAX_DIGITS = '9223372036854775807';

/**
 * strconv.ParseInt(b[start, end), 10, 64) for a run of ASCII digits (the text format's timestamp token).
 * Values beyond 2^53 come back rounded to the nearest double, which is how the rest of the engine holds
 * millisecond timestamps.
 */
export function parseGoInt64Digits(b: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end - 1 && b[i] === DIGIT_0) i++;
  const len = end - i;
  if (len < 16) {
    let v = 0;
    for (; i < end; i++) v = v * 10 + (b[i]! - DIGIT_0);
    return v;
  }
  const s = latin1(b, i, end);
  if (len > 19 || (len === 19 && s > INT64_MAX_DIGITS)) {
    throw new NumberSyntaxError(`strconv.ParseInt: parsing ${quoteGoBytes(b, start, end)}: value out of range`);
  }
  return Number(s);
}

const INT64_LIMIT = 2 ** 63;

/**
 * Go's `int64(seconds * 1000)` on amd64: the product is rounded to a double and truncated toward zero;
 * a product outside the int64 range converts to the "integer indefinite" value -2^63 (CVTTSD2SQ), which
 * is what the Debian amd64 build of Prometheus 2.42 stores.
 */
export function secondsToMillis(seconds: number): number {
  const ms = Math.trunc(seconds * 1000);
  return ms >= INT64_LIMIT || ms < -INT64_LIMIT ? -INT64_LIMIT : ms + 0; // + 0 turns -0 into 0
}

function latin1(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
  return s;
}

function syntaxError(b: Uint8Array, start: number, end: number, fn: string): NumberSyntaxError {
  return new NumberSyntaxError(`strconv.${fn}: parsing ${quoteGoBytes(b, start, end)}: invalid syntax`);
}

function rangeError(b: Uint8Array, start: number, end: number): NumberSyntaxError {
  return new NumberSyntaxError(`strconv.ParseFloat: parsing ${quoteGoBytes(b, start, end)}: value out of range`);
}
