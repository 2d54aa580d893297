import type { Encbuf } from '../encoding/encbuf.js';
import { RecordCursor } from './cursor.js';
import { putDelta, putFloat, putInt64, putLabels, putRef } from './put.js';
import { RecordType, type RefExemplar } from './types.js';

/**
 * Appends an Exemplars record: BE64 ref and time of the first exemplar, then per exemplar varint
 * ref delta, varint time delta, BE64 value, labels.
 */
export function encodeExemplars(buf: Encbuf, exemplars: readonly RefExemplar[]): void {
  buf.byte(RecordType.Exemplars);
  if (exemplars.length === 0) return;
  const first = exemplars[0]!;
  putRef(buf, first.ref);
  putInt64(buf, first.t);
  for (const e of exemplars) {
    putDelta(buf, e.ref, first.ref);
    putDelta(buf, e.t, first.t);
    putFloat(buf, e.value);
    putLabels(buf, e.labels);
  }
}

export function decodeExemplars(rec: Uint8Array, out: RefExemplar[] = []): RefExemplar[] {
  const c = new RecordCursor(rec);
  if (c.byte() !== RecordType.Exemplars) c.fail('invalid record type', 0);
  if (c.remaining === 0) return out;
  const baseRef = c.ref();
  const baseT = c.int64();
  while (c.remaining > 0) {
    const at = c.pos;
    const ref = c.delta(baseRef);
    if (ref < 0 || ref > Number.MAX_SAFE_INTEGER) c.fail('exemplar series ref out of range', at);
    const t = c.delta(baseT);
    const value = c.float();
    out.push({ ref, t, value, labels: c.labels() });
  }
  return out;
}
