// A plain TypeScript XOR chunk codec, written independently of assembly/ from Prometheus's description
// (tsdb/chunkenc/bstream.go, xor.go): the writer models Go's bstream literally (a byte array plus the count
// of free bits in the last byte, writeByte appending a byte), so it checks the WASM encoder's bit-position
// model of the empty trailing byte. Used only by tests and the benchmark, never by src/.
//
// Values are handled as two 32-bit halves of their IEEE bits; timestamps as numbers while they are safe
// integers, falling back to int64 BigInt arithmetic when a delta does not fit.

type Int64 = number | bigint; // a number when it is a safe integer

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function int64(x: bigint): Int64 {
  const wrapped = BigInt.asIntN(64, x);
  return wrapped >= -MAX_SAFE && wrapped <= MAX_SAFE ? Number(wrapped) : wrapped;
}

function sub(a: Int64, b: Int64): Int64 {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (Number.isSafeInteger(r)) return r;
  }
  return int64(BigInt(a) - BigInt(b));
}

function add(a: Int64, b: Int64): Int64 {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r)) return r;
  }
  return int64(BigInt(a) + BigInt(b));
}

/** High and low 32 bits of a 64-bit two's-complement integer. */
function halves(x: Int64): [number, number] {
  if (typeof x === 'number') {
    const hi = Math.floor(x / 0x1_0000_0000);
    return [hi >>> 0, (x - hi * 0x1_0000_0000) >>> 0];
  }
  const u = BigInt.asUintN(64, x);
  return [Number(u >> 32n), Number(u & 0xffff_ffffn)];
}

function fromHalves(hi: number, lo: number): Int64 {
  return int64((BigInt(hi) << 32n) | BigInt(lo));
}

/** Go's bstream: bytes plus the number of free low bits in the last byte. */
class Bstream {
  bytes = new Uint8Array(64);
  length = 0;
  private free = 0;

  private append(byte: number): void {
    if (this.length === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.length++] = byte;
  }

  writeBit(bit: number): void {
    if (this.free === 0) {
      this.append(0);
      this.free = 8;
    }
    if (bit) this.bytes[this.length - 1]! |= 1 << (this.free - 1);
    this.free--;
  }

  writeByte(byte: number): void {
    if (this.free === 0) {
      this.append(0);
      this.free = 8;
    }
    this.bytes[this.length - 1]! |= byte >>> (8 - this.free);
    this.append((byte << this.free) & 0xff);
  }

  /** Go's writeBits for n <= 32: whole bytes from the top first, then single bits. */
  writeBits32(u: number, n: number): void {
    let left = n;
    while (left >= 8) {
      left -= 8;
      this.writeByte((u >>> left) & 0xff);
    }
    while (left > 0) {
      left--;
      this.writeBit((u >>> left) & 1);
    }
  }

