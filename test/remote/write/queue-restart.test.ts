// What a queue does with its saved position: items its shard had acknowledged are not sent again,
// the batch that was in flight is re-sent alone, everything else as usual; remote write 2.0 on the
// wire; and the DB's WAL truncation keeps what a lagging queue has not forwarded yet.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { labelsFromRecord } from '../../../src/model/labels.js';
import { WriteRequestDecoder } from '../../../src/remote/decoder.js';
import { uncompressSync } from '../../../src/native/snappy.js';
import {
  PositionStore, QueueManager, RemoteWriteClient, RemoteWriteMetrics, RemoteWriteStorage, requestHeaders, type ProtobufMessage,
} from '../../../src/remote/write/index.js';
import { SegmentTail } from '../../../src/remote/write/segment-tail.js';
import { DB } from '../../../src/tsdb/db.js';
import { Encbuf } from '../../../src/tsdb/encoding/encbuf.js';
import { encodeExemplars, encodeHistogramSamples, encodeSamples, encodeSeries } from '../../../src/tsdb/record/index.js';
import { listSegments } from '../../../src/tsdb/wal/segment.js';
import { WalWriter } from '../../../src/tsdb/wal/writer.js';
import { FakeUpstream } from './fake-upstream.js';

const root = mkdtempSync(join(tmpdir(), 'promwasm-rw-restart-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const silent = { info() {}, warn() {}, error() {} };

async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function rwConfig(url: string, queue = 'min_shards: 1, max_shards: 1, batch_send_deadline: 50ms, min_backoff: 10ms, max_backoff: 50ms', extra = '') {
  return parseConfig(`remote_write:\n  - url: ${url}\n    queue_config: {${queue}}\n${extra}`, 't.yml').prometheus;
}

function queue(dir: string, url: string, message: ProtobufMessage = 'prometheus.WriteRequest', extra = ''): QueueManager {
  const config = rwConfig(url, undefined, extra).remoteWrite[0]!;
  return new QueueManager({
    config, name: 'q', externalLabels: [], protobufMessage: message, walDir: join(dir, 'wal'), stateDir: join(dir, 'state'),
    client: new RemoteWriteClient({
      url, timeoutMs: 5000, headers: {}, httpClient: config.httpClient, retryOnRateLimit: false, protocolHeaders: requestHeaders(message),
    }),
    metrics: new RemoteWriteMetrics().forQueue('q', url), logger: silent, pollMs: 10,
  });
}

function record(kind: 'series' | 'samples', ref: number, from = 0, count = 0): Uint8Array {
  const b = new Encbuf(1024);
  if (kind === 'series') encodeSeries(b, [{ ref, labels: labelsFromRecord({ __name__: 'm', r: String(ref) }) }]);
  else encodeSamples(b, new Float64Array(count).fill(ref), Float64Array.from({ length: count }, (_, i) => from + i), new Float64Array(count).fill(1));
  return b.get().slice();
}

describe('queue restart', () => {
  it('skips what its shard acknowledged and re-sends the in-flight batch on its own', async () => {
    const dir = join(root, 'restart');
    const w = WalWriter.open(join(dir, 'wal'));
    w.log([record('series', 1)]);
    w.log([record('series', 2)]);
    w.log([record('samples', 1, 0, 10)]); // A: acknowledged before the "crash"
    w.log([record('samples', 2, 0, 10)]); // B: items 0..4 were in flight
    w.log([record('samples', 1, 10, 10)]); // C: never sent
    await w.close();
    const ends: number[] = [];
    const tail = new SegmentTail(join(dir, 'wal'), 0, 0);
    while (tail.next() !== undefined) ends.push(tail.recordEnd);
    tail.close();
    const saved = new PositionStore(join(dir, 'state'));
    saved.write({
      low: { segment: 0, offset: ends[1]! },
      shards: 1,
      acked: [{ segment: 0, offset: ends[2]!, index: 9 }],
      inflight: [{ segment: 0, offset: ends[3]!, index: 4 }],
    });
    await saved.close();
    const up = new FakeUpstream();
    await up.start();
    const q = queue(dir, up.url);
    q.start();
    await until(() => up.samples.length === 20);
    await new Promise((r) => setTimeout(r, 200));
    await q.close(1000);
    await up.stop();
    expect(up.samples).toHaveLength(20);
    expect(up.requests[0]!.samples.map((s) => `${s.labels.r}@${s.t}`)).toEqual(['2@0', '2@1', '2@2', '2@3', '2@4']);
    expect(up.requests.slice(1).flatMap((r) => r.samples.map((s) => `${s.labels.r}@${s.t}`))).toEqual([
      '2@5', '2@6', '2@7', '2@8', '2@9', ...Array.from({ length: 10 }, (_, i) => `1@${10 + i}`),
    ]);
    expect(q.position).toEqual({ segment: 0, offset: ends[4] });
  });

  it('sends remote write 2.0 that promwasm\'s receiver decodes', async () => {
    const dir = join(root, 'v2');
    const w = WalWriter.open(join(dir, 'wal'));
    w.log([record('series', 1)]);
    w.log([record('samples', 1, 100, 20)]);
    await w.close();
    const up = new FakeUpstream();
    await up.start();
    const q = queue(dir, up.url, 'io.prometheus.write.v2.Request');
    q.start();
    await until(() => up.samples.length === 20);
    await q.close(1000);
    await up.stop();
    const req = up.requests[0]!;
    expect(req.headers['content-type']).toBe('application/x-protobuf;proto=io.prometheus.write.v2.Request');
    expect(req.headers['x-prometheus-remote-write-version']).toBe('2.0.0');
    expect(req.headers['user-agent']).toBe('Prometheus/2.42.0');
    const d = new WriteRequestDecoder().decode(2, uncompressSync(req.body));
    expect(d.seriesLabels).toEqual([labelsFromRecord({ __name__: 'm', r: '1' })]);
    expect(Array.from(d.timestamps.subarray(0, d.sampleCount))).toEqual(Array.from({ length: 20 }, (_, i) => 100 + i));
  });
});

describe('histograms and exemplars', () => {
  it('are forwarded when send_native_histograms and send_exemplars say so, and dropped otherwise', async () => {
    const h = {
      isFloat: false, counterResetHint: 'unknown' as const, schema: 0, zeroThreshold: 0.001, zeroCount: 1, count: 4, sum: 2.5,
      positiveSpans: [{ offset: 0, length: 2 }], negativeSpans: [], positiveBuckets: [1, 1], negativeBuckets: [],
    };
    const write = (dir: string): Promise<void> => {
      const w = WalWriter.open(join(dir, 'wal'));
      w.log([record('series', 1)]);
      const b = new Encbuf(1024);
      encodeHistogramSamples(b, [{ ref: 1, t: 5000, h }], false);
      w.log([b.get().slice()]);
      const e = new Encbuf(1024);
      encodeExemplars(e, [{ ref: 1, t: 4000, value: 9, labels: labelsFromRecord({ trace_id: 't1' }) }]);
      w.log([e.get().slice()]);
      w.log([record('samples', 1, 6000, 1)]);
      return w.close();
    };
    for (const send of [true, false]) {
      const dir = join(root, `hist-${send}`);
      await write(dir);
      const up = new FakeUpstream();
      await up.start();
      const q = queue(dir, up.url, 'prometheus.WriteRequest', `    send_exemplars: ${send}\n    send_native_histograms: ${send}\n`);
      q.start();
      await until(() => up.samples.length === 1);
      await new Promise((r) => setTimeout(r, 150));
      await q.close(500);
      await up.stop();
      const ts = up.requests.flatMap((r) => (r.decoded.timeseries as { histograms?: { timestamp: number; countInt: number }[]; exemplars?: { value: number }[] }[]));
      const histograms = ts.flatMap((t) => t.histograms ?? []);
      const exemplars = ts.flatMap((t) => t.exemplars ?? []);
      expect(histograms.map((x) => [x.timestamp, x.countInt])).toEqual(send ? [[5000, 4]] : []);
      expect(exemplars.map((x) => x.value)).toEqual(send ? [9] : []);
      expect(q.position).toEqual(expect.objectContaining({ segment: 0 }));
    }
  });
});

describe('WAL retention for a lagging queue', () => {
  it('keeps the segments a queue has not forwarded through head compaction and WAL truncation', async () => {
    const up = new FakeUpstream();
    await up.start();
    up.down = true;
    const dir = join(root, 'retention');
    const db = await DB.open({
      dir, retentionMs: 0, minBlockDurationMs: 60_000, maxBlockDurationMs: 60_000, walCompression: true,
      outOfOrderTimeWindowMs: 0, compactionIntervalMs: 0, walSegmentSize: 32 * 1024,
    });
    const rw = new RemoteWriteStorage({ walDir: join(dir, 'wal'), dataDir: dir, logger: silent, flushDeadlineMs: 500, pollMs: 10 });
    db.setWalRetention(() => rw.lowestSegment());
    await rw.applyConfig(rwConfig(up.url, 'batch_send_deadline: 20ms, min_backoff: 10ms, max_backoff: 20ms, max_samples_per_send: 2000'));
    // Ten minutes of 50 series every second: the head spans many 1-minute block ranges.
    for (let t = 0; t < 600; t++) {
      const app = db.appendable.appender();
      for (let s = 0; s < 50; s++) app.append(0, labelsFromRecord({ __name__: 'm', s: String(s) }), t * 1000, t);
      await app.commit();
    }
    await db.compactHead();
    expect(db.blocks.length).toBeGreaterThan(3);
    // Truncation ran, but kept every segment from the queue's position on (it has sent nothing).
    expect(listSegments(join(dir, 'wal'))[0]!.index).toBe(0);
    up.down = false;
    await until(() => up.samples.length >= 30_000, 30_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(new Set(up.samples.map((s) => `${s.labels.s}@${s.t}`)).size).toBe(30_000);
    expect(up.samples).toHaveLength(30_000);
    // Once forwarded, the next truncation may delete them.
    for (let t = 600; t < 800; t++) {
      const app = db.appendable.appender();
      for (let s = 0; s < 50; s++) app.append(0, labelsFromRecord({ __name__: 'm', s: String(s) }), t * 1000, t);
      await app.commit();
    }
    await until(() => up.samples.length === 40_000, 30_000);
    await new Promise((r) => setTimeout(r, 1200)); // the lazily saved position
    await db.compactHead();
    expect(listSegments(join(dir, 'wal'))[0]!.index).toBeGreaterThan(0);
    await rw.close();
    await db.close();
    await up.stop();
  }, 120_000);
});
