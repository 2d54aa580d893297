// Bit streams over raw linear memory, most significant bit first, laid out exactly like Prometheus's
// `bstream`. A position is a bit offset from the first byte of the chunk (which includes its 2-byte header).
//
// Both directions touch whole 64-bit words, so callers guarantee slack after the last meaningful byte:
// 8 bytes for the writer's final store, 9 for a peek; decoders check for overrun once per sample, so a
// truncated chunk may be read up to a sample's worth further (see STREAM_SLACK).

/** Bytes that must be addressable past the end of a stream: one widest sample (19 bytes) plus a 9-byte window. */
export const STREAM_SLACK: u32 = 32;

// The writer's registers. Bits collect in `acc` and reach memory a whole 64-bit word at a time, so no
// write ever reloads bytes it has just stored.
let writeAt: usize = 0; // byte address where `acc` belongs
let acc: u64 = 0; //     pending bits, left-aligned; everything after them is 0
let accBits: u32 = 0; // number of pending bits, < 64

/** Starts writing at bit `pos` of the stream at `buf`; bits after `pos` in its byte must be 0. */
// @ts-ignore: decorator
@inline export function beginWrite(buf: usize, pos: u32): void {
  writeAt = buf + (pos >>> 3);
  accBits = pos & 7;
  acc = accBits ? <u64>load<u8>(writeAt) << 56 : 0;
}

/** Appends the low `n` bits of `bits` (1 <= n <= 64; higher bits of `bits` must be 0). */
// @ts-ignore: decorator
@inline export function writeBits(bits: u64, n: u32): void {
  const free: u32 = 64 - accBits;
  if (n < free) {
    acc |= bits << (free - n);
    accBits += n;
  } else {
    const spill = n - free; // bits that do not fit this word
    store<u64>(writeAt, bswap<u64>(acc | (bits >>> spill)));
    writeAt += 8;
    acc = spill ? bits << (64 - spill) : 0;
    accBits = spill;
  }
}

/** True when the stream ends on a byte boundary. */
// @ts-ignore: decorator
@inline export function writeAligned(): bool {
  return (accBits & 7) == 0;
}

/**
 * Stores the pending bits (8 bytes, the unused low bits 0) and returns the stream's length in bits.
 * After it, the byte at the end position is 0 whenever that position is byte-aligned.
 */
// @ts-ignore: decorator
@inline export function endWrite(buf: usize): u32 {
  store<u64>(writeAt, bswap<u64>(acc));
  return (<u32>(writeAt - buf) << 3) + accBits;
}

/** The 64 bits starting at bit `pos`, left-aligned (bits past the stream's end are whatever follows it). */
// @ts-ignore: decorator
@inline export function peekBits(buf: usize, pos: u32): u64 {
  const at = buf + (pos >>> 3);
  const shift = pos & 7;
  return (bswap<u64>(load<u64>(at)) << shift) | (<u64>load<u8>(at, 8) >>> (8 - shift));
}

/** The `n` bits (1 <= n <= 64) starting at bit `pos`, right-aligned. */
// @ts-ignore: decorator
@inline export function readBits(buf: usize, pos: u32, n: u32): u64 {
  return peekBits(buf, pos) >>> (64 - n);
}
