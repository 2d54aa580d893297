import protobuf from 'protobufjs';
import snappy from 'snappy';
import { describe, expect, it } from 'vitest';
import { DecodedWriteRequest } from '../../src/remote/decoded-request.js';
import { WriteRequestDecoder } from '../../src/remote/decoder.js';
import { ProtoDecodeError } from '../../src/remote/errors.js';
import { bitsOf, fixtureBody, fixtureExpected, fixtureNames } from './fixtures.js';
import { fromDecoded, fromProtobufV1 } from './normalize.js';
import { WriteRequestV1 } from './proto-schema.js';

const decompressed = (name: string): Buffer => snappy.uncompressSync(fixtureBody(name), { asBuffer: true }) as Buffer;

function decodeV1(body: Uint8Array, decoder = new WriteRequestDecoder()): DecodedWriteRequest {
  return decoder.decode(1, body);
}

function encodeV1(obj: Record<string, unknown>): Uint8Array {
  return WriteRequestV1.encode(WriteRequestV1.fromObject(obj)).finish();
}

function decodeError(fn: () => unknown): ProtoDecodeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtoDecodeError);
    return err as ProtoDecodeError;
  }
  throw new Error('expected a ProtoDecodeError');
}

describe('remote write 1.0 decoder on the requests Prometheus 2.42 sent', () => {
  const decoder = new WriteRequestDecoder();

  it.each(fixtureNames)('%s decodes to the captured JSON, bits of every value exact', (name) => {
    const expected = fixtureExpected(name);
    const req = decodeV1(decompressed(name), decoder);
    expect(req.version).toBe(1);
    expect(req.seriesCount).toBe(expected.timeseries.length);
    expect(req.sampleCount).toBe(expected.summary.samples);
    for (let i = 0; i < req.seriesCount; i++) {
      const want = expected.timeseries[i]!;
      expect(req.seriesErrors[i]).toBeNull();
      // The capture's labels are in wire order, which Prometheus keeps sorted.
      expect(req.seriesLabels[i]!.map((l) => [l.name, l.value])).toEqual(Object.entries(want.labels));
      const got: [string, string][] = [];
      for (let k = req.sampleStart[i]!; k < req.sampleStart[i + 1]!; k++) got.push([String(req.timestamps[k]), bitsOf(req.values, k)]);
      expect(got).toEqual(want.samples.map((s) => [s.timestamp, s.bits]));
    }
    expect(req.histogramCount + req.exemplarCount).toBe(0);
    expect(req.metadata.map((m) => [m.type, m.metricFamilyName, m.help, m.unit])).toEqual(
      (expected.metadata ?? []).map((m) => [m.type.toLowerCase(), m.metric_family_name, m.help, m.unit]),
    );
  });

  it('keeps all 81 staleness markers of 022 bit for bit', () => {
    const req = decodeV1(decompressed('022'), decoder);
    let stale = 0;
    for (let k = 0; k < req.sampleCount; k++) if (bitsOf(req.values, k) === '7ff0000000000002') stale++;
    expect(stale).toBe(81);
  });

  it.each(fixtureNames)('%s: the hand decoder and protobufjs agree', (name) => {
    const body = decompressed(name);
    expect(fromDecoded(decodeV1(body, decoder))).toEqual(fromProtobufV1(WriteRequestV1.decode(body) as unknown as Record<string, unknown>));
  });

  it('gives the same result reusing its buffers, request after request, as a fresh decoder', () => {
    const out = new DecodedWriteRequest();
    for (const name of [...fixtureNames, ...[...fixtureNames].reverse()]) {
      const body = decompressed(name);
      const reused = fromDecoded(decoder.decode(1, body, out));
      expect(reused).toEqual(fromDecoded(new WriteRequestDecoder().decode(1, body)));
    }
  });
});

