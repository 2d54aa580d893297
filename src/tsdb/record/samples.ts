import type { Encbuf } from '../encoding/encbuf.js';
import { RecordCursor } from './cursor.js';
import { MAX_VARINT, deltaAt, floatBitsAt, int64At, refAt } from './put.js';
import { RecordType } from './types.js';

/**
 * Float samples as columns: refs[i], ts[i], vs[i] for i < length. Values live only in
 * Float64Array bytes, so stale markers and NaN payloads are never canonicalised.
 * Grows as needed and is meant to be reused record after record.
 */
export class SampleColumns {
  refs: Float64Array;
  ts: Float64Array;
  vs: Float64Array;
  length = 0;

  constructor(capacity = 256) {
    this.refs = new Float64Array(capacity);
    this.ts = new Float64Array(capacity);
    this.vs = new Float64Array(capacity);
  }

  get capacity(): number {
    return this.refs.length;
  }

  /** Makes room for n samples in total; keeps the first `length` ones. */
  reserve(n: number): void {
    if (n <= this.refs.length) return;
    let cap = Math.max(16, this.refs.length * 2);
    while (cap < n) cap *= 2;
    this.refs = grown(this.refs, cap, this.length);
    this.ts = grown(this.ts, cap, this.length);
    this.vs = grown(this.vs, cap, this.length);
  }
}

function grown(a: Float64Array, cap: number, keep: number): Float64Array {
  const next = new Float64Array(cap);
  next.set(a.subarray(0, keep));
  return next;
}

/** Largest encoding of one sample: ref delta and time delta varints, 8 value bytes. */
const MAX_SAMPLE_BYTES = 2 * MAX_VARINT + 8;

/**
 * Appends a Samples record for samples [start, end) of the columns to `buf`: type byte, BE64 ref
 * and time of the first sample, then per sample varint ref delta, varint time delta, BE64 value
 * bits. No object per sample; value bytes are copied straight from `vs`.
 */
export function encodeSamples(
  buf: Encbuf,
  refs: Float64Array | Uint32Array,
  ts: Float64Array,
  vs: Float64Array,
  start = 0,
  end = refs.length,
): void {
  const n = end - start;
  const b = buf.reserve(1 + 16 + n * MAX_SAMPLE_BYTES);
  let p = buf.len;
  b[p++] = RecordType.Samples;
  if (n > 0) {
    const baseRef = refs[start]!;
    const baseT = ts[start]!;
    p = refAt(b, p, baseRef);
    p = int64At(b, p, baseT);
    const vb = new Uint8Array(vs.buffer, vs.byteOffset, vs.byteLength);
    for (let i = start; i < end; i++) {
      p = deltaAt(b, p, refs[i]!, baseRef);
      p = deltaAt(b, p, ts[i]!, baseT);
      p = floatBitsAt(b, p, vb, i);
    }
  }
  buf.len = p;
}

/** The same from a column object. */
export function encodeSampleColumns(buf: Encbuf, cols: SampleColumns): void {
  encodeSamples(buf, cols.refs, cols.ts, cols.vs, 0, cols.length);
}

/**
 * Decodes a Samples record into `out` (replacing its contents) and returns it. Refs that would
 * fall outside [0, 2^53] are corruption; trailing bytes after the last whole sample too.
 */
export function decodeSamples(rec: Uint8Array, out: SampleColumns): SampleColumns {
  const c = new RecordCursor(rec);
  if (c.byte() !== RecordType.Samples) c.fail('invalid record type', 0);
  out.length = 0;
  if (c.remaining === 0) return out;
  const baseRef = c.ref();
  const baseT = c.int64();
  // Every sample takes at least 10 bytes: a bound for the columns, never an allocation from a claim.
  out.reserve(Math.ceil(c.remaining / 10));
  const refs = out.refs;
  const ts = out.ts;
  const vb = new Uint8Array(out.vs.buffer, out.vs.byteOffset, out.vs.byteLength);
  let n = 0;
  while (c.remaining > 0) {
    const at = c.pos;
    const ref = c.delta(baseRef);
    if (ref < 0 || ref > Number.MAX_SAFE_INTEGER) c.fail(`sample ${n}: series ref out of range`, at);
    refs[n] = ref;
    ts[n] = c.delta(baseT);
    c.floatInto(vb, n);
    n++;
  }
  out.length = n;
  return out;
}
