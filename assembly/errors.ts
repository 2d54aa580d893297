// Status codes returned by exported functions (negative = failure). The index of the offending sample or
// chunk is left in `errorIndex`, and for multi-chunk calls the sample within that chunk in `errorSample`.
// src/wasm/ turns them into CorruptionError / RangeError with a message.

export const ERR_SHORT_CHUNK: i32 = -1; //      fewer than the 2 header bytes
export const ERR_TRUNCATED: i32 = -2; //        the bit stream ends before `numSamples` samples were read
export const ERR_VARINT_OVERFLOW: i32 = -3; //  a timestamp varint longer than 64 bits
export const ERR_BAD_WINDOW: i32 = -4; //       an XOR window with leading zeros + significant bits > 64
export const ERR_BAD_HANDLE: i32 = -5; //       not a live chunk handle (or listed twice where that is not allowed)
export const ERR_BAD_TIMESTAMP: i32 = -6; //    a timestamp that is not an integer within int64
export const ERR_TOO_MANY_SAMPLES: i32 = -7; // a chunk would exceed 65535 samples

export let errorIndex: u32 = 0;
export let errorSample: u32 = 0;

/** Records where a failure happened and returns its code, so call sites read `return fail(CODE, i)`. */
export function fail(code: i32, index: u32, sample: u32 = 0): i32 {
  errorIndex = index;
  errorSample = sample;
  return code;
}

export function lastErrorIndex(): u32 {
  return errorIndex;
}

export function lastErrorSample(): u32 {
  return errorSample;
}
