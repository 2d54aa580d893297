// Bit streams over raw linear memory, most significant bit first, laid out exactly like Prometheus's
// `bstream`. A position is a bit offset from the first byte of the chunk (which includes its 2-byte header).
//
// Both directions touch whole 64-bit words, so callers guarantee slack after the last meaningful byte:
// 9 bytes from byte `pos >> 3` for a write, 9 bytes for a peek (decoders check for overrun once per sample,
// so a truncated chunk needs up to a sample's worth more; see STREAM_SLACK).

/** Bytes that must be addressable past the end of a stream: one widest sample (19 bytes) plus a 9-byte window. */
export const STREAM_SLACK: u32 = 32;

/**
 * Writes the low `n` bits of `bits` (1 <= n <= 64, higher bits of `bits` must be 0) at bit `pos` of `buf`
 * and returns the position after them. Every bit after the field in the touched bytes is cleared, so the
 * buffer never needs zeroing ahead of time and unused low bits of the last byte are always 0.
 */
// @ts-ignore: decorator
@inline export function writeBits(buf: usize, pos: u32, bits: u64, n: u32): u32 {
  const at = buf + (pos >>> 3);
  const shift = pos & 7;
  const field = bits << (64 - n); // left-aligned; a shift count of 64 is taken mod 64, i.e. 0 for n = 64
  const kept = bswap<u64>(load<u64>(at)) & ~(u64.MAX_VALUE >>> shift);
  store<u64>(at, bswap<u64>(kept | (field >>> shift)));
  if (shift + n > 64) store<u8>(at, <u8>(field << (8 - shift)), 8);
  return pos + n;
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
