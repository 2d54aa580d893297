import { describe, expect, it } from 'vitest';
import type { Labels } from '../../../src/model/labels.js';
import type { Histogram } from '../../../src/storage/interface.js';
import { CorruptionError } from '../../../src/tsdb/encoding/errors.js';
import { Encbuf } from '../../../src/tsdb/encoding/encbuf.js';
import {
  RecordType, SampleColumns, decodeExemplars, decodeHistogramSamples, decodeMetadata, decodeMmapMarkers,
  decodeSamples, decodeSeries, decodeTombstones, encodeExemplars, encodeHistogramSamples, encodeMetadata,
  encodeMmapMarkers, encodeSampleColumns, encodeSamples, encodeSeries, encodeTombstones, recordType,
  type RefHistogramSample,
} from '../../../src/tsdb/record/index.js';
import { Prng } from '../../helpers/prng.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/[\s|]/g, ''), 'hex'));

function f64(...bits: string[]): Float64Array {
  const a = new Float64Array(bits.length);
  const dv = new DataView(a.buffer);
  bits.forEach((b, i) => dv.setBigUint64(i * 8, BigInt('0x' + b), true));
  return a;
}
function bitsAt(a: Float64Array, i: number): string {
  return new DataView(a.buffer, a.byteOffset).getBigUint64(i * 8, true).toString(16).padStart(16, '0');
}

const STALE = '7ff0000000000002';
const GO_NAN = '7ff8000000000001';

function encode(fn: (b: Encbuf) => void): Uint8Array {
  const b = new Encbuf(16);
  fn(b);
  return b.get().slice();
}

