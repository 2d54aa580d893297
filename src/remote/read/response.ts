// Remote read responses, encoded byte for byte as Prometheus 2.42's gogoproto code writes them
// (proto3: zero scalars and empty bytes are left out, fields in number order):
//
//   SAMPLES               ReadResponse{results: [QueryResult{timeseries: [TimeSeries{labels, samples}]}]}
//   STREAMED_XOR_CHUNKS   frames of  uvarint(len) · BE32 CRC-32C(msg) · msg,  msg = ChunkedReadResponse
//                         {chunked_series: [ChunkedSeries{labels, chunks}], query_index}
//
// Sample values are copied as their 8 bytes, so NaN payloads (stale markers) leave as stored.

import { compareStrings, type Label, type Labels } from '../../model/labels.js';
import { crc32c } from '../../tsdb/encoding/crc32c.js';
import type { SampleColumns } from '../../tsdb/block/source.js';
import { delimitedSize, ProtoWriter, varintSize } from './proto-writer.js';

const T_LABELS = 0x0a; // TimeSeries.labels, ChunkedSeries.labels: field 1, bytes
const T_SAMPLES = 0x12; // TimeSeries.samples: field 2, bytes
const T_CHUNKS = 0x12; // ChunkedSeries.chunks: field 2, bytes
const T_NAME = 0x0a;
const T_VALUE = 0x12;
const T_SAMPLE_VALUE = 0x09; // field 1, fixed64
const T_SAMPLE_TIMESTAMP = 0x10; // field 2, varint
const T_RESULTS = 0x0a; // ReadResponse.results, QueryResult.timeseries, ChunkedReadResponse.chunked_series
const T_QUERY_INDEX = 0x10;
const T_CHUNK_MIN = 0x08;
const T_CHUNK_MAX = 0x10;
const T_CHUNK_TYPE = 0x18;
const T_CHUNK_DATA = 0x22;

/** Chunk.Encoding XOR. */
export const CHUNK_XOR = 1;

/**
 * Prometheus's MergeLabels: both sorted by name; on a shared name the series' own label wins.
 */
export function mergeLabels(primary: Labels, secondary: Labels): Label[] {
  const out: Label[] = [];
  let i = 0;
  let j = 0;
  while (i < primary.length && j < secondary.length) {
    const c = compareStrings(primary[i]!.name, secondary[j]!.name);
    if (c < 0) out.push(primary[i++]!);
    else if (c > 0) out.push(secondary[j++]!);
    else {
      out.push(primary[i++]!);
      j++;
    }
  }
  while (i < primary.length) out.push(primary[i++]!);
  while (j < secondary.length) out.push(secondary[j++]!);
  return out;
}

/** A label set as UTF-8 bytes with its encoded sizes, written as repeated Label fields. */
export class EncodedLabels {
  private readonly names: Buffer[];
  private readonly values: Buffer[];
  /** Size of each Label message (Prometheus's Label.Size()). */
  readonly labelSizes: number[];
  /** Bytes the repeated field takes: tags, lengths and messages. */
  readonly size: number;

  constructor(labels: Labels) {
    this.names = labels.map((l) => Buffer.from(l.name, 'utf8'));
    this.values = labels.map((l) => Buffer.from(l.value, 'utf8'));
    this.labelSizes = this.names.map((n, i) => stringFieldSize(n) + stringFieldSize(this.values[i]!));
    this.size = this.labelSizes.reduce((sum, s) => sum + delimitedSize(s), 0);
  }

  write(w: ProtoWriter): void {
    for (let i = 0; i < this.names.length; i++) {
      w.tag(T_LABELS);
      w.varint(this.labelSizes[i]!);
      stringField(w, T_NAME, this.names[i]!);
      stringField(w, T_VALUE, this.values[i]!);
    }
  }
}

function stringFieldSize(s: Buffer): number {
  return s.length === 0 ? 0 : delimitedSize(s.length);
}

function stringField(w: ProtoWriter, tag: number, s: Buffer): void {
  if (s.length > 0) w.delimited(tag, s);
}

/** Size of one Sample message. */
function sampleSize(t: number, v: number): number {
  return (v !== 0 ? 9 : 0) + (t !== 0 ? 1 + varintSize(t) : 0);
}

