import type { Labels } from '../../model/labels.js';
import { errInvalidLabels, errOutOfOrderSample, StorageError } from '../../storage/errors.js';
import type { Appender, Exemplar, Histogram, Metadata, SeriesRef } from '../../storage/interface.js';
import { Encbuf } from '../encoding/encbuf.js';
import { cleanLabels } from '../head/head.js';
import { hashLabels } from '../series-hash-index.js';
import { SampleBatch } from '../head/sample-batch.js';
import { encodeExemplars, encodeHistogramSamples, encodeSamples, encodeSeries } from '../record/index.js';
import type { RefExemplar, RefHistogramSample } from '../record/index.js';
import type { WalWriter } from '../wal/writer.js';
import type { AgentSeries, AgentSeriesMap } from './series.js';

/** Prometheus's exemplar.ExemplarMaxLabelSetLength: runes of all names and values together. */
const EXEMPLAR_MAX_LABEL_SET_LENGTH = 128;

/** Counters the agent keeps for its prometheus_agent_* metrics (read at scrape time, never pushed). */
export class AgentCounters {
  floatSamplesAppended = 0;
  histogramSamplesAppended = 0;
  exemplarsAppended = 0;
  outOfOrderSamples = 0;
}

/** What an appender needs of the agent DB. */
export interface AgentAppendTarget {
  readonly series: AgentSeriesMap;
  readonly counters: AgentCounters;
  readonly wal: AgentWalLog;
  /** Throws STORAGE_CLOSED once the DB is closed. */
  checkOpen(): void;
}

let nextAppenderId = 1;

/**
 * One transaction against the agent (Prometheus's agent appender): samples are checked against
 * each series' newest committed time only (equal times are taken: the agent keeps no values),
 * logged to the WAL at commit, then the series' times move forward. Nothing is kept in memory
 * but the series map.
 *
 * Where 2.42 leaves a gap this closes it: a series' Series record is logged by the first commit
 * that logs a sample of it (2.42 loses the record of a series created by a rolled-back
 * appender, and a concurrent appender's samples could precede it).
 */
export class AgentAppender implements Appender {
  private readonly samples = new SampleBatch(256);
  private readonly histograms: RefHistogramSample[] = [];
  private readonly exemplars: RefExemplar[] = [];
  private readonly touched: AgentSeries[] = [];
  private readonly id = nextAppenderId++;
  private closed = false;
  private readonly one = new Float64Array(2);
  private readonly oneBits = new Uint32Array(this.one.buffer);
  // The u32 view of the caller's value column, kept while the caller reuses the column.
  private srcVs: Float64Array | undefined;
  private srcBits: Uint32Array = new Uint32Array(0);

  constructor(private readonly db: AgentAppendTarget) {}

  append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef {
    const s = this.resolve(ref, labels);
    this.check(s, t);
    // The value goes straight into typed storage, so its bits (a stale marker's payload) stay exact.
    this.one[1] = v;
    this.samples.push(s.ref, t, this.oneBits, 1);
    this.db.counters.floatSamplesAppended++;
    return s.ref;
  }

  appendSamples(ref: SeriesRef, labels: Labels, ts: Float64Array, vs: Float64Array, start: number, end: number): SeriesRef {
    const s = this.resolve(ref, labels);
    const bits = this.bitsOf(vs);
    const batch = this.samples;
    for (let i = start; i < end; i++) {
      const t = ts[i]!;
      try {
        this.check(s, t);
      } catch (err) {
        if (err instanceof StorageError) err.appended = i - start;
        this.db.counters.floatSamplesAppended += i - start;
        throw err;
      }
      batch.push(s.ref, t, bits, i);
    }
    this.db.counters.floatSamplesAppended += end - start;
    return s.ref;
  }

  appendHistogram(ref: SeriesRef, labels: Labels, t: number, h: Histogram): SeriesRef {
    const s = this.resolve(ref, labels);
    this.check(s, t);
    this.histograms.push({ ref: s.ref, t, h });
    this.db.counters.histogramSamplesAppended++;
    return s.ref;
  }

