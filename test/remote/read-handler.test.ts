// POST /api/v1/read against a real DB (head + WAL in a temp dir): both response types decoded
// with protobufjs from src/remote/proto, negotiation, hints, external labels, limits, and
// hostile bodies.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import snappy from 'snappy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelsFromRecord, type Labels } from '../../src/model/labels.js';
import { READ_PATH, remoteReadPlugin, STREAMED_CONTENT_TYPE, type RemoteReadPluginOptions, type RemoteReadQueryable } from '../../src/remote/read-handler.js';
import { crc32c } from '../../src/tsdb/encoding/crc32c.js';
import { DB } from '../../src/tsdb/db.js';
import { decodeXorChunk } from '../../src/wasm/index.js';
import { Prng } from '../helpers/prng.js';
import { protoRoot } from './proto-schema.js';

const ReadRequest = protoRoot.lookupType('prometheus.ReadRequest');
const ReadResponse = protoRoot.lookupType('prometheus.ReadResponse');
const ChunkedReadResponse = protoRoot.lookupType('prometheus.ChunkedReadResponse');

const STALE_NAN_BYTES = Buffer.from([0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f]);
const T0 = 1_700_000_000_000;

interface QuerySpec {
  start: number;
  end: number;
  matchers: { type?: number; name: string; value: string }[];
  hints?: Record<string, unknown>;
}

function readBody(queries: QuerySpec[], types?: number[]): Buffer {
  const msg = ReadRequest.create({
    queries: queries.map((q) => ({ startTimestampMs: q.start, endTimestampMs: q.end, matchers: q.matchers, hints: q.hints })),
    acceptedResponseTypes: types ?? [],
  });
  return snappy.compressSync(Buffer.from(ReadRequest.encode(msg).finish()));
}

let dir: string;
let db: DB;
let external: Labels = [];

/** up{job="a",instance="i1"}: 300 samples every 15s, the 200th a stale marker; up{job="b"}: 10; env label on one. */
async function fill(): Promise<void> {
  const app = db.appendable.appender();
  const ts = new Float64Array(300);
  const vs = new Float64Array(300);
  for (let i = 0; i < 300; i++) {
    ts[i] = T0 + i * 15_000;
    vs[i] = i % 7;
  }
  new DataView(vs.buffer).setBigUint64(200 * 8, 0x7ff0000000000002n, true);
  app.appendSamples(0, labelsFromRecord({ __name__: 'up', job: 'a', instance: 'i1' }), ts, vs, 0, 300);
  for (let i = 0; i < 10; i++) app.append(0, labelsFromRecord({ __name__: 'up', job: 'b', instance: 'i2', env: 'own' }), T0 + i * 15_000, i + 0.5);
  app.append(0, labelsFromRecord({ __name__: 'other', job: 'a' }), T0, -0.0);
  await app.commit();
}

function server(overrides: Partial<RemoteReadPluginOptions> = {}): FastifyInstance {
  const app = Fastify();
  void app.register(remoteReadPlugin, {
    queryable: () => db,
    externalLabels: () => external,
    sampleLimit: 50_000_000,
    concurrentLimit: 10,
    maxBytesInFrame: 1_048_576,
    ...overrides,
  });
  return app;
}

async function post(app: FastifyInstance, body: Buffer) {
  return app.inject({ method: 'POST', url: READ_PATH, payload: body, headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' } });
}

type Decoded = { labels: { name: string; value: string }[]; samples?: { value: number; timestamp: number | { toNumber(): number } }[] };

function samplesResponse(raw: Buffer): Decoded[][] {
  const decoded = ReadResponse.toObject(ReadResponse.decode(snappy.uncompressSync(raw) as Buffer), { longs: Number, defaults: true }) as {
    results: { timeseries: Decoded[] }[];
  };
  return decoded.results.map((r) => r.timeseries);
}

interface Frame {
  queryIndex: number;
  labels: Record<string, string>;
  chunks: { minTimeMs: number; maxTimeMs: number; type: number; data: Uint8Array }[];
}

/** Splits a streamed body into frames, checking each CRC, and decodes them. */
function framesOf(body: Buffer): Frame[] {
  const frames: Frame[] = [];
  let p = 0;
  while (p < body.length) {
    let len = 0;
    let shift = 0;
    for (;;) {
      const b = body[p++]!;
      len += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) break;
    }
    const crc = body.readUInt32BE(p);
    const msg = body.subarray(p + 4, p + 4 + len);
    expect(msg.length).toBe(len);
    expect(crc32c(msg)).toBe(crc);
    p += 4 + len;
    const o = ChunkedReadResponse.toObject(ChunkedReadResponse.decode(msg), { longs: Number, enums: Number, defaults: true }) as {
      queryIndex: number;
      chunkedSeries: { labels: { name: string; value: string }[]; chunks: Frame['chunks'] }[];
    };
    expect(o.chunkedSeries).toHaveLength(1);
    const s = o.chunkedSeries[0]!;
    frames.push({ queryIndex: o.queryIndex, labels: Object.fromEntries(s.labels.map((l) => [l.name, l.value])), chunks: s.chunks });
  }
  return frames;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'promwasm-read-'));
  db = await DB.open({
    dir,
    retentionMs: 0,
    minBlockDurationMs: 7_200_000,
    maxBlockDurationMs: 7_200_000,
    walCompression: false,
    outOfOrderTimeWindowMs: 0,
    compactionIntervalMs: 0,
  });
  await fill();
});

afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SAMPLES', () => {
  it('answers each query in order with the selected series, external labels merged (own labels win)', async () => {
    external = labelsFromRecord({ env: 'ext', region: 'eu' });
    const app = server();
    const res = await post(app, readBody([
      { start: T0, end: T0 + 60_000, matchers: [{ name: '__name__', value: 'up' }] },
      { start: T0, end: T0 + 10 * 15_000, matchers: [{ name: 'job', value: 'b' }, { type: 2, name: '__name__', value: 'u.' }] },
    ]));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-protobuf');
    expect(res.headers['content-encoding']).toBe('snappy');
    const [q0, q1] = samplesResponse(res.rawPayload);
    // Sorted by the stored labels (env=own sorts before instance=...); external labels merged afterwards.
    expect(q0!.map((s) => s.labels.map((l) => `${l.name}=${l.value}`).join(','))).toEqual([
      '__name__=up,env=own,instance=i2,job=b,region=eu',
      '__name__=up,env=ext,instance=i1,job=a,region=eu',
    ]);
    expect(q0![1]!.samples!.map((s) => [Number(s.timestamp), s.value])).toEqual([0, 1, 2, 3, 4].map((i) => [T0 + i * 15_000, i % 7]));
    expect(q1).toHaveLength(1);
    expect(q1![0]!.samples!.map((s) => s.value)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => i + 0.5));
    external = [];
  });

  it('keeps the stale marker bit for bit and writes zero values the way gogoproto does (left out)', async () => {
    const res = await post(server(), readBody([{ start: T0, end: T0 + 300 * 15_000, matchers: [{ name: 'job', value: 'a' }] }]));
    const raw = snappy.uncompressSync(res.rawPayload) as Buffer;
    expect(raw.indexOf(STALE_NAN_BYTES)).toBeGreaterThan(0);
    const [series] = samplesResponse(res.rawPayload);
    const other = series!.find((s) => s.labels.some((l) => l.value === 'other'))!;
    expect(other.samples).toEqual([{ value: 0, timestamp: T0 }]);
    expect(series!.find((s) => s.labels.some((l) => l.value === 'up'))!.samples).toHaveLength(300);
  });

  it('selects over the hints range when hints are given, and rewrites matchers on external labels', async () => {
    external = labelsFromRecord({ dc: 'x' });
    const hints = { startMs: T0 + 15_000, endMs: T0 + 30_000, stepMs: 1000, func: 'rate', rangeMs: 300_000, grouping: ['job'], by: true };
    const res = await post(server(), readBody([{ start: T0, end: T0 + 300 * 15_000, matchers: [{ name: 'dc', value: 'x' }, { name: 'job', value: 'a' }, { name: '__name__', value: 'up' }], hints }]));
    const [q] = samplesResponse(res.rawPayload);
    expect(q).toHaveLength(1);
    expect(q![0]!.samples!.map((s) => Number(s.timestamp))).toEqual([T0 + 15_000, T0 + 30_000]);
    external = [];
  });

  it('lists series without samples for func="series" hints', async () => {
    const hints = { startMs: T0, endMs: T0 + 300 * 15_000, func: 'series' };
    const res = await post(server(), readBody([{ start: T0, end: T0 + 300 * 15_000, matchers: [{ name: '__name__', value: 'up' }], hints }]));
    const [q] = samplesResponse(res.rawPayload);
    expect(q!.map((s) => s.samples)).toEqual([[], []]);
  });

  it('enforces the sample limit per query with 400', async () => {
    const app = server({ sampleLimit: 10 });
    const ok = await post(app, readBody([
      { start: T0, end: T0 + 9 * 15_000, matchers: [{ name: 'instance', value: 'i1' }] },
      { start: T0, end: T0 + 9 * 15_000, matchers: [{ name: 'instance', value: 'i2' }] },
    ]));
    expect(ok.statusCode).toBe(200);
    const res = await post(app, readBody([{ start: T0, end: T0 + 10 * 15_000, matchers: [{ name: 'instance', value: 'i1' }] }]));
    expect(res.statusCode).toBe(400);
    expect(res.body).toBe('exceeded sample limit (10)\n');
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    // The limit does not apply to streamed responses.
    const streamed = await post(app, readBody([{ start: T0, end: T0 + 300 * 15_000, matchers: [{ name: 'job', value: 'a' }] }], [1]));
    expect(streamed.statusCode).toBe(200);
  });
});

