import { existsSync } from 'node:fs';
import { CorruptionError } from '../encoding/errors.js';
import {
  RecordType, SampleColumns, decodeExemplars, decodeHistogramSamples, decodeMetadata, decodeMmapMarkers, decodeSamples,
  decodeSeries, decodeTombstones, recordType,
  type RefExemplar, type RefHistogramSample, type RefMetadata, type RefMmapMarker, type RefSeries, type RefTombstone,
} from '../record/index.js';
import { lastCheckpoint } from './checkpoint.js';
import { WalCorruptionError } from './errors.js';
import { WalReader } from './reader.js';
import { listSegments, type SegmentRef } from './segment.js';

/**
 * Receives the decoded records of a WAL, oldest first, one call per record. Arrays of objects
 * are fresh for every call and may be kept. `samples` is a column set the replay reuses: valid
 * only during the call (copy what must outlive it). Types without a handler are still decoded,
 * so a broken record is reported wherever it is.
 */
export interface WalReplayHandler {
  series?(series: RefSeries[]): void;
  samples?(samples: SampleColumns): void;
  tombstones?(stones: RefTombstone[]): void;
  exemplars?(exemplars: RefExemplar[]): void;
  metadata?(metadata: RefMetadata[]): void;
  /** Integer (type 7) and float (type 8, `h.isFloat`) histogram samples. */
  histograms?(histograms: RefHistogramSample[]): void;
  /** Out-of-order WBL only. */
  mmapMarkers?(markers: RefMmapMarker[]): void;
}

export interface ReplayResult {
  /** Index of the checkpoint replayed first, if any. */
  readonly checkpoint: number | undefined;
  /** Segments replayed after it (first > last when there were none). */
  readonly firstSegment: number;
  readonly lastSegment: number;
  readonly records: number;
  /** Records of types this version does not know (ignored, as Prometheus does). */
  readonly unknownRecords: number;
}

/**
 * Replays a WAL directory the way Prometheus's Head.Init does: the newest checkpoint (all its
 * segments as one stream), then every segment after it, each segment read on its own. Segments
 * already covered by the checkpoint are skipped. A missing directory is an empty WAL. Synchronous.
 *
 * Throws WalCorruptionError at the first unreadable fragment or undecodable record; everything
 * handed to the handler before that is intact. For an error in a WAL segment (not in the
 * checkpoint: `err.dir === dir`), WalWriter.repair(err) restores a consistent WAL.
 */
export function replayWal(dir: string, handler: WalReplayHandler): ReplayResult {
  const state = new ReplayState(handler);
  if (!existsSync(dir)) return { checkpoint: undefined, firstSegment: 0, lastSegment: -1, records: 0, unknownRecords: 0 };
  const cp = lastCheckpoint(dir);
  if (cp) replaySegments(listSegments(cp.dir), state);

  const segs = listSegments(dir).filter((s) => cp === undefined || s.index > cp.index);
  for (const s of segs) replaySegments([s], state);
  return {
    checkpoint: cp?.index,
    firstSegment: segs.length > 0 ? segs[0]!.index : 0,
    lastSegment: segs.length > 0 ? segs[segs.length - 1]!.index : -1,
    records: state.records,
    unknownRecords: state.unknown,
  };
}

class ReplayState {
  readonly samples = new SampleColumns(1024);
  records = 0;
  unknown = 0;
  constructor(readonly handler: WalReplayHandler) {}
}

function replaySegments(segs: readonly SegmentRef[], state: ReplayState): void {
  const reader = new WalReader(segs);
  try {
    while (reader.next()) {
      const rec = reader.record();
      let decoded: Decoded | undefined;
      try {
        decoded = decode(rec, state.samples);
      } catch (e) {
        if (!(e instanceof CorruptionError)) throw e;
        throw new WalCorruptionError(segs[0]!.dir, reader.segment, reader.offset, `decode ${typeName(rec)}: ${e.message}`);
      }
      state.records++;
      if (decoded) deliver(decoded, state.handler);
      else state.unknown++;
    }
  } finally {
    reader.close();
  }
}

type Decoded =
  | { readonly type: typeof RecordType.Series; readonly series: RefSeries[] }
  | { readonly type: typeof RecordType.Samples; readonly samples: SampleColumns }
  | { readonly type: typeof RecordType.Tombstones; readonly stones: RefTombstone[] }
  | { readonly type: typeof RecordType.Exemplars; readonly exemplars: RefExemplar[] }
  | { readonly type: typeof RecordType.Metadata; readonly metadata: RefMetadata[] }
  | { readonly type: typeof RecordType.HistogramSamples; readonly histograms: RefHistogramSample[] }
  | { readonly type: typeof RecordType.MmapMarkers; readonly markers: RefMmapMarker[] };

/** Decodes a record of a known type; undefined for unknown types. Throws CorruptionError. */
function decode(rec: Uint8Array, cols: SampleColumns): Decoded | undefined {
  switch (recordType(rec)) {
    case RecordType.Series:
      return { type: RecordType.Series, series: decodeSeries(rec) };
    case RecordType.Samples:
      return { type: RecordType.Samples, samples: decodeSamples(rec, cols) };
    case RecordType.Tombstones:
      return { type: RecordType.Tombstones, stones: decodeTombstones(rec) };
    case RecordType.Exemplars:
      return { type: RecordType.Exemplars, exemplars: decodeExemplars(rec) };
    case RecordType.Metadata:
      return { type: RecordType.Metadata, metadata: decodeMetadata(rec) };
    case RecordType.HistogramSamples:
    case RecordType.FloatHistogramSamples:
      return { type: RecordType.HistogramSamples, histograms: decodeHistogramSamples(rec) };
    case RecordType.MmapMarkers:
      return { type: RecordType.MmapMarkers, markers: decodeMmapMarkers(rec) };
    default:
      return undefined;
  }
}

function deliver(d: Decoded, h: WalReplayHandler): void {
  switch (d.type) {
    case RecordType.Series: return h.series?.(d.series);
    case RecordType.Samples: return h.samples?.(d.samples);
    case RecordType.Tombstones: return h.tombstones?.(d.stones);
    case RecordType.Exemplars: return h.exemplars?.(d.exemplars);
    case RecordType.Metadata: return h.metadata?.(d.metadata);
    case RecordType.HistogramSamples: return h.histograms?.(d.histograms);
    case RecordType.MmapMarkers: return h.mmapMarkers?.(d.markers);
  }
}

const TYPE_NAMES: Record<number, string> = {
  1: 'series', 2: 'samples', 3: 'tombstones', 4: 'exemplars', 5: 'mmap markers', 6: 'metadata',
  7: 'histograms', 8: 'float histograms',
};

function typeName(rec: Uint8Array): string {
  return TYPE_NAMES[recordType(rec)] ?? 'record';
}
