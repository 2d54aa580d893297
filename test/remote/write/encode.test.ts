// The remote-write encoders: 1.0 and 2.0 requests decoded by protobufjs (the .proto schema) and
// 2.0 by promwasm's own receiver decoder; values bit for bit (stale markers, -0), negative and
// large timestamps, integer and float histograms, exemplars, metadata.

import { describe, expect, it } from 'vitest';
import { labelsFromRecord, type Labels } from '../../../src/model/labels.js';
import { WriteRequestDecoder } from '../../../src/remote/decoder.js';
import { ItemColumns, Kind, REPLAY, type OutgoingSeries } from '../../../src/remote/write/batch.js';
import { WriteRequestV1Encoder, WriteRequestV2Encoder, requestHeaders } from '../../../src/remote/write/encode.js';
import { ProtoWriter } from '../../../src/remote/write/proto-writer.js';
import type { Histogram } from '../../../src/storage/interface.js';
import { Prng } from '../../helpers/prng.js';
import { RequestV2, WriteRequestV1 } from '../proto-schema.js';

const STALE = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer);

function bitsOf(vs: Float64Array, i: number): bigint {
  return new BigUint64Array(vs.buffer, vs.byteOffset + i * 8, 1)[0]!;
}

const INT_H: Histogram = {
  isFloat: false, counterResetHint: 'not_reset', schema: -2, zeroThreshold: 0.001, zeroCount: 3, count: 10, sum: 12.5,
  positiveSpans: [{ offset: -1, length: 2 }, { offset: 3, length: 1 }], negativeSpans: [{ offset: 0, length: 1 }],
  positiveBuckets: [2, -1, 3], negativeBuckets: [1],
};
const FLOAT_H: Histogram = {
  isFloat: true, counterResetHint: 'gauge', schema: 3, zeroThreshold: 0, zeroCount: 0.5, count: 7.25, sum: -3,
  positiveSpans: [{ offset: 2, length: 2 }], negativeSpans: [], positiveBuckets: [1.5, 5.25], negativeBuckets: [],
};

function fixture(): { items: ItemColumns; series: Map<number, OutgoingSeries> } {
  const series = new Map<number, OutgoingSeries>([
    [7, { labels: labelsFromRecord({ __name__: 'up', job: 'a', zone: 'ü' }), metadata: { type: 'gauge', help: 'Up.', unit: '' } }],
    [9, { labels: labelsFromRecord({ __name__: 'h', job: 'a' }) }],
  ]);
  const items = new ItemColumns(2);
  const vs = new Float64Array([1.5, 0, -0, 2 ** 60, 0]);
  vs.set(STALE, 4);
  const vb = new Uint8Array(vs.buffer);
  items.pushSample(7, 1_700_000_000_000, vb, 0, 1, 0);
  items.pushSample(9, -5_000, vb, 1, 1, 1);
  items.pushSample(7, 1_700_000_001_000, vb, 2, 1, 2);
  items.pushObject(Kind.Histogram, 9, 1_700_000_002_000, INT_H, 2, 0);
  items.pushObject(Kind.Histogram, 9, 1_700_000_003_000, FLOAT_H, 2, 1);
  items.pushObject(Kind.Exemplar, 7, 1_700_000_000_500, { labels: labelsFromRecord({ trace_id: 'abc' }), value: 0.25 }, 3, 0);
  items.pushSample(7, 0, vb, 3, 4, 0, REPLAY);
  items.pushSample(7, 2 ** 52, vb, 4, 4, 1);
  return { items, series };
}

function labelsV1(ls: { name?: string; value?: string }[] | undefined): Record<string, string> {
  return Object.fromEntries((ls ?? []).map((l) => [l.name ?? '', l.value ?? '']));
}