describe('STREAMED_XOR_CHUNKS', () => {
  it('is chosen as the first supported type and streams one series per frame in XOR chunks', async () => {
    external = labelsFromRecord({ region: 'eu' });
    const res = await post(server(), readBody([
      { start: T0, end: T0 + 300 * 15_000, matchers: [{ name: '__name__', value: 'up' }] },
      { start: T0 + 15_000, end: T0 + 45_000, matchers: [{ name: 'job', value: 'b' }] },
    ], [7, 1, 0]));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(STREAMED_CONTENT_TYPE);
    expect(res.headers['content-encoding']).toBeUndefined();
    const frames = framesOf(res.rawPayload);
    expect(frames.map((f) => [f.queryIndex, f.labels['job'], f.labels['region'], f.chunks.length])).toEqual([
      [0, 'b', 'eu', 1],
      [0, 'a', 'eu', 3],
      [1, 'b', 'eu', 1],
    ]);
    const a = frames[1]!.chunks.map((c) => ({ c, d: decodeXorChunk(c.data) }));
    expect(a.map(({ d }) => d.length)).toEqual([120, 120, 60]);
    for (const { c, d } of a) {
      expect(c.type).toBe(1);
      expect([c.minTimeMs, c.maxTimeMs]).toEqual([d.timestamps[0], d.timestamps[d.length - 1]]);
    }
    const stale = a[1]!.d.values;
    expect(new DataView(stale.buffer, stale.byteOffset).getBigUint64((200 - 120) * 8, true)).toBe(0x7ff0000000000002n);
    const b = decodeXorChunk(frames[2]!.chunks[0]!.data);
    expect(Array.from(b.timestamps.subarray(0, b.length))).toEqual([T0 + 15_000, T0 + 30_000, T0 + 45_000]);
    external = [];
  });

  it('splits a series over frames once the frame budget is spent (labels count against it)', async () => {
    const res = await post(server({ maxBytesInFrame: 60 }), readBody([{ start: T0, end: T0 + 300 * 15_000, matchers: [{ name: 'instance', value: 'i1' }] }], [1]));
    const frames = framesOf(res.rawPayload);
    // Labels take more than 60 bytes here: every chunk exhausts the budget and closes its frame.
    expect(frames.map((f) => f.chunks.length)).toEqual([1, 1, 1]);
    // Label messages: __name__=up 14 bytes, instance=i1 14, job=a 8. A budget with room for the first
    // chunk and a little more takes two chunks before it is exhausted.
    const budget = 36 + frames[0]!.chunks[0]!.data.length + 30;
    const big = await post(server({ maxBytesInFrame: budget }), readBody([{ start: T0, end: T0 + 300 * 15_000, matchers: [{ name: 'instance', value: 'i1' }] }], [1]));
    expect(framesOf(big.rawPayload).map((f) => f.chunks.length)).toEqual([2, 1]);
  });

  it('answers an empty stream when nothing matches', async () => {
    const res = await post(server(), readBody([{ start: T0, end: T0 + 1000, matchers: [{ name: 'job', value: 'none' }] }], [1]));
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.length).toBe(0);
  });
});

