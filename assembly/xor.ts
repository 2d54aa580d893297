// The XOR ("Gorilla") float chunk of Prometheus 2.42 (tsdb/chunkenc/xor.go), bit for bit.
//
// Chunk bytes: BE16 sample count, then a bit stream:
//   sample 0   varint(t0) as whole bytes, 64 raw value bits
//   sample 1   uvarint(t1 - t0) as whole bytes, XOR value
//   sample i   timestamp delta-of-delta in a prefix-coded bucket, XOR value
// Timestamps are int64 milliseconds; values travel as raw IEEE bits so NaN payloads survive.

import { beginWrite, writeBits, writeAligned, endWrite, peekBits, readBits } from './bitstream';
import { fail, ERR_SHORT_CHUNK, ERR_TRUNCATED, ERR_VARINT_OVERFLOW, ERR_BAD_WINDOW, ERR_BAD_TIMESTAMP } from './errors';

// Encoder state, kept in memory so an open chunk can be appended to across calls.
export const STATE_T: usize = 0; //          i64  timestamp of the last sample
export const STATE_T_DELTA: usize = 8; //    i64  last timestamp delta
export const STATE_V: usize = 16; //         u64  bits of the last value
export const STATE_FIRST_T: usize = 24; //   i64  timestamp of sample 0
export const STATE_BITS: usize = 32; //      u32  bits written, counting the 16 header bits
export const STATE_COUNT: usize = 36; //     u32  samples written
export const STATE_LEADING: usize = 40; //   u8   XOR window: leading zeros, 0xFF = no window yet
export const STATE_TRAILING: usize = 41; //  u8   XOR window: trailing zeros
export const STATE_EMPTY_TAIL: usize = 42; // u8  1 when the stream ends in Prometheus's empty trailing byte
export const STATE_SIZE: usize = 48;

/** Most samples a chunk can hold (the count is a BE16). */
export const MAX_SAMPLES: u32 = 65535;

/** Starts an empty chunk: state in `s`, bytes `00 00` at `d`. */
export function resetEncoder(s: usize, d: usize): void {
  memory.fill(s, 0, STATE_SIZE);
  store<u32>(s, 16, STATE_BITS);
  store<u8>(s, 0xff, STATE_LEADING);
  store<u16>(d, 0);
}

/** Byte length of the chunk encoded so far, header included. */
// @ts-ignore: decorator
@inline export function encodedLength(s: usize): u32 {
  return ((load<u32>(s, STATE_BITS) + 7) >>> 3) + <u32>load<u8>(s, STATE_EMPTY_TAIL);
}

/**
 * Appends one sample to the chunk with state `s` and bytes at `d`. The caller guarantees fewer than
 * MAX_SAMPLES samples so far and 32 writable bytes after the current end.
 */
export function appendSample(s: usize, d: usize, t: i64, v: u64): void {
  beginWrite(d, load<u32>(s, STATE_BITS));
  encodeSample(s, t, v);
  store<u32>(s, endWrite(d), STATE_BITS);
  store<u16>(d, bswap<u16>(<u16>load<u32>(s, STATE_COUNT)));
}

/**
 * Encodes samples i < n (timestamps f64 ms at `ts`, value bits at `vs`) into the empty chunk with state `s`
 * and bytes at `d`, which has room for 20 * n + 32 bytes. Returns n, or ERR_BAD_TIMESTAMP with the index.
 */
export function encodeSamples(s: usize, d: usize, ts: usize, vs: usize, n: u32): i32 {
  beginWrite(d, load<u32>(s, STATE_BITS));
  for (let i: u32 = 0; i < n; i++) {
    const tf = load<f64>(ts + (<usize>i << 3));
    const t = <i64>tf;
    if (<f64>t != tf) {
      store<u32>(s, endWrite(d), STATE_BITS);
      return fail(ERR_BAD_TIMESTAMP, i);
    }
    encodeSample(s, t, load<u64>(vs + (<usize>i << 3)));
  }
  store<u32>(s, endWrite(d), STATE_BITS);
  store<u16>(d, bswap<u16>(<u16>load<u32>(s, STATE_COUNT)));
  return <i32>n;
}

