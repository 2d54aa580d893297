import type { BucketSpan, Histogram } from '../../storage/interface.js';
import type { Encbuf } from '../encoding/encbuf.js';
import { RecordCursor } from './cursor.js';
import { putDelta, putFloat, putInt64, putRef, putUvarint, putVarint } from './put.js';
import { COUNTER_RESET_HINTS, RecordType, type RefHistogramSample } from './types.js';

/**
 * Appends a HistogramSamples (7) record for integer histograms, or a FloatHistogramSamples (8)
 * record when `float` is set; every histogram must be of that kind. Layout per histogram after
 * the varint ref and time deltas: hint byte, varint schema, BE64 zero threshold, then zero count,
 * count (uvarints; BE64 floats for 8), BE64 sum, spans as (varint offset, uvarint length), buckets
 * (varint deltas; BE64 absolute floats for 8).
 */
export function encodeHistogramSamples(buf: Encbuf, samples: readonly RefHistogramSample[], float: boolean): void {
  buf.byte(float ? RecordType.FloatHistogramSamples : RecordType.HistogramSamples);
  if (samples.length === 0) return;
  const first = samples[0]!;
  putRef(buf, first.ref);
  putInt64(buf, first.t);
  for (const { ref, t, h } of samples) {
    if (h.isFloat !== float) throw new TypeError(`${float ? 'integer' : 'float'} histogram in a ${float ? 'float' : 'integer'} histogram record`);
    putDelta(buf, ref, first.ref);
    putDelta(buf, t, first.t);
    buf.byte(Math.max(0, COUNTER_RESET_HINTS.indexOf(h.counterResetHint)));
    putVarint(buf, h.schema);
    putFloat(buf, h.zeroThreshold);
    if (float) {
      putFloat(buf, h.zeroCount);
      putFloat(buf, h.count);
    } else {
      putUvarint(buf, h.zeroCount);
      putUvarint(buf, h.count);
    }
    putFloat(buf, h.sum);
    putSpans(buf, h.positiveSpans);
    putSpans(buf, h.negativeSpans);
    putBuckets(buf, h.positiveBuckets, float);
    putBuckets(buf, h.negativeBuckets, float);
  }
}

function putSpans(buf: Encbuf, spans: readonly BucketSpan[]): void {
  putUvarint(buf, spans.length);
  for (const s of spans) {
    putVarint(buf, s.offset);
    putUvarint(buf, s.length);
  }
}

function putBuckets(buf: Encbuf, buckets: readonly number[], float: boolean): void {
  putUvarint(buf, buckets.length);
  for (const b of buckets) {
    if (float) putFloat(buf, b);
    else putVarint(buf, b);
  }
}

/** Decodes a record of type 7 or 8 (either one); float histograms come back with `isFloat`. */
export function decodeHistogramSamples(rec: Uint8Array, out: RefHistogramSample[] = []): RefHistogramSample[] {
  const c = new RecordCursor(rec);
  const type = c.byte();
  if (type !== RecordType.HistogramSamples && type !== RecordType.FloatHistogramSamples) c.fail('invalid record type', 0);
  const float = type === RecordType.FloatHistogramSamples;
  if (c.remaining === 0) return out;
  const baseRef = c.ref();
  const baseT = c.int64();
  while (c.remaining > 0) {
    const at = c.pos;
    const ref = c.delta(baseRef);
    if (ref < 0 || ref > Number.MAX_SAFE_INTEGER) c.fail('histogram series ref out of range', at);
    const t = c.delta(baseT);
    const counterResetHint = COUNTER_RESET_HINTS[c.byte()] ?? 'unknown';
    const schema = int32(c);
    const zeroThreshold = c.float();
    const zeroCount = float ? c.float() : c.uvarint();
    const count = float ? c.float() : c.uvarint();
    const sum = c.float();
    const positiveSpans = spans(c);
    const negativeSpans = spans(c);
    const positiveBuckets = buckets(c, float);
    const negativeBuckets = buckets(c, float);
    const h: Histogram = {
      isFloat: float, counterResetHint, schema, zeroThreshold, zeroCount, count, sum,
      positiveSpans, negativeSpans, positiveBuckets, negativeBuckets,
    };
    out.push({ ref, t, h });
  }
  return out;
}

function int32(c: RecordCursor): number {
  const at = c.pos;
  const v = c.varint();
  if (v !== (v | 0)) c.fail('value exceeds int32', at);
  return v;
}

function spans(c: RecordCursor): BucketSpan[] {
  const n = c.count(2);
  const out: BucketSpan[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const offset = int32(c);
    out[i] = { offset, length: c.uvarint32() };
  }
  return out;
}

function buckets(c: RecordCursor, float: boolean): number[] {
  const n = c.count(float ? 8 : 1);
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = float ? c.float() : c.varint();
  return out;
}