describe('remote write 1.0 decoder, wire details', () => {
  const series = (labels: [string, string][], samples: { value?: number; timestamp?: number | string }[]) => ({
    labels: labels.map(([name, value]) => ({ name, value })),
    samples,
  });

  it('reads negative and large int64 timestamps exactly; rejects those a double cannot hold', () => {
    const stamps = ['-1', '-1795560845859', String(2 ** 53 - 1), String(-(2 ** 53 - 1)), '0', '127', '128'];
    const req = decodeV1(encodeV1({ timeseries: stamps.map((t) => series([['a', 'b']], [{ value: 1, timestamp: t }])) }));
    expect(Array.from(req.timestamps.subarray(0, req.sampleCount), String)).toEqual(stamps);
    for (const t of [String(2 ** 53), String(-(2 ** 53)), '9223372036854775807', '-9223372036854775808']) {
      const err = decodeError(() => decodeV1(encodeV1({ timeseries: [series([['a', 'b']], [{ timestamp: t }])] })));
      expect(err.message).toContain(`int64 ${t} cannot be held exactly`);
    }
  });

  it('reads an absent value as 0 and an absent timestamp as 0', () => {
    const req = decodeV1(encodeV1({ timeseries: [series([['a', 'b']], [{}, { value: 2 }])] }));
    expect(Array.from(req.values.subarray(0, 2))).toEqual([0, 2]);
    expect(Array.from(req.timestamps.subarray(0, 2))).toEqual([0, 0]);
  });

  it('normalizes label sets: sorted, empty values dropped, invalid sets reported per series', () => {
    const req = decodeV1(
      encodeV1({
        timeseries: [
          series([['z', '1'], ['__name__', 'm'], ['a', '']], [{ value: 1 }]),
          series([['__name__', 'm'], ['k', '1'], ['k', '2']], [{ value: 1 }]),
          series([['__name__', 'm'], ['', 'x']], [{ value: 1 }]),
          series([['__name__', '']], [{ value: 1 }]),
          series([['é', '1'], ['z', '2'], ['\u{1F600}', '3'], ['\uFFFD', '4']], [{ value: 1 }]),
        ],
      }),
    );
    expect(req.seriesLabels[0]).toEqual([{ name: '__name__', value: 'm' }, { name: 'z', value: '1' }]);
    expect(req.seriesErrors[0]).toBeNull();
    expect(req.seriesErrors[1]).toBe('invalid labels for series {__name__="m", k="1", k="2"}: label name "k" is not unique');
    expect(req.seriesErrors[2]).toBe('invalid labels for series {__name__="m", ="x"}: label with an empty name');
    expect(req.seriesErrors[3]).toBe('invalid labels for series {__name__=""}: no label with a value');
    // UTF-8 byte order: U+FFFD before U+1F600, though UTF-16 code units order them the other way.
    expect(req.seriesLabels[4]!.map((l) => l.name)).toEqual(['z', 'é', '\uFFFD', '\u{1F600}']);
    expect(req.sampleCount).toBe(5);
  });

  it('takes labels that come after the samples, and label runs it has cached, alike', () => {
    const w = protobuf.Writer.create();
    const label = (name: string, value: string) => w.uint32(0x0a).fork().uint32(0x0a).string(name).uint32(0x12).string(value).ldelim();
    const sample = (v: number, t: number) => w.uint32(0x12).fork().uint32(0x09).double(v).uint32(0x10).int64(t).ldelim();
    for (const late of [false, true, true, false]) {
      w.uint32(0x0a).fork();
      label('__name__', 'up');
      label('job', 'a');
      sample(1, 10);
      if (late) label('instance', 'x');
      w.ldelim();
    }
    const decoder = new WriteRequestDecoder();
    for (let pass = 0; pass < 2; pass++) {
      const req = decodeV1(w.finish(), decoder);
      const names = (i: number) => req.seriesLabels[i]!.map((l) => l.name).join(',');
      expect([0, 1, 2, 3].map(names)).toEqual(['__name__,job', '__name__,instance,job', '__name__,instance,job', '__name__,job']);
    }
  });

  it('skips unknown fields of every wire type, groups included, at every level', () => {
    const unknowns = (w: protobuf.Writer) =>
      w
        .uint32((90 << 3) | 0).uint64(12345678901)
        .uint32((91 << 3) | 1).fixed64(7)
        .uint32((92 << 3) | 2).bytes(new Uint8Array([1, 2, 3]))
        .uint32((93 << 3) | 5).fixed32(9)
        .uint32((94 << 3) | 3).uint32((1 << 3) | 0).uint32(5).uint32((95 << 3) | 3).uint32((95 << 3) | 4).uint32((94 << 3) | 4);
    const w = protobuf.Writer.create();
    unknowns(w);
    w.uint32(0x0a).fork();
    unknowns(w);
    w.uint32(0x0a).fork().uint32(0x0a).string('__name__');
    unknowns(w);
    w.uint32(0x12).string('up').ldelim();
    w.uint32(0x12).fork();
    unknowns(w);
    w.uint32(0x09).double(3.5).uint32(0x10).int64(42).ldelim();
    w.ldelim();
    unknowns(w);
    const req = decodeV1(w.finish());
    expect(req.seriesLabels[0]).toEqual([{ name: '__name__', value: 'up' }]);
    expect([req.timestamps[0], req.values[0]]).toEqual([42, 3.5]);
  });

  it('refuses malformed bodies with a message and the offset', () => {
    const cases: [string, number[], string][] = [
      ['field number 0', [0x02, 0x00], 'illegal tag 2 (field number 0) at offset 0'],
      ['wrong wire type of a known field', [0x08, 0x01], 'wrong wire type 0 for field WriteRequest.timeseries at offset 1'],
      ['a length past the end', [0x0a, 0x05, 0x00], 'length 5 exceeds the 1 remaining bytes at offset 1'],
      ['a huge length', [0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], 'length 9223372036854775807 exceeds the 0 remaining bytes at offset 1'],
      ['a truncated varint', [0x0a, 0x80], 'truncated varint at offset 2'],
      ['an 11-byte varint', [0x50, ...Array(10).fill(0x80), 0x01], 'varint longer than 10 bytes at offset 11'],
      ['wire type 7', [0x57], 'illegal wire type 7 at offset 1'],
      ['an end group without a start', [0x54], 'unexpected end group of field 10 at offset 1'],
      ['an end group of another field', [0x53, 0x5c], 'unexpected end group of field 11 at offset 2'],
      ['an unterminated group', [0x53, 0x10, 0x01], 'unterminated group at offset 3'],
      ['a truncated double', [0x0a, 0x05, 0x12, 0x03, 0x09, 0x00, 0x00], 'unexpected end of data (message ends at 7) at offset 5'],
      ['invalid UTF-8', [0x0a, 0x06, 0x0a, 0x04, 0x0a, 0x02, 0xc3, 0x28], 'invalid UTF-8 in Label.name at offset 6'],
      ['a lone surrogate in UTF-8', [0x0a, 0x07, 0x0a, 0x05, 0x12, 0x03, 0xed, 0xa0, 0x80], 'invalid UTF-8 in Label.value at offset 6'],
    ];
    for (const [what, bytes, message] of cases) {
      expect(decodeError(() => decodeV1(new Uint8Array(bytes))).message, what).toBe(message);
    }
  });

  it('never reads a nested message past its parent, even when the buffer goes on', () => {
    // A TimeSeries of 2 bytes whose Label claims 3: the third byte belongs to the parent.
    const err = decodeError(() => decodeV1(new Uint8Array([0x0a, 0x02, 0x0a, 0x03, 0x0a, 0x01, 0x61])));
    expect(err.message).toBe('length 3 exceeds the 0 remaining bytes at offset 3');
  });

  it('every truncation of a real body decodes cleanly or fails with a ProtoDecodeError', () => {
    const body = decompressed('004');
    for (let n = 0; n < body.length; n += n < 2000 ? 1 : 37) {
      try {
        decodeV1(body.subarray(0, n));
      } catch (err) {
        expect(err).toBeInstanceOf(ProtoDecodeError);
      }
    }
  });
});
