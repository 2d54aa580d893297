// Remote-write request encoders: 1.0 (`prometheus.WriteRequest`) and 2.0
// (`io.prometheus.write.v2.Request`, a symbols table and label references), by hand, from a
// batch of columns. Items of one series are grouped into one TimeSeries, in the order they were
// read (so every series' samples stay in timestamp order); zero-valued scalar fields are left
// out as proto3 does, except a -0 value (its sign is a bit worth keeping).

import type { RemoteWriteMessage } from '../../config/types.js';
import type { Labels } from '../../model/labels.js';
import type { Histogram, Metadata } from '../../storage/interface.js';
import { METRIC_TYPES } from '../../tsdb/record/types.js';
import { ItemColumns, Kind, kindAt, type OutgoingSeries, type PendingExemplar, type SeriesLookup } from './batch.js';
import { ProtoWriter, WIRE_FIXED64, WIRE_VARINT } from './proto-writer.js';

/** The message a queue writes (remote_write's protobuf_message). */
export type ProtobufMessage = RemoteWriteMessage;

/** Headers of a request, by message, as Prometheus sends them (minus User-Agent, set by the client). */
export function requestHeaders(message: ProtobufMessage): Record<string, string> {
  return message === 'prometheus.WriteRequest'
    ? { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf', 'X-Prometheus-Remote-Write-Version': '0.1.0' }
    : {
        'Content-Encoding': 'snappy',
        'Content-Type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request',
        'X-Prometheus-Remote-Write-Version': '2.0.0',
      };
}

const HINTS: Readonly<Record<Histogram['counterResetHint'], number>> = { unknown: 0, reset: 1, not_reset: 2, gauge: 3 };

/**
 * The items of a batch grouped by series without an array per series: `heads` lists each series'
 * first item in order of first appearance, `next[i]` the series' following item (-1 after the last).
 */
class SeriesGroups {
  next = new Int32Array(1024);
  readonly heads: number[] = [];
  private readonly lastOf = new Map<number, number>();

  group(items: ItemColumns, start: number, end: number): void {
    if (this.next.length < end) this.next = new Int32Array(Math.max(end, this.next.length * 2));
    const { next, heads, lastOf } = this;
    heads.length = 0;
    lastOf.clear();
    for (let i = start; i < end; i++) {
      const ref = items.refs[i]!;
      const last = lastOf.get(ref);
      if (last === undefined) heads.push(i);
      else next[last] = i;
      next[i] = -1;
      lastOf.set(ref, i);
    }
  }
}

/** Encodes batches as 1.0 WriteRequests; one instance per shard (it reuses its buffers). */
export class WriteRequestV1Encoder {
  private readonly w = new ProtoWriter();
  private readonly groups = new SeriesGroups();
  private readonly labelsWriter = new ProtoWriter(1024);

  /** The encoded request for items [start, end); a view valid until the next call. */
  encode(items: ItemColumns, start: number, end: number, lookup: SeriesLookup): Uint8Array {
    const w = this.w;
    w.reset();
    const vb = items.valueBytes;
    const groups = this.groups;
    groups.group(items, start, end);
    const next = groups.next;
    for (const head of groups.heads) {
      const series = lookup(items.refs[head]!);
      w.begin(1);
      w.raw((series.v1Labels ??= this.v1Labels(series.labels)));
      let exemplars = false;
      let histograms = false;
      for (let i = head; i >= 0; i = next[i]!) {
        const k = kindAt(items, i);
        if (k === Kind.Exemplar) exemplars = true;
        else if (k === Kind.Histogram) histograms = true;
        else {
          w.begin(2);
          writeValueBits(w, 1, vb, i);
          writeInt64(w, 2, items.ts[i]!);
          w.end();
        }
      }
      for (let i = head; exemplars && i >= 0; i = next[i]!) {
        if (kindAt(items, i) !== Kind.Exemplar) continue;
        const e = items.objs[i] as PendingExemplar;
        w.begin(3);
        for (const l of e.labels) writeLabelV1(w, 1, l.name, l.value);
        writeDouble(w, 2, e.value);
        writeInt64(w, 3, items.ts[i]!);
        w.end();
      }
      for (let i = head; histograms && i >= 0; i = next[i]!) {
        if (kindAt(items, i) !== Kind.Histogram) continue;
        w.begin(4);
        writeHistogram(w, items.objs[i] as Histogram, items.ts[i]!);
        w.end();
      }
      w.end();
    }
    return w.bytes();
  }

  private v1Labels(labels: Labels): Uint8Array {
    const lw = this.labelsWriter;
    lw.reset();
    for (const l of labels) writeLabelV1(lw, 1, l.name, l.value);
    return lw.bytes().slice();
  }
}

function writeLabelV1(w: ProtoWriter, field: number, name: string, value: string): void {
  w.begin(field);
  if (name !== '') w.string(1, name);
  if (value !== '') w.string(2, value);
  w.end();
}

/** The strings of one 2.0 request; index 0 is always "". */
class SymbolTable {
  private readonly index = new Map<string, number>();
  readonly symbols: string[] = [];

  reset(): void {
    this.index.clear();
    this.symbols.length = 0;
    this.ref('');
  }

  ref(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.symbols.length;
      this.index.set(s, i);
      this.symbols.push(s);
    }
    return i;
  }
}

