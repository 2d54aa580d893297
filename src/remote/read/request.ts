// Remote read request: `prometheus.ReadRequest` walked by hand over the decompressed body (field
// numbers in src/remote/proto/remote.proto and types.proto), and the response-type negotiation of
// Prometheus 2.42's NegotiateResponseType.

import { Matcher, MatcherError, type MatchType } from '../../model/matchers.js';
import { skipField } from '../decode-common.js';
import { ProtoDecodeError } from '../errors.js';
import { ProtoReader, tagOf, WIRE_BYTES as LEN, WIRE_VARINT as VARINT } from '../proto-reader.js';

export const SAMPLES = 0;
export const STREAMED_XOR_CHUNKS = 1;
const RESPONSE_TYPE_NAMES: Record<number, string> = { [SAMPLES]: 'SAMPLES', [STREAMED_XOR_CHUNKS]: 'STREAMED_XOR_CHUNKS' };

export interface ReadHints {
  readonly stepMs: number;
  readonly func: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly grouping: readonly string[];
  readonly by: boolean;
  readonly rangeMs: number;
}

export interface WireMatcher {
  /** 0 EQ, 1 NEQ, 2 RE, 3 NRE; anything else is refused when the matchers are built. */
  readonly type: number;
  readonly name: string;
  readonly value: string;
}

export interface ReadQuery {
  /** Both ends inclusive, milliseconds (clamped to ±(2^53 − 1): no sample lies beyond). */
  readonly startMs: number;
  readonly endMs: number;
  readonly matchers: readonly WireMatcher[];
  readonly hints: ReadHints | undefined;
}

export interface ReadRequest {
  readonly queries: readonly ReadQuery[];
  /** Enum values as sent, unknown ones included. */
  readonly acceptedResponseTypes: readonly number[];
}

const READ_REQUEST_FIELDS = ['', 'queries', 'accepted_response_types'];
const R_QUERIES = tagOf(1, LEN);
const R_TYPES = tagOf(2, VARINT);
const R_TYPES_PACKED = tagOf(2, LEN);

/** Decodes a ReadRequest. Throws ProtoDecodeError. */
export function decodeReadRequest(body: Uint8Array): ReadRequest {
  const r = new ProtoReader();
  r.reset(body);
  const end = body.length;
  const queries: ReadQuery[] = [];
  const types: number[] = [];
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === R_QUERIES) queries.push(decodeQuery(r, r.bytesEnd(end)));
    else if (tag === R_TYPES) types.push(r.int32(end));
    else if (tag === R_TYPES_PACKED) {
      const e = r.bytesEnd(end);
      while (r.pos < e) types.push(r.int32(e));
    } else skipField(r, tag, end, 'ReadRequest', READ_REQUEST_FIELDS);
  }
  return { queries, acceptedResponseTypes: types };
}

const QUERY_FIELDS = ['', 'start_timestamp_ms', 'end_timestamp_ms', 'matchers', 'hints'];
const Q_START = tagOf(1, VARINT);
const Q_END = tagOf(2, VARINT);
const Q_MATCHERS = tagOf(3, LEN);
const Q_HINTS = tagOf(4, LEN);

function decodeQuery(r: ProtoReader, end: number): ReadQuery {
  let startMs = 0;
  let endMs = 0;
  const matchers: WireMatcher[] = [];
  let hints: ReadHints | undefined;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === Q_START) startMs = clampedInt64(r, end);
    else if (tag === Q_END) endMs = clampedInt64(r, end);
    else if (tag === Q_MATCHERS) matchers.push(decodeMatcher(r, r.bytesEnd(end)));
    else if (tag === Q_HINTS) hints = decodeHints(r, r.bytesEnd(end));
    else skipField(r, tag, end, 'Query', QUERY_FIELDS);
  }
  return { startMs, endMs, matchers, hints };
}

const MATCHER_FIELDS = ['', 'type', 'name', 'value'];
const M_TYPE = tagOf(1, VARINT);
const M_NAME = tagOf(2, LEN);
const M_VALUE = tagOf(3, LEN);