  /**
   * Logs an exemplar for a known series: labels without empty values, names unique, at most 128
   * characters in all; an exact repeat of the series' latest exemplar is dropped silently.
   */
  appendExemplar(ref: SeriesRef, labels: Labels, e: Exemplar): SeriesRef {
    this.checkUsable();
    const s = this.db.series.getByRef(ref) ?? this.db.series.getByLabels(labels);
    if (s === undefined) throw new Error(`unknown series ref when trying to add exemplar: ${ref}`);
    const exemplarLabels = e.labels.some((l) => l.value === '') ? e.labels.filter((l) => l.value !== '') : e.labels;
    let length = 0;
    for (let i = 0; i < exemplarLabels.length; i++) {
      const { name, value } = exemplarLabels[i]!;
      if (i > 0 && exemplarLabels[i - 1]!.name === name) {
        throw new StorageError('INVALID_LABELS', `label name "${name}" is not unique: invalid exemplar`);
      }
      length += runeCount(name) + runeCount(value);
    }
    if (length > EXEMPLAR_MAX_LABEL_SET_LENGTH) {
      throw new StorageError('EXEMPLAR_LABELS_TOO_LONG', `label length for exemplar exceeds maximum of ${EXEMPLAR_MAX_LABEL_SET_LENGTH} UTF-8 characters`);
    }
    const exemplar = exemplarLabels === e.labels ? e : { ...e, labels: exemplarLabels };
    if (s.latestExemplar !== undefined && sameExemplar(s.latestExemplar, exemplar)) return s.ref;
    s.latestExemplar = exemplar;
    this.touch(s);
    this.exemplars.push({ ref: s.ref, t: e.ts, value: e.value, labels: exemplarLabels });
    this.db.counters.exemplarsAppended++;
    return s.ref;
  }

  /** The agent keeps no metadata (2.42: a no-op answering ref 0). */
  updateMetadata(_ref: SeriesRef, _labels: Labels, _m: Metadata): SeriesRef {
    this.checkUsable();
    return 0;
  }

  async commit(): Promise<void> {
    this.close();
    try {
      this.db.checkOpen();
      this.db.wal.log(this.touched, this.samples, this.histograms, this.exemplars);
      this.advanceTimes();
    } finally {
      this.release();
    }
  }

  async rollback(): Promise<void> {
    this.close();
    this.release();
  }

  /** Moves each series' newest time forward; a sample behind it (two appenders raced) is counted, as 2.42 counts it. */
  private advanceTimes(): void {
    const { refs, ts, length } = this.samples;
    const series = this.db.series;
    const counters = this.db.counters;
    for (let i = 0; i < length; i++) {
      const s = series.getByRef(refs[i]!);
      if (s === undefined) continue;
      const t = ts[i]!;
      if (t >= s.lastTs) s.lastTs = t;
      else counters.outOfOrderSamples++;
    }
    for (const { ref, t } of this.histograms) {
      const s = series.getByRef(ref);
      if (s === undefined) continue;
      if (t >= s.lastTs) s.lastTs = t;
      else counters.outOfOrderSamples++;
    }
  }

  private release(): void {
    for (const s of this.touched) s.pendingCommits--;
    this.touched.length = 0;
  }

  private close(): void {
    this.checkUsable();
    this.closed = true;
  }

  private checkUsable(): void {
    if (this.closed) throw new StorageError('STORAGE_CLOSED', 'appender already committed or rolled back');
  }

  private resolve(ref: SeriesRef, labels: Labels): AgentSeries {
    this.checkUsable();
    const s = this.lookup(ref, labels);
    this.touch(s);
    return s;
  }

  private touch(s: AgentSeries): void {
    if (s.lastAppenderId === this.id) return;
    s.lastAppenderId = this.id;
    s.pendingCommits++;
    this.touched.push(s);
  }

