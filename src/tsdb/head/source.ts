import { compareLabels, type Labels } from '../../model/labels.js';
import type { Matcher } from '../../model/matchers.js';
import type { SampleColumns, SeriesData, SeriesSource } from '../block/source.js';
import { postingsForMatchers } from '../index/postings-for-matchers.js';
import type { Head } from './head.js';
import type { MemSeries } from './series.js';

/** The head as a query source: series selected through its postings, samples decoded from WASM chunks. */
export class HeadSource implements SeriesSource {
  constructor(readonly head: Head) {}

  overlaps(mint: number, maxt: number): boolean {
    return this.head.minTime <= maxt && mint <= this.head.maxTime;
  }

  async *select(matchers: readonly Matcher[], mint: number, maxt: number): AsyncGenerator<SeriesData> {
    const head = this.head;
    const selected: MemSeries[] = [];
    for (const ref of postingsForMatchers(head.postings, matchers)) {
      const s = head.getByRef(ref);
      if (s !== undefined && s.minTime() <= maxt && mint <= s.lastT) selected.push(s);
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
    const handles = this.series.chunkHandles(this.mint, this.maxt);
    if (handles.length === 0) return;
    const cols = this.head.store.decodeMany(handles);
    const { timestamps: ts, values: vs } = cols;
    // Trim to [mint, maxt]; samples are in time order, so the kept ones are one run.
    let from = 0;
    while (from < cols.length && ts[from]! < this.mint) from++;
    let to = cols.length;
    while (to > from && ts[to - 1]! > this.maxt) to--;
    if (to === from) return;
    yield { timestamps: ts.subarray(from, to), values: vs.subarray(from, to), length: to - from };
  }
}