  /** Go's writeBits for n <= 64 given as halves: whole bytes from the top of the n-bit field, then bits. */
  writeBits64(hi: number, lo: number, n: number): void {
    let left = n;
    while (left >= 8) {
      left -= 8;
      this.writeByte(byteAt(hi, lo, left));
    }
    while (left > 0) {
      left--;
      this.writeBit(left >= 32 ? (hi >>> (left - 32)) & 1 : (lo >>> left) & 1);
    }
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

/** Bits [at, at + 8) of the 64-bit value hi:lo. */
function byteAt(hi: number, lo: number, at: number): number {
  if (at >= 32) return (hi >>> (at - 32)) & 0xff;
  if (at <= 24) return (lo >>> at) & 0xff;
  return ((lo >>> at) | (hi << (32 - at))) & 0xff;
}

function clz64(hi: number, lo: number): number {
  return hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo);
}

function ctz64(hi: number, lo: number): number {
  if (lo !== 0) return 31 - Math.clz32(lo & -lo);
  return 32 + 31 - Math.clz32(hi & -hi);
}

/** Encodes samples [start, end) as Prometheus 2.42 does. */
export function referenceEncodeXor(ts: Float64Array, vs: Float64Array, start = 0, end = ts.length): Uint8Array {
  const words = new Uint32Array(vs.buffer, vs.byteOffset, vs.length * 2);
  const b = new Bstream();
  b.writeByte(0);
  b.writeByte(0);
  const n = end - start;
  let t: Int64 = 0;
  let tDelta: Int64 = 0;
  let vHi = 0;
  let vLo = 0;
  let leading = 0xff;
  let trailing = 0;
  for (let i = 0; i < n; i++) {
    const ti = ts[start + i]!;
    if (!Number.isInteger(ti)) throw new RangeError(`timestamp ${ti} is not an integer`);
    const tNext: Int64 = Number.isSafeInteger(ti) ? ti : int64(BigInt(ti));
    const hi = words[2 * (start + i) + 1]!;
    const lo = words[2 * (start + i)]!;
    if (i === 0) {
      writeVarintBytes(b, tNext, true);
      b.writeBits64(hi, lo, 64);
    } else {
      const delta = sub(tNext, t);
      if (i === 1) {
        writeVarintBytes(b, delta, false);
      } else {
        writeDeltaOfDelta(b, sub(delta, tDelta));
      }
      tDelta = delta;
      const xHi = (hi ^ vHi) >>> 0;
      const xLo = (lo ^ vLo) >>> 0;
      if (xHi === 0 && xLo === 0) {
        b.writeBit(0);
      } else {
        b.writeBit(1);
        const l = Math.min(clz64(xHi, xLo), 31);
        const tz = ctz64(xHi, xLo);
        if (leading !== 0xff && l >= leading && tz >= trailing) {
          b.writeBit(0);
          writeShifted(b, xHi, xLo, trailing, 64 - leading - trailing);
        } else {
          leading = l;
          trailing = tz;
          b.writeBit(1);
          b.writeBits32(l, 5);
          const sig = 64 - l - tz;
          b.writeBits32(sig & 63, 6);
          writeShifted(b, xHi, xLo, tz, sig);
        }
      }
    }
    t = tNext;
    vHi = hi;
    vLo = lo;
  }
  const out = b.finish();
  out[0] = n >>> 8;
  out[1] = n & 0xff;
  return out;
}

/** writeBits(x >> shift, width). */
function writeShifted(b: Bstream, hi: number, lo: number, shift: number, width: number): void {
  let sHi: number;
  let sLo: number;
  if (shift === 0) [sHi, sLo] = [hi, lo];
  else if (shift < 32) [sHi, sLo] = [hi >>> shift, ((lo >>> shift) | (hi << (32 - shift))) >>> 0];
  else [sHi, sLo] = [0, hi >>> (shift - 32)];
  b.writeBits64(sHi, sLo, width);
}

function writeVarintBytes(b: Bstream, x: Int64, zigzag: boolean): void {
  if (typeof x === 'number' && (zigzag ? Math.abs(x) < 2 ** 52 : x >= 0)) {
    let u = zigzag ? (x >= 0 ? 2 * x : -2 * x - 1) : x;
    while (u >= 0x80) {
      b.writeByte((u % 0x80) | 0x80);
      u = Math.floor(u / 0x80);
    }
    b.writeByte(u);
    return;
  }
  let u = BigInt.asUintN(64, BigInt(x));
  if (zigzag) u = BigInt.asUintN(64, (u << 1n) ^ (BigInt.asIntN(64, u) < 0n ? 0xffff_ffff_ffff_ffffn : 0n));
  while (u >= 0x80n) {
    b.writeByte(Number(u & 0x7fn) | 0x80);
    u >>= 7n;
  }
  b.writeByte(Number(u));
}

function inBucket(dod: Int64, n: number): boolean {
  return typeof dod === 'number' && dod >= -(2 ** (n - 1) - 1) && dod <= 2 ** (n - 1);
}

function writeDeltaOfDelta(b: Bstream, dod: Int64): void {
  if (dod === 0) {
    b.writeBit(0);
    return;
  }
  for (const [prefix, prefixWidth, n] of [[0b10, 2, 14], [0b110, 3, 17], [0b1110, 4, 20]] as const) {
    if (inBucket(dod, n)) {
      b.writeBits32(prefix, prefixWidth);
      b.writeBits32(Number(dod) & (2 ** n - 1), n);
      return;
    }
  }
  b.writeBits32(0b1111, 4);
  const [hi, lo] = halves(dod);
  b.writeBits64(hi, lo, 64);
}

/** Reads bits MSB-first; reading past the end throws. */
class BitReader {
  private pos = 0;
  constructor(private readonly bytes: Uint8Array, startByte: number) {
    this.pos = startByte * 8;
  }

