/**
 * A growable byte writer, as Prometheus's `encoding.Encbuf`.
 * Numbers up to 2^53 are written exactly; timestamps use the int64 forms.
 */
export class Encbuf {
  private buf: Uint8Array;
  private view: DataView;
  len = 0;

  constructor(initial = 1024) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  reset(): void {
    this.len = 0;
  }

  /**
   * Makes room for `n` more bytes and returns the underlying array, for hot encoders that write
   * at `len` themselves and then advance `len`. The array is valid until the next grow.
   */
  reserve(n: number): Uint8Array {
    this.grow(n);
    return this.buf;
  }

  /** The written bytes; a view valid until the next write. */
  get(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  byte(b: number): void {
    this.grow(1);
    this.buf[this.len++] = b;
  }

  be16(v: number): void {
    this.grow(2);
    this.view.setUint16(this.len, v);
    this.len += 2;
  }

  be32(v: number): void {
    this.grow(4);
    this.view.setUint32(this.len, v >>> 0);
    this.len += 4;
  }

  be64(v: number): void {
    this.grow(8);
    this.view.setBigUint64(this.len, BigInt(v));
    this.len += 8;
  }

  be64int(v: number): void {
    this.grow(8);
    this.view.setBigInt64(this.len, BigInt(v));
    this.len += 8;
  }

  /** Writes the float's bits from `src[index]` untouched (NaN payloads survive). */
  be64float(src: Float64Array, index: number): void {
    this.grow(8);
    const s = new Uint8Array(src.buffer, src.byteOffset + index * 8, 8);
    for (let k = 0; k < 8; k++) this.buf[this.len + k] = s[7 - k]!;
    this.len += 8;
  }

  uvarint(v: number): void {
    this.grow(10);
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.len++] = v;
  }

  varint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  /**
   * Go's PutVarint64 over the whole int64 range, exact (`varint` rounds zig-zag values above 2^53). Numbers
   * at or above 2^63 stand for 2^63 - 1, as MAX_INT64 does in int64.ts.
   */
  varint64(v: number): void {
    if (Math.abs(v) <= 2 ** 52) return this.varint(v);
    const x = v >= 2 ** 63 ? (1n << 63n) - 1n : BigInt(v);
    let u = BigInt.asUintN(64, (x << 1n) ^ (x >> 63n));
    this.grow(10);
    while (u >= 0x80n) {
      this.buf[this.len++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.len++] = Number(u);
  }

  bytes(b: Uint8Array): void {
    this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  uvarintBytes(b: Uint8Array): void {
    this.uvarint(b.length);
    this.bytes(b);
  }

  /** uvarint length + UTF-8 bytes; ASCII (label names and most values) is copied without encoding a temporary. */
  uvarintStr(s: string): void {
    const n = s.length;
    if (n < 0x80) {
      this.grow(1 + n);
      const at = this.len;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        this.buf[at + 1 + i] = c;
      }
      if (i === n) {
        this.buf[at] = n;
        this.len = at + 1 + n;
        return;
      }
    }
    this.uvarintBytes(ENCODER.encode(s));
  }
}

const ENCODER = new TextEncoder();