describe('bad requests', () => {
  const cases: [string, () => Buffer, number, RegExp][] = [
    ['not snappy', () => Buffer.from('hello, this is not snappy at all'), 400, /^snappy: corrupt input/],
    ['empty body', () => Buffer.alloc(0), 400, /^snappy: corrupt input\n$/],
    ['a snappy header announcing 4 GiB', () => Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]), 400, /decoded length 4294967295 exceeds/],
    ['a query whose length runs past the body', () => snappy.compressSync(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x7f, 0x08])), 400, /^decoding prometheus\.ReadRequest: length 268435455 exceeds the 1 remaining bytes at offset 1\n$/],
    ['a truncated varint', () => snappy.compressSync(Buffer.from([0x0a, 0x02, 0x08, 0xff])), 400, /^decoding prometheus\.ReadRequest: /],
    ['a wrong wire type', () => snappy.compressSync(Buffer.from([0x09, 1, 2, 3, 4, 5, 6, 7, 8])), 400, /wrong wire type 1 for field ReadRequest.queries/],
    ['no supported response type', () => readBody([], [5, 9]), 400, /^server does not support any of the requested response types: \[5 9\]; supported: map\[SAMPLES:\{\} STREAMED_XOR_CHUNKS:\{\}\]\n$/],
    // Prometheus 2.42 answers matcher errors with 500 (they are not HTTPErrors).
    ['a regex RE2 rejects', () => readBody([{ start: 0, end: 1, matchers: [{ type: 2, name: 'job', value: '(a' }] }]), 500, /missing closing \)/],
    ['an unknown matcher type', () => readBody([{ start: 0, end: 1, matchers: [{ type: 9, name: 'job', value: 'a' }] }]), 500, /^invalid matcher type\n$/],
  ];
  for (const [name, body, status, message] of cases) {
    it(`${name} → ${status}`, async () => {
      const res = await post(server(), body());
      expect(res.statusCode).toBe(status);
      expect(res.body).toMatch(message);
    });
  }

  it('reads the body whatever its Content-Type says, as Prometheus does', async () => {
    const body = readBody([{ start: T0, end: T0 + 1000, matchers: [{ name: 'job', value: 'a' }] }]);
    for (const headers of [{}, { 'content-type': '' }, { 'content-type': 'application/json' }, { 'content-type': 'text/plain' }]) {
      const res = await server().inject({ method: 'POST', url: READ_PATH, payload: body, headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(200);
      expect(samplesResponse(res.rawPayload)[0]).toHaveLength(2);
    }
  });

  it('streamed requests report errors before the first frame with their status', async () => {
    const res = await post(server(), readBody([{ start: 0, end: 1, matchers: [{ type: 3, name: 'job', value: '[' }] }], [1]));
    expect(res.statusCode).toBe(500);
    expect(res.body).toMatch(/missing closing \]/);
  });

  it('ends a started stream with the error text (the status is already sent)', async () => {
    const failing: RemoteReadQueryable = {
      async *select(matchers, mint, maxt) {
        for await (const s of db.select(matchers, mint, maxt)) {
          yield s;
          throw new Error('disk on fire');
        }
      },
    };
    const res = await post(server({ queryable: () => failing }), readBody([{ start: T0, end: T0 + 60_000, matchers: [{ name: 'job', value: 'a' }] }], [1]));
    expect(res.statusCode).toBe(200);
    const text = Buffer.from('disk on fire\n');
    expect(res.rawPayload.subarray(res.rawPayload.length - text.length)).toEqual(text);
    expect(framesOf(res.rawPayload.subarray(0, res.rawPayload.length - text.length))).toHaveLength(1);
  });

  it('survives seeded mutations of valid bodies with 200, 400 or 500', async () => {
    const prng = new Prng(0x5eed);
    const app = server();
    const valid = ReadRequest.encode(
      ReadRequest.create({
        queries: [{ startTimestampMs: T0, endTimestampMs: T0 + 60_000, matchers: [{ type: 2, name: 'job', value: 'a|b' }], hints: { startMs: T0, endMs: T0 + 60_000, func: 'rate' } }],
        acceptedResponseTypes: [1, 0],
      }),
    ).finish();
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const body = Buffer.from(valid);
      for (let k = prng.int(1, 4); k > 0; k--) body[prng.int(0, body.length - 1)] = prng.int(0, 255);
      const res = await post(app, snappy.compressSync(body.subarray(0, prng.int(1, body.length))));
      expect([200, 400, 500]).toContain(res.statusCode);
      seen.add(res.statusCode);
    }
    expect(seen.has(200) && seen.has(400)).toBe(true);
  });
});

describe('--storage.remote.read-concurrent-limit', () => {
  it('holds further requests until a place frees', async () => {
    let running = 0;
    let most = 0;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const slow: RemoteReadQueryable = {
      async *select(matchers, mint, maxt) {
        running++;
        most = Math.max(most, running);
        await released;
        running--;
        yield* db.select(matchers, mint, maxt);
      },
    };
    const registry = new Registry();
    const app = server({ queryable: () => slow, concurrentLimit: 2, registry });
    const body = readBody([{ start: T0, end: T0 + 60_000, matchers: [{ name: 'job', value: 'a' }] }]);
    const pending = Promise.all([0, 1, 2, 3, 4].map(() => post(app, body)));
    for (let waited = 0; running < 2 && waited < 5000; waited += 5) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50)); // time for a third to get in, were the gate open
    expect(running).toBe(2);
    // Requests holding a place are counted; those waiting for one are not (as 2.42 counts them).
    expect(await registry.getSingleMetricAsString('prometheus_api_remote_read_queries')).toMatch(/^prometheus_api_remote_read_queries 2$/m);
    release();
    const answers = await pending;
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expect(most).toBe(2);
    expect(await registry.getSingleMetricAsString('prometheus_api_remote_read_queries')).toMatch(/^prometheus_api_remote_read_queries 0$/m);
  });
});
