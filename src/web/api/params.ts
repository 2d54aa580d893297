// Request parameters as Prometheus 2.42's API reads them (web/api/v1/api.go): form values from the URL and
// a urlencoded body (the body's first, as Go's Request.FormValue), times as unix seconds (float) or RFC3339,
// durations as float seconds or Prometheus durations, and match[] selectors.

import type { FastifyRequest } from 'fastify';
import { goQuote } from '../../format/go-quote.js';
import { parseDuration as parsePromDuration } from '../../model/duration.js';
import { MatcherError, parseSeriesSelector, type Matcher } from '../../model/matchers.js';
import { ApiError } from './respond.js';

/** The request's form: body values first, then the URL's, as Go's Request.Form. */
export class FormValues {
  private readonly values = new Map<string, string[]>();

  constructor(...sources: URLSearchParams[]) {
    for (const source of sources) {
      for (const [k, v] of source) {
        const list = this.values.get(k);
        if (list) list.push(v);
        else this.values.set(k, [v]);
      }
    }
  }

  static of(request: FastifyRequest): FormValues {
    const q = request.url.indexOf('?');
    const url = new URLSearchParams(q < 0 ? '' : request.url.slice(q + 1));
    const body = typeof request.body === 'string' ? new URLSearchParams(request.body) : new URLSearchParams();
    return new FormValues(body, url);
  }

  /** FormValue: the first value, or '' when absent. */
  get(name: string): string {
    return this.values.get(name)?.[0] ?? '';
  }

  all(name: string): readonly string[] {
    return this.values.get(name) ?? [];
  }
}

/** time.Unix(math.MinInt64/1000+62135596801, 0): the earliest time the API accepts, and its default start. */
const MIN_TIME_SECONDS = -9223309901257974;
/** The default end, time.Unix(math.MaxInt64/1000-62135596801, 999999999). */
const MAX_TIME_SECONDS = 9223309901257974;
export const MIN_TIME_MS = MIN_TIME_SECONDS * 1000;
export const MAX_TIME_MS = MAX_TIME_SECONDS * 1000 + 999;
const MIN_TIME_FORMATTED = '-292273086-05-16T16:47:06Z';
const MAX_TIME_FORMATTED = '292277025-08-18T07:12:54.999999999Z';

/** Times beyond this many seconds cannot be held as exact milliseconds; they are refused as unparsable. */
const MAX_EXACT_SECONDS = Math.floor(Number.MAX_SAFE_INTEGER / 1000);

/**
 * parseTime: milliseconds since the epoch (timestamp.FromTime of the parsed time). Throws a plain Error
 * with Prometheus's message (`cannot parse "x" to a valid timestamp`).
 */
export function parseTime(s: string): number {
  const f = goParseFloat(s);
  if (f !== undefined && Number.isFinite(f)) {
    // Go: s, ns := math.Modf(t); ns = math.Round(ns*1000)/1000; time.Unix(int64(s), int64(ns*1e9)).
    let sec = Math.trunc(f);
    if (Math.abs(sec) <= MAX_EXACT_SECONDS) {
      let nanos = Math.trunc((goRound((f - sec) * 1000) / 1000) * 1e9);
      if (nanos < 0) {
        sec -= 1;
        nanos += 1e9;
      }
      return sec * 1000 + Math.trunc(nanos / 1e6);
    }
  } else {
    const t = parseRfc3339Nano(s);
    if (t !== undefined) return t;
    if (s === MIN_TIME_FORMATTED) return MIN_TIME_MS;
    if (s === MAX_TIME_FORMATTED) return MAX_TIME_MS;
  }
  throw new Error(`cannot parse ${goQuote(s)} to a valid timestamp`);
}

/** parseTimeParam: the named form value as milliseconds, or `fallback` when absent. Throws ApiError. */
export function timeParam(form: FormValues, name: string, fallback: number): number {
  const v = form.get(name);
  if (v === '') return fallback;
  try {
    return parseTime(v);
  } catch (e) {
    throw new ApiError('bad_data', `invalid parameter "${name}": Invalid time value for '${name}': ${(e as Error).message}`);
  }
}

/** parseDuration: nanoseconds, exactly (a BigInt, as Go's time.Duration). Throws Error with Prometheus's message. */
export function parseApiDuration(s: string): bigint {
  const f = goParseFloat(s);
  if (f !== undefined) {
    const ns = f * 1e9;
    if (ns > 9223372036854775807 || ns < -9223372036854775808) {
      throw new Error(`cannot parse ${goQuote(s)} to a valid duration. It overflows int64`);
    }
    // Go's conversion of NaN to int64 yields math.MinInt64 on amd64.
    return ns !== ns ? -(1n << 63n) : BigInt(Math.trunc(ns));
  }
  try {
    return BigInt(parsePromDuration(s)) * 1_000_000n;
  } catch {
    throw new Error(`cannot parse ${goQuote(s)} to a valid duration`);
  }
}

/**
 * parseMatchersParam: each match[] as a series selector; every set needs a matcher that rejects the
 * empty string. Throws ApiError(bad_data) with the parser's message.
 */
export function matcherSets(values: readonly string[], wrapAs?: string): Matcher[][] {
  const sets: Matcher[][] = [];
  for (const s of values) {
    try {
      sets.push(parseSeriesSelector(s));
    } catch (e) {
      if (!(e instanceof MatcherError)) throw e;
      throw new ApiError('bad_data', wrapAs ? `invalid parameter "${wrapAs}": ${e.message}` : e.message);
    }
  }
  for (const set of sets) {
    if (!set.some((m) => !m.matches(''))) {
      const message = 'match[] must contain at least one non-empty matcher';
      throw new ApiError('bad_data', wrapAs ? `invalid parameter "${wrapAs}": ${message}` : message);
    }
  }
  return sets;
}

/** Go's strconv.ParseFloat(s, 64), or undefined where it fails (out-of-range values fail too). */
export function goParseFloat(s: string): number | undefined {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    const v = Number(s);
    return Number.isFinite(v) ? v : undefined;
  }
  const special = /^([+-]?)(inf|infinity)$/i.exec(s);
  if (special) return special[1] === '-' ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(s);
  if (hex && hex[2]!.length + (hex[3] ?? '').length > 0) {
    const fraction = hex[3] ?? '';
    const v = Number(BigInt('0x' + hex[2]! + fraction)) * 2 ** (Number(hex[4]) - 4 * fraction.length);
    if (!Number.isFinite(v)) return undefined;
    return hex[1] === '-' ? -v : v;
  }
  return undefined;
}

/** Go's math.Round: half away from zero. */
function goRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** time.Parse(time.RFC3339Nano, s) as milliseconds, or undefined. */
function parseRfc3339Nano(s: string): number | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (month < 1 || month > 12 || day < 1) return undefined;
  if (day > DAYS_IN_MONTH[month - 1]! + (month === 2 && leap ? 1 : 0)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetSeconds = 0;
  if (m[8] === undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offsetSeconds = (m[9] === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  const fraction = (m[7] ?? '').slice(0, 3).padEnd(3, '0');
  const seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds;
  return seconds * 1000 + Number(fraction);
}

/** Days since 1970-01-01 of a proleptic Gregorian date. */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