describe('record layouts (spec §3)', () => {
  it('encodes the series record of the worked example', () => {
    const rec = encode((b) => encodeSeries(b, [{ ref: 1, labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'a' }] }]));
    expect(hex(rec)).toBe(hex(bytes('01 | 0000000000000001 | 02 | 08 5f5f6e616d655f5f 02 7570 03 6a6f62 01 61')));
    expect(decodeSeries(rec)).toEqual([{ ref: 1, labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'a' }] }]);
  });

  it('encodes the samples record of the worked example, stale marker included', () => {
    const rec = encode((b) => encodeSamples(b, new Float64Array([1, 1]), new Float64Array([1000, 2000]), f64('3ff0000000000000', STALE)));
    expect(hex(rec)).toBe(hex(bytes(`02 | 0000000000000001 | 00000000000003e8 |
      00 00 3ff0000000000000 | 00 d00f 7ff0000000000002`)));
    const cols = decodeSamples(rec, new SampleColumns(1));
    expect(cols.length).toBe(2);
    expect([...cols.refs.subarray(0, 2)]).toEqual([1, 1]);
    expect([...cols.ts.subarray(0, 2)]).toEqual([1000, 2000]);
    expect(bitsAt(cols.vs, 1)).toBe(STALE);
  });

  it('writes signed zig-zag deltas for refs and times below the first sample', () => {
    const rec = encode((b) => encodeSamples(b, new Uint32Array([5, 3]), new Float64Array([-1000, -1064]), new Float64Array([0, -0])));
    // ref delta -2 -> 3, time delta -64 -> 127 (0x7f)
    expect(hex(rec)).toBe(hex(bytes('02 0000000000000005 fffffffffffffc18 00 00 0000000000000000 03 7f 8000000000000000')));
    const cols = decodeSamples(rec, new SampleColumns());
    expect([...cols.refs.subarray(0, 2)]).toEqual([5, 3]);
    expect([...cols.ts.subarray(0, 2)]).toEqual([-1000, -1064]);
    expect(Object.is(cols.vs[1], -0)).toBe(true);
  });

  it('writes a bare type byte for empty samples, exemplars and histogram records', () => {
    expect(hex(encode((b) => encodeSamples(b, new Float64Array(0), new Float64Array(0), new Float64Array(0))))).toBe('02');
    expect(hex(encode((b) => encodeExemplars(b, [])))).toBe('04');
    expect(hex(encode((b) => encodeHistogramSamples(b, [], false)))).toBe('07');
    expect(hex(encode((b) => encodeHistogramSamples(b, [], true)))).toBe('08');
    expect(decodeSamples(bytes('02'), new SampleColumns()).length).toBe(0);
  });

  it('encodes metadata with a uvarint ref and the UNIT and HELP fields, skipping unknown fields on read', () => {
    const rec = encode((b) => encodeMetadata(b, [{ ref: 300, meta: { type: 'counter', unit: 's', help: 'h' } }]));
    expect(hex(rec)).toBe(hex(bytes('06 ac02 01 02 04 554e4954 01 73 04 48454c50 01 68')));
    const withExtra = bytes('06 05 02 03 01 58 01 79 04 48454c50 01 68 04 554e4954 00');
    expect(decodeMetadata(withExtra)).toEqual([{ ref: 5, meta: { type: 'gauge', unit: '', help: 'h' } }]);
    expect(decodeMetadata(bytes('06 05 63 00'))).toEqual([{ ref: 5, meta: { type: 'unknown', unit: '', help: '' } }]);
  });

  it('encodes tombstones one interval per entry, with int64 bounds far beyond 2^53', () => {
    const maxInt64 = 9223372036854775807; // rounds to 2^63 as a double; written clamped to MaxInt64
    const rec = encode((b) => encodeTombstones(b, [{ ref: 7, mint: -9223372036854775808, maxt: maxInt64 }, { ref: 7, mint: 10, maxt: 20 }]));
    expect(hex(rec)).toBe(hex(bytes(`03 0000000000000007 ffffffffffffffffff01 feffffffffffffffff01
      0000000000000007 14 28`)));
    const back = decodeTombstones(rec);
    expect(back[1]).toEqual({ ref: 7, mint: 10, maxt: 20 });
    expect(back[0]!.mint).toBe(-9223372036854775808);
    expect(back[0]!.maxt).toBe(maxInt64);
  });

  it('encodes mmap markers as two BE64 refs', () => {
    const rec = encode((b) => encodeMmapMarkers(b, [{ ref: 2, chunkRef: 3 * 2 ** 32 + 8 }]));
    expect(hex(rec)).toBe('05' + '0000000000000002' + '0000000300000008');
    expect(decodeMmapMarkers(rec)).toEqual([{ ref: 2, chunkRef: 3 * 2 ** 32 + 8 }]);
  });

  it('encodes histograms with spans as (offset, length) and the counts in Go field order', () => {
    const h: Histogram = {
      isFloat: false, counterResetHint: 'not_reset', schema: -1, zeroThreshold: 0.5, zeroCount: 2, count: 9, sum: 1.5,
      positiveSpans: [{ offset: -2, length: 2 }], negativeSpans: [], positiveBuckets: [3, -1], negativeBuckets: [],
    };
    const rec = encode((b) => encodeHistogramSamples(b, [{ ref: 1, t: 10, h }], false));
    expect(hex(rec)).toBe(hex(bytes(`07 0000000000000001 000000000000000a 00 00
      02 01 3fe0000000000000 02 09 3ff8000000000000 01 03 02 00 02 06 01 00`)));
    expect(decodeHistogramSamples(rec)).toEqual([{ ref: 1, t: 10, h }]);
    expect(() => encodeHistogramSamples(new Encbuf(), [{ ref: 1, t: 10, h }], true)).toThrow(TypeError);
  });

  it('tells record types apart', () => {
    expect(recordType(new Uint8Array(0))).toBe(RecordType.Unknown);
    expect(recordType(bytes('09'))).toBe(RecordType.Unknown);
    expect(recordType(bytes('00'))).toBe(RecordType.Unknown);
    expect(recordType(bytes('08'))).toBe(RecordType.FloatHistogramSamples);
  });
});

function randomLabels(r: Prng): Labels {
  const pool = ['a', 'job', 'Küche', 'Café ☕', '東京オフィス', '🚀 launch bay 👩\u200d💻', 'x'.repeat(40), 'nbsp\u00a0here', ''];
  const n = r.int(0, 6);
  const out = [];
  for (let i = 0; i < n; i++) out.push({ name: `l${i}`, value: r.pick(pool) + r.int(0, 99) });
  return out;
}

function randomHistogram(r: Prng, isFloat: boolean): Histogram {
  const spans = (): { offset: number; length: number }[] =>
    Array.from({ length: r.int(0, 3) }, () => ({ offset: r.int(-5, 5), length: r.int(0, 4) }));
  const buckets = (): number[] => Array.from({ length: r.int(0, 6) }, () => (isFloat ? r.int(0, 1000) / 4 : r.int(-50, 50)));
  return {
    isFloat, counterResetHint: r.pick(['unknown', 'reset', 'not_reset', 'gauge'] as const), schema: r.int(-4, 8),
    zeroThreshold: r.pick([0, 1e-128, 0.001]), zeroCount: isFloat ? r.int(0, 100) / 2 : r.int(0, 100),
    count: isFloat ? r.int(0, 1e6) / 8 : r.int(0, 2 ** 40), sum: r.pick([0, -3.25, 1e300]),
    positiveSpans: spans(), negativeSpans: spans(), positiveBuckets: buckets(), negativeBuckets: buckets(),
  };
}

