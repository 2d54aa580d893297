// Whole XOR chunks laid out by the caller (in scratch): encode one, decode one or many.

import { encodeSamples, resetEncoder, encodedLength, decodeChunk, STATE_SIZE, MAX_SAMPLES } from './xor';
import { fail, errorSample, ERR_TOO_MANY_SAMPLES } from './errors';

const encoder = memory.data(<i32>STATE_SIZE, 8);

/**
 * Encodes n samples (timestamps f64 ms at `ts`, value bits at `vs`) into one XOR chunk at `out`, which must
 * have room for 20 * n + 32 bytes. Returns the chunk's byte length.
 */
export function encodeXor(ts: usize, vs: usize, n: u32, out: usize): i32 {
  if (n > MAX_SAMPLES) return fail(ERR_TOO_MANY_SAMPLES, MAX_SAMPLES);
  resetEncoder(encoder, out);
  const status = encodeSamples(encoder, out, ts, vs, n);
  return status < 0 ? status : <i32>encodedLength(encoder);
}

/**
 * Decodes one chunk of `len` bytes at `chunk` (followed by 32 readable bytes) into timestamps (f64 ms) at
 * `outT` and value bits at `outV`. Returns the sample count.
 */
export function decodeXor(chunk: usize, len: u32, outT: usize, outV: usize): i32 {
  return decodeChunk(chunk, len, outT, outV);
}

/**
 * Decodes n chunks listed at `table` as (u32 address, u32 length) pairs, the last followed by 32 readable
 * bytes, into consecutive columns at outT/outV. Returns the total sample count; on failure the chunk's
 * index is in lastErrorIndex() and the sample's in lastErrorSample().
 */
export function decodeXorMany(table: usize, n: u32, outT: usize, outV: usize): i32 {
  let total: usize = 0;
  for (let i: u32 = 0; i < n; i++) {
    const entry = table + (<usize>i << 3);
    const decoded = decodeChunk(<usize>load<u32>(entry), load<u32>(entry, 4), outT + (total << 3), outV + (total << 3));
    if (decoded < 0) return fail(decoded, i, errorSample);
    total += <usize>decoded;
  }
  return <i32>total;
}