function decodeMatcher(r: ProtoReader, end: number): WireMatcher {
  let type = 0;
  let name = '';
  let value = '';
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === M_TYPE) type = r.int32(end);
    else if (tag === M_NAME) name = r.string(end, 'LabelMatcher.name');
    else if (tag === M_VALUE) value = r.string(end, 'LabelMatcher.value');
    else skipField(r, tag, end, 'LabelMatcher', MATCHER_FIELDS);
  }
  return { type, name, value };
}

const HINTS_FIELDS = ['', 'step_ms', 'func', 'start_ms', 'end_ms', 'grouping', 'by', 'range_ms'];
const H_STEP = tagOf(1, VARINT);
const H_FUNC = tagOf(2, LEN);
const H_START = tagOf(3, VARINT);
const H_END = tagOf(4, VARINT);
const H_GROUPING = tagOf(5, LEN);
const H_BY = tagOf(6, VARINT);
const H_RANGE = tagOf(7, VARINT);

function decodeHints(r: ProtoReader, end: number): ReadHints {
  let stepMs = 0;
  let func = '';
  let startMs = 0;
  let endMs = 0;
  const grouping: string[] = [];
  let by = false;
  let rangeMs = 0;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === H_STEP) stepMs = clampedInt64(r, end);
    else if (tag === H_FUNC) func = r.string(end, 'ReadHints.func');
    else if (tag === H_START) startMs = clampedInt64(r, end);
    else if (tag === H_END) endMs = clampedInt64(r, end);
    else if (tag === H_GROUPING) grouping.push(r.string(end, 'ReadHints.grouping'));
    else if (tag === H_BY) by = r.uint32(end) !== 0;
    else if (tag === H_RANGE) rangeMs = clampedInt64(r, end);
    else skipField(r, tag, end, 'ReadHints', HINTS_FIELDS);
  }
  return { stepMs, func, startMs, endMs, grouping, by, rangeMs };
}

/**
 * An int64 varint, clamped to ±(2^53 − 1). Clients send math.MinInt64/MaxInt64 for open ranges; no
 * millisecond timestamp of a stored sample lies beyond the clamp, so the selection is the same.
 */
function clampedInt64(r: ProtoReader, end: number): number {
  const buf = r.buf;
  let p = r.pos;
  let v = 0n;
  for (let shift = 0n; ; shift += 7n) {
    if (p >= end) throw new ProtoDecodeError('unexpected end of data in varint', r.pos);
    if (shift >= 70n) throw new ProtoDecodeError('varint overflows 64 bits', r.pos);
    const b = buf[p++]!;
    v |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) break;
  }
  r.pos = p;
  const signed = BigInt.asIntN(64, v);
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  return Number(signed > max ? max : signed < -max ? -max : signed);
}

const MATCH_TYPES: readonly MatchType[] = ['=', '!=', '=~', '!~'];

/**
 * The query's matchers, with Prometheus's external-label rule: an equality matcher on an external
 * label's value becomes `name=""`, since stored series do not carry the external labels. Throws
 * MatcherError for an unknown type or a regex RE2 rejects.
 */
export function toMatchers(wire: readonly WireMatcher[], externalLabels: ReadonlyMap<string, string>): Matcher[] {
  return wire.map(({ type, name, value }) => {
    const matchType = MATCH_TYPES[type];
    if (matchType === undefined) throw new MatcherError('invalid matcher type');
    if (matchType === '=' && externalLabels.has(name) && externalLabels.get(name) === value) return new Matcher('=', name, '');
    return new Matcher(matchType, name, value);
  });
}

/** A negotiation that found no supported type; answered 400. */
export class NegotiationError extends Error {
  override readonly name = 'NegotiationError';
}

/** The first accepted type the server supports; an empty list means SAMPLES. */
export function negotiateResponseType(accepted: readonly number[]): number {
  if (accepted.length === 0) return SAMPLES;
  for (const t of accepted) if (t === SAMPLES || t === STREAMED_XOR_CHUNKS) return t;
  // Go prints the slice with the enum's String() (numbers for unknown values) and the map sorted by key.
  const list = accepted.map((t) => RESPONSE_TYPE_NAMES[t] ?? String(t)).join(' ');
  throw new NegotiationError(
    `server does not support any of the requested response types: [${list}]; supported: map[SAMPLES:{} STREAMED_XOR_CHUNKS:{}]`,
  );
}
