import { compressSync, uncompressSync } from '../../native/snappy.js';

/**
 * Snappy block format (uvarint decoded length + tagged elements), never the framed format.
 * The best an element can do is a 3-byte copy of 64 bytes, so a block can never decode to more
 * than 64/3 of its own size: a header announcing more is refused before anything is allocated.
 */
const MAX_EXPANSION = 64 / 3;

export function snappyCompress(src: Uint8Array): Uint8Array {
  return compressSync(src);
}

/** Decodes a block, or returns an error message for a malformed one. */
export function snappyDecompress(src: Uint8Array): Uint8Array | string {
  let len = 0;
  let shift = 1;
  let i = 0;
  for (; ; i++) {
    if (i >= src.length || i >= 5) return 'snappy: corrupt input (bad length header)';
    const b = src[i]!;
    len += (b & 0x7f) * shift;
    shift *= 128;
    if (b < 0x80) break;
  }
  if (len > 0xffffffff) return 'snappy: decoded block is too large';
  const body = src.length - i - 1;
  if (len > Math.ceil(body * MAX_EXPANSION)) {
    return `snappy: header announces ${len} bytes, more than ${body} compressed bytes can hold`;
  }
  try {
    return uncompressSync(src);
  } catch (e) {
    return (e as Error).message;
  }
}
