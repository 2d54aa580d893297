// The samples of one backfill window, kept as promtool 2.42's BlockWriter head keeps them.
//
// promtool appends every sample of a window through a fresh head and commits every 5000 appends. What
// the head does with a sample depends on when it looks (head_append.go):
//
// - Append checks the sample against the series' *committed* samples only: older than the last
//   committed one fails ("out of order sample"), at the same time with other value bits fails
//   ("duplicate sample for timestamp"); both end the backfill.
// - Commit replays the batch in append order against the series as it grows: a sample not after the
//   series' newest one is dropped without a word (out of order within a batch, duplicates of any kind).
//
// So a series here holds its kept samples in time order plus how many of them are committed, and the
// batch bookkeeping is a list of the series touched since the last commit.

import type { Labels } from '../../model/labels.js';
import type { SampleSeries } from '../block/writer.js';

/** promtool's maxSamplesInAppender: appends per head transaction. */
export const SAMPLES_PER_COMMIT = 5000;

/** A sample the head refuses, with the message of Prometheus's storage error. */
export class AppendError extends Error {
  override readonly name = 'AppendError';
}

/** Whatever can write a sample's value bits into a Float64Array slot (the exposition parsers can). */
export interface ValueSource {
  copyValueTo(dst: Float64Array, index: number): void;
}

class HeadSeries implements SampleSeries {
  timestamps = new Float64Array(16);
  /** Written only by ValueSource.copyValueTo and grown by Float64Array.set: the bits stay as parsed. */
  values = new Float64Array(16);
  length = 0;
  committed = 0;
  inBatch = false;

  constructor(readonly labels: Labels) {}

  grow(): void {
    const ts = new Float64Array(this.timestamps.length * 2);
    ts.set(this.timestamps);
    this.timestamps = ts;
    const vs = new Float64Array(this.values.length * 2);
    vs.set(this.values);
    this.values = vs;
  }
}

export class WindowHead {
  private readonly series: HeadSeries[] = [];
  /** Series by their label set (see labelSetKey). */
  private readonly byLabels = new Map<string, HeadSeries>();
  private batch: HeadSeries[] = [];
  private appendsInBatch = 0;

  get numSeries(): number {
    return this.series.length;
  }

  /**
   * The series for a label set as the parser gives it (sorted by name, `__name__` included), created on
   * first use. As the head does: labels with empty values are dropped, repeated names are refused.
   */
  seriesFor(parsed: Labels): HeadSeries {
    const labels = parsed.some((l) => l.value === '') ? parsed.filter((l) => l.value !== '') : parsed;
    if (labels.length === 0) throw new AppendError('empty labelset: invalid sample');
    for (let i = 1; i < labels.length; i++) {
      if (labels[i]!.name === labels[i - 1]!.name) throw new AppendError(`label name "${labels[i]!.name}" is not unique: invalid sample`);
    }
    const key = labelSetKey(labels);
    let s = this.byLabels.get(key);
    if (!s) {
      s = new HeadSeries(labels);
      this.byLabels.set(key, s);
      this.series.push(s);
    }
    return s;
  }

  /**
   * Appends the sample at `t` whose value `value` writes, then commits when the batch is full. Values
   * compare by Object.is: the parsers give one NaN bit pattern, so that is comparing bits.
   */
  append(s: HeadSeries, t: number, value: ValueSource): void {
    const n = s.length;
    if (n === s.timestamps.length) s.grow();
    value.copyValueTo(s.values, n);
    if (s.committed > 0) {
      const last = s.committed - 1;
      const lastT = s.timestamps[last]!;
      if (t < lastT) throw new AppendError('out of order sample');
      if (t === lastT && !Object.is(s.values[n], s.values[last])) throw new AppendError('duplicate sample for timestamp');
    }
    // Commit keeps a sample only when it is after the series' newest one; the outcome is the same now.
    if (n === 0 || t > s.timestamps[n - 1]!) {
      s.timestamps[n] = t;
      s.length = n + 1;
    }
    if (!s.inBatch) {
      s.inBatch = true;
      this.batch.push(s);
    }
    if (++this.appendsInBatch === SAMPLES_PER_COMMIT) this.commit();
  }

  /** Ends the head transaction: what was appended becomes what later appends are checked against. */
  commit(): void {
    for (const s of this.batch) {
      s.committed = s.length;
      s.inBatch = false;
    }
    this.batch = [];
    this.appendsInBatch = 0;
  }

  /** The series with their samples, in creation order (the block writer sorts them). */
  contents(): readonly SampleSeries[] {
    return this.series;
  }
}

/** A string naming a label set exactly: length-prefixed names and values, unambiguous whatever they hold. */
function labelSetKey(labels: Labels): string {
  let key = '';
  for (const { name, value } of labels) key += `${name.length}:${name}${value.length}:${value}`;
  return key;
}
