// JSON exactly as Prometheus 2.42's API writes it: Go's encoding/json string escaping (HTML-safe, lower-case
// hex), sample values as util/jsonutil.MarshalValue spells them, timestamps as MarshalTimestamp writes them,
// and scalars as promql.Scalar.MarshalJSON does. Result bodies are built as strings, never through
// JSON.stringify, so large matrices cost one pass.

import { formatGoFloat } from '../../format/go-float.js';
import type { Labels } from '../../model/labels.js';

/** A fragment that is already JSON, embedded as is by `goJson`. */
export class RawJson {
  constructor(readonly json: string) {}
}

const HEX = '0123456789abcdef';
// Characters Go's encoder escapes: controls, quote, backslash, <, >, &, and U+2028/U+2029.
const NEEDS_ESCAPE = /["\\\u0000-\u001f<>&\u2028\u2029]/;

/** A string as Go's encoding/json writes it (SetEscapeHTML(true), Go 1.19: no \b or \f short forms). */
export function goJsonString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26) out += '\\u00' + HEX[c >> 4] + HEX[c & 15];
    else if (c === 0x2028 || c === 0x2029) out += '\\u202' + HEX[c & 15];
    else out += s[i];
  }
  return out + '"';
}

/**
 * Any plain value as JSON with Go's string escaping: objects keep their key order (Go's struct field
 * order), `undefined` fields are omitted (omitempty), RawJson fragments are embedded.
 */
export function goJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v instanceof RawJson) return v.json;
  switch (typeof v) {
    case 'string': return goJsonString(v);
    case 'number': return Number.isFinite(v) ? JSON.stringify(v) : 'null';
    case 'boolean': return v ? 'true' : 'false';
    case 'bigint': return v.toString();
  }
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  const parts: string[] = [];
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x !== undefined) parts.push(`${goJsonString(k)}:${goJson(x)}`);
  }
  return `{${parts.join(',')}}`;
}

/** A label set as labels.Labels.MarshalJSON: a map, keys in byte order (our label sets are sorted). */
export function labelsJson(ls: Labels): string {
  let out = '{';
  for (let i = 0; i < ls.length; i++) {
    if (i > 0) out += ',';
    out += goJsonString(ls[i]!.name) + ':' + goJsonString(ls[i]!.value);
  }
  return out + '}';
}

/** MarshalTimestamp: milliseconds as seconds with up to three decimals, kept as written (".100"). */
export function timestampJson(ms: number): string {
  let t = ms;
  let sign = '';
  if (t < 0) {
    sign = '-';
    t = -t;
  }
  const fraction = t % 1000;
  const whole = (t - fraction) / 1000;
  if (fraction === 0) return `${sign}${whole}`;
  return `${sign}${whole}.${fraction < 100 ? (fraction < 10 ? '00' : '0') : ''}${fraction}`;
}

/**
 * jsonutil.MarshalValue: strconv.FormatFloat(v, 'f', -1, 64), switching to 'e' below 1e-6 and from 1e21
 * (where Go's 'e' and 'g' spell the same digits); NaN, +Inf and -Inf by name.
 */
export function sampleValueString(v: number): string {
  const abs = v < 0 ? -v : v;
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) return formatGoFloat(v); // 'e', or an infinity or NaN
  if (v !== v) return 'NaN';
  return goFixed(v);
}

/** strconv.FormatFloat(v, 'f', -1, 64): the shortest digits that read back, never in exponent form. */
export function goFixed(v: number): string {
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const js = String(v);
  const e = js.indexOf('e');
  if (e < 0) return js;
  // JavaScript uses exponent form below 1e-7 and from 1e21: spell the same digits out.
  const negative = js.charCodeAt(0) === 45;
  const mantissa = js.slice(negative ? 1 : 0, e);
  const exp = Number(js.slice(e + 1));
  const digits = mantissa.replace('.', '');
  const pointAt = 1 + exp; // position of the decimal point after the first digit
  let out: string;
  if (pointAt <= 0) out = '0.' + '0'.repeat(-pointAt) + digits;
  else if (pointAt >= digits.length) out = digits + '0'.repeat(pointAt - digits.length);
  else out = digits.slice(0, pointAt) + '.' + digits.slice(pointAt);
  return negative ? '-' + out : out;
}

/** `[<seconds>, "<value>"]` for a float sample (marshalPointJSON). */
export function pointJson(t: number, v: number): string {
  return `[${timestampJson(t)},"${sampleValueString(v)}"]`;
}