describe('remote write 1.0 encoder', () => {
  it('writes a WriteRequest protobufjs decodes to the same series, samples, histograms and exemplars', () => {
    const { items, series } = fixture();
    const body = new WriteRequestV1Encoder().encode(items, 0, items.length, (r) => series.get(r)!);
    const msg = WriteRequestV1.toObject(WriteRequestV1.decode(body), { longs: Number }) as {
      timeseries: { labels: { name: string; value: string }[]; samples?: { value?: number; timestamp?: number }[]; histograms?: Record<string, unknown>[]; exemplars?: Record<string, unknown>[] }[];
    };
    expect(msg.timeseries).toHaveLength(2);
    const [up, h] = msg.timeseries;
    expect(labelsV1(up!.labels)).toEqual({ __name__: 'up', job: 'a', zone: 'ü' });
    expect(up!.samples!.map((s) => s.timestamp ?? 0)).toEqual([1_700_000_000_000, 1_700_000_001_000, 0, 2 ** 52]);
    expect(up!.samples![0]!.value).toBe(1.5);
    expect(Object.is(up!.samples![1]!.value, -0)).toBe(true);
    expect(up!.samples![2]!.value).toBe(2 ** 60);
    expect(Number.isNaN(up!.samples![3]!.value)).toBe(true);
    expect(up!.exemplars).toEqual([{ labels: [{ name: 'trace_id', value: 'abc' }], value: 0.25, timestamp: 1_700_000_000_500 }]);
    expect(labelsV1(h!.labels)).toEqual({ __name__: 'h', job: 'a' });
    expect(h!.samples).toEqual([{ timestamp: -5000 }]);
    expect(h!.histograms![0]).toMatchObject({
      countInt: 10, sum: 12.5, schema: -2, zeroThreshold: 0.001, zeroCountInt: 3, resetHint: 2, timestamp: 1_700_000_002_000,
      positiveSpans: [{ offset: -1, length: 2 }, { offset: 3, length: 1 }], positiveDeltas: [2, -1, 3],
      negativeSpans: [{ length: 1 }], negativeDeltas: [1],
    });
    expect(h!.histograms![1]).toMatchObject({
      countFloat: 7.25, sum: -3, schema: 3, zeroCountFloat: 0.5, resetHint: 3, positiveCounts: [1.5, 5.25],
    });
    // The stale marker's payload, on the wire: f64 LE 02 00 00 00 00 00 f0 7f after the value tag 0x09.
    expect(Buffer.from(body).includes(Buffer.from([0x09, 0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f]))).toBe(true);
  });

  it('uses the headers Prometheus sends', () => {
    expect(requestHeaders('prometheus.WriteRequest')).toEqual({
      'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf', 'X-Prometheus-Remote-Write-Version': '0.1.0',
    });
    expect(requestHeaders('io.prometheus.write.v2.Request')).toEqual({
      'Content-Encoding': 'snappy',
      'Content-Type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request',
      'X-Prometheus-Remote-Write-Version': '2.0.0',
    });
  });
});

