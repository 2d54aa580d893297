// Samples as columns: the shape every decoder in this folder returns.

/** Decoded samples: timestamps in ms and values, valid in [0, length); the arrays may be longer. */
export interface SampleColumns {
  timestamps: Float64Array;
  values: Float64Array;
  length: number;
}

/** Samples of several chunks, concatenated in order; chunk i contributed counts[i] of them. */
export interface ChunkColumns extends SampleColumns {
  counts: Uint32Array;
}

/**
 * Columns for `length` samples: `out` itself when given (its arrays reused if long enough, else replaced by
 * arrays with room to grow), or new exact-size arrays.
 */
export function columnsFor(length: number, out?: SampleColumns): SampleColumns {
  if (!out) return { timestamps: new Float64Array(length), values: new Float64Array(length), length };
  if (out.timestamps.length < length) out.timestamps = new Float64Array(Math.max(length, out.timestamps.length * 2));
  if (out.values.length < length) out.values = new Float64Array(Math.max(length, out.values.length * 2));
  out.length = length;
  return out;
}