  private lookup(ref: SeriesRef, labels: Labels): AgentSeries {
    const map = this.db.series;
    if (ref !== 0) {
      const s = map.getByRef(ref);
      if (s !== undefined) return s;
    }
    const hash = hashLabels(labels);
    const found = map.getByLabels(labels, hash);
    if (found !== undefined) return found;
    const clean = cleanLabels(labels);
    if (typeof clean === 'string') throw errInvalidLabels(`${clean}: invalid sample`);
    return clean === labels ? map.create(clean, 0, hash) : (map.getByLabels(clean) ?? map.create(clean));
  }

  /** The agent's only sample check: not behind the series' newest committed time. */
  private check(s: AgentSeries, t: number): void {
    if (!Number.isSafeInteger(t)) throw new StorageError('INVALID_SAMPLE', `timestamp ${t} is not an integer millisecond time`);
    if (t < s.lastTs) {
      this.db.counters.outOfOrderSamples++;
      throw errOutOfOrderSample();
    }
  }

  private bitsOf(vs: Float64Array): Uint32Array {
    if (vs !== this.srcVs) {
      this.srcVs = vs;
      this.srcBits = new Uint32Array(vs.buffer, vs.byteOffset, vs.length * 2);
    }
    return this.srcBits;
  }
}

/**
 * The agent's WAL, in the full DB's format: one commit becomes a Series record (the series not
 * yet logged), a Samples record, histogram records (integer, then float) and an Exemplars record,
 * each only when non-empty, handed to the kernel before log() returns.
 */
export class AgentWalLog {
  private readonly seriesBuf = new Encbuf(4096);
  private readonly samplesBuf = new Encbuf(64 * 1024);
  private readonly histogramBuf = new Encbuf(4096);
  private readonly floatHistogramBuf = new Encbuf(4096);
  private readonly exemplarBuf = new Encbuf(4096);
  private readonly records: Uint8Array[] = [];
  private readonly unlogged: AgentSeries[] = [];

  constructor(readonly wal: WalWriter) {}

  log(touched: readonly AgentSeries[], samples: SampleBatch, histograms: readonly RefHistogramSample[], exemplars: readonly RefExemplar[]): void {
    const records = this.records;
    records.length = 0;
    const unlogged = this.unlogged;
    unlogged.length = 0;
    for (const s of touched) if (!s.logged) unlogged.push(s);
    if (unlogged.length > 0) {
      this.seriesBuf.reset();
      encodeSeries(this.seriesBuf, unlogged);
      records.push(this.seriesBuf.get());
    }
    if (samples.length > 0) {
      this.samplesBuf.reset();
      encodeSamples(this.samplesBuf, samples.refs, samples.ts, samples.vs, 0, samples.length);
      records.push(this.samplesBuf.get());
    }
    if (histograms.length > 0) {
      const ints = histograms.filter((h) => !h.h.isFloat);
      const floats = histograms.filter((h) => h.h.isFloat);
      for (const [kind, buf, float] of [[ints, this.histogramBuf, false], [floats, this.floatHistogramBuf, true]] as const) {
        if (kind.length === 0) continue;
        buf.reset();
        encodeHistogramSamples(buf, kind, float);
        records.push(buf.get());
      }
    }
    if (exemplars.length > 0) {
      this.exemplarBuf.reset();
      encodeExemplars(this.exemplarBuf, exemplars);
      records.push(this.exemplarBuf.get());
    }
    if (records.length === 0) return;
    this.wal.log(records);
    for (const s of unlogged) s.logged = true;
  }
}

/** Prometheus's exemplar.Equals: same labels, same value, and the same time when either carries one. */
function sameExemplar(a: Exemplar, b: Exemplar): boolean {
  if (a.labels.length !== b.labels.length) return false;
  for (let i = 0; i < a.labels.length; i++) {
    if (a.labels[i]!.name !== b.labels[i]!.name || a.labels[i]!.value !== b.labels[i]!.value) return false;
  }
  if ((a.hasTs || b.hasTs) && a.ts !== b.ts) return false;
  return a.value === b.value;
}

function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A surrogate pair is one character.
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}
