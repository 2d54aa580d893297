// The decoded form of a remote-write request (1.0 WriteRequest or 2.0 Request), columnar:
// all float samples of the request in one pair of Float64Arrays, each series an index range
// into them, so that no object is made per sample and NaN payloads stay exact. One instance is
// reused request after request; its arrays only grow, so read them up to the counts
// (seriesCount, sampleCount...), never up to their length.

import type { Labels } from '../model/labels.js';
import type { Exemplar, Histogram, Metadata, MetricType } from '../storage/interface.js';
import type { NormalizedLabels } from './series-labels.js';

/** A native histogram sample as sent. */
export interface DecodedHistogram extends Histogram {
  readonly timestamp: number;
  /** 2.0 rc.4 `start_timestamp` in ms; 0 when unset. */
  readonly startTimestamp: number;
  /** Upper bounds of custom buckets (schema −53); empty for exponential schemas. */
  readonly customValues: readonly number[];
}

/** One entry of the 1.0 `WriteRequest.metadata` list (per metric family, not per series). */
export interface MetricFamilyMetadata extends Metadata {
  readonly metricFamilyName: string;
}

const METRIC_TYPES: readonly MetricType[] = [
  'unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset',
];

/** Maps the wire enum (same numbers in 1.0 and 2.0) to a metric type; unknown numbers are 'unknown'. */
export function metricTypeOf(n: number): MetricType {
  return METRIC_TYPES[n] ?? 'unknown';
}

export class DecodedWriteRequest {
  /** Which message the body held. */
  version: 1 | 2 = 1;
  seriesCount = 0;

  /**
   * Each series' normalized label set (sorted, empty values dropped; shared, never to be modified),
   * or why it cannot be stored (`error`: an invalid label set, or in 2.0 a reference outside the
   * symbols table; such a series has no labels, the rest of the request is unaffected). Cached sets
   * carry the storage's series ref across requests.
   */
  seriesSets: NormalizedLabels[] = [];

  /**
   * 1.0 only: where series i's run of Label fields lies in `body`, when the series' labels are
   * that run and nothing else (the label-set cache's key); start === end otherwise.
   */
  labelRunStart = new Uint32Array(256);
  labelRunEnd = new Uint32Array(256);
  /** The decompressed body the request was decoded from (the label runs point into it). */
  body: Uint8Array = new Uint8Array(0);

  /** Series i's labels (a copy of the view, for inspection; ingest reads seriesSets). */
  get seriesLabels(): Labels[] {
    return this.seriesSets.slice(0, this.seriesCount).map((s) => s.labels);
  }

  /** Why series i cannot be stored, or null (a copy of the view, for inspection). */
  get seriesErrors(): (string | null)[] {
    return this.seriesSets.slice(0, this.seriesCount).map((s) => s.error);
  }

  /** Float samples of all series; series i owns [sampleStart[i], sampleStart[i+1]). */
  timestamps = new Float64Array(1024);
  values = new Float64Array(1024);
  /** The bytes of `values`, written with the 8 wire bytes of each double. */
  valueBytes = new Uint8Array(this.values.buffer);
  /** 2.0 rc.4 per-sample `start_timestamp` (0 = unset); all 0 for 1.0. */
  startTimestamps = new Float64Array(1024);
  sampleStart = new Uint32Array(257);
  sampleCount = 0;

  histograms: DecodedHistogram[] = [];
  histogramStart = new Uint32Array(257);
  histogramCount = 0;

  /** Exemplars, their labels sorted by name. */
  exemplars: Exemplar[] = [];
  exemplarStart = new Uint32Array(257);
  exemplarCount = 0;

  /** 1.0 only: the request's metadata list. */
  metadata: MetricFamilyMetadata[] = [];

  /** 2.0 only: the symbols table. */
  symbols: string[] = [];
  /** 2.0 only: each series' metadata, or null when the series carried none (index-assigned like seriesSets). */
  seriesMetadata: (Metadata | null)[] = [];
  /** 2.0 only: rc.3 `created_timestamp` of each series (0 = unset). */
  createdTimestamps = new Float64Array(256);

  reset(version: 1 | 2, body: Uint8Array): void {
    this.version = version;
    this.body = body;
    this.seriesCount = 0;
    this.sampleCount = 0;
    this.histogramCount = 0;
    this.exemplarCount = 0;
    this.histograms.length = 0;
    this.exemplars.length = 0;
    this.metadata.length = 0;
    this.symbols.length = 0;
  }

  /** Opens series number `seriesCount`; its ranges start at the current counts. */
  beginSeries(): number {
    const i = this.seriesCount;
    if (i + 2 > this.sampleStart.length) this.growSeries();
    this.sampleStart[i] = this.sampleCount;
    this.histogramStart[i] = this.histogramCount;
    this.exemplarStart[i] = this.exemplarCount;
    return i;
  }

  setLabels(i: number, labels: NormalizedLabels, runStart = 0, runEnd = 0): void {
    this.seriesSets[i] = labels;
    this.labelRunStart[i] = runStart;
    this.labelRunEnd[i] = runEnd;
  }

  /** Closes the series opened by beginSeries(). */
  endSeries(): void {
    const i = ++this.seriesCount;
    this.sampleStart[i] = this.sampleCount;
    this.histogramStart[i] = this.histogramCount;
    this.exemplarStart[i] = this.exemplarCount;
  }

  /** Reserves the next sample slot; the caller fills timestamps/values/startTimestamps at the index. */
  addSample(): number {
    const i = this.sampleCount;
    if (i === this.timestamps.length) this.growSamples();
    this.sampleCount = i + 1;
    return i;
  }

  addHistogram(h: DecodedHistogram): void {
    this.histograms.push(h);
    this.histogramCount++;
  }

  addExemplar(e: Exemplar): void {
    this.exemplars.push(e);
    this.exemplarCount++;
  }

  private growSamples(): void {
    const n = this.timestamps.length * 2;
    this.timestamps = grownFloat64(this.timestamps, n);
    this.values = grownFloat64(this.values, n);
    this.valueBytes = new Uint8Array(this.values.buffer);
    this.startTimestamps = grownFloat64(this.startTimestamps, n);
  }

  private growSeries(): void {
    const n = (this.sampleStart.length - 1) * 2 + 1;
    this.sampleStart = grownUint32(this.sampleStart, n);
    this.histogramStart = grownUint32(this.histogramStart, n);
    this.exemplarStart = grownUint32(this.exemplarStart, n);
    this.createdTimestamps = grownFloat64(this.createdTimestamps, n);
    this.labelRunStart = grownUint32(this.labelRunStart, n);
    this.labelRunEnd = grownUint32(this.labelRunEnd, n);
  }
}

function grownFloat64(a: Float64Array, n: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}

function grownUint32(a: Uint32Array, n: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(n);
  b.set(a);
  return b;
}