/**
 * Writes one TimeSeries field (tag, length, labels, samples) of a QueryResult. `batches` hold the
 * series' samples in time order.
 */
export function writeTimeSeries(w: ProtoWriter, labels: EncodedLabels, batches: readonly SampleColumns[]): void {
  let size = labels.size;
  for (const { timestamps: ts, values: vs, length } of batches) {
    for (let i = 0; i < length; i++) size += delimitedSize(sampleSize(ts[i]!, vs[i]!));
  }
  w.tag(T_RESULTS);
  w.varint(size);
  labels.write(w);
  for (const { timestamps: ts, values: vs, length } of batches) {
    const valueBytes = new Uint8Array(vs.buffer, vs.byteOffset, vs.byteLength);
    for (let i = 0; i < length; i++) {
      const t = ts[i]!;
      const v = vs[i]!; // compared only; the bytes are copied from valueBytes
      w.tag(T_SAMPLES);
      w.varint(sampleSize(t, v));
      if (v !== 0) {
        w.tag(T_SAMPLE_VALUE);
        w.raw(valueBytes.subarray(8 * i, 8 * i + 8));
      }
      if (t !== 0) {
        w.tag(T_SAMPLE_TIMESTAMP);
        w.varint(t);
      }
    }
  }
}

/** ReadResponse of the encoded QueryResult payloads, in query order. */
export function encodeReadResponse(results: readonly Uint8Array[]): Uint8Array {
  const w = new ProtoWriter();
  w.ensure(results.reduce((sum, r) => sum + delimitedSize(r.length), 0));
  for (const r of results) w.delimited(T_RESULTS, r);
  return w.view();
}

/** A chunk of a ChunkedSeries: closed time range and the chunk bytes as stored (count + bit stream). */
export interface ReadChunk {
  readonly minTimeMs: number;
  readonly maxTimeMs: number;
  readonly type: number;
  readonly data: Uint8Array;
}

/** Prometheus's Chunk.Size(), which the frame budget counts. */
export function chunkSize(c: ReadChunk): number {
  return (
    (c.minTimeMs !== 0 ? 1 + varintSize(c.minTimeMs) : 0) +
    (c.maxTimeMs !== 0 ? 1 + varintSize(c.maxTimeMs) : 0) +
    (c.type !== 0 ? 1 + varintSize(c.type) : 0) +
    (c.data.length > 0 ? delimitedSize(c.data.length) : 0)
  );
}

/**
 * One frame of a streamed response: a ChunkedReadResponse with one ChunkedSeries, preceded by its
 * uvarint length and big-endian CRC-32C. `w` is reset and reused; the result is a fresh copy.
 */
export function encodeChunkedFrame(w: ProtoWriter, labels: EncodedLabels, chunks: readonly ReadChunk[], queryIndex: number): Buffer {
  let seriesSize = labels.size;
  for (const c of chunks) seriesSize += delimitedSize(chunkSize(c));
  const messageSize = delimitedSize(seriesSize) + (queryIndex !== 0 ? 1 + varintSize(queryIndex) : 0);

  w.reset();
  w.varint(messageSize);
  const crcAt = w.pos;
  w.ensure(4 + messageSize);
  w.pos += 4;
  const messageAt = w.pos;
  w.tag(T_RESULTS);
  w.varint(seriesSize);
  labels.write(w);
  for (const c of chunks) {
    w.tag(T_CHUNKS);
    w.varint(chunkSize(c));
    if (c.minTimeMs !== 0) {
      w.tag(T_CHUNK_MIN);
      w.varint(c.minTimeMs);
    }
    if (c.maxTimeMs !== 0) {
      w.tag(T_CHUNK_MAX);
      w.varint(c.maxTimeMs);
    }
    if (c.type !== 0) {
      w.tag(T_CHUNK_TYPE);
      w.varint(c.type);
    }
    if (c.data.length > 0) w.delimited(T_CHUNK_DATA, c.data);
  }
  if (queryIndex !== 0) {
    w.tag(T_QUERY_INDEX);
    w.varint(queryIndex);
  }
  const frame = Buffer.from(w.view());
  frame.writeUInt32BE(crc32c(frame, messageAt, frame.length), crcAt);
  return frame;
}
