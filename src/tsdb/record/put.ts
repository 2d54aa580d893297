import type { Labels } from '../../model/labels.js';
import type { Encbuf } from '../encoding/encbuf.js';
import { FLIP } from './cursor.js';

/*
 * Raw writers for the record encoders: each writes at b[p] (room already reserved) and returns the
 * next position. Integers are numbers; int64 values beyond ±2^53 (tombstone bounds like
 * math.MaxInt64) are written exactly as the double they are, clamped to the int64 range.
 */

const TWO_32 = 4294967296;
const TWO_52 = 4503599627370496;
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
const UINT64_MASK = (1n << 64n) - 1n;

/** Worst-case sizes, for reserve(). */
export const MAX_VARINT = 10;

export function uvarintAt(b: Uint8Array, p: number, v: number): number {
  if (v < 0x80000000) {
    let u = v >>> 0;
    while (u >= 0x80) {
      b[p++] = (u & 0x7f) | 0x80;
      u >>>= 7;
    }
    b[p++] = u;
    return p;
  }
  // Exact for every double up to 2^64: %128 and /128 are exact on integers that large.
  while (v >= 0x80) {
    b[p++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  b[p++] = v;
  return p;
}

/** Zig-zag varint of an int64. */
export function varintAt(b: Uint8Array, p: number, v: number): number {
  if (v === (v | 0)) return uvarintAt(b, p, ((v << 1) ^ (v >> 31)) >>> 0);
  if (v > -TWO_52 && v < TWO_52) return uvarintAt(b, p, v >= 0 ? v * 2 : -v * 2 - 1);
  return bigVarintAt(b, p, BigInt(v));
}

function bigVarintAt(b: Uint8Array, p: number, x: bigint): number {
  if (x > INT64_MAX) x = INT64_MAX;
  if (x < INT64_MIN) x = INT64_MIN;
  let z = ((x << 1n) ^ (x >> 63n)) & UINT64_MASK;
  while (z >= 0x80n) {
    b[p++] = Number(z & 0x7fn) | 0x80;
    z >>= 7n;
  }
  b[p++] = Number(z);
  return p;
}

const TWO_53 = 9007199254740992;

/** Zig-zag varint of `x - base`, computed in int64 as Go does (exact for any safe x and base). */
export function deltaAt(b: Uint8Array, p: number, x: number, base: number): number {
  const d = x - base;
  if (d > -TWO_53 && d < TWO_53) return varintAt(b, p, d);
  return bigVarintAt(b, p, BigInt(x) - BigInt(base));
}

/** BE64 of a non-negative integer up to 2^53 (a series ref). */
export function refAt(b: Uint8Array, p: number, v: number): number {
  return refAt32(b, p, Math.floor(v / TWO_32), v >>> 0);
}

/** BE64 two's complement of an int64 (a timestamp), clamped to the int64 range. */
export function int64At(b: Uint8Array, p: number, v: number): number {
  if (v > -TWO_52 * 2 && v < TWO_52 * 2) {
    const hi = Math.floor(v / TWO_32);
    return refAt32(b, p, hi, v - hi * TWO_32);
  }
  let x = BigInt(v);
  if (x > INT64_MAX) x = INT64_MAX;
  if (x < INT64_MIN) x = INT64_MIN;
  const u = x & UINT64_MASK;
  return refAt32(b, p, Number(u >> 32n), Number(u & 0xffffffffn));
}

function refAt32(b: Uint8Array, p: number, hi: number, lo: number): number {
  b[p] = hi >>> 24; b[p + 1] = hi >>> 16; b[p + 2] = hi >>> 8; b[p + 3] = hi;
  b[p + 4] = lo >>> 24; b[p + 5] = lo >>> 16; b[p + 6] = lo >>> 8; b[p + 7] = lo;
  return p + 8;
}

/** BE64 bits of `src[index]`, copied as bytes (NaN payloads survive). */
export function floatBitsAt(b: Uint8Array, p: number, src: Uint8Array, index: number): number {
  const o = index * 8;
  for (let j = 0; j < 8; j++) b[p + j] = src[o + (j ^ FLIP)]!;
  return p + 8;
}

const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);

/** BE64 bits of a float held in a number (histogram fields). */
export function floatAt(b: Uint8Array, p: number, v: number): number {
  F64[0] = v;
  return floatBitsAt(b, p, F64_BYTES, 0);
}

export function putUvarint(buf: Encbuf, v: number): void {
  const b = buf.reserve(MAX_VARINT);
  buf.len = uvarintAt(b, buf.len, v);
}

export function putVarint(buf: Encbuf, v: number): void {
  const b = buf.reserve(MAX_VARINT);
  buf.len = varintAt(b, buf.len, v);
}

export function putDelta(buf: Encbuf, x: number, base: number): void {
  const b = buf.reserve(MAX_VARINT);
  buf.len = deltaAt(b, buf.len, x, base);
}

export function putRef(buf: Encbuf, v: number): void {
  const b = buf.reserve(8);
  buf.len = refAt(b, buf.len, v);
}

export function putInt64(buf: Encbuf, v: number): void {
  const b = buf.reserve(8);
  buf.len = int64At(b, buf.len, v);
}

export function putFloat(buf: Encbuf, v: number): void {
  const b = buf.reserve(8);
  buf.len = floatAt(b, buf.len, v);
}

/** uvarint #labels, then name/value uvarint-strings (Go's EncodeLabels). */
export function putLabels(buf: Encbuf, labels: Labels): void {
  putUvarint(buf, labels.length);
  for (const l of labels) {
    buf.uvarintStr(l.name);
    buf.uvarintStr(l.value);
  }
}
