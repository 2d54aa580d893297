import type { Labels } from '../../model/labels.js';
import type { Appender, Exemplar, Histogram, Metadata, SeriesRef } from '../../storage/interface.js';
import {
  errDuplicateSample,
  errInvalidLabels,
  errOutOfBounds,
  errOutOfOrderSample,
  errTooOldSample,
  StorageError,
} from '../../storage/errors.js';
import { cleanLabels, type Head } from './head.js';
import { SampleBatch } from './sample-batch.js';
import type { MemSeries } from './series.js';

let nextAppenderId = 1;

/**
 * One transaction against the head (Prometheus's headAppender). Samples are
 * checked against the committed state when appended, written to the WAL at
 * commit, then applied in one batch. Series are created at append time and,
 * as in Prometheus, stay in the head (and are logged) even on rollback.
 */
export class HeadAppender implements Appender {
  private readonly samples = new SampleBatch(256);
  private readonly created: MemSeries[] = [];
  /** Series this transaction touched, each counted once in its pendingCommits. */
  private readonly touched: MemSeries[] = [];
  private readonly id = nextAppenderId++;
  private readonly metadata: { ref: number; meta: Metadata }[] = [];
  private minValidTime: number | undefined;
  private closed = false;
  private readonly one = new Float64Array(2);
  private readonly oneBits = new Uint32Array(this.one.buffer);
  // The u32 view of the caller's value column, kept while the caller reuses the column.
  private srcVs: Float64Array | undefined;
  private srcBits: Uint32Array = new Uint32Array(0);

  constructor(private readonly head: Head) {}

  append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef {
    // The value goes straight into typed storage; index 0 holds t, index 1 holds v.
    this.one[0] = t;
    this.one[1] = v;
    return this.appendOne(ref, labels, this.one);
  }

  private appendOne(ref: SeriesRef, labels: Labels, tv: Float64Array): SeriesRef {
    const s = this.resolve(ref, labels);
    this.check(s, tv[0]!, this.oneBits, 1);
    this.samples.push(s.ref, tv[0]!, this.oneBits, 1);
    return s.ref;
  }

  appendSamples(
    ref: SeriesRef,
    labels: Labels,
    ts: Float64Array,
    vs: Float64Array,
    start: number,
    end: number,
  ): SeriesRef {
    const s = this.resolve(ref, labels);
    const bits = this.bitsOf(vs);
    for (let i = start; i < end; i++) {
      try {
        this.check(s, ts[i]!, bits, i);
      } catch (err) {
        if (err instanceof StorageError) err.appended = i - start;
        throw err;
      }
      this.samples.push(s.ref, ts[i]!, bits, i);
    }
    return s.ref;
  }

  appendHistogram(_ref: SeriesRef, _labels: Labels, _t: number, _h: Histogram): SeriesRef {
    throw new StorageError('NATIVE_HISTOGRAMS_DISABLED', 'native histograms are disabled');
  }

  /** Exemplar storage is off, as in Prometheus without --enable-feature=exemplar-storage: accepted and dropped. */
  appendExemplar(ref: SeriesRef, labels: Labels, _e: Exemplar): SeriesRef {
    return this.resolve(ref, labels).ref;
  }

  updateMetadata(ref: SeriesRef, labels: Labels, meta: Metadata): SeriesRef {
    const s = this.resolve(ref, labels);
    const old = s.meta;
    if (old === undefined || old.type !== meta.type || old.help !== meta.help || old.unit !== meta.unit) {
      this.metadata.push({ ref: s.ref, meta });
    }
    return s.ref;
  }

  async commit(): Promise<void> {
    this.close();
    try {
      this.apply();
    } finally {
      this.release();
    }
    this.head.afterCommit?.();
  }

  private apply(): void {
    const head = this.head;
    head.log?.log({
      series: this.created,
      metadata: this.metadata,
      sampleRefs: this.samples.refs.subarray(0, this.samples.length),
      sampleTs: this.samples.ts.subarray(0, this.samples.length),
      sampleVs: this.samples.vs.subarray(0, this.samples.length),
      exemplars: [],
    });
    const { refs, ts, vs, length } = this.samples;
    const { outOfOrderTaken } = head.applySamples(refs, ts, vs, length);
    if (outOfOrderTaken.length > 0) head.wbl?.logOutOfOrder(outOfOrderTaken);
    for (const { ref, meta } of this.metadata) {
      const s = head.getByRef(ref);
      if (s !== undefined) s.meta = meta;
    }
  }

  async rollback(): Promise<void> {
    this.close();
    this.release();
    if (this.created.length > 0) {
      const empty = new Float64Array(0);
      this.head.log?.log({
        series: this.created,
        metadata: [],
        sampleRefs: new Uint32Array(0),
        sampleTs: empty,
        sampleVs: empty,
        exemplars: [],
      });
    }
  }

  private release(): void {
    for (const s of this.touched) s.pendingCommits--;
    this.touched.length = 0;
  }

  private close(): void {
    if (this.closed) throw new StorageError('STORAGE_CLOSED', 'appender already committed or rolled back');
    this.closed = true;
  }

  private resolve(ref: SeriesRef, labels: Labels): MemSeries {
    if (this.closed) throw new StorageError('STORAGE_CLOSED', 'appender already committed or rolled back');
    const s = this.lookup(ref, labels);
    if (s.lastAppenderId !== this.id) {
      s.lastAppenderId = this.id;
      s.pendingCommits++;
      this.touched.push(s);
    }
    return s;
  }

  private lookup(ref: SeriesRef, labels: Labels): MemSeries {
    if (ref !== 0) {
      const s = this.head.getByRef(ref);
      if (s !== undefined) return s;
    }
    const found = this.head.getByLabels(labels);
    if (found !== undefined) return found;
    const clean = cleanLabels(labels);
    if (typeof clean === 'string') throw errInvalidLabels(`${clean}: invalid sample`);
    const { series, created } = this.head.getOrCreate(clean);
    if (created) this.created.push(series);
    return series;
  }

  /** Prometheus's memSeries.appendable against the committed state (2.42, with the out-of-order window). */
  private check(s: MemSeries, t: number, bits: Uint32Array, i: number): void {
    if (!Number.isSafeInteger(t)) {
      throw new StorageError('INVALID_SAMPLE', `timestamp ${t} is not an integer millisecond time`);
    }
    const head = this.head;
    this.minValidTime ??= head.appendableMinValidTime(t);
    if (t >= this.minValidTime) {
      if (t > s.lastT) return;
      if (t === s.lastT) {
        if (head.sameAsLastValue(s.ref, bits, i)) return;
        throw errDuplicateSample();
      }
    }
    if (head.outOfOrderTimeWindow > 0) {
      if (head.oooAcceptable(t)) return;
      throw errTooOldSample();
    }
    throw t < this.minValidTime ? errOutOfBounds() : errOutOfOrderSample();
  }

  private bitsOf(vs: Float64Array): Uint32Array {
    if (vs !== this.srcVs) {
      this.srcVs = vs;
      this.srcBits = new Uint32Array(vs.buffer, vs.byteOffset, vs.length * 2);
    }
    return this.srcBits;
  }
}
