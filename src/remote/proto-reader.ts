// A cursor over protobuf wire bytes, for decoders walked by hand. Every read is bounded by
// the `end` of the message being read (as Go's generated code bounds reads by the slice of
// the enclosing message), so a length prefix can never reach past its parent, and a huge
// length is an error before anything is allocated.
//
// 64-bit integers become JS numbers. A value outside ±(2^53 − 1) cannot be held exactly and
// is rejected rather than rounded.

import { ProtoDecodeError } from './errors.js';
import { StringTable } from './string-table.js';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

/** The tag number of a field: field number × 8 + wire type, as it appears on the wire. */
export const tagOf = (field: number, wireType: number): number => field * 8 + wireType;

/** The field number of a tag made by tagOf (or read by ProtoReader.tag). */
export const fieldNumber = (tag: number): number => Math.floor(tag / 8);

const TWO_32 = 4294967296;
/** hi-word bound (exclusive) of an unsigned 64-bit value below 2^53. */
const HI_SAFE = 0x200000;

// Values are copied out as their 8 little-endian wire bytes into Float64Arrays; that is only
// the same double on a little-endian host (every platform Node.js ships for but s390x).
if (new Uint8Array(new Float64Array([1]).buffer)[7] !== 0x3f) {
  throw new Error('promwasm remote write decoding requires a little-endian host');
}

export class ProtoReader {
  buf: Buffer = Buffer.alloc(0);
  pos = 0;
  /** A view over the same bytes as `buf`. */
  view = new DataView(this.buf.buffer, this.buf.byteOffset, 0);
  // The two halves of the last varint read by the 64-bit slow path.
  private lo = 0;
  private hi = 0;

  constructor(readonly strings: StringTable = new StringTable()) {}

  reset(bytes: Uint8Array): void {
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.pos = 0;
  }

  fail(detail: string, at = this.pos): never {
    throw new ProtoDecodeError(detail, at);
  }

  /** Reads a field tag; returns field number × 8 + wire type. */
  tag(end: number): number {
    const p = this.pos;
    if (p < end) {
      const b = this.buf[p]!;
      if (b < 0x80) {
        if (b < 8) this.fail(`illegal tag ${b} (field number 0)`);
        this.pos = p + 1;
        return b;
      }
    }
    this.varint64(end);
    // Go takes the field number as int32(tag >> 3) of the 64-bit tag.
    const field = ((this.lo >>> 3) | (this.hi << 29)) | 0;
    if (field <= 0) this.fail(`illegal tag (field number ${field})`, p);
    return field * 8 + (this.lo & 7);
  }

  /** uint32 and enum fields: the low 32 bits of the varint, as Go truncates. */
  uint32(end: number): number {
    const p = this.pos;
    if (p < end && this.buf[p]! < 0x80) {
      this.pos = p + 1;
      return this.buf[p]!;
    }
    this.varint64(end);
    return this.lo;
  }

  int32(end: number): number {
    return this.uint32(end) | 0;
  }

  sint32(end: number): number {
    const n = this.uint32(end);
    return (n >>> 1) ^ -(n & 1);
  }

  int64(end: number): number {
    const v = this.smallUnsigned(end);
    if (v >= 0) return v;
    const at = this.pos;
    this.varint64(end);
    const hi = this.hi | 0;
    const lo = this.lo;
    if (hi < -HI_SAFE || hi >= HI_SAFE || (hi === -HI_SAFE && lo === 0)) {
      this.fail(`int64 ${int64String(this.hi, lo)} cannot be held exactly`, at);
    }
    return hi * TWO_32 + lo;
  }

  uint64(end: number): number {
    const v = this.smallUnsigned(end);
    if (v >= 0) return v;
    const at = this.pos;
    this.varint64(end);
    if (this.hi >= HI_SAFE) this.fail(`uint64 ${uint64String(this.hi, this.lo)} cannot be held exactly`, at);
    return this.hi * TWO_32 + this.lo;
  }

  sint64(end: number): number {
    const p = this.pos;
    if (p < end && this.buf[p]! < 0x80) {
      const b = this.buf[p]!;
      this.pos = p + 1;
      return (b >>> 1) ^ -(b & 1);
    }
    this.varint64(end);
    const halfHi = this.hi >>> 1;
    const halfLo = ((this.lo >>> 1) | (this.hi << 31)) >>> 0;
    const half = halfHi * TWO_32 + halfLo;
    const v = this.lo & 1 ? -half - 1 : half;
    if (halfHi >= HI_SAFE || !Number.isSafeInteger(v)) this.fail('sint64 cannot be held exactly', p);
    return v;
  }

  double(end: number): number {
    const p = this.pos;
    if (p + 8 > end) this.truncated(end);
    this.pos = p + 8;
    return this.view.getFloat64(p, true);
  }

