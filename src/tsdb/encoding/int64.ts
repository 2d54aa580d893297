// Full-range 64-bit varints, for the few fields Go reads as int64 and that may legally exceed 2^53 or wrap:
// chunk-meta deltas in index series entries (`int64(d.Uvarint64()) + prev`) and tombstone bounds.
// Values come back as numbers: exact within ±2^53, rounded to the nearest double beyond.

import type { Decbuf } from './decbuf.js';

/** The extreme int64 values as numbers: -2^63 is exact; 2^63 - 1 has no double and is held as 2^63. */
export const MIN_INT64 = -(2 ** 63);
export const MAX_INT64 = 2 ** 63;

/** Reads a uvarint's raw 64 bits (Go's binary.Uvarint with its overflow check). */
function uvarintBits(d: Decbuf): bigint {
  const start = d.pos;
  let v = 0n;
  for (let i = 0; i < 10; i++) {
    if (d.pos >= d.bytes.length) d.fail('unexpected end of data in varint', start);
    const b = d.bytes[d.pos++]!;
    if (i === 9 && b > 1) d.fail('varint overflows 64 bits', start);
    v |= BigInt(b & 0x7f) << BigInt(7 * i);
    if (b < 0x80) return v;
  }
  return d.fail('varint overflows 64 bits', start);
}

/** Go's `int64(binary.Uvarint(...))`: the 64 bits as two's complement. Short varints take Decbuf's fast path. */
export function uvarintAsInt64(d: Decbuf): number {
  if (shortVarint(d)) return d.uvarint();
  return Number(BigInt.asIntN(64, uvarintBits(d)));
}

/** Go's binary.Varint (zig-zag) over the full int64 range. */
export function varint64(d: Decbuf): number {
  if (shortVarint(d)) return d.varint();
  const u = uvarintBits(d);
  return Number((u >> 1n) ^ -(u & 1n));
}

/** Whether the varint at the cursor has at most 7 bytes (< 2^49), which Decbuf decodes exactly. */
function shortVarint(d: Decbuf): boolean {
  const end = Math.min(d.pos + 7, d.bytes.length);
  for (let i = d.pos; i < end; i++) if (d.bytes[i]! < 0x80) return true;
  return false;
}
