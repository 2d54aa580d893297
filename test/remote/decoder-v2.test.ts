import protobuf from 'protobufjs';
import snappy from 'snappy';
import { describe, expect, it } from 'vitest';
import { WriteRequestDecoder } from '../../src/remote/decoder.js';
import { ProtoDecodeError } from '../../src/remote/errors.js';
import { bitsOf, fixtureBody, fixtureExpected, fixtureNames } from './fixtures.js';
import { fromDecoded, fromProtobufV2 } from './normalize.js';
import { RequestV2, WriteRequestV1 } from './proto-schema.js';
import { encodeV2, v2FromFixture } from './v2-requests.js';

const decoder = new WriteRequestDecoder();
const decodeV2 = (body: Uint8Array) => decoder.decode(2, body);
const oracle = (body: Uint8Array) => fromProtobufV2(RequestV2.decode(body) as unknown as Record<string, unknown>);
const metadataOf = fixtureExpected('004').metadata;

describe('remote write 2.0 decoder', () => {
  it.each(fixtureNames.filter((n) => fixtureExpected(n).kind === 'samples'))(
    '%s as a 2.0 request decodes to the captured series and samples, bits exact, and agrees with protobufjs',
    (name) => {
      const expected = fixtureExpected(name);
      const body = v2FromFixture(expected, metadataOf);
      const req = decodeV2(body);
      expect(req.version).toBe(2);
      expect(req.seriesCount).toBe(expected.timeseries.length);
      for (let i = 0; i < req.seriesCount; i++) {
        const want = expected.timeseries[i]!;
        expect(req.seriesErrors[i]).toBeNull();
        expect(req.seriesLabels[i]!.map((l) => [l.name, l.value])).toEqual(Object.entries(want.labels));
        const got: string[][] = [];
        for (let k = req.sampleStart[i]!; k < req.sampleStart[i + 1]!; k++) got.push([String(req.timestamps[k]), bitsOf(req.values, k)]);
        expect(got).toEqual(want.samples.map((s) => [s.timestamp, s.bits]));
      }
      expect(req.seriesMetadata.slice(0, req.seriesCount).some((m) => m !== null && m.type !== 'unknown' && m.help !== '')).toBe(true);
      expect(fromDecoded(req)).toEqual(oracle(body));
    },
  );

  it('takes labels_refs packed and unpacked, and symbols after the series that use them', () => {
    const w = protobuf.Writer.create();
    w.uint32((5 << 3) | 2).fork();
    w.uint32((1 << 3) | 0).uint32(1).uint32((1 << 3) | 0).uint32(2); // unpacked: __name__="up"
    w.uint32((1 << 3) | 2).fork().uint32(3).uint32(4).ldelim(); // packed: job="a"
    w.uint32((2 << 3) | 2).fork().uint32(0x09).double(1).uint32(0x10).int64(5).ldelim();
    w.ldelim();
    for (const s of ['', '__name__', 'up', 'job', 'a']) w.uint32((4 << 3) | 2).string(s);
    const body = w.finish();
    const req = decodeV2(body);
    expect(req.seriesLabels[0]).toEqual([{ name: '__name__', value: 'up' }, { name: 'job', value: 'a' }]);
    expect(fromDecoded(req)).toEqual(oracle(body));
  });

  it('reports a series with references outside the symbols table, or an odd number of them, and decodes the rest', () => {
    const body = RequestV2.encode(
      RequestV2.fromObject({
        symbols: ['', '__name__', 'up'],
        timeseries: [
          { labelsRefs: [1, 2], samples: [{ value: 1, timestamp: 1 }] },
          { labelsRefs: [1, 7], samples: [{ value: 2, timestamp: 2 }] },
          { labelsRefs: [1, 2, 1], samples: [{ value: 3, timestamp: 3 }] },
          { labelsRefs: [1, 2], samples: [{ value: 4, timestamp: 4 }], metadata: { type: 1, helpRef: 9 } },
          { labelsRefs: [1, 2], samples: [{ value: 5, timestamp: 5 }], exemplars: [{ labelsRefs: [3, 0], value: 1, timestamp: 1 }] },
        ],
      }),
    ).finish();
    const req = decodeV2(body);
    expect(req.seriesErrors.slice(0, 5)).toEqual([
      null,
      'parsing series 1: labels_refs 1 (name) = 7 (value) outside of symbols table (size 3)',
      'parsing series 2: invalid labels_refs length 3',
      'parsing series 3: metadata help_ref 9 outside of symbols table (size 3)',
      'parsing series 4: exemplar labels_refs 3 (name) = 0 (value) outside of symbols table (size 3)',
    ]);
    expect(req.sampleCount).toBe(5);
    expect(fromDecoded(req)).toEqual(oracle(body));
  });

  it('decodes metadata (merging repeated messages field by field), exemplars, created and start timestamps', () => {
    const body = encodeV2([
      {
        labels: { __name__: 'http_requests_total', code: '200' },
        samples: [{ value: 5, timestamp: 2000, startTimestamp: 1000 }, { value: 6, timestamp: 3000, startTimestamp: -1 }],
        exemplars: [{ labels: { trace_id: 'abc', span_id: 'x' }, value: 1.5, timestamp: 2500 }],
        metadata: { type: 1, help: 'Requests.', unit: 'requests' },
        createdTimestamp: 999,
      },
    ]);
    const req = decodeV2(body);
    expect(req.seriesMetadata[0]).toEqual({ type: 'counter', help: 'Requests.', unit: 'requests' });
    expect(req.createdTimestamps[0]).toBe(999);
    expect(Array.from(req.startTimestamps.subarray(0, 2))).toEqual([1000, -1]);
    expect(req.exemplars[0]).toEqual({
      labels: [{ name: 'span_id', value: 'x' }, { name: 'trace_id', value: 'abc' }],
      value: 1.5,
      ts: 2500,
      hasTs: true,
    });
    expect(fromDecoded(req)).toEqual(oracle(body));

    // Two Metadata messages in one series: the second sets only unit_ref; type and help stay.
    const w = protobuf.Writer.create();
    for (const s of ['', '__name__', 'm', 'help', 'seconds']) w.uint32((4 << 3) | 2).string(s);
    w.uint32((5 << 3) | 2).fork();
    w.uint32((1 << 3) | 2).fork().uint32(1).uint32(2).ldelim();
    w.uint32((5 << 3) | 2).fork().uint32(0x08).uint32(2).uint32(0x18).uint32(3).ldelim();
    w.uint32((5 << 3) | 2).fork().uint32(0x20).uint32(4).ldelim();
    w.ldelim();
    expect(decodeV2(w.finish()).seriesMetadata[0]).toEqual({ type: 'gauge', help: 'help', unit: 'seconds' });
  });

  it('decodes integer and float native histograms, buckets packed or not, as protobufjs does', () => {
    const integer = {
      countInt: 12, sum: 34.5, schema: 3, zeroThreshold: 1e-128, zeroCountInt: 2, resetHint: 2, timestamp: 1000,
      negativeSpans: [{ offset: -2, length: 1 }], negativeDeltas: [3],
      positiveSpans: [{ offset: 0, length: 2 }, { offset: 3, length: 2 }], positiveDeltas: [1, 2, -1, -2], startTimestamp: 10,
    };
    const float = {
      countFloat: 7.5, sum: -1, schema: -4, zeroThreshold: 0.001, zeroCountFloat: 0.5, resetHint: 3, timestamp: 2000,
      positiveSpans: [{ offset: 1, length: 3 }], positiveCounts: [1, 2.5, 3.5], customValues: [1, 2],
    };
    const body = encodeV2([{ labels: { __name__: 'h' }, histograms: [integer, float] }]);
    const req = decodeV2(body);
    expect(req.histogramCount).toBe(2);
    const [h0, h1] = req.histograms;
    expect(h0).toMatchObject({ isFloat: false, count: 12, zeroCount: 2, counterResetHint: 'not_reset', positiveBuckets: [1, 2, -1, -2], negativeBuckets: [3], startTimestamp: 10 });
    expect(h1).toMatchObject({ isFloat: true, count: 7.5, zeroCount: 0.5, counterResetHint: 'gauge', schema: -4, positiveBuckets: [1, 2.5, 3.5], customValues: [1, 2] });
    expect(fromDecoded(req)).toEqual(oracle(body));

    // The same histogram with unpacked deltas and counts.
    const w = protobuf.Writer.create();
    w.uint32((4 << 3) | 2).string('').uint32((4 << 3) | 2).string('__name__').uint32((4 << 3) | 2).string('h');
    w.uint32((5 << 3) | 2).fork().uint32((1 << 3) | 2).fork().uint32(1).uint32(2).ldelim();
    w.uint32((3 << 3) | 2).fork().uint32((1 << 3) | 0).uint64(4);
    for (const d of [1, -1, 5]) w.uint32((12 << 3) | 0).sint64(d);
    for (const c of [0.5, 1.5]) w.uint32((13 << 3) | 1).double(c);
    w.ldelim().ldelim();
    const unpacked = w.finish();
    expect(decodeV2(unpacked).histograms[0]).toMatchObject({ isFloat: false, count: 4, positiveBuckets: [1, -1, 5] });
    expect(fromDecoded(decodeV2(unpacked))).toEqual(oracle(unpacked));
  });

  it('takes the last member of a oneof, as Go does', () => {
    const w = protobuf.Writer.create();
    w.uint32((5 << 3) | 2).fork().uint32((3 << 3) | 2).fork();
    w.uint32((2 << 3) | 1).double(2.5).uint32((1 << 3) | 0).uint64(9); // count_float, then count_int
    w.uint32((6 << 3) | 0).uint64(3).uint32((7 << 3) | 1).double(1.5); // zero_count_int, then zero_count_float
    w.ldelim().ldelim();
    // An integer histogram (count_int came last) whose zero count is the float member: Prometheus reads it as 0.
    expect(decodeV2(w.finish()).histograms[0]).toMatchObject({ isFloat: false, count: 9, zeroCount: 0 });
  });

  it('sees an empty request in a body of the other version, as the reserved fields intend', () => {
    const v1 = snappy.uncompressSync(fixtureBody('000'), { asBuffer: true }) as Buffer;
    expect(decodeV2(v1).seriesCount).toBe(0);
    const v2 = v2FromFixture(fixtureExpected('000'));
    expect(decoder.decode(1, v2).seriesCount).toBe(0);
    expect((WriteRequestV1.decode(v2) as unknown as { timeseries: unknown[] }).timeseries).toHaveLength(0);
  });

  it('refuses a known 2.0 field with the wrong wire type and invalid UTF-8 in a symbol', () => {
    expect(() => decodeV2(new Uint8Array([0x20, 0x01]))).toThrow(new ProtoDecodeError('wrong wire type 0 for field Request.symbols', 1));
    expect(() => decodeV2(new Uint8Array([0x22, 0x01, 0xff]))).toThrow(new ProtoDecodeError('invalid UTF-8 in Request.symbols', 2));
  });
});