/** Encodes batches as 2.0 Requests; one instance per shard. */
export class WriteRequestV2Encoder {
  private readonly w = new ProtoWriter();
  private readonly series = new ProtoWriter();
  private readonly groups = new SeriesGroups();
  private readonly table = new SymbolTable();

  encode(items: ItemColumns, start: number, end: number, lookup: SeriesLookup): Uint8Array {
    const table = this.table;
    table.reset();
    const s = this.series;
    s.reset();
    const vb = items.valueBytes;
    const groups = this.groups;
    groups.group(items, start, end);
    const next = groups.next;
    for (const head of groups.heads) {
      const series = lookup(items.refs[head]!);
      // A TimeSeries holds samples or histograms, never both: a series with both gets two.
      let hasSamples = false;
      let hasHistograms = false;
      for (let i = head; i >= 0; i = next[i]!) {
        const k = kindAt(items, i);
        if (k === Kind.Sample) hasSamples = true;
        else if (k === Kind.Histogram) hasHistograms = true;
      }
      if (hasSamples || !hasHistograms) this.writeSeries(s, series, items, head, next, vb, Kind.Sample, true);
      if (hasHistograms) this.writeSeries(s, series, items, head, next, vb, Kind.Histogram, !hasSamples);
    }
    const w = this.w;
    w.reset();
    for (const sym of table.symbols) w.string(4, sym);
    w.raw(s.bytes());
    return w.bytes();
  }

  /** One TimeSeries with the items of `kind`, and the series' exemplars when `exemplars`. */
  private writeSeries(
    w: ProtoWriter, series: OutgoingSeries, items: ItemColumns, head: number, next: Int32Array, vb: Uint8Array, kind: Kind,
    exemplars: boolean,
  ): void {
    const table = this.table;
    w.begin(5);
    this.writeRefs(w, 1, series.labels);
    for (let i = head; i >= 0; i = next[i]!) {
      if (kindAt(items, i) !== kind) continue;
      if (kind === Kind.Sample) {
        w.begin(2);
        writeValueBits(w, 1, vb, i);
        writeInt64(w, 2, items.ts[i]!);
        w.end();
      } else {
        w.begin(3);
        writeHistogram(w, items.objs[i] as Histogram, items.ts[i]!);
        w.end();
      }
    }
    if (exemplars) {
      for (let i = head; i >= 0; i = next[i]!) {
        if (kindAt(items, i) !== Kind.Exemplar) continue;
        const e = items.objs[i] as PendingExemplar;
        w.begin(4);
        this.writeRefs(w, 1, e.labels);
        writeDouble(w, 2, e.value);
        writeInt64(w, 3, items.ts[i]!);
        w.end();
      }
    }
    if (series.metadata !== undefined) writeMetadataV2(w, series.metadata, table);
    w.end();
  }