describe('record round trips (seeded)', () => {
  it.each([1, 2, 3, 4, 5])('samples with refs up to 2^53, negative times and every NaN kind, seed %i', (seed) => {
    const r = new Prng(seed);
    const n = r.int(1, 3000);
    const refs = new Float64Array(n);
    const ts = new Float64Array(n);
    const vs = new Float64Array(n);
    const special = ['7ff0000000000002', '7ff8000000000001', '7ff0000000000001', 'fff8000000000000', '7ff0000000000000', 'fff0000000000000', '8000000000000000', '0000000000000001'];
    for (let i = 0; i < n; i++) {
      refs[i] = r.chance(0.05) ? r.int(0, 2 ** 53) : r.int(1, 5000);
      ts[i] = r.chance(0.05) ? r.int(-(2 ** 53), 2 ** 53) : 1_700_000_000_000 + r.int(-100000, 100000);
      if (r.chance(0.2)) vs.set(f64(r.pick(special)), i);
      else vs[i] = (r.next() - 0.5) * 10 ** r.int(-300, 300);
    }
    const cols = decodeSamples(encode((b) => encodeSamples(b, refs, ts, vs)), new SampleColumns(4));
    expect(cols.length).toBe(n);
    expect(cols.refs.subarray(0, n)).toEqual(refs);
    expect(cols.ts.subarray(0, n)).toEqual(ts);
    expect(Buffer.from(cols.vs.buffer, 0, n * 8).equals(Buffer.from(vs.buffer))).toBe(true);

    // A sub-range from column objects, encoded again into a reused buffer.
    const sub = new SampleColumns(n);
    sub.refs.set(refs); sub.ts.set(ts); sub.vs.set(vs); sub.length = n;
    const buf = new Encbuf(8);
    encodeSamples(buf, refs, ts, vs, 1, n);
    buf.reset();
    encodeSampleColumns(buf, sub);
    expect(hex(buf.get())).toBe(hex(encode((b) => encodeSamples(b, refs, ts, vs))));
  });

  it('series, exemplars, metadata, tombstones and histograms', () => {
    const r = new Prng(42);
    for (let round = 0; round < 50; round++) {
      const series = Array.from({ length: r.int(0, 20) }, () => ({ ref: r.int(0, 2 ** 53), labels: randomLabels(r) }));
      expect(decodeSeries(encode((b) => encodeSeries(b, series)))).toEqual(series);

      const exemplars = Array.from({ length: r.int(0, 20) }, () => ({ ref: r.int(1, 1e6), t: r.int(-1e15, 1e15), value: r.next() * 100, labels: randomLabels(r) }));
      expect(decodeExemplars(encode((b) => encodeExemplars(b, exemplars)))).toEqual(exemplars);

      const metadata = Array.from({ length: r.int(0, 10) }, () => ({
        ref: r.int(0, 2 ** 53),
        meta: { type: r.pick(['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'] as const), unit: r.pick(['', 'seconds', 'bytes']), help: r.pick(['', 'Help with "quotes" and\nnewline', 'Ελλάδα']) },
      }));
      expect(decodeMetadata(encode((b) => encodeMetadata(b, metadata)))).toEqual(metadata);

      const stones = Array.from({ length: r.int(0, 10) }, () => ({ ref: r.int(0, 1e9), mint: r.int(-1e15, 1e15), maxt: r.int(-1e15, 1e15) }));
      expect(decodeTombstones(encode((b) => encodeTombstones(b, stones)))).toEqual(stones);

      for (const isFloat of [false, true]) {
        const hs: RefHistogramSample[] = Array.from({ length: r.int(0, 8) }, () => ({ ref: r.int(1, 1e6), t: r.int(0, 1e13), h: randomHistogram(r, isFloat) }));
        expect(decodeHistogramSamples(encode((b) => encodeHistogramSamples(b, hs, isFloat)))).toEqual(hs);
      }
    }
  });

  it('keeps the stale-marker NaN of a histogram sum bit for bit', () => {
    const sum = f64(STALE)[0]!;
    for (const isFloat of [false, true]) {
      const h: Histogram = { ...randomHistogram(new Prng(1), isFloat), sum };
      const rec = encode((b) => encodeHistogramSamples(b, [{ ref: 1, t: 1, h }], isFloat));
      const back = new Float64Array(1);
      back[0] = decodeHistogramSamples(rec)[0]!.h.sum; // a typed-array store keeps the payload; an array literal would not
      expect(bitsAt(back, 0)).toBe(STALE);
      // and the encoded bytes carry it
      expect(hex(rec)).toContain(STALE);
    }
    expect(bitsAt(f64(GO_NAN), 0)).toBe(GO_NAN);
  });
});

