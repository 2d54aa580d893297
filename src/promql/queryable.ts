// The storage seam of the engine: anything that selects series by matchers over a closed time range.
// `ReadOnlyDB` and the block/head sources already have this shape; MemoryQueryable serves tests and the
// `.test` runner.

import type { Labels } from '../model/labels.js';
import { compareLabels, labelsKey } from '../model/labels.js';
import { matchesAll, type Matcher } from '../model/matchers.js';
import type { SeriesData, SampleColumns } from '../tsdb/block/source.js';

export type { SeriesData, SampleColumns };

export interface Queryable {
  /** Series satisfying every matcher with samples in [mint, maxt]; each batch in time order. */
  select(matchers: readonly Matcher[], mint: number, maxt: number): AsyncIterable<SeriesData>;
}

/** Series held in memory as columns; values are kept in Float64Arrays so stale-marker bits survive. */
export class MemoryQueryable implements Queryable {
  private readonly series = new Map<string, { labels: Labels; columns: SampleColumns }>();

  /** Sets (replaces) a series. Timestamps must be increasing. */
  set(labels: Labels, timestamps: Float64Array, values: Float64Array): void {
    if (timestamps.length !== values.length) throw new RangeError('timestamps and values differ in length');
    for (let i = 1; i < timestamps.length; i++) {
      if (!(timestamps[i]! > timestamps[i - 1]!)) throw new RangeError('timestamps must increase');
    }
    this.series.set(labelsKey(labels), { labels, columns: { timestamps, values, length: timestamps.length } });
  }

  /** Samples of an existing series, if any. */
  get(labels: Labels): SampleColumns | undefined {
    return this.series.get(labelsKey(labels))?.columns;
  }

  async *select(matchers: readonly Matcher[], mint: number, maxt: number): AsyncGenerator<SeriesData> {
    if (matchers.length === 0) return;
    const hits = [...this.series.values()]
      .filter((s) => matchesAll(matchers, (n) => s.labels.find((l) => l.name === n)?.value))
      .sort((a, b) => compareLabels(a.labels, b.labels));
    for (const { labels, columns } of hits) {
      const { timestamps, values, length } = columns;
      const from = firstIndex(timestamps, length, (t) => t >= mint);
      const to = firstIndex(timestamps, length, (t) => t > maxt);
      if (to === from) continue;
      const batch: SampleColumns = { timestamps: timestamps.subarray(from, to), values: values.subarray(from, to), length: to - from };
      yield { labels, batches: async function* () { yield batch; } };
    }
  }
}

/** The first index in [0, length) whose timestamp satisfies `past` (monotone), or length. */
function firstIndex(ts: Float64Array, length: number, past: (t: number) => boolean): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (past(ts[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
