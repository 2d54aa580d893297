export { RecordCursor } from './cursor.js';
export { decodeExemplars, encodeExemplars } from './exemplars.js';
export { decodeHistogramSamples, encodeHistogramSamples } from './histograms.js';
export { SampleColumns, decodeSamples, encodeSampleColumns, encodeSamples } from './samples.js';
export { decodeMetadata, decodeSeries, encodeMetadata, encodeSeries } from './series.js';
export { decodeMmapMarkers, decodeTombstones, encodeMmapMarkers, encodeTombstones } from './tombstones.js';
export {
  COUNTER_RESET_HINTS, METRIC_TYPES, RecordType, recordType,
  type RefExemplar, type RefHistogramSample, type RefMetadata, type RefMmapMarker, type RefSeries, type RefTombstone,
} from './types.js';
