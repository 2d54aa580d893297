import { describe, expect, it } from 'vitest';
import { StorageError } from '../../src/storage/errors.js';
import { fixtureBody, fixtureNames } from './fixtures.js';
import { compress, expectedStore, NOW, post, V1_HEADERS, writeServer } from './handler-helpers.js';
import { MemoryAppendable } from './memory-appendable.js';
import { WriteRequestV1 } from './proto-schema.js';

type Series = { labels: [string, string][]; samples?: { value: number; timestamp: number }[]; exemplars?: unknown[]; histograms?: unknown[] };

function v1Body(series: Series[]): Buffer {
  const timeseries = series.map((s) => ({ ...s, labels: s.labels.map(([name, value]) => ({ name, value })) }));
  return compress(WriteRequestV1.encode(WriteRequestV1.fromObject({ timeseries })).finish());
}

const up = (job: string, samples: [number, number][]): Series => ({
  labels: [['__name__', 'up'], ['job', job]],
  samples: samples.map(([timestamp, value]) => ({ timestamp, value })),
});

describe('remote write 1.0 through the handler', () => {
  it('takes all 34 requests Prometheus 2.42 sent and stores exactly the captured samples, stale markers bit for bit', async () => {
    const db = new MemoryAppendable();
    const app = await writeServer(db);
    for (const name of fixtureNames) {
      const res = await post(app, fixtureBody(name), V1_HEADERS);
      expect([name, res.statusCode, res.body]).toEqual([name, 204, '']);
      expect(res.headers['x-prometheus-remote-write-samples-written']).toBeUndefined();
    }
    const expected = expectedStore();
    expect(db.series.size).toBe(expected.size);
    let total = 0;
    let stale = 0;
    for (const [key, want] of expected) {
      const got = db.series.get(key)!;
      expect(got.labels).toEqual(want.labels);
      const samples = Array.from({ length: got.count }, (_, i) => got.sample(i));
      expect(samples).toEqual(want.samples);
      total += got.count;
      stale += samples.filter(([, bits]) => bits === '7ff0000000000002').length;
    }
    expect([total, stale]).toEqual([15062, 81]);
    await app.close();
  });

  it('answers 400 "out of order sample" and keeps nothing of the request', async () => {
    const db = new MemoryAppendable();
    const app = await writeServer(db);
    expect((await post(app, v1Body([up('a', [[1000, 1], [2000, 2]])]))).statusCode).toBe(204);
    const res = await post(app, v1Body([up('b', [[5000, 5]]), up('a', [[1500, 3]])]));
    expect([res.statusCode, res.body, res.headers['content-type']]).toEqual([400, 'out of order sample\n', 'text/plain; charset=utf-8']);
    expect(db.get([{ name: '__name__', value: 'up' }, { name: 'job', value: 'b' }])?.count ?? 0).toBe(0);
    expect(db.totalSamples()).toBe(2);
  });

  it('stores a cached series again under its labels once the storage has dropped it', async () => {
    const db = new MemoryAppendable();
    const app = await writeServer(db);
    const a = [{ name: '__name__', value: 'up' }, { name: 'job', value: 'a' }];
    expect((await post(app, v1Body([up('a', [[1000, 1]])]))).statusCode).toBe(204);
    // The second request finds the series by the ref its cached label set kept, not by labels.
    expect((await post(app, v1Body([up('a', [[2000, 2]])]))).statusCode).toBe(204);
    expect(db.get(a)?.count).toBe(2);
    db.clear(); // as a head truncation drops a series that went idle
    const res = await post(app, v1Body([up('b', [[3000, 3]]), up('a', [[3000, 3]]), up('a', [[4000, 4]])]));
    expect(res.statusCode).toBe(204);
    expect(db.get(a)?.labels).toEqual(a);
    expect([db.get(a)?.count, db.totalSamples()]).toEqual([2, 3]);
    expect((await post(app, v1Body([up('a', [[5000, 5]])]))).statusCode).toBe(204);
    expect(db.get(a)?.count).toBe(3);
    await app.close();
  });

  it('answers 400 for a duplicate timestamp with other bits, 204 for the identical sample', async () => {
    const db = new MemoryAppendable();
    const app = await writeServer(db);
    await post(app, v1Body([up('a', [[1000, 1]])]));
    expect((await post(app, v1Body([up('a', [[1000, 1]])]))).statusCode).toBe(204);
    const res = await post(app, v1Body([up('a', [[1000, 2]])]));
    expect([res.statusCode, res.body]).toEqual([400, 'duplicate sample for timestamp\n']);
    expect(db.totalSamples()).toBe(1);
  });

  it('answers 400 for samples out of bounds, and for samples more than 10 minutes ahead', async () => {
    const db = new MemoryAppendable();
    db.minValidTime = 10_000;
    const app = await writeServer(db);
    expect(await post(app, v1Body([up('a', [[20_000, 1]]), up('b', [[5000, 1]])]))).toMatchObject({ statusCode: 400, body: 'out of bounds\n' });
    const ahead = await post(app, v1Body([up('a', [[20_000, 1], [NOW + 10 * 60_000, 2], [NOW + 10 * 60_000 + 1, 3]])]));
    expect([ahead.statusCode, ahead.body]).toEqual([400, 'out of bounds: timestamp is too far in the future\n']);
    expect(db.totalSamples()).toBe(0);
    expect((await post(app, v1Body([up('a', [[20_000, 1], [NOW + 10 * 60_000, 2]])]))).statusCode).toBe(204);
    expect(db.totalSamples()).toBe(2);
  });

  it('answers 400 for "too old" (Prometheus 2.50+; 2.42 said 500)', async () => {
    const db = new MemoryAppendable();
    db.faults.sample = (_labels, t) => (t < 100 ? new StorageError('TOO_OLD_SAMPLE', 'too old sample') : undefined);
    const app = await writeServer(db);
    expect(await post(app, v1Body([up('a', [[50, 1]])]))).toMatchObject({ statusCode: 400, body: 'too old sample\n' });
  });

  it('answers 500 with the message for any other storage error, and rolls back', async () => {
    const db = new MemoryAppendable();
    db.faults.sample = (_labels, t) => (t === 3000 ? new Error('disk on fire') : undefined);
    const app = await writeServer(db);
    const res = await post(app, v1Body([up('a', [[1000, 1]]), up('b', [[3000, 1]])]));
    expect([res.statusCode, res.body]).toEqual([500, 'disk on fire\n']);
    expect([db.totalSamples(), db.rollbacks, db.commits]).toEqual([0, 1, 0]);

    db.faults = { commit: () => new Error('WAL write failed') };
    expect(await post(app, v1Body([up('a', [[1000, 1]])]))).toMatchObject({ statusCode: 500, body: 'WAL write failed\n' });
    expect(db.totalSamples()).toBe(0);
  });

  it('sorts unsorted labels, drops empty values, skips invalid label sets with a 400 and keeps the other series', async () => {
    const db = new MemoryAppendable();
    const app = await writeServer(db);
    const res = await post(
      app,
      v1Body([
        { labels: [['job', 'x'], ['__name__', 'm'], ['empty', '']], samples: [{ value: 1, timestamp: 1 }] },
        { labels: [['__name__', 'm'], ['k', '1'], ['k', '2']], samples: [{ value: 1, timestamp: 1 }] },
        { labels: [['__name__', 'm'], ['', 'v']], samples: [{ value: 1, timestamp: 1 }] },
        { labels: [['nolabel', '']], samples: [{ value: 1, timestamp: 1 }] },
        { labels: [['instance', 'no name']], samples: [{ value: 1, timestamp: 1 }] },
      ]),
    );
    expect(res.statusCode).toBe(400);
    expect(res.body).toBe(
      [
        'invalid labels for series {__name__="m", k="1", k="2"}: label name "k" is not unique',
        'invalid labels for series {__name__="m", ="v"}: label with an empty name',
        'invalid labels for series {nolabel=""}: no label with a value',
        '',
      ].join('\n'),
    );
    expect([...db.series.values()].map((s) => [s.labels.map((l) => `${l.name}=${l.value}`).join(','), s.count])).toEqual([
      ['__name__=m,job=x', 1],
      ['instance=no name', 1], // 2.42 does not require __name__ in 1.0
    ]);
  });

  it('answers 400 for invalid UTF-8 and for an undecodable body, with the decoder message', async () => {
    const app = await writeServer(new MemoryAppendable());
    const badUtf8 = compress(new Uint8Array([0x0a, 0x06, 0x0a, 0x04, 0x0a, 0x02, 0xc3, 0x28]));
    expect(await post(app, badUtf8)).toMatchObject({
      statusCode: 400,
      body: 'decoding prometheus.WriteRequest: invalid UTF-8 in Label.name at offset 6\n',
    });
    expect(await post(app, compress(new Uint8Array([0x0a, 0x05])))).toMatchObject({
      statusCode: 400,
      body: 'decoding prometheus.WriteRequest: length 5 exceeds the 0 remaining bytes at offset 1\n',
    });
  });

  it('ignores exemplar errors, stores histograms, and refuses invalid histograms with 400 and a rollback', async () => {
    const db = new MemoryAppendable();
    const app = await writeServer(db);
    const exemplar = (ts: number) => ({ labels: [{ name: 'trace_id', value: 't' }], value: 1, timestamp: ts });
    expect((await post(app, v1Body([{ ...up('a', [[1000, 1]]), exemplars: [exemplar(900)] }]))).statusCode).toBe(204);
    const res = await post(app, v1Body([{ ...up('a', [[2000, 2]]), exemplars: [exemplar(100)] }]));
    expect(res.statusCode).toBe(204);
    const a = db.get([{ name: '__name__', value: 'up' }, { name: 'job', value: 'a' }])!;
    expect([a.count, a.exemplars.length]).toEqual([2, 1]);

    const histogram = { countInt: 3, sum: 2.5, schema: 0, timestamp: 3000, positiveSpans: [{ offset: 0, length: 2 }], positiveDeltas: [1, 1] };
    expect((await post(app, v1Body([{ labels: [['__name__', 'h']], histograms: [histogram] }]))).statusCode).toBe(204);
    expect(db.get([{ name: '__name__', value: 'h' }])!.histograms[0]!.h).toMatchObject({ isFloat: false, count: 3, positiveBuckets: [1, 1] });

    const wrong = await post(app, v1Body([up('c', [[1, 1]]), { labels: [['__name__', 'h2']], histograms: [{ ...histogram, schema: 9 }] }]));
    expect([wrong.statusCode, wrong.body]).toEqual([400, 'histogram has an invalid schema, which must be between -4 and 8, got schema 9\n']);
    const spans = await post(app, v1Body([{ labels: [['__name__', 'h2']], histograms: [{ ...histogram, positiveDeltas: [1] }] }]));
    expect(spans.body).toBe('positive side: spans need 2 buckets, have 1 buckets: histogram spans specify different number of buckets than provided\n');
    expect(db.get([{ name: '__name__', value: 'up' }, { name: 'job', value: 'c' }])?.count ?? 0).toBe(0);
  });
});
