// The head's deleted intervals (Prometheus's MemTombstones): set by delete_series, logged to the WAL as
// Tombstones records, applied to every read of the head, and dropped with the data they cover when the
// head is truncated into a block (which is written without the deleted samples).

import { addInterval, isSubrange, type Interval } from '../tombstones/intervals.js';

export class HeadTombstones {
  private readonly bySeries = new Map<number, Interval[]>();

  /** Adds a closed interval to a series' list, merging as Prometheus's Intervals.Add. */
  add(ref: number, iv: Interval): void {
    this.bySeries.set(ref, addInterval(this.bySeries.get(ref) ?? [], iv));
  }

  /** The deleted intervals of a series, sorted and merged (empty when none). */
  get(ref: number): readonly Interval[] {
    return this.bySeries.get(ref) ?? [];
  }

  get seriesCount(): number {
    return this.bySeries.size;
  }

  /** Drops the intervals that end before `t` (TruncateBefore: the data they covered is gone from the head). */
  truncateBefore(t: number): void {
    for (const [ref, list] of this.bySeries) {
      const kept = list.filter((iv) => iv.maxt >= t);
      if (kept.length === 0) this.bySeries.delete(ref);
      else if (kept.length !== list.length) this.bySeries.set(ref, kept);
    }
  }

  /** Forgets the tombstones of series the head collected. */
  deleteSeries(refs: Iterable<number>): void {
    for (const ref of refs) this.bySeries.delete(ref);
  }
}

/** Whether a chunk spanning [minT, maxT] lies wholly inside one deleted interval (a reader skips it). */
export function chunkDeleted(minT: number, maxT: number, intervals: readonly Interval[]): boolean {
  return intervals.length > 0 && isSubrange({ mint: minT, maxt: maxT }, intervals);
}

/**
 * Removes, in place, the samples of the first `n` whose time falls in a deleted interval (sorted,
 * merged); returns how many are kept. Kept runs move with copyWithin, so NaN payloads stay bit for bit.
 */
export function dropDeletedSamples(ts: Float64Array, vs: Float64Array, n: number, intervals: readonly Interval[]): number {
  if (intervals.length === 0) return n;
  let write = 0;
  let runStart = 0;
  let k = 0;
  const keep = (from: number, to: number): void => {
    if (to > from && from !== write) {
      ts.copyWithin(write, from, to);
      vs.copyWithin(write, from, to);
    }
    write += to - from;
  };
  for (let i = 0; i < n; i++) {
    const t = ts[i]!;
    while (k < intervals.length && intervals[k]!.maxt < t) k++;
    if (k < intervals.length && intervals[k]!.mint <= t) {
      keep(runStart, i);
      runStart = i + 1;
    }
  }
  keep(runStart, n);
  return write;
}
