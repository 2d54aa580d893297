// The remote-write receiver into the agent storage: requests land in the WAL, out-of-order
// pushes are refused with 400 as by a Prometheus agent, and a series the agent collected comes
// back when it is written again (the receiver's label cache held its old ref and released labels).

import Fastify, { type FastifyInstance } from 'fastify';
import snappy from 'snappy';
import { afterEach, describe, expect, it } from 'vitest';
import { remoteWritePlugin, WRITE_PATH } from '../../../src/remote/write-handler.js';
import type { AgentDB } from '../../../src/tsdb/agent/index.js';
import { encodeLabels, encodeWriteRequest } from '../../helpers/rw-encode.js';
import { labels, openTestAgent, readWal, tempDir } from './helpers.js';

const HOUR = 3_600_000;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(now: () => number): Promise<{ db: AgentDB; app: FastifyInstance }> {
  const t = tempDir('promwasm-agent-rw-');
  cleanups.push(t.cleanup);
  const db = await openTestAgent(t.dir, { now });
  cleanups.push(() => db.close());
  const app = Fastify({ logger: false });
  await app.register(remoteWritePlugin, { appendable: db.appendable, now });
  await app.ready();
  cleanups.push(() => app.close());
  return { db, app };
}

const HEADERS = { 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf', 'x-prometheus-remote-write-version': '0.1.0' };

describe('remote write into the agent', () => {
  it('logs pushed samples, refuses older ones, and re-creates a collected series on its next push', async () => {
    let now = 100 * HOUR;
    const { db, app } = await setup(() => now);
    const sets = [labels({ __name__: 'pushed', i: '0' }), labels({ __name__: 'pushed', i: '1' })];
    const wire = sets.map(encodeLabels);
    const push = (t: number) =>
      app.inject({ method: 'POST', url: WRITE_PATH, headers: HEADERS, payload: snappy.compressSync(Buffer.from(encodeWriteRequest(wire, Float64Array.of(1, 2), t))) });

    expect((await push(now)).statusCode).toBe(204);
    expect((await push(now + 1000)).statusCode).toBe(204);
    const old = await push(now - 1000);
    expect(old.statusCode).toBe(400);
    expect(old.body).toContain('out of order sample');
    expect(db.series.size).toBe(2);

    // Both series idle for more than max-time (4h): collected at the next truncation.
    now += 5 * HOUR;
    await db.truncate();
    expect(db.series.size).toBe(0);

    // The receiver still holds the old refs; the agent asks for the labels back and makes new series.
    expect((await push(now)).statusCode).toBe(204);
    expect(db.series.size).toBe(2);
    const wal = readWal(db.walDir);
    expect(wal.seriesOrder).toEqual([1, 2, 3, 4]);
    expect(wal.series.get(3)).toEqual(sets[0]);
    expect(wal.samples.map((s) => [s.ref, s.t])).toEqual([
      [1, 100 * HOUR], [2, 100 * HOUR], [1, 100 * HOUR + 1000], [2, 100 * HOUR + 1000], [3, now], [4, now],
    ]);
  });
});
