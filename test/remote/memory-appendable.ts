// A TEST DOUBLE of the head: an in-memory Appendable with the ordering rules the head has, so
// the remote-write handler can be tested without storage. Not for production use.
//
// Per series the last committed sample decides: an older timestamp is out of order; the same
// timestamp with other value bits is a duplicate; the same timestamp with identical bits is
// accepted and ignored. Samples are checked against committed data only; at commit, a pending
// sample not newer than the series' last one is dropped silently (as the head does when one
// request holds the same series twice). Values live in Float64Arrays, so NaN bits survive.

import { compareStrings, labelsKey, type Labels } from '../../src/model/labels.js';
import {
  errDuplicateExemplar,
  errDuplicateSample,
  errInvalidLabels,
  errOutOfBounds,
  errOutOfOrderExemplar,
  errOutOfOrderSample,
  StorageError,
} from '../../src/storage/errors.js';
import type { Appendable, Appender, Exemplar, Histogram, Metadata, SeriesRef } from '../../src/storage/interface.js';

export class MemorySeries {
  timestamps: number[] = [];
  values = new Float64Array(16);
  count = 0;
  histograms: { t: number; h: Histogram }[] = [];
  exemplars: Exemplar[] = [];
  metadata: Metadata | undefined;
  constructor(
    readonly ref: SeriesRef,
    readonly labels: Labels,
  ) {}

  get lastTs(): number {
    return this.count > 0 ? this.timestamps[this.count - 1]! : -Infinity;
  }

  push(t: number, values: Float64Array, i: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.timestamps.push(t);
    this.values.set(values.subarray(i, i + 1), this.count++);
  }

  /** Sample i as [timestamp, IEEE-754 bits in hex]. */
  sample(i: number): [number, string] {
    return [this.timestamps[i]!, bitsHex(this.values, i)];
  }
}

export function bitsHex(values: Float64Array, i: number): string {
  const v = new DataView(values.buffer, values.byteOffset + i * 8, 8);
  return v.getBigUint64(0, true).toString(16).padStart(16, '0');
}

export interface Faults {
  /** Called for each float sample before it is checked; a returned error is thrown. */
  sample?(labels: Labels, t: number): Error | undefined;
  commit?(): Error | undefined;
}

export class MemoryAppendable implements Appendable {
  readonly series = new Map<string, MemorySeries>();
  readonly byRef = new Map<SeriesRef, MemorySeries>();
  /** Samples before this are out of bounds. */
  minValidTime = -Infinity;
  faults: Faults = {};
  commits = 0;
  rollbacks = 0;
  private nextRef = 1;

  appender(): Appender {
    return new MemoryAppender(this);
  }

  seriesFor(ref: SeriesRef, labels: Labels): MemorySeries {
    const known = ref !== 0 ? this.byRef.get(ref) : undefined;
    if (known) return known;
    checkLabels(labels);
    const key = labelsKey(labels);
    let s = this.series.get(key);
    if (!s) {
      s = new MemorySeries(this.nextRef++, labels);
      this.series.set(key, s);
      this.byRef.set(s.ref, s);
    }
    return s;
  }

  get(labels: Labels): MemorySeries | undefined {
    return this.series.get(labelsKey(labels));
  }

  /** Forgets every series (refs are not reused). */
  clear(): void {
    this.series.clear();
    this.byRef.clear();
  }

  totalSamples(): number {
    let n = 0;
    for (const s of this.series.values()) n += s.count;
    return n;
  }
}

/** The handler must hand storage sorted, unique, non-empty labels. */
function checkLabels(labels: Labels): void {
  if (labels.length === 0) throw errInvalidLabels('empty labelset');
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]!.name === '' || labels[i]!.value === '') throw errInvalidLabels('empty label name or value');
    if (i > 0 && compareStrings(labels[i - 1]!.name, labels[i]!.name) >= 0) throw errInvalidLabels('labels not sorted or not unique');
  }
}

