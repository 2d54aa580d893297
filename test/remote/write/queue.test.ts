// The queue end to end against a fake upstream: a DB writes its WAL, the queue tails it and
// forwards every sample exactly once, resuming from its saved position after a restart.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { labelsFromRecord } from '../../../src/model/labels.js';
import { RemoteWriteStorage } from '../../../src/remote/write/index.js';
import { DB } from '../../../src/tsdb/db.js';
import { FakeUpstream } from './fake-upstream.js';

const root = mkdtempSync(join(tmpdir(), 'promwasm-rw-queue-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let dirCount = 0;
async function openDb(dir = join(root, `db${dirCount++}`)): Promise<DB> {
  const db = await DB.open({
    dir, retentionMs: 0, minBlockDurationMs: 7_200_000, maxBlockDurationMs: 7_200_000,
    walCompression: true, outOfOrderTimeWindowMs: 0, compactionIntervalMs: 0, walSegmentSize: 64 * 1024,
  });
  return db;
}

const QUEUE = 'batch_send_deadline: 50ms, max_samples_per_send: 100, min_backoff: 10ms, max_backoff: 40ms';

function config(url: string, extra = '', queue = QUEUE): ReturnType<typeof parseConfig>['prometheus'] {
  return parseConfig(
    `global: {external_labels: {cluster: c1}}\nremote_write:\n  - url: ${url}\n    queue_config: {${queue}}\n${extra}`,
    'test.yml',
  ).prometheus;
}

async function ingest(db: DB, series: number, from: number, to: number): Promise<void> {
  const app = db.appendable.appender();
  for (let t = from; t < to; t++) {
    for (let s = 0; s < series; s++) app.append(0, labelsFromRecord({ __name__: 'm', s: String(s) }), t * 1000, t + s / 10);
  }
  await app.commit();
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function startStorage(db: DB, cfg: ReturnType<typeof config>): RemoteWriteStorage {
  const rw = new RemoteWriteStorage({ walDir: join(db.dir, 'wal'), dataDir: db.dir, logger: silent, flushDeadlineMs: 2000, pollMs: 20 });
  void rw.applyConfig(cfg);
  return rw;
}

const silent = { info() {}, warn() {}, error() {} };
describe('remote write queue', () => {
  it('forwards every sample once, with external labels, and resumes after a restart', async () => {
    const up = new FakeUpstream();
    await up.start();
    cleanups.push(() => up.stop());
    const db = await openDb();
    await ingest(db, 3, 0, 100);
    let rw = startStorage(db, config(up.url));
    await until(() => up.samples.length === 300);
    expect(up.samples[0]!.labels).toEqual({ __name__: 'm', cluster: 'c1', s: '0' });
    await ingest(db, 3, 100, 150);
    await until(() => up.samples.length === 450);
    await rw.close();
    await ingest(db, 3, 150, 200);
    rw = startStorage(db, config(up.url));
    await until(() => up.samples.length === 600);
    await new Promise((r) => setTimeout(r, 300));
    await rw.close();
    await db.close();
    const keys = up.samples.map((s) => `${s.labels.s}@${s.t}`);
    expect(new Set(keys).size).toBe(600);
    expect(up.requests[0]!.headers['content-type']).toBe('application/x-protobuf');
    expect(up.requests[0]!.headers['x-prometheus-remote-write-version']).toBe('0.1.0');
    expect(up.requests[0]!.headers['content-encoding']).toBe('snappy');
  });
});

async function metric(rw: RemoteWriteStorage, name: string): Promise<number> {
  const m = rw.metrics.registry.getSingleMetric(`prometheus_remote_storage_${name}`);
  const values = (await m!.get()).values;
  return values.reduce((s, v) => s + v.value, 0);
}

describe('remote write retries', () => {
  it('retries a 500 with backoff and delivers once; counts retried samples', async () => {
    const up = new FakeUpstream();
    await up.start();
    cleanups.push(() => up.stop());
    up.script.push({ status: 500, body: 'boom' }, { status: 503 });
    const db = await openDb();
    await ingest(db, 2, 0, 10);
    const rw = startStorage(db, config(up.url));
    await until(() => up.samples.length === 20);
    expect(up.log.map((l) => l.status)).toEqual([500, 503, 204]);
    // min_backoff 10ms, doubled: at least 10 + 20 ms between the three attempts.
    expect(up.log[2]!.at - up.log[0]!.at).toBeGreaterThanOrEqual(30);
    expect(await metric(rw, 'samples_retried_total')).toBe(40);
    expect(await metric(rw, 'samples_total')).toBe(20);
    expect(await metric(rw, 'samples_failed_total')).toBe(0);
    await rw.close();
    await db.close();
  });

  it('honours Retry-After on a 429 when retry_on_http_429 is set', async () => {
    const up = new FakeUpstream();
    await up.start();
    cleanups.push(() => up.stop());
    up.script.push({ status: 429, headers: { 'Retry-After': '1' } });
    const db = await openDb();
    await ingest(db, 1, 0, 5);
    const rw = startStorage(db, config(up.url, '', `${QUEUE}, retry_on_http_429: true`));
    await until(() => up.samples.length === 5);
    expect(up.log.map((l) => l.status)).toEqual([429, 204]);
    expect(up.log[1]!.at - up.log[0]!.at).toBeGreaterThanOrEqual(990);
    await rw.close();
    await db.close();
  });

  it('drops a batch answered 400 (or 429 without retry_on_http_429), counts it, and goes on', async () => {
    const up = new FakeUpstream();
    await up.start();
    cleanups.push(() => up.stop());
    up.script.push({ status: 400, body: 'out of order sample' });
    const db = await openDb();
    await ingest(db, 1, 0, 5);
    const rw = startStorage(db, config(up.url));
    await until(() => up.log.length === 1);
    await new Promise((r) => setTimeout(r, 100));
    up.script.push({ status: 429 });
    await ingest(db, 1, 5, 8);
    await until(() => up.log.length === 2);
    await ingest(db, 1, 8, 10);
    await until(() => up.samples.length === 2);
    expect(up.log.map((l) => l.status)).toEqual([400, 429, 204]);
    expect(up.samples.map((s) => s.t)).toEqual([8000, 9000]);
    expect(await metric(rw, 'samples_failed_total')).toBe(8);
    expect(await metric(rw, 'samples_retried_total')).toBe(0);
    await rw.close();
    await db.close();
  });
});

describe('remote write configuration changes', () => {
  it('keeps an unchanged queue, and a changed one continues from its predecessor\'s position', async () => {
    const up = new FakeUpstream();
    await up.start();
    cleanups.push(() => up.stop());
    const db = await openDb();
    await ingest(db, 2, 0, 50);
    const rw = startStorage(db, config(up.url));
    await until(() => up.samples.length === 100);
    const first = rw.queueList[0];
    await rw.applyConfig(config(up.url));
    expect(rw.queueList[0]).toBe(first);
    await rw.applyConfig(config(up.url, '    remote_timeout: 7s\n'));
    expect(rw.queueList[0]).not.toBe(first);
    await ingest(db, 2, 50, 80);
    await until(() => up.samples.length === 160);
    await new Promise((r) => setTimeout(r, 300));
    expect(up.samples).toHaveLength(160);
    await expect(rw.applyConfig(config(up.url, `  - url: ${up.url}\n    queue_config: {${QUEUE}}\n`))).rejects.toThrow(/duplicate remote write configs/);
    await rw.close();
    await db.close();
  });
});
