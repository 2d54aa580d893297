import { CorruptionError } from './errors.js';

const TEXT = new TextDecoder('utf-8', { fatal: true });
const TWO_32 = 4294967296;

/**
 * A bounds-checked cursor over bytes, as Prometheus's `encoding.Decbuf`.
 * Every read past the end, and every malformed varint, throws a CorruptionError
 * naming the file and the absolute offset (`base` + position).
 */
export class Decbuf {
  pos: number;
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly file?: string,
    /** Absolute offset of bytes[0] within the file, for error messages. */
    readonly base = 0,
    start = 0,
  ) {
    this.pos = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  fail(message: string, at = this.pos): never {
    throw new CorruptionError(message, this.file, this.base + at);
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.bytes.length) {
      this.fail(`unexpected end of data: need ${n} bytes, have ${this.remaining}`);
    }
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  byte(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }

  be16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  be32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  /** A big-endian uint64 as a number; throws when it exceeds 2^53 (refs and offsets never do). */
  be64(): number {
    this.need(8);
    const hi = this.view.getUint32(this.pos);
    const lo = this.view.getUint32(this.pos + 4);
    if (hi >= 0x200000) this.fail('64-bit value exceeds 2^53');
    this.pos += 8;
    return hi * TWO_32 + lo;
  }

  /** A big-endian int64 (timestamps) as a number; exact within ±2^53. */
  be64int(): number {
    this.need(8);
    const v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return Number(v);
  }

  /** A big-endian float64 whose bits are copied untouched into `out[index]`. */
  be64float(out: Float64Array, index: number): void {
    this.need(8);
    const o = new Uint8Array(out.buffer, out.byteOffset + index * 8, 8);
    for (let k = 0; k < 8; k++) o[k] = this.bytes[this.pos + 7 - k]!;
    this.pos += 8;
  }

  /** Go's binary.Uvarint, as a number; values above 2^53 are rejected. */
  uvarint(): number {
    let result = 0;
    let mul = 1;
    const start = this.pos;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.bytes.length) this.fail('unexpected end of data in varint', start);
      const b = this.bytes[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) this.fail('varint exceeds 2^53', start);
        return result;
      }
      mul *= 128;
    }
    this.fail('varint overflows 64 bits', start);
  }

  /** Go's binary.Varint (zig-zag), as a number. */
  varint(): number {
    const u = this.uvarint();
    // zig-zag decode without 32-bit truncation
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  bytesN(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** uvarint length + UTF-8 bytes. Invalid UTF-8 is a corruption error. */
  uvarintStr(): string {
    const start = this.pos;
    const n = this.uvarint();
    const raw = this.bytesN(n);
    try {
      return TEXT.decode(raw);
    } catch {
      this.fail('invalid UTF-8 in string', start);
    }
  }
}