describe('hostile records', () => {
  const valid: [string, Uint8Array, (rec: Uint8Array) => unknown][] = [
    ['series', encode((b) => encodeSeries(b, [{ ref: 3, labels: [{ name: 'a', value: 'Küche' }] }])), (x) => decodeSeries(x)],
    ['samples', encode((b) => encodeSamples(b, new Float64Array([9, 10]), new Float64Array([5, 6]), new Float64Array([1, 2]))), (x) => decodeSamples(x, new SampleColumns())],
    ['exemplars', encode((b) => encodeExemplars(b, [{ ref: 1, t: 2, value: 3, labels: [{ name: 'trace_id', value: 'abc' }] }])), (x) => decodeExemplars(x)],
    ['metadata', encode((b) => encodeMetadata(b, [{ ref: 1, meta: { type: 'gauge', unit: 'u', help: 'h' } }])), (x) => decodeMetadata(x)],
    ['tombstones', encode((b) => encodeTombstones(b, [{ ref: 1, mint: 2, maxt: 3 }])), (x) => decodeTombstones(x)],
    ['mmap markers', encode((b) => encodeMmapMarkers(b, [{ ref: 1, chunkRef: 2 }])), (x) => decodeMmapMarkers(x)],
    ['histograms', encode((b) => encodeHistogramSamples(b, [{ ref: 1, t: 2, h: randomHistogram(new Prng(3), false) }], false)), (x) => decodeHistogramSamples(x)],
    ['float histograms', encode((b) => encodeHistogramSamples(b, [{ ref: 1, t: 2, h: randomHistogram(new Prng(4), true) }], true)), (x) => decodeHistogramSamples(x)],
  ];

  it.each(valid)('%s: every truncation is a CorruptionError or a shorter valid record', (_name, rec, decode) => {
    expect(() => decode(rec)).not.toThrow();
    for (let n = 0; n < rec.length; n++) {
      try {
        decode(rec.subarray(0, n));
      } catch (e) {
        expect(e).toBeInstanceOf(CorruptionError);
      }
    }
    expect(() => decode(bytes('ff'))).toThrow(CorruptionError); // wrong type byte
  });

  it.each(valid)('%s: random byte flips never crash, hang or allocate from a claimed count', (_name, rec, decode) => {
    const r = new Prng(rec.length);
    for (let round = 0; round < 2000; round++) {
      const m = rec.slice();
      for (let k = r.int(1, 4); k > 0; k--) m[r.int(1, m.length - 1)] = r.nextU32() & 0xff;
      try {
        decode(m);
      } catch (e) {
        expect(e).toBeInstanceOf(CorruptionError);
      }
    }
  });

  it('rejects refs beyond 2^53, overlong varints, huge counts and invalid UTF-8', () => {
    expect(() => decodeSeries(bytes('01 0020000000000001 00'))).toThrow(/exceeds 2\^53/);
    expect(() => decodeSamples(bytes('02 0000000000000001 0000000000000000 ffffffffffffffffff7f 00 0000000000000000'), new SampleColumns())).toThrow(/overflows/);
    expect(() => decodeSamples(bytes('02 001fffffffffffff 0000000000000000 04 00 0000000000000000'), new SampleColumns())).toThrow(/out of range/);
    expect(() => decodeSamples(bytes('02 0000000000000001 0000000000000000 03 00 0000000000000000'), new SampleColumns())).toThrow(/out of range/);
    expect(() => decodeSeries(bytes('01 0000000000000001 ffffffff0f'))).toThrow(/count/);
    expect(() => decodeHistogramSamples(bytes('07 0000000000000001 0000000000000000 00 00 00 0000000000000000 00 00 0000000000000000 ffffff7f'))).toThrow(/count/);
    expect(() => decodeSeries(bytes('01 0000000000000001 01 01 61 02 c328'))).toThrow(/UTF-8/);
    expect(() => decodeSamples(bytes('02 0000000000000001 0000000000000000 00 00 00000000000000'), new SampleColumns())).toThrow(CorruptionError);
  });
});
