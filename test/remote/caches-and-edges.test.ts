import { describe, expect, it } from 'vitest';
import { checkContentEncoding, versionOfContentType } from '../../src/remote/content-type.js';
import { WriteRequestDecoder } from '../../src/remote/decoder.js';
import { RemoteWriteError } from '../../src/remote/errors.js';
import { histogramError } from '../../src/remote/histogram-validation.js';
import { LabelSetCache, SymbolLabelSetCache } from '../../src/remote/label-cache.js';
import { StringTable } from '../../src/remote/string-table.js';
import { normalizeLabels } from '../../src/remote/series-labels.js';
import { decompressSnappyBlock, snappyDecodedLength } from '../../src/remote/snappy-block.js';
import type { DecodedHistogram } from '../../src/remote/decoded-request.js';
import { Prng } from '../helpers/prng.js';
import { fromDecoded, fromProtobufV1, fromProtobufV2 } from './normalize.js';
import { RequestV2, WriteRequestV1 } from './proto-schema.js';
import { encodeV2 } from './v2-requests.js';

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');
const viewOf = (b: Buffer): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

describe('LabelSetCache', () => {
  const value = normalizeLabels(['a'], ['1'], 1);

  it('caches a label run and then finds it by its bytes alone, wherever they stand', () => {
    const cache = new LabelSetCache();
    const run = bytes('xx\n\x07\n\x01a\x12\x021yy');
    const h = cache.hash(run, viewOf(run), 2, run.length - 2);
    expect(cache.get(run, viewOf(run), 2, run.length - 2, h)).toBeUndefined();
    cache.set(run, 2, run.length - 2, h, value);
    const elsewhere = bytes('\n\x07\n\x01a\x12\x021');
    expect(cache.get(elsewhere, viewOf(elsewhere), 0, elsewhere.length, cache.hash(elsewhere, viewOf(elsewhere), 0, elsewhere.length))).toBe(value);
  });

  it('never trusts the hash: equal hashes with other bytes, or another length, miss', () => {
    const cache = new LabelSetCache();
    const a = bytes('label bytes number one');
    const h = cache.hash(a, viewOf(a), 0, a.length);
    cache.set(a, 0, a.length, h, value);
    for (const other of ['label bytes number two', 'label bytes number on', 'label bytes number one!']) {
      const b = bytes(other);
      expect(cache.get(b, viewOf(b), 0, b.length, h), other).toBeUndefined();
    }
    // Every tail length (the last bytes are compared one by one).
    for (let n = 1; n < a.length; n++) {
      const c = Buffer.from(a.subarray(0, n));
      const hc = cache.hash(c, viewOf(c), 0, n);
      cache.set(c, 0, n, hc, value);
      const d = Buffer.from(c);
      d[n - 1] ^= 1;
      expect(cache.get(d, viewOf(d), 0, n, hc)).toBeUndefined();
      expect(cache.get(c, viewOf(c), 0, n, hc)).toBe(value);
    }
  });

  it('holds every label set it was given, through growth and colliding hashes', () => {
    const cache = new LabelSetCache();
    const values = new Map<string, ReturnType<typeof normalizeLabels>>();
    // 200k keys (past the initial table and arena), a tenth of them forced onto one hash.
    for (let i = 0; i < 200_000; i++) {
      const key = `series {pod="p-${i}", container="c${i % 7}"}`;
      const b = bytes(key);
      const h = i % 10 === 0 ? 12345 : cache.hash(b, viewOf(b), 0, b.length);
      const v = normalizeLabels(['pod'], [String(i)], 1);
      values.set(key, v);
      cache.set(b, 0, b.length, h, v);
    }
    expect(cache.size).toBe(200_000);
    for (const i of [0, 1, 10, 99_990, 123_457, 199_999]) {
      const key = `series {pod="p-${i}", container="c${i % 7}"}`;
      const b = bytes(key);
      const h = i % 10 === 0 ? 12345 : cache.hash(b, viewOf(b), 0, b.length);
      expect(cache.get(b, viewOf(b), 0, b.length, h)).toBe(values.get(key));
    }
  });

  it('SymbolLabelSetCache compares strings, not hashes', () => {
    const cache = new SymbolLabelSetCache();
    cache.set(5, ['a', 'b'], ['1', '2'], 2, value);
    expect(cache.get(5, ['a', 'b'], ['1', '2'], 2)).toBe(value);
    expect(cache.get(5, ['a', 'b'], ['1', '3'], 2)).toBeUndefined();
    expect(cache.get(5, ['a'], ['1'], 1)).toBeUndefined();
  });
});

describe('StringTable', () => {
  it('hands out the same string for the same ASCII bytes, decodes UTF-8, refuses invalid UTF-8', () => {
    const table = new StringTable();
    const a = bytes('__name__ instance');
    const s1 = table.decode(a, 0, 8);
    const h1 = table.lastHash;
    const s2 = table.decode(bytes('xx__name__'), 2, 10);
    expect([s1, s2, table.lastHash]).toEqual(['__name__', '__name__', h1]);
    expect(table.decode(bytes('héllo ✓ \u{1F600}'), 0, bytes('héllo ✓ \u{1F600}').length)).toBe('héllo ✓ \u{1F600}');
    expect(table.decode(Buffer.from([0x61, 0xc3]), 0, 2)).toBeUndefined();
    expect(table.decode(Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]), 0, 5)).toBeUndefined();
    const long = 'x'.repeat(300) + 'é';
    expect(table.decode(bytes(long), 0, bytes(long).length)).toBe(long);
    expect(table.decode(bytes(''), 0, 0)).toBe('');
  });
});

