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

function config(url: string, extra = ''): ReturnType<typeof parseConfig>['prometheus'] {
  return parseConfig(
    `global: {external_labels: {cluster: c1}}\nremote_write:\n  - url: ${url}\n    queue_config: {batch_send_deadline: 50ms, max_samples_per_send: 100, min_backoff: 10ms, max_backoff: 40ms}\n${extra}`,
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
