// The seams of the storage layer, after Prometheus's storage/interface.go.
// The remote-write handler and the scrape loop talk to storage only through these.

import type { Labels } from '../model/labels.js';

/**
 * A series reference handed out by an Appender. 0 means "unknown": the appender
 * looks the series up (or creates it) by its labels. Refs are stable for the
 * life of a series in the head and are never reused while it lives.
 */
export type SeriesRef = number;

export interface Exemplar {
  readonly labels: Labels;
  readonly value: number;
  readonly ts: number;
  /** Whether the exemplar carried its own timestamp. */
  readonly hasTs: boolean;
}

export type MetricType =
  | 'unknown' | 'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'info' | 'stateset';

export interface Metadata {
  readonly type: MetricType;
  readonly help: string;
  readonly unit: string;
}

export interface BucketSpan {
  readonly offset: number;
  readonly length: number;
}

/** A native histogram sample. Integer histograms carry delta-encoded counts, float histograms absolute counts. */
export interface Histogram {
  readonly isFloat: boolean;
  readonly counterResetHint: 'unknown' | 'reset' | 'not_reset' | 'gauge';
  readonly schema: number;
  readonly zeroThreshold: number;
  readonly zeroCount: number;
  readonly count: number;
  readonly sum: number;
  readonly positiveSpans: readonly BucketSpan[];
  readonly negativeSpans: readonly BucketSpan[];
  /** Integer histograms: deltas between consecutive bucket counts; float histograms: absolute counts. */
  readonly positiveBuckets: readonly number[];
  readonly negativeBuckets: readonly number[];
}

/**
 * Appender collects samples for one transaction. Nothing is visible to readers,
 * and nothing is in the WAL, before commit() resolves; after it resolves every
 * sample of the transaction is durable against a process kill.
 *
 * An Appender is used by one caller at a time and must end with commit() or rollback().
 * Validation errors (out of order, duplicates, out of bounds, bad labels) are thrown
 * from the append call as StorageError subclasses; the transaction stays usable, so a
 * caller may roll back or continue as Prometheus's callers do.
 */
export interface Appender {
  /**
   * Adds one float sample. `labels` must be sorted and valid; it is only read when
   * `ref` is 0 or unknown. NaN payloads (the stale marker) are preserved: pass a value
   * read straight from a Float64Array, not one that went through arithmetic.
   */
  append(ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef;

  /**
   * Adds the samples `ts[start, end)`, `vs[start, end)` of one series: the batch form of
   * append(), which never moves a value out of typed-array storage (the bits stay exact).
   * Stops at the first sample that fails and throws its error; `appended` on the error
   * says how many samples of the batch were taken.
   */
  appendSamples(ref: SeriesRef, labels: Labels, ts: Float64Array, vs: Float64Array, start: number, end: number): SeriesRef;

  appendHistogram(ref: SeriesRef, labels: Labels, t: number, h: Histogram): SeriesRef;

  appendExemplar(ref: SeriesRef, labels: Labels, e: Exemplar): SeriesRef;

  updateMetadata(ref: SeriesRef, labels: Labels, m: Metadata): SeriesRef;

  /** Writes the transaction to the WAL, then makes it visible. */
  commit(): Promise<void>;

  /** Discards the transaction. */
  rollback(): Promise<void>;
}

/** Something that hands out appenders: the head, a fanout, or a wrapper adding limits. */
export interface Appendable {
  appender(): Appender;
}
