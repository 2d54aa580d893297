import { compareLabels, type Labels } from '../../model/labels.js';
import type { Matcher } from '../../model/matchers.js';
import type { SampleColumns, SeriesData, SeriesSource } from '../block/source.js';
import type { Interval } from '../tombstones/intervals.js';
import { postingsForMatchers } from '../index/postings-for-matchers.js';
import type { Head } from './head.js';
import { mergeOoo } from './ooo.js';
import type { MemSeries } from './series.js';
import { chunkDeleted, dropDeletedSamples } from './tombstones.js';

/** The head as a query source: series selected through its postings, samples decoded from WASM chunks. */
export class HeadSource implements SeriesSource {
  constructor(readonly head: Head) {}

  overlaps(mint: number, maxt: number): boolean {
    const h = this.head;
    return Math.min(h.minTime, h.minOOOTime) <= maxt && mint <= Math.max(h.maxTime, h.maxOOOTime);
  }

  async *select(matchers: readonly Matcher[], mint: number, maxt: number): AsyncGenerator<SeriesData> {
    const head = this.head;
    const selected: MemSeries[] = [];
    for (const ref of postingsForMatchers(head.postings, matchers)) {
      const s = head.getByRef(ref);
      if (s === undefined || s.minTime() > maxt || mint > Math.max(s.lastT, s.ooo?.maxTime ?? -Infinity)) continue;
      if (!hasUndeletedData(s, head.tombstones.get(ref), mint, maxt)) continue;
      selected.push(s);
    }
    selected.sort((a, b) => compareLabels(a.labels, b.labels));
    for (const s of selected) yield new HeadSeries(head, s, mint, maxt);
  }

  async close(): Promise<void> {}
}

class HeadSeries implements SeriesData {
  readonly labels: Labels;

  constructor(
    private readonly head: Head,
    private readonly series: MemSeries,
    private readonly mint: number,
    private readonly maxt: number,
  ) {
    this.labels = series.labels;
  }

  async *batches(): AsyncGenerator<SampleColumns> {
    const { mint, maxt, series } = this;
    const handles = series.chunkHandles(mint, maxt);
    let ts: Float64Array = new Float64Array(0);
    let vs: Float64Array = new Float64Array(0);
    let from = 0;
    let to = 0;
    if (handles.length > 0) {
      const cols = this.head.store.decodeMany(handles);
      ts = cols.timestamps;
      vs = cols.values;
      // Trim to [mint, maxt]; samples are in time order, so the kept ones are one run.
      to = cols.length;
      while (from < to && ts[from]! < mint) from++;
      while (to > from && ts[to - 1]! > maxt) to--;
    }
    const inOrder = { timestamps: ts.subarray(from, to), values: vs.subarray(from, to), length: to - from };
    const out = series.ooo ? mergeOoo(inOrder.timestamps, inOrder.values, inOrder.length, series.ooo, mint, maxt) : inOrder;
    out.length = dropDeletedSamples(out.timestamps, out.values, out.length, this.head.tombstones.get(series.ref));
    if (out.length > 0) yield out;
  }
}

/**
 * Whether a series with deleted intervals still has something to read in [mint, maxt]: as a block
 * querier, a chunk wholly inside one deleted interval does not count; an out-of-order sample counts
 * unless it is deleted.
 */
function hasUndeletedData(s: MemSeries, intervals: readonly Interval[], mint: number, maxt: number): boolean {
  if (intervals.length === 0) return true;
  for (const c of s.closed) if (c.minT <= maxt && mint <= c.maxT && !chunkDeleted(c.minT, c.maxT, intervals)) return true;
  if (s.headChunk !== 0 && s.chunkSamples > 0 && s.chunkMinT <= maxt && mint <= s.lastT && !chunkDeleted(s.chunkMinT, s.lastT, intervals)) return true;
  const ooo = s.ooo;
  if (ooo === undefined) return false;
  for (let i = ooo.lowerBound(mint); i < ooo.length && ooo.ts[i]! <= maxt; i++) {
    if (!intervals.some((iv) => iv.mint <= ooo.ts[i]! && ooo.ts[i]! <= iv.maxt)) return true;
  }
  return false;
}
