// The series a query of the library API yields: labels, and the samples as typed-array columns read
// lazily, batch by batch, or all at once.

import type { Labels } from '../model/labels.js';
import type { SampleColumns, SeriesData } from '../tsdb/block/source.js';

/** The time range of a query: closed, [mint, maxt] in ms; each bound defaults to unbounded. */
export interface TimeRange {
  readonly mint?: number;
  readonly maxt?: number;
}

/** One series of a query result. */
export interface Series {
  /** The label set, sorted by name. */
  readonly labels: Labels;
  /**
   * The samples in time order, as batches of columns read lazily from disk (a few thousand samples
   * each). Each batch is a fresh object the caller may keep.
   */
  batches(): AsyncIterable<SampleColumns>;
  /** All samples of the series in the query range, in one set of columns. */
  samples(): Promise<SampleColumns>;
}

/** @internal The library's view of a storage series. */
export function toSeries(s: SeriesData): Series {
  return {
    labels: s.labels,
    batches: () => s.batches(),
    samples: () => concatBatches(s.batches()),
  };
}

async function concatBatches(batches: AsyncIterable<SampleColumns>): Promise<SampleColumns> {
  const parts: SampleColumns[] = [];
  let length = 0;
  for await (const b of batches) {
    parts.push(b);
    length += b.length;
  }
  if (parts.length === 1) return parts[0]!;
  const timestamps = new Float64Array(length);
  const values = new Float64Array(length);
  let at = 0;
  for (const p of parts) {
    timestamps.set(p.timestamps.subarray(0, p.length), at);
    values.set(p.values.subarray(0, p.length), at); // set() copies bytes: NaN payloads survive
    at += p.length;
  }
  return { timestamps, values, length };
}
