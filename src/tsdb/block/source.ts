// The seam between readers and queries: anything series can be read from (a block today; the head,
// replayed from the WAL, later) is a SeriesSource, and a query merges the sources that overlap its range.

import type { Labels } from '../../model/labels.js';
import type { Matcher } from '../../model/matchers.js';
import type { SampleColumns } from '../../wasm/index.js';

export type { SampleColumns };

/** One series of one query: its labels and its samples, read lazily as batches of columns. */
export interface SeriesData {
  readonly labels: Labels;
  /**
   * The samples, in batches; each batch is in time order and is a fresh object the caller may keep.
   * Samples outside the query range and deleted samples are already gone. May be called again to
   * re-read; reading may fail with a CorruptionError.
   */
  batches(): AsyncIterable<SampleColumns>;
}

/** A source of series for queries: a block, or the head. */
export interface SeriesSource {
  /**
   * Whether the source holds data for a query over the closed range [mint, maxt] (a block over
   * [minTime, maxTime) takes part when minTime <= maxt && mint < maxTime).
   */
  overlaps(mint: number, maxt: number): boolean;
  /**
   * The series that satisfy every matcher and have data in [mint, maxt], sorted by labels
   * (compareLabels). No matchers select nothing.
   */
  select(matchers: readonly Matcher[], mint: number, maxt: number): AsyncIterable<SeriesData>;
  close(): Promise<void>;
}
