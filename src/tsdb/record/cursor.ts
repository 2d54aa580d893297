import type { Label, Labels } from '../../model/labels.js';
import { CorruptionError } from '../encoding/errors.js';

/**
 * Byte order of a Float64Array on this machine: XOR-ing a byte index with FLIP maps
 * big-endian byte j of a float to its position in memory. Values move as raw bytes, so NaN
 * payloads (the stale marker 0x7ff0000000000002) survive bit for bit.
 */
export const FLIP = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 7 : 0;

const TWO_32 = 4294967296;
const TWO_53 = 9007199254740992;
const TEXT = new TextDecoder('utf-8', { fatal: true });

/** Zig-zag decoding of an exact uvarint value below 2^53. */
function unzigzag(u: number): number {
  if (u < 0x80000000) return (u >>> 1) ^ -(u & 1);
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}

/**
 * A bounds-checked reader over one WAL record (Go's `encoding.Decbuf` as `record.Decoder` uses it).
 * Unlike the generic Decbuf it reads varints over the whole int64 range (tombstones use
 * math.MaxInt64-like bounds; times beyond 2^53 round to the nearest double) and decodes short
 * ASCII strings without TextDecoder. Errors are CorruptionErrors at the offset in the record.
 */
export class RecordCursor {
  pos = 0;
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  fail(message: string, at = this.pos): never {
    throw new CorruptionError(message, undefined, at);
  }

  need(n: number): void {
    if (this.pos + n > this.bytes.length) this.fail(`unexpected end of record: need ${n} bytes, have ${this.remaining}`);
  }

  byte(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }

  /** A BE64 series ref; refs above 2^53 cannot be represented and are rejected. */
  ref(): number {
    this.need(8);
    const hi = this.view.getUint32(this.pos);
    if (hi >= 0x200000) this.fail('series ref exceeds 2^53');
    const v = hi * TWO_32 + this.view.getUint32(this.pos + 4);
    this.pos += 8;
    return v;
  }

  /** A BE64 int64 (a timestamp). */
  int64(): number {
    this.need(8);
    const v = this.view.getInt32(this.pos) * TWO_32 + this.view.getUint32(this.pos + 4);
    this.pos += 8;
    return v;
  }

  /** A BE64 float; use floatInto where NaN payloads must survive. */
  float(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  /** Copies BE64 float bits into `out[index]` byte by byte. */
  floatInto(out: Uint8Array, index: number): void {
    this.need(8);
    const b = this.bytes;
    const p = this.pos;
    const o = index * 8;
    for (let j = 0; j < 8; j++) out[o + (j ^ FLIP)] = b[p + j]!;
    this.pos = p + 8;
  }

  /** Go's Uvarint64 as a number (exact up to 2^53); more than 64 bits is corruption. */
  uvarint(): number {
    const b = this.bytes;
    const start = this.pos;
    if (start < b.length && b[start]! < 0x80) {
      this.pos = start + 1;
      return b[start]!;
    }
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= b.length) this.fail('unexpected end of record in varint', start);
      const c = b[this.pos++]!;
      if (i === 9 && c > 1) this.fail('varint overflows 64 bits', start);
      result += (c & 0x7f) * mul;
      if (c < 0x80) return result;
      mul *= 128;
    }
    this.fail('varint overflows 64 bits', start);
  }

  /** Go's Varint64 (zig-zag) as a number (exact within ±2^53, rounded beyond). */
  varint(): number {
    const start = this.pos;
    const u = this.uvarint();
    return u < TWO_53 ? unzigzag(u) : Number(this.bigVarint(start));
  }

  /**
   * `base` plus a zig-zag varint delta, computed in int64 as Go does: exact whenever the result
   * is a safe integer, even when the delta alone is not.
   */
  delta(base: number): number {
    const start = this.pos;
    const u = this.uvarint();
    if (u < TWO_53) return base + unzigzag(u);
    return Number(BigInt(base) + this.bigVarint(start));
  }

  /** The zig-zag varint from `start` to the cursor, decoded exactly. */
  private bigVarint(start: number): bigint {
    let u = 0n;
    for (let i = this.pos - 1; i >= start; i--) u = (u << 7n) | BigInt(this.bytes[i]! & 0x7f);
    return u & 1n ? -((u + 1n) >> 1n) : u >> 1n;
  }

  /** A uvarint that must fit uint32 (Go's Uvarint32: span lengths). */
  uvarint32(): number {
    const start = this.pos;
    const v = this.uvarint();
    if (v > 0xffffffff) this.fail('uvarint exceeds 32 bits', start);
    return v;
  }

  /** A uvarint count of items, each at least `minBytes` long: refuses counts the record cannot hold. */
  count(minBytes: number): number {
    const start = this.pos;
    const n = this.uvarint();
    if (n * minBytes > this.remaining) this.fail(`count ${n} exceeds the rest of the record`, start);
    return n;
  }

  /** uvarint length + UTF-8 bytes; invalid UTF-8 is corruption. */
  string(): string {
    const start = this.pos;
    const n = this.uvarint();
    this.need(n);
    const b = this.bytes;
    const p = this.pos;
    this.pos = p + n;
    if (n <= 32) {
      let s = '';
      for (let i = p; i < p + n; i++) {
        const c = b[i]!;
        if (c >= 0x80) return this.utf8(p, n, start);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return this.utf8(p, n, start);
  }

  private utf8(p: number, n: number, start: number): string {
    try {
      return TEXT.decode(this.bytes.subarray(p, p + n));
    } catch {
      this.fail('invalid UTF-8 in string', start);
    }
  }

  /** uvarint #labels, then name/value string pairs, in record order (Go's DecodeLabels). */
  labels(): Labels {
    const n = this.count(2);
    const out: Label[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const name = this.string();
      out[i] = { name, value: this.string() };
    }
    return out;
  }
}
