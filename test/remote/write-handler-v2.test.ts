import { describe, expect, it } from 'vitest';
import { fixtureExpected, fixtureNames } from './fixtures.js';
import { compress, expectedStore, post, V2_HEADERS, writeServer, writtenHeaders } from './handler-helpers.js';
import { MemoryAppendable } from './memory-appendable.js';
import { RequestV2 } from './proto-schema.js';
import { encodeV2, v2FromFixture, type V2Series } from './v2-requests.js';

const v2 = (series: V2Series[]) => compress(encodeV2(series));
const up = (job: string, samples: [number, number][]): V2Series => ({
  labels: { __name__: 'up', job },
  samples: samples.map(([timestamp, value]) => ({ timestamp, value })),
});

describe('remote write 2.0 through the handler', () => {
  it('stores the captured requests sent as 2.0 exactly as their 1.0 form, with metadata, and counts them in the headers', async () => {
    const db = new MemoryAppendable();
    const app = await writeServer(db);
    const metadata = fixtureExpected('004').metadata;
    let samples = 0;
    for (const name of fixtureNames.filter((n) => fixtureExpected(n).kind === 'samples')) {
      const expected = fixtureExpected(name);
      const res = await post(app, compress(v2FromFixture(expected, metadata)), V2_HEADERS);
      expect([name, res.statusCode, res.body]).toEqual([name, 204, '']);
      expect(writtenHeaders(res)).toEqual([expected.summary.samples, 0, 0]);
      samples += expected.summary.samples;
    }
    expect(samples).toBe(15062);
    for (const [key, want] of expectedStore()) {
      const got = db.series.get(key)!;
      expect(Array.from({ length: got.count }, (_, i) => got.sample(i))).toEqual(want.samples);
    }
    const withMetadata = [...db.series.values()].filter((s) => s.metadata !== undefined);
    expect(withMetadata.length).toBeGreaterThan(100);
    const gc = db.get([
      { name: '__name__', value: 'go_gc_duration_seconds' }, { name: 'instance', value: '127.0.0.1:19093' },
      { name: 'job', value: 'prometheus' }, { name: 'quantile', value: '0' },
    ])!;
    expect(gc.metadata).toEqual({ type: 'summary', help: 'A summary of the pause duration of garbage collection cycles.', unit: '' });
  });

  it('writes what it can and answers 400 listing each problem once, with the written counts', async () => {
    const db = new MemoryAppendable();
    const app = await writeServer(db);
    await post(app, v2([up('a', [[1000, 1]])]), V2_HEADERS);
    const body = compress(
      RequestV2.encode(
        RequestV2.fromObject({
          symbols: ['', '__name__', 'up', 'job', 'b', 'c', 'a', 'nameless'],
          timeseries: [
            { labelsRefs: [1, 2, 3, 6], samples: [{ value: 1, timestamp: 500 }, { value: 2, timestamp: 600 }, { value: 3, timestamp: 2000 }] },
            { labelsRefs: [1, 2, 3, 4], samples: [{ value: 1, timestamp: 1000 }] },
            { labelsRefs: [1, 2, 3, 9], samples: [{ value: 1, timestamp: 1000 }] },
            { labelsRefs: [3, 7], samples: [{ value: 1, timestamp: 1000 }] },
            { labelsRefs: [1, 2, 3, 5] },
          ],
        }),
      ).finish(),
    );
    const res = await post(app, body, V2_HEADERS);
    expect(res.statusCode).toBe(400);
    expect(res.body).toBe(
      [
        'out of order sample for series {__name__="up", job="a"}',
        'parsing series 2: labels_refs 3 (name) = 9 (value) outside of symbols table (size 8)',
        'invalid metric name or labels, got {job="nameless"}',
        'TimeSeries must contain at least one sample or histogram for series {__name__="up", job="c"}',
        '',
      ].join('\n'),
    );
    expect(writtenHeaders(res)).toEqual([2, 0, 0]);
    expect(db.totalSamples()).toBe(3);
  });

  it('rolls everything back on a storage failure: 500, and zero written', async () => {
    const db = new MemoryAppendable();
    db.faults.sample = (_l, t) => (t === 7 ? new Error('head closed') : undefined);
    const app = await writeServer(db);
    const res = await post(app, v2([up('a', [[1, 1]]), up('b', [[7, 1]])]), V2_HEADERS);
    expect([res.statusCode, res.body, writtenHeaders(res)]).toEqual([500, 'head closed\n', [0, 0, 0]]);
    expect(db.totalSamples()).toBe(0);
  });

  it('reports samples too far ahead and out-of-order exemplars per series, counts exemplars and histograms', async () => {
    const db = new MemoryAppendable();
    const app = await writeServer(db);
    const histogram = { countFloat: 2, sum: 1, schema: 1, timestamp: 1000, positiveSpans: [{ offset: 0, length: 1 }], positiveCounts: [2] };
    const first = await post(
      app,
      v2([
        { ...up('a', [[1000, 1]]), exemplars: [{ labels: { trace_id: 'x' }, value: 1, timestamp: 1000 }] },
        { labels: { __name__: 'h' }, histograms: [histogram], metadata: { type: 3, help: 'H.' } },
      ]),
      V2_HEADERS,
    );
    expect([first.statusCode, writtenHeaders(first)]).toEqual([204, [1, 1, 1]]);
    const second = await post(
      app,
      v2([
        { ...up('a', [[2000, 2], [9e15, 3], [3000, 4]]), exemplars: [{ labels: { trace_id: 'y' }, value: 1, timestamp: 10 }] },
        { labels: { __name__: 'h' }, histograms: [{ ...histogram, schema: -53, timestamp: 2000 }] },
      ]),
      V2_HEADERS,
    );
    expect(second.statusCode).toBe(400);
    expect(second.body.split('\n')).toEqual([
      'out of bounds: timestamp is too far in the future for series {__name__="up", job="a"}',
      'out of order exemplar for series {__name__="up", job="a"}',
      'histograms with custom buckets (schema -53) are not supported for series {__name__="h"}',
      '',
    ]);
    expect(writtenHeaders(second)).toEqual([2, 0, 0]);
    const a = db.get([{ name: '__name__', value: 'up' }, { name: 'job', value: 'a' }])!;
    expect(Array.from({ length: a.count }, (_, i) => a.sample(i)[0])).toEqual([1000, 2000, 3000]);
    expect(db.get([{ name: '__name__', value: 'h' }])!.metadata).toEqual({ type: 'histogram', help: 'H.', unit: '' });
  });

  it('sends the written headers on refusals too (415, 400 decode errors)', async () => {
    const app = await writeServer(new MemoryAppendable());
    const gzip = await post(app, v2([up('a', [[1, 1]])]), { ...V2_HEADERS, 'content-encoding': 'gzip' });
    expect([gzip.statusCode, writtenHeaders(gzip)]).toEqual([415, [0, 0, 0]]);
    const garbage = await post(app, compress(new Uint8Array([0x2a, 0x09])), V2_HEADERS);
    expect([garbage.statusCode, garbage.body, writtenHeaders(garbage)]).toEqual([
      400,
      'decoding io.prometheus.write.v2.Request: length 9 exceeds the 0 remaining bytes at offset 1\n',
      [0, 0, 0],
    ]);
  });

  it('recognises the 2.0 message with a space after the semicolon (Prometheus 2.54 would store nothing and answer 204)', async () => {
    const db = new MemoryAppendable();
    const app = await writeServer(db);
    const res = await post(app, v2([up('a', [[1, 1]])]), { ...V2_HEADERS, 'content-type': 'application/x-protobuf; proto=io.prometheus.write.v2.Request' });
    expect([res.statusCode, writtenHeaders(res)]).toEqual([204, [1, 0, 0]]);
    expect(db.totalSamples()).toBe(1);
  });
});
