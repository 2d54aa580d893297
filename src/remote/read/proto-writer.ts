// A growable protobuf byte writer for the remote read responses. Messages are written size-first,
// as gogoproto's generated Marshal does: every nested length is computed before the bytes, so each
// message is written once, with minimal varints, and nothing is copied twice.

const INITIAL_BYTES = 64 * 1024;
const TWO_32 = 4294967296;

/** Bytes of a varint holding `v`: non-negative values below 2^53; negative int64s take 10 bytes. */
export function varintSize(v: number): number {
  if (v < 0) return 10;
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Size of a length-delimited field's tag, length and payload (the tag of every field used here is 1 byte). */
export function delimitedSize(payload: number): number {
  return 1 + varintSize(payload) + payload;
}

export class ProtoWriter {
  buf = new Uint8Array(INITIAL_BYTES);
  pos = 0;

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
  }

  /** A one-byte tag (field numbers below 16). */
  tag(tag: number): void {
    this.ensure(1);
    this.buf[this.pos++] = tag;
  }

  /** A varint: an int64 (negative values as 10-byte two's complement) or a non-negative count. */
  varint(v: number): void {
    this.ensure(10);
    const buf = this.buf;
    let p = this.pos;
    if (v >= 0) {
      while (v >= 128) {
        buf[p++] = (v % 128) | 0x80;
        v = Math.floor(v / 128);
      }
      buf[p++] = v;
    } else {
      // Two's complement of a safe negative integer, split in 32-bit halves.
      let lo = v % TWO_32 >>> 0;
      let hi = Math.floor(v / TWO_32) >>> 0;
      for (let i = 0; i < 9; i++) {
        buf[p++] = (lo & 0x7f) | 0x80;
        lo = ((lo >>> 7) | (hi << 25)) >>> 0;
        hi >>>= 7;
      }
      buf[p++] = lo & 0x01;
    }
    this.pos = p;
  }

  /** Raw bytes (a nested message's payload written elsewhere, or the 8 bytes of a double). */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** A length-delimited field: tag, length, bytes. */
  delimited(tag: number, bytes: Uint8Array): void {
    this.tag(tag);
    this.varint(bytes.length);
    this.raw(bytes);
  }

  /** The bytes written so far (a view: copy before reusing the writer). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  reset(): void {
    this.pos = 0;
  }
}
