// Snappy block format (not the framed stream), as remote write compresses bodies. The
// uncompressed length heads the block as a uvarint; it is read and checked against the
// limit before the native decoder allocates anything.

import { uncompress } from '../native/snappy.js';
import { RemoteWriteError } from './errors.js';

const CORRUPT = 'snappy: corrupt input';

/** The uncompressed length a snappy block announces (Go's snappy.DecodedLen: a uvarint below 2^32). */
export function snappyDecodedLength(block: Uint8Array): number {
  let v = 0;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const b = block[i]!;
    v += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) {
      if (v > 0xffffffff) break;
      return v;
    }
  }
  throw new RemoteWriteError('SNAPPY_CORRUPT', CORRUPT);
}

/**
 * Decompresses a snappy block of at most `maxDecodedBytes` (on the libuv thread pool, off the
 * event loop). Every failure is a RemoteWriteError answered with 400.
 */
export async function decompressSnappyBlock(block: Uint8Array, maxDecodedBytes: number): Promise<Buffer> {
  const length = snappyDecodedLength(block);
  if (length > maxDecodedBytes) {
    throw new RemoteWriteError(
      'DECODED_TOO_LARGE',
      `snappy: decoded length ${length} exceeds the limit of ${maxDecodedBytes} bytes`,
    );
  }
  if (length === 0) {
    if (block.length !== 1) throw new RemoteWriteError('SNAPPY_CORRUPT', CORRUPT);
    return Buffer.alloc(0);
  }
  try {
    return await uncompress(block);
  } catch (err) {
    const detail = err instanceof Error && err.message.startsWith(CORRUPT) ? err.message : CORRUPT;
    throw new RemoteWriteError('SNAPPY_CORRUPT', detail);
  }
}