/** One sample into the open writer (bitstream.ts), updating the state at `s`. */
// @ts-ignore: decorator
@inline function encodeSample(s: usize, t: i64, v: u64): void {
  const count = load<u32>(s, STATE_COUNT);
  let emptyTail = false;

  if (count == 0) {
    writeUvarint((<u64>t << 1) ^ <u64>(t >> 63)); // zig-zag, as Go's PutVarint
    writeBits(v, 64);
    store<i64>(s, t, STATE_FIRST_T);
    // Sample 0 ends byte-aligned after whole-byte writes: Go's bstream has appended an empty byte.
    emptyTail = true;
  } else {
    const delta = t - load<i64>(s, STATE_T);
    if (count == 1) {
      writeUvarint(<u64>delta);
    } else {
      writeDeltaOfDelta(delta - load<i64>(s, STATE_T_DELTA));
    }
    store<i64>(s, delta, STATE_T_DELTA);

    const x = v ^ load<u64>(s, STATE_V);
    if (x == 0) {
      writeBits(0, 1);
    } else {
      let leading = <u32>clz<u64>(x);
      const trailing = <u32>ctz<u64>(x);
      if (leading > 31) leading = 31; // the field has 5 bits
      const windowLeading = <u32>load<u8>(s, STATE_LEADING);
      const windowTrailing = <u32>load<u8>(s, STATE_TRAILING);
      let width: u32;
      if (windowLeading != 0xff && leading >= windowLeading && trailing >= windowTrailing) {
        // '10': the meaningful bits fit the current window.
        width = 64 - windowLeading - windowTrailing;
        writeBits(0b10, 2);
        writeBits(x >>> windowTrailing, width);
      } else {
        // '11', 5 bits leading zeros, 6 bits width (64 is written as 0), then the bits: a new window.
        width = 64 - leading - trailing;
        writeBits((0b11 << 11) | (<u64>leading << 6) | <u64>(width & 63), 13);
        writeBits(x >>> trailing, width);
        store<u8>(s, <u8>leading, STATE_LEADING);
        store<u8>(s, <u8>trailing, STATE_TRAILING);
      }
      // Go writes the bits with writeBits: whole bytes first. If those were all of it and they were
      // byte-aligned, its stream has again appended an empty byte.
      emptyTail = (width & 7) == 0 && writeAligned();
    }
  }

  store<i64>(s, t, STATE_T);
  store<u64>(s, v, STATE_V);
  store<u32>(s, count + 1, STATE_COUNT);
  store<u8>(s, emptyTail, STATE_EMPTY_TAIL);
}

/** Writes Go's uvarint as whole bytes (the position is byte-aligned here). */
function writeUvarint(u: u64): void {
  while (u >= 0x80) {
    writeBits((u & 0x7f) | 0x80, 8);
    u >>>= 7;
  }
  writeBits(u, 8);
}

/**
 * Prefix-coded timestamp delta-of-delta. An n-bit bucket holds -(2^(n-1) - 1) ..= 2^(n-1): the positive
 * edge is in, the negative edge is not (Go's bitRange).
 */
// @ts-ignore: decorator
@inline function writeDeltaOfDelta(dod: i64): void {
  if (dod == 0) {
    writeBits(0, 1);
  } else if (dod >= -8191 && dod <= 8192) {
    writeBits((0b10 << 14) | (<u64>dod & 0x3fff), 16);
  } else if (dod >= -65535 && dod <= 65536) {
    writeBits((0b110 << 17) | (<u64>dod & 0x1ffff), 20);
  } else if (dod >= -524287 && dod <= 524288) {
    writeBits((0b1110 << 20) | (<u64>dod & 0xfffff), 24);
  } else {
    writeBits(0b1111, 4);
    writeBits(<u64>dod, 64);
  }
}

/** Largest chunk the format allows: 65535 samples of at most 145 bits, plus the header and both varints. */
export const MAX_CHUNK_BYTES: u32 = 2 + 10 + 8 + 1 + 10 + 10 + 19 * (MAX_SAMPLES - 2);

// Where readUvarint stopped (a byte offset), or a negative status.
let varintEnd: i32 = 0;