interface Pending {
  series: MemorySeries;
  t: number;
  index: number;
}

class MemoryAppender implements Appender {
  private values = new Float64Array(64);
  private pending: Pending[] = [];
  private histograms: { series: MemorySeries; t: number; h: Histogram }[] = [];
  private exemplars: { series: MemorySeries; e: Exemplar }[] = [];
  private metadata: { series: MemorySeries; m: Metadata }[] = [];
  private done = false;

  constructor(private readonly db: MemoryAppendable) {}

  append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef {
    return this.appendSamples(ref, labels, Float64Array.of(t), Float64Array.of(v), 0, 1);
  }

  appendSamples(ref: SeriesRef, labels: Labels, ts: Float64Array, vs: Float64Array, start: number, end: number): SeriesRef {
    this.checkOpen();
    const s = this.db.seriesFor(ref, labels);
    for (let i = start; i < end; i++) {
      const t = ts[i]!;
      try {
        const fault = this.db.faults.sample?.(s.labels, t);
        if (fault) throw fault;
        this.check(s, t, vs, i);
      } catch (err) {
        if (err instanceof StorageError) err.appended = i - start;
        throw err;
      }
      if (this.pending.length === this.values.length) {
        const grown = new Float64Array(this.values.length * 2);
        grown.set(this.values);
        this.values = grown;
      }
      this.values.set(vs.subarray(i, i + 1), this.pending.length);
      this.pending.push({ series: s, t, index: this.pending.length });
    }
    return s.ref;
  }

  private check(s: MemorySeries, t: number, vs: Float64Array, i: number): void {
    if (t < this.db.minValidTime) throw errOutOfBounds();
    const last = s.lastTs;
    if (t < last) throw errOutOfOrderSample();
    if (t === last && bitsHex(s.values, s.count - 1) !== bitsHex(vs, i)) throw errDuplicateSample();
  }

  appendHistogram(ref: SeriesRef, labels: Labels, t: number, h: Histogram): SeriesRef {
    this.checkOpen();
    const s = this.db.seriesFor(ref, labels);
    if (t < this.db.minValidTime) throw errOutOfBounds();
    const last = s.histograms.at(-1)?.t ?? -Infinity;
    if (t < last) throw errOutOfOrderSample();
    this.histograms.push({ series: s, t, h });
    return s.ref;
  }

  appendExemplar(ref: SeriesRef, labels: Labels, e: Exemplar): SeriesRef {
    this.checkOpen();
    const s = this.db.seriesFor(ref, labels);
    const last = s.exemplars.at(-1);
    if (last && e.ts < last.ts) throw errOutOfOrderExemplar();
    if (last && e.ts === last.ts && last.value === e.value) throw errDuplicateExemplar();
    this.exemplars.push({ series: s, e });
    return s.ref;
  }

  updateMetadata(ref: SeriesRef, labels: Labels, m: Metadata): SeriesRef {
    this.checkOpen();
    const s = this.db.seriesFor(ref, labels);
    this.metadata.push({ series: s, m });
    return s.ref;
  }

  async commit(): Promise<void> {
    this.checkOpen();
    this.done = true;
    const fault = this.db.faults.commit?.();
    if (fault) throw fault;
    for (const p of this.pending) {
      if (p.t > p.series.lastTs) p.series.push(p.t, this.values, p.index);
    }
    for (const { series, t, h } of this.histograms) {
      if (t > (series.histograms.at(-1)?.t ?? -Infinity)) series.histograms.push({ t, h });
    }
    for (const { series, e } of this.exemplars) series.exemplars.push(e);
    for (const { series, m } of this.metadata) series.metadata = m;
    this.db.commits++;
  }

  async rollback(): Promise<void> {
    this.checkOpen();
    this.done = true;
    this.db.rollbacks++;
  }

  private checkOpen(): void {
    if (this.done) throw new Error('appender used after commit or rollback');
  }
}