  private writeRefs(w: ProtoWriter, field: number, labels: Labels): void {
    if (labels.length === 0) return;
    const table = this.table;
    w.begin(field);
    for (const l of labels) {
      w.uvarint(table.ref(l.name));
      w.uvarint(table.ref(l.value));
    }
    w.end();
  }
}

function writeMetadataV2(w: ProtoWriter, m: Metadata, table: SymbolTable): void {
  w.begin(5);
  const type = Math.max(0, METRIC_TYPES.indexOf(m.type));
  if (type !== 0) {
    w.tag(1, WIRE_VARINT);
    w.uvarint(type);
  }
  if (m.help !== '') {
    w.tag(3, WIRE_VARINT);
    w.uvarint(table.ref(m.help));
  }
  if (m.unit !== '') {
    w.tag(4, WIRE_VARINT);
    w.uvarint(table.ref(m.unit));
  }
  w.end();
}

/** Histogram fields 1–15, the same numbers in 1.0 and 2.0. */
function writeHistogram(w: ProtoWriter, h: Histogram, t: number): void {
  // The oneof members are written even when zero: which one is set says integer or float.
  if (h.isFloat) {
    w.tag(2, WIRE_FIXED64);
    w.double(h.count);
  } else {
    w.tag(1, WIRE_VARINT);
    w.uvarint(h.count);
  }
  writeDouble(w, 3, h.sum);
  if (h.schema !== 0) {
    w.tag(4, WIRE_VARINT);
    w.sint(h.schema);
  }
  writeDouble(w, 5, h.zeroThreshold);
  if (h.isFloat) {
    w.tag(7, WIRE_FIXED64);
    w.double(h.zeroCount);
  } else {
    w.tag(6, WIRE_VARINT);
    w.uvarint(h.zeroCount);
  }
  writeSpans(w, 8, h.negativeSpans);
  writeBuckets(w, h.isFloat ? 10 : 9, h.negativeBuckets, h.isFloat);
  writeSpans(w, 11, h.positiveSpans);
  writeBuckets(w, h.isFloat ? 13 : 12, h.positiveBuckets, h.isFloat);
  const hint = HINTS[h.counterResetHint];
  if (hint !== 0) {
    w.tag(14, WIRE_VARINT);
    w.uvarint(hint);
  }
  writeInt64(w, 15, t);
}

function writeSpans(w: ProtoWriter, field: number, spans: Histogram['positiveSpans']): void {
  for (const s of spans) {
    w.begin(field);
    if (s.offset !== 0) {
      w.tag(1, WIRE_VARINT);
      w.sint(s.offset);
    }
    if (s.length !== 0) {
      w.tag(2, WIRE_VARINT);
      w.uvarint(s.length);
    }
    w.end();
  }
}

/** Packed, as Go writes repeated scalars. */
function writeBuckets(w: ProtoWriter, field: number, buckets: readonly number[], float: boolean): void {
  if (buckets.length === 0) return;
  w.begin(field);
  for (const b of buckets) {
    if (float) w.double(b);
    else w.sint(b);
  }
  w.end();
}

function writeValueBits(w: ProtoWriter, field: number, vb: Uint8Array, i: number): void {
  const o = i * 8;
  let zero = true;
  for (let j = 0; j < 8 && zero; j++) zero = vb[o + j] === 0;
  if (zero) return;
  w.tag(field, WIRE_FIXED64);
  w.doubleBits(vb, i);
}

function writeDouble(w: ProtoWriter, field: number, v: number): void {
  if (v === 0 && !Object.is(v, -0)) return;
  w.tag(field, WIRE_FIXED64);
  w.double(v);
}

function writeInt64(w: ProtoWriter, field: number, v: number): void {
  if (v === 0) return;
  w.tag(field, WIRE_VARINT);
  w.int64(v);
}

