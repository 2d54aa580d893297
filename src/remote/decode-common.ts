// Pieces of the hand-walked decoders shared by remote write 1.0 and 2.0: unknown-field
// handling and the native histogram, whose field numbers are the same in both messages.

import type { BucketSpan, Histogram } from '../storage/interface.js';
import type { DecodedHistogram } from './decoded-request.js';
import {
  fieldNumber,
  ProtoReader,
  tagOf,
  WIRE_BYTES as LEN,
  WIRE_FIXED64 as I64,
  WIRE_VARINT as VARINT,
} from './proto-reader.js';

/**
 * Skips a field the decoder does not read. A field number the message defines, arriving
 * with a wire type it cannot have, is an error (as in Go's generated code); anything else
 * is skipped, which is what lets a 2.0 body decode as an empty 1.0 request.
 */
export function skipField(r: ProtoReader, tag: number, end: number, message: string, fields: readonly string[]): void {
  const name = fields[fieldNumber(tag)];
  if (name) r.wrongWireType(tag, `${message}.${name}`);
  r.skip(tag, end);
}

/** Reads a packed (length-delimited) run of sint64 values into `out`. */
export function readPackedSint64(r: ProtoReader, end: number, out: number[]): void {
  const e = r.bytesEnd(end);
  while (r.pos < e) out.push(r.sint64(e));
}

/** Reads a packed run of doubles into `out`; the payload must be whole doubles. */
export function readPackedDoubles(r: ProtoReader, end: number, out: number[]): void {
  const at = r.pos;
  const e = r.bytesEnd(end);
  if ((e - r.pos) % 8 !== 0) r.fail(`packed doubles of ${e - r.pos} bytes`, at);
  while (r.pos < e) out.push(r.double(e));
}

const RESET_HINTS: readonly Histogram['counterResetHint'][] = ['unknown', 'reset', 'not_reset', 'gauge'];

const HISTOGRAM_FIELDS = [
  '', 'count_int', 'count_float', 'sum', 'schema', 'zero_threshold', 'zero_count_int', 'zero_count_float',
  'negative_spans', 'negative_deltas', 'negative_counts', 'positive_spans', 'positive_deltas', 'positive_counts',
  'reset_hint', 'timestamp', 'custom_values',
];
const HISTOGRAM_V2_FIELDS = [...HISTOGRAM_FIELDS, 'start_timestamp'];

const H_COUNT_INT = tagOf(1, VARINT);
const H_COUNT_FLOAT = tagOf(2, I64);
const H_SUM = tagOf(3, I64);
const H_SCHEMA = tagOf(4, VARINT);
const H_ZERO_THRESHOLD = tagOf(5, I64);
const H_ZERO_COUNT_INT = tagOf(6, VARINT);
const H_ZERO_COUNT_FLOAT = tagOf(7, I64);
const H_NEGATIVE_SPANS = tagOf(8, LEN);
const H_NEGATIVE_DELTAS = tagOf(9, VARINT);
const H_NEGATIVE_DELTAS_PACKED = tagOf(9, LEN);
const H_NEGATIVE_COUNTS = tagOf(10, I64);
const H_NEGATIVE_COUNTS_PACKED = tagOf(10, LEN);
const H_POSITIVE_SPANS = tagOf(11, LEN);
const H_POSITIVE_DELTAS = tagOf(12, VARINT);
const H_POSITIVE_DELTAS_PACKED = tagOf(12, LEN);
const H_POSITIVE_COUNTS = tagOf(13, I64);
const H_POSITIVE_COUNTS_PACKED = tagOf(13, LEN);
const H_RESET_HINT = tagOf(14, VARINT);
const H_TIMESTAMP = tagOf(15, VARINT);
const H_CUSTOM_VALUES = tagOf(16, I64);
const H_CUSTOM_VALUES_PACKED = tagOf(16, LEN);
const H_START_TIMESTAMP = tagOf(17, VARINT);

const ONEOF_UNSET = 0;
const ONEOF_INT = 1;
const ONEOF_FLOAT = 2;

/**
 * Decodes a Histogram message ending at `end`. Whether it is a float histogram follows the
 * `count` oneof (the last member set wins, as in Go); a `zero_count` of the other kind reads
 * as 0, and the bucket list of the other kind is ignored, as Prometheus converts them.
 * `v2` makes field 17 (`start_timestamp`) known.
 */