/** Reads Go's uvarint from whole bytes at byte `at`, never past byte `len`; sets varintEnd. */
function readUvarint(d: usize, at: u32, len: u32): u64 {
  let u: u64 = 0;
  for (let shift: u64 = 0; shift < 70; shift += 7) {
    if (at >= len) {
      varintEnd = ERR_TRUNCATED;
      return 0;
    }
    const b = <u64>load<u8>(d + at++);
    if (b < 0x80) {
      if (shift == 63 && b > 1) break; // a 10th byte may only hold bit 63
      varintEnd = <i32>at;
      return u | (b << shift);
    }
    u |= (b & 0x7f) << shift;
  }
  varintEnd = ERR_VARINT_OVERFLOW;
  return 0;
}

/**
 * Decodes the chunk of `len` bytes at `d` into timestamps (f64 ms) at `outT` and value bits at `outV`.
 * Returns the sample count, or a negative status with the failing sample in errorSample.
 * `len` is at most MAX_CHUNK_BYTES and STREAM_SLACK bytes after the chunk must be readable.
 */
export function decodeChunk(d: usize, len: u32, outT: usize, outV: usize): i32 {
  if (len < 2) return fail(ERR_SHORT_CHUNK, 0);
  const count = <u32>bswap<u16>(load<u16>(d));
  if (count == 0) return 0;
  const end = len << 3;

  let u = readUvarint(d, 2, len);
  if (varintEnd < 0) return fail(varintEnd, 0, 0);
  let pos = <u32>varintEnd << 3;
  let t = <i64>(u >>> 1) ^ -<i64>(u & 1);
  let v = readBits(d, pos, 64);
  pos += 64;
  if (pos > end) return fail(ERR_TRUNCATED, 0, 0);
  store<f64>(outT, <f64>t);
  store<u64>(outV, v);

  let tDelta: i64 = 0;
  let leading: u32 = 0;
  let trailing: u32 = 0;
  for (let i: u32 = 1; i < count; i++) {
    if (i == 1) {
      u = readUvarint(d, pos >>> 3, len);
      if (varintEnd < 0) return fail(varintEnd, 0, i);
      pos = <u32>varintEnd << 3;
      tDelta = <i64>u;
    } else {
      // Up to 4 prefix bits and a payload of up to 20 bits fit one peek; the 64-bit case reads again.
      const w = peekBits(d, pos);
      let dod: i64 = 0;
      if ((w >>> 63) == 0) {
        pos += 1;
      } else if ((w >>> 62) == 0b10) {
        dod = signedBucket((w >>> 48) & 0x3fff, 14);
        pos += 16;
      } else if ((w >>> 61) == 0b110) {
        dod = signedBucket((w >>> 44) & 0x1ffff, 17);
        pos += 20;
      } else if ((w >>> 60) == 0b1110) {
        dod = signedBucket((w >>> 40) & 0xfffff, 20);
        pos += 24;
      } else {
        dod = <i64>readBits(d, pos + 4, 64);
        pos += 68;
      }
      tDelta += dod;
    }
    t += tDelta;

    const w = peekBits(d, pos);
    if ((w >>> 63) == 0) {
      pos += 1;
    } else {
      if ((w >>> 62) == 0b10) {
        pos += 2;
      } else {
        const newLeading = <u32>(w >>> 57) & 31;
        let width = <u32>(w >>> 51) & 63;
        if (width == 0) width = 64;
        if (newLeading + width > 64) return fail(pos + 13 > end ? ERR_TRUNCATED : ERR_BAD_WINDOW, 0, i);
        leading = newLeading;
        trailing = 64 - newLeading - width;
        pos += 13;
      }
      const width = 64 - leading - trailing;
      v ^= readBits(d, pos, width) << trailing;
      pos += width;
    }
    if (pos > end) return fail(ERR_TRUNCATED, 0, i);
    store<f64>(outT + (<usize>i << 3), <f64>t);
    store<u64>(outV + (<usize>i << 3), v);
  }
  return <i32>count;
}

/** An n-bit bucket payload back to a signed delta-of-delta: above 2^(n-1) it is negative. */
// @ts-ignore: decorator
@inline function signedBucket(x: u64, n: u32): i64 {
  return x > (<u64>1 << (n - 1)) ? <i64>x - (<i64>1 << n) : <i64>x;
}