describe('remote write 2.0 encoder', () => {
  it('writes a Request with a symbols table that protobufjs and promwasm\'s receiver decode alike', () => {
    const { items, series } = fixture();
    const body = new WriteRequestV2Encoder().encode(items, 0, items.length, (r) => series.get(r)!);
    const msg = RequestV2.toObject(RequestV2.decode(body), { longs: Number }) as {
      symbols: string[]; timeseries: { labelsRefs: number[]; samples?: unknown[]; histograms?: unknown[]; exemplars?: unknown[]; metadata?: Record<string, number> }[];
    };
    expect(msg.symbols[0]).toBe('');
    expect(new Set(msg.symbols).size).toBe(msg.symbols.length);
    // up (samples + exemplar + metadata), h floats, h histograms: a series never mixes both kinds.
    expect(msg.timeseries).toHaveLength(3);
    expect(msg.timeseries[0]!.metadata).toEqual({ type: 2, helpRef: msg.symbols.indexOf('Up.') });
    expect(msg.timeseries[1]!.histograms).toBeUndefined();
    expect(msg.timeseries[2]!.samples).toBeUndefined();

    const d = new WriteRequestDecoder().decode(2, body);
    expect(d.seriesLabels).toEqual([series.get(7)!.labels, series.get(9)!.labels, series.get(9)!.labels]);
    expect(Array.from(d.timestamps.subarray(0, d.sampleCount))).toEqual([1_700_000_000_000, 1_700_000_001_000, 0, 2 ** 52, -5000]);
    const bits = [0, 1, 2, 3, 4].map((i) => bitsOf(d.values, i));
    expect(bits).toEqual([0x3ff8000000000000n, 0x8000000000000000n, 0x43b0000000000000n, 0x7ff0000000000002n, 0n]);
    expect(d.histograms.map(({ timestamp, isFloat, count, schema }) => ({ timestamp, isFloat, count, schema }))).toEqual([
      { timestamp: 1_700_000_002_000, isFloat: false, count: 10, schema: -2 },
      { timestamp: 1_700_000_003_000, isFloat: true, count: 7.25, schema: 3 },
    ]);
    expect(d.histograms[0]).toMatchObject({ positiveBuckets: [2, -1, 3], negativeBuckets: [1], zeroCount: 3, counterResetHint: 'not_reset' });
    expect(d.histograms[1]).toMatchObject({ positiveBuckets: [1.5, 5.25], zeroCount: 0.5, counterResetHint: 'gauge' });
    expect(d.exemplars.map((e) => ({ labels: e.labels, value: e.value, ts: e.ts }))).toEqual([
      { labels: labelsFromRecord({ trace_id: 'abc' }), value: 0.25, ts: 1_700_000_000_500 },
    ]);
  });

  it('round-trips seeded random batches through the receiver decoder', () => {
    const rng = new Prng(42);
    const enc2 = new WriteRequestV2Encoder();
    const enc1 = new WriteRequestV1Encoder();
    const dec = new WriteRequestDecoder();
    for (let round = 0; round < 50; round++) {
      const series = new Map<number, OutgoingSeries>();
      const nSeries = rng.int(1, 20);
      for (let r = 0; r < nSeries; r++) {
        const ls: Record<string, string> = { __name__: `m${rng.int(0, 3)}`, id: String(r) };
        for (let k = 0; k < rng.int(0, 4); k++) ls[`l${k}`] = `v${rng.int(0, 1000)}`;
        series.set(r, { labels: labelsFromRecord(ls) });
      }
      const items = new ItemColumns();
      const vs = new Float64Array(1);
      const vb = new Uint8Array(vs.buffer);
      const expected = new Map<number, [number, bigint][]>();
      const n = rng.int(1, 300);
      const lastT = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const ref = rng.int(0, nSeries - 1);
        const t = (lastT.get(ref) ?? rng.int(-1e6, 1e12)) + rng.int(1, 100_000);
        lastT.set(ref, t);
        vb.set(rng.bytes(8));
        items.pushSample(ref, t, vb, 0, 1, i);
        if (!expected.has(ref)) expected.set(ref, []);
        expected.get(ref)!.push([t, new BigUint64Array(vs.buffer)[0]!]);
      }
      for (const [version, enc] of [[2, enc2], [1, enc1]] as const) {
        const d = dec.decode(version, enc.encode(items, 0, items.length, (r) => series.get(r)!));
        const got = new Map<string, [number, bigint][]>();
        for (let s = 0; s < d.seriesCount; s++) {
          const list: [number, bigint][] = [];
          for (let i = d.sampleStart[s]!; i < d.sampleStart[s + 1]!; i++) list.push([d.timestamps[i]!, bitsOf(d.values, i)]);
          got.set(JSON.stringify(d.seriesLabels[s]), list);
        }
        for (const [ref, list] of expected) expect(got.get(JSON.stringify(series.get(ref)!.labels as Labels)), `round ${round} v${version}`).toEqual(list);
        expect(got.size).toBe(expected.size);
      }
    }
  });
});

describe('ProtoWriter', () => {
  it('writes negative int64 as 10-byte two\'s complement and long nested lengths', () => {
    const w = new ProtoWriter(4);
    w.int64(-1);
    expect(Array.from(w.bytes())).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    w.reset();
    w.int64(-5000);
    expect(Buffer.from(w.bytes()).toString('hex')).toBe('f8d8ffffffffffffff01');
    w.reset();
    w.begin(1);
    for (let i = 0; i < 300; i++) w.uvarint(1);
    w.end();
    expect(Array.from(w.bytes().subarray(0, 3))).toEqual([0x0a, 0xac, 0x02]);
    expect(w.len).toBe(303);
  });
});