  /** Copies a double's 8 wire bytes to `dst[off, off + 8)`, so that every NaN payload stays as sent. */
  copyDouble(end: number, dst: Uint8Array, off: number): void {
    const buf = this.buf;
    const p = this.pos;
    if (p + 8 > end) this.truncated(end);
    dst[off] = buf[p]!;
    dst[off + 1] = buf[p + 1]!;
    dst[off + 2] = buf[p + 2]!;
    dst[off + 3] = buf[p + 3]!;
    dst[off + 4] = buf[p + 4]!;
    dst[off + 5] = buf[p + 5]!;
    dst[off + 6] = buf[p + 6]!;
    dst[off + 7] = buf[p + 7]!;
    this.pos = p + 8;
  }

  /** Reads a length prefix; returns where the length-delimited payload ends (checked against `end`). */
  bytesEnd(end: number): number {
    const at = this.pos;
    let len: number;
    if (at < end && this.buf[at]! < 0x80) {
      len = this.buf[at]!;
      this.pos = at + 1;
    } else {
      this.varint64(end);
      len = this.hi * TWO_32 + this.lo;
    }
    const remaining = end - this.pos;
    if (len > remaining) this.fail(`length ${uint64String(this.hi, this.lo, len)} exceeds the ${remaining} remaining bytes`, at);
    return this.pos + len;
  }

  /** Reads a length-delimited UTF-8 string; `what` names the field for the error message. */
  string(end: number, what: string): string {
    const e = this.bytesEnd(end);
    const s = this.pos;
    this.pos = e;
    const str = this.strings.decode(this.buf, s, e);
    if (str === undefined) this.fail(`invalid UTF-8 in ${what}`, s);
    return str;
  }

  /**
   * Skips the payload of a field whose tag was just read (unknown fields). A group is skipped
   * to the end-group tag of the same field number; groups may nest.
   */
  skip(tag: number, end: number): void {
    const open: number[] = [];
    for (;;) {
      const wireType = tag & 7;
      switch (wireType) {
        case WIRE_VARINT:
          this.varint64(end);
          break;
        case WIRE_FIXED64:
          this.advance(8, end);
          break;
        case WIRE_BYTES:
          this.pos = this.bytesEnd(end);
          break;
        case WIRE_FIXED32:
          this.advance(4, end);
          break;
        case WIRE_START_GROUP:
          open.push(fieldNumber(tag));
          break;
        case WIRE_END_GROUP:
          if (open.pop() !== fieldNumber(tag)) this.fail(`unexpected end group of field ${fieldNumber(tag)}`);
          break;
        default:
          this.fail(`illegal wire type ${wireType}`);
      }
      if (open.length === 0) return;
      if (this.pos >= end) this.fail('unterminated group');
      tag = this.tag(end);
    }
  }

  /** Fails for a known field number that arrived with a wire type it cannot have. */
  wrongWireType(tag: number, field: string): never {
    return this.fail(`wrong wire type ${tag & 7} for field ${field}`);
  }

  private advance(n: number, end: number): void {
    if (this.pos + n > end) this.truncated(end);
    this.pos += n;
  }

  private truncated(end: number): never {
    return this.fail(`unexpected end of data (message ends at ${end})`);
  }

  /** Non-negative varints below 2^49 (7 bytes: millisecond timestamps take 6); −1 if it needs the slow path. */
  private smallUnsigned(end: number): number {
    const buf = this.buf;
    let p = this.pos;
    let v = 0;
    let scale = 1;
    const stop = Math.min(end, p + 7);
    while (p < stop) {
      const b = buf[p++]!;
      v += (b & 0x7f) * scale;
      if (b < 0x80) {
        this.pos = p;
        return v;
      }
      scale *= 128;
    }
    return -1;
  }

  /** Reads a varint of up to 10 bytes into lo/hi (bits beyond 64 are dropped, as Go does). */
  private varint64(end: number): void {
    const buf = this.buf;
    let p = this.pos;
    let lo = 0;
    let hi = 0;
    let b = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (p >= end) this.truncatedVarint(p);
      b = buf[p++]!;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = p;
        this.lo = lo >>> 0;
        this.hi = 0;
        return;
      }
    }
    if (p >= end) this.truncatedVarint(p);
    b = buf[p++]!;
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >>> 4;
    for (let shift = 3; b >= 0x80; shift += 7) {
      if (shift > 31) this.fail('varint longer than 10 bytes', p);
      if (p >= end) this.truncatedVarint(p);
      b = buf[p++]!;
      hi |= (b & 0x7f) << shift;
    }
    this.pos = p;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  private truncatedVarint(p: number): never {
    return this.fail('truncated varint', p);
  }
}

function uint64String(hi: number, lo: number, exact?: number): string {
  if (exact !== undefined && Number.isSafeInteger(exact)) return String(exact);
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

function int64String(hi: number, lo: number): string {
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
}