describe('decoder growth', () => {
  it('grows its arrays for big requests and shrinks back to small ones, in both versions', () => {
    const rng = new Prng(7);
    const big = Array.from({ length: 3000 }, (_, i) => ({
      labels: { __name__: `m${i % 13}`, i: String(i) },
      samples: Array.from({ length: i === 5 ? 5000 : 2 }, (_, k) => ({ value: rng.next(), timestamp: k })),
    }));
    const v1 = WriteRequestV1.encode(WriteRequestV1.fromObject({
      timeseries: big.map((s) => ({ labels: Object.entries(s.labels).map(([name, value]) => ({ name, value })), samples: s.samples })),
    })).finish();
    const v2 = encodeV2(big);
    const small = encodeV2(big.slice(0, 2));
    const decoder = new WriteRequestDecoder();
    for (let pass = 0; pass < 2; pass++) {
      expect(fromDecoded(decoder.decode(1, v1))).toEqual(fromProtobufV1(WriteRequestV1.decode(v1) as never));
      expect(fromDecoded(decoder.decode(2, v2))).toEqual(fromProtobufV2(RequestV2.decode(v2) as never));
      expect(fromDecoded(decoder.decode(2, small))).toEqual(fromProtobufV2(RequestV2.decode(small) as never));
    }
  });
});

describe('snappy block', () => {
  it('reads the announced length, refusing a malformed header', () => {
    expect(snappyDecodedLength(Uint8Array.of(0))).toBe(0);
    expect(snappyDecodedLength(Uint8Array.of(0x80, 0x01))).toBe(128);
    expect(snappyDecodedLength(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f))).toBe(0xffffffff);
    for (const bad of [[], [0x80], [0xff, 0xff, 0xff, 0xff, 0x1f], [0x80, 0x80, 0x80, 0x80, 0x80, 0x01]]) {
      expect(() => snappyDecodedLength(Uint8Array.from(bad))).toThrow(new RemoteWriteError('SNAPPY_CORRUPT', 'snappy: corrupt input'));
    }
  });

  it('refuses a block whose content is shorter or longer than announced', async () => {
    await expect(decompressSnappyBlock(Uint8Array.of(10, 4 << 2, 1, 2, 3, 4, 5), 100)).rejects.toThrow(/^snappy: corrupt input/);
    await expect(decompressSnappyBlock(Uint8Array.of(3, 4 << 2, 1, 2, 3, 4, 5), 100)).rejects.toThrow(/^snappy: corrupt input/);
    await expect(decompressSnappyBlock(Uint8Array.of(0, 0), 100)).rejects.toThrow(/^snappy: corrupt input/);
    expect(Array.from(await decompressSnappyBlock(Uint8Array.of(5, 4 << 2, 1, 2, 3, 4, 5), 100))).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('content negotiation', () => {
  it('maps Content-Type to a version and refuses what is not remote write', () => {
    expect(versionOfContentType(undefined)).toBe(1);
    expect(versionOfContentType('  ')).toBe(1);
    expect(versionOfContentType('application/x-protobuf ; PROTO = io.prometheus.write.v2.Request ')).toBe(2);
    expect(versionOfContentType('application/x-protobuf;foo;proto=io.prometheus.write.v2.Request')).toBe(2);
    expect(() => versionOfContentType('application/x-protobuf;proto=')).toThrow(RemoteWriteError);
    expect(() => versionOfContentType('application/x-protobuf-x')).toThrow(RemoteWriteError);
    expect(() => checkContentEncoding('zstd')).toThrow(expect.objectContaining({ status: 415 }));
    expect(() => checkContentEncoding(' snappy ')).not.toThrow();
  });
});

describe('histogram validation', () => {
  const base: DecodedHistogram = {
    isFloat: false, counterResetHint: 'unknown', schema: 0, zeroThreshold: 0, zeroCount: 0, count: 0, sum: 0,
    positiveSpans: [], negativeSpans: [], positiveBuckets: [], negativeBuckets: [], timestamp: 0, startTimestamp: 0, customValues: [],
  };

  it('accepts schemas -4..8 with spans covering the buckets, and names what is wrong otherwise', () => {
    expect(histogramError({ ...base, schema: -4 })).toBeNull();
    expect(histogramError({ ...base, schema: 8, negativeSpans: [{ offset: -3, length: 2 }], negativeBuckets: [1, 1] })).toBeNull();
    expect(histogramError({ ...base, schema: -5 })).toBe('histogram has an invalid schema, which must be between -4 and 8, got schema -5');
    expect(histogramError({ ...base, positiveSpans: [{ offset: 0, length: 1 }, { offset: -1, length: 1 }], positiveBuckets: [1, 1] })).toBe(
      'positive side: span number 2 with offset -1: histogram has a span whose offset is negative',
    );
    expect(histogramError({ ...base, negativeBuckets: [1] })).toBe(
      'negative side: spans need 0 buckets, have 1 buckets: histogram spans specify different number of buckets than provided',
    );
  });
});