  bits32(n: number): number {
    if (this.pos + n > this.bytes.length * 8) throw new Error('XOR chunk truncated');
    let u = 0;
    let left = n;
    while (left > 0) {
      const free = 8 - (this.pos & 7);
      const take = Math.min(free, left);
      const bits = (this.bytes[this.pos >>> 3]! >>> (free - take)) & ((1 << take) - 1);
      u = u * (1 << take) + bits;
      this.pos += take;
      left -= take;
    }
    return u;
  }

  bits64(n: number): [number, number] {
    if (n <= 32) return [0, this.bits32(n)];
    const hi = this.bits32(n - 32);
    return [hi, this.bits32(32)];
  }

  byte(): number {
    return this.bits32(8);
  }
}

export interface ReferenceColumns {
  timestamps: Float64Array;
  values: Float64Array;
}

/** Decodes an XOR chunk; throws on truncated input. */
export function referenceDecodeXor(chunk: Uint8Array): ReferenceColumns {
  if (chunk.length < 2) throw new Error('XOR chunk shorter than its header');
  const n = (chunk[0]! << 8) | chunk[1]!;
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  const words = new Uint32Array(values.buffer);
  const r = new BitReader(chunk, 2);
  let t: Int64 = 0;
  let tDelta: Int64 = 0;
  let vHi = 0;
  let vLo = 0;
  let leading = 0;
  let trailing = 0;
  for (let i = 0; i < n; i++) {
    if (i === 0) {
      const u = readUvarint(r);
      if (typeof u === 'number') t = u % 2 === 1 ? -(u + 1) / 2 : u / 2;
      else t = int64((u >> 1n) ^ -(u & 1n));
      [vHi, vLo] = r.bits64(64);
    } else {
      if (i === 1) {
        const u = readUvarint(r);
        tDelta = typeof u === 'number' ? u : int64(u);
      } else {
        let prefix = 0;
        while (prefix < 4 && r.bits32(1) === 1) prefix++;
        const n = [0, 14, 17, 20, 64][prefix]!;
        if (n === 64) {
          const [hi, lo] = r.bits64(64);
          tDelta = add(tDelta, fromHalves(hi, lo));
        } else if (n > 0) {
          let x = r.bits32(n);
          if (x > 2 ** (n - 1)) x -= 2 ** n;
          tDelta = add(tDelta, x);
        }
      }
      t = add(t, tDelta);
      if (r.bits32(1) === 1) {
        let width: number;
        if (r.bits32(1) === 1) {
          leading = r.bits32(5);
          width = r.bits32(6) || 64;
          if (leading + width > 64) throw new Error('XOR window wider than 64 bits');
          trailing = 64 - leading - width;
        } else {
          width = 64 - leading - trailing;
        }
        const [mHi, mLo] = r.bits64(width);
        // x = m << trailing
        let xHi: number;
        let xLo: number;
        if (trailing === 0) [xHi, xLo] = [mHi, mLo];
        else if (trailing < 32) [xHi, xLo] = [((mHi << trailing) | (mLo >>> (32 - trailing))) >>> 0, (mLo << trailing) >>> 0];
        else [xHi, xLo] = [(mLo << (trailing - 32)) >>> 0, 0];
        vHi = (vHi ^ xHi) >>> 0;
        vLo = (vLo ^ xLo) >>> 0;
      }
    }
    timestamps[i] = Number(t);
    words[2 * i] = vLo;
    words[2 * i + 1] = vHi;
  }
  return { timestamps, values };
}

/** Go's ReadUvarint: a number while it fits 49 bits, else a bigint. */
function readUvarint(r: BitReader): number | bigint {
  const bytes: number[] = [];
  for (;;) {
    const b = r.byte();
    bytes.push(b);
    if (b < 0x80) break;
    if (bytes.length === 10) throw new Error('varint overflows 64 bits');
  }
  if (bytes.length === 10 && bytes[9]! > 1) throw new Error('varint overflows 64 bits');
  if (bytes.length <= 7) return bytes.reduceRight((u, b) => u * 0x80 + (b & 0x7f), 0);
  return bytes.reduceRight((u, b) => (u << 7n) | BigInt(b & 0x7f), 0n);
}
