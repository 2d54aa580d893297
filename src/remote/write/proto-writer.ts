// A small protobuf 3 writer for the remote-write encoders: a growable byte buffer with the field
// kinds remote write uses. Nested messages are written in place: begin() reserves one length
// byte, end() writes the real length and, only when the body is 128 bytes or more, moves the
// body right to make room for the longer varint.

const TWO_32 = 4294967296;

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;

const FLIP_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 7;

export class ProtoWriter {
  buf: Uint8Array;
  len = 0;
  private readonly opened: number[] = [];

  constructor(capacity = 64 * 1024) {
    this.buf = new Uint8Array(capacity);
  }

  reset(): void {
    this.len = 0;
    this.opened.length = 0;
  }

  /** The bytes written so far (a view; valid until the next write or reset). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  tag(field: number, wire: number): void {
    this.uvarint(field * 8 + wire);
  }

  /** A non-negative integer below 2^53 as a varint. */
  uvarint(v: number): void {
    this.reserve(10);
    const b = this.buf;
    let p = this.len;
    while (v >= 0x80) {
      b[p++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    b[p++] = v;
    this.len = p;
  }

  /** An int64 varint: negative values as 10-byte two's complement, as Go writes them. */
  int64(v: number): void {
    if (v >= 0) return this.uvarint(v);
    this.reserve(10);
    // Two's complement of a negative integer within ±2^53, as hi/lo 32-bit words.
    let lo = v % TWO_32;
    let hi = Math.floor(v / TWO_32);
    if (lo < 0) lo += TWO_32;
    hi = (hi + TWO_32) % TWO_32;
    const b = this.buf;
    let p = this.len;
    for (let i = 0; i < 9; i++) {
      b[p++] = (lo & 0x7f) | 0x80;
      lo = (lo >>> 7) | ((hi & 0x7f) << 25);
      hi >>>= 7;
    }
    b[p++] = lo & 0x01;
    this.len = p;
  }

  /** A zig-zag varint (sint32/sint64) of an integer within ±2^53. */
  sint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  /** A little-endian double from a JS number. */
  double(v: number): void {
    this.reserve(8);
    new DataView(this.buf.buffer, this.buf.byteOffset).setFloat64(this.len, v, true);
    this.len += 8;
  }

  /** A little-endian double copied byte by byte from `vs[i]` (NaN payloads survive). */
  doubleBits(vb: Uint8Array, i: number): void {
    this.reserve(8);
    const b = this.buf;
    const p = this.len;
    const o = i * 8;
    for (let j = 0; j < 8; j++) b[p + j] = vb[o + (j ^ FLIP_LE)]!;
    this.len = p + 8;
  }

  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  /** A length-delimited string field. */
  string(field: number, s: string): void {
    this.tag(field, WIRE_LEN);
    // UTF-8 is at most 3 bytes per UTF-16 unit.
    this.reserve(5 + s.length * 3);
    const start = this.len;
    this.len += 1;
    const written = ENCODER.encodeInto(s, this.buf.subarray(this.len)).written;
    this.len += written;
    this.finish(start, written);
  }

  /** Opens a length-delimited field (a nested message or a packed list); close it with end(). */
  begin(field: number): void {
    this.tag(field, WIRE_LEN);
    this.reserve(1);
    this.opened.push(this.len);
    this.len += 1;
  }

  end(): void {
    const start = this.opened.pop()!;
    this.finish(start, this.len - start - 1);
  }

  /** Writes the length `n` of the body that follows the one byte reserved at `start`. */
  private finish(start: number, n: number): void {
    if (n < 0x80) {
      this.buf[start] = n;
      return;
    }
    let width = 1;
    for (let v = n; v >= 0x80; v = Math.floor(v / 128)) width++;
    this.reserve(width - 1);
    this.buf.copyWithin(start + width, start + 1, this.len);
    this.len += width - 1;
    let p = start;
    let v = n;
    while (v >= 0x80) {
      this.buf[p++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[p] = v;
  }
}

const ENCODER = new TextEncoder();
