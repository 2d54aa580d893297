import type { Labels } from '../../model/labels.js';
import type { Histogram, Metadata, MetricType } from '../../storage/interface.js';

/**
 * WAL record types (the first byte of every decompressed record), as Prometheus 2.42's
 * `record.Type`. Types 9 and up belong to later versions and read as unknown.
 */
export const RecordType = {
  Series: 1,
  Samples: 2,
  Tombstones: 3,
  Exemplars: 4,
  /** Out-of-order WBL only. */
  MmapMarkers: 5,
  Metadata: 6,
  HistogramSamples: 7,
  FloatHistogramSamples: 8,
  Unknown: 255,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/** The type of a record; Unknown for an empty record or a type this version does not know. */
export function recordType(rec: Uint8Array): RecordType {
  if (rec.length === 0) return RecordType.Unknown;
  const t = rec[0]!;
  return t >= RecordType.Series && t <= RecordType.FloatHistogramSamples ? (t as RecordType) : RecordType.Unknown;
}

/** A series definition: the ref every later record uses for it. */
export interface RefSeries {
  readonly ref: number;
  readonly labels: Labels;
}

/** One deleted interval [mint, maxt] (closed) of one series; the record holds one entry per interval. */
export interface RefTombstone {
  readonly ref: number;
  readonly mint: number;
  readonly maxt: number;
}

export interface RefExemplar {
  readonly ref: number;
  readonly t: number;
  readonly value: number;
  readonly labels: Labels;
}

export interface RefMetadata {
  readonly ref: number;
  readonly meta: Metadata;
}

/** Integer histograms go to record type 7, float histograms (`h.isFloat`) to type 8. */
export interface RefHistogramSample {
  readonly ref: number;
  readonly t: number;
  readonly h: Histogram;
}

/** Out-of-order WBL: "chunk `chunkRef` of series `ref` is now in chunks_head". */
export interface RefMmapMarker {
  readonly ref: number;
  /** ChunkDiskMapperRef: file sequence << 32 | offset. */
  readonly chunkRef: number;
}

/** Metric type bytes of Metadata records (`record.MetricType`). */
export const METRIC_TYPES: readonly MetricType[] = [
  'unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset',
];

export const COUNTER_RESET_HINTS: readonly Histogram['counterResetHint'][] = ['unknown', 'reset', 'not_reset', 'gauge'];