export function decodeHistogram(r: ProtoReader, end: number, v2: boolean): DecodedHistogram {
  let countKind = ONEOF_UNSET;
  let count = 0;
  let zeroCountKind = ONEOF_UNSET;
  let zeroCount = 0;
  let sum = 0;
  let schema = 0;
  let zeroThreshold = 0;
  let resetHint = 0;
  let timestamp = 0;
  let startTimestamp = 0;
  const negativeSpans: BucketSpan[] = [];
  const positiveSpans: BucketSpan[] = [];
  const negativeDeltas: number[] = [];
  const positiveDeltas: number[] = [];
  const negativeCounts: number[] = [];
  const positiveCounts: number[] = [];
  const customValues: number[] = [];

  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag) {
      case H_COUNT_INT: countKind = ONEOF_INT; count = r.uint64(end); break;
      case H_COUNT_FLOAT: countKind = ONEOF_FLOAT; count = r.double(end); break;
      case H_SUM: sum = r.double(end); break;
      case H_SCHEMA: schema = r.sint32(end); break;
      case H_ZERO_THRESHOLD: zeroThreshold = r.double(end); break;
      case H_ZERO_COUNT_INT: zeroCountKind = ONEOF_INT; zeroCount = r.uint64(end); break;
      case H_ZERO_COUNT_FLOAT: zeroCountKind = ONEOF_FLOAT; zeroCount = r.double(end); break;
      case H_NEGATIVE_SPANS: negativeSpans.push(decodeBucketSpan(r, r.bytesEnd(end))); break;
      case H_POSITIVE_SPANS: positiveSpans.push(decodeBucketSpan(r, r.bytesEnd(end))); break;
      case H_NEGATIVE_DELTAS: negativeDeltas.push(r.sint64(end)); break;
      case H_NEGATIVE_DELTAS_PACKED: readPackedSint64(r, end, negativeDeltas); break;
      case H_POSITIVE_DELTAS: positiveDeltas.push(r.sint64(end)); break;
      case H_POSITIVE_DELTAS_PACKED: readPackedSint64(r, end, positiveDeltas); break;
      case H_NEGATIVE_COUNTS: negativeCounts.push(r.double(end)); break;
      case H_NEGATIVE_COUNTS_PACKED: readPackedDoubles(r, end, negativeCounts); break;
      case H_POSITIVE_COUNTS: positiveCounts.push(r.double(end)); break;
      case H_POSITIVE_COUNTS_PACKED: readPackedDoubles(r, end, positiveCounts); break;
      case H_RESET_HINT: resetHint = r.int32(end); break;
      case H_TIMESTAMP: timestamp = r.int64(end); break;
      case H_CUSTOM_VALUES: customValues.push(r.double(end)); break;
      case H_CUSTOM_VALUES_PACKED: readPackedDoubles(r, end, customValues); break;
      default:
        if (v2 && tag === H_START_TIMESTAMP) startTimestamp = r.int64(end);
        else skipField(r, tag, end, 'Histogram', v2 ? HISTOGRAM_V2_FIELDS : HISTOGRAM_FIELDS);
    }
  }

  const isFloat = countKind === ONEOF_FLOAT;
  return {
    isFloat,
    counterResetHint: RESET_HINTS[resetHint] ?? 'unknown',
    schema,
    zeroThreshold,
    zeroCount: zeroCountKind === (isFloat ? ONEOF_FLOAT : ONEOF_INT) ? zeroCount : 0,
    count,
    sum,
    positiveSpans,
    negativeSpans,
    positiveBuckets: isFloat ? positiveCounts : positiveDeltas,
    negativeBuckets: isFloat ? negativeCounts : negativeDeltas,
    timestamp,
    startTimestamp,
    customValues,
  };
}

const SPAN_FIELDS = ['', 'offset', 'length'];
const S_OFFSET = tagOf(1, VARINT);
const S_LENGTH = tagOf(2, VARINT);

function decodeBucketSpan(r: ProtoReader, end: number): BucketSpan {
  let offset = 0;
  let length = 0;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === S_OFFSET) offset = r.sint32(end);
    else if (tag === S_LENGTH) length = r.uint32(end);
    else skipField(r, tag, end, 'BucketSpan', SPAN_FIELDS);
  }
  return { offset, length };
}
