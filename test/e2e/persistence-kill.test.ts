// Head compaction survives kill -9: a server with 1-minute blocks takes remote-write samples that span
// many block ranges (so blocks are written, the head truncated and the WAL checkpointed all the time),
// is killed at random moments and restarted; in the end every acknowledged sample is there exactly once,
// no temporary block directory is left, and blocks were really written.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import snappy from 'snappy';
import { afterAll, expect, it } from 'vitest';
import { isUlid } from '../../src/tsdb/block/ulid.js';
import { exited, runCli, startServer } from '../helpers/cli.js';
import { Prng } from '../helpers/prng.js';
import { encodeLabels, encodeWriteRequest } from '../helpers/rw-encode.js';

const CYCLES = 5;
const SERIES = 20;
const STEP = 5_000; // ms between samples: 12 requests fill a 1-minute range
const dir = mkdtempSync(join(tmpdir(), 'promwasm-persistence-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('keeps every acknowledged sample exactly once across SIGKILLs during head compaction', { timeout: 90_000 }, async () => {
  const rng = new Prng(424242);
  const series = Array.from({ length: SERIES }, (_, i) =>
    encodeLabels([
      { name: '__name__', value: 'persistence_test' },
      { name: 'series', value: String(i) },
    ]),
  );
  const sent = new Map<number, number>(); // timestamp -> value written to every series
  const acked = new Set<number>();
  const base = Date.UTC(2026, 0, 1);
  let t = 0;
  const flags = ['--log.level=warn', '--storage.tsdb.min-block-duration=1m', '--storage.tsdb.max-block-duration=1m'];
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const server = await startServer(dir, flags);
    const killAt = Date.now() + 300 + rng.next() * 1200;
    const inflight: Promise<void>[] = [];
    while (Date.now() < killAt) {
      const ts = base + ++t * STEP;
      const value = rng.int(0, 1e6);
      sent.set(ts, value);
      const body = snappy.compressSync(Buffer.from(encodeWriteRequest(series, new Float64Array(SERIES).fill(value), ts)));
      const p = fetch(`${server.url}/api/v1/write`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy' },
        body,
      })
        .then((res) => {
          if (res.status === 204) acked.add(ts);
        })
        .catch(() => undefined);
      inflight.push(p);
      if (inflight.length >= 4) await inflight.shift();
    }
    server.proc.kill('SIGKILL');
    await Promise.all(inflight);
    expect(await exited(server.proc)).toBe('SIGKILL');
  }
  expect(acked.size).toBeGreaterThan(CYCLES * 12);

  // One clean start and stop: leftovers of the kills are cleaned up at startup.
  const server = await startServer(dir, flags);
  server.proc.kill('SIGTERM');
  await exited(server.proc);
  const entries = readdirSync(dir);
  expect(entries.filter((n) => n.includes('.tmp'))).toEqual([]);
  expect(entries.filter(isUlid).length).toBeGreaterThan(2);
  expect(readdirSync(join(dir, 'wal')).some((n) => n.startsWith('checkpoint.'))).toBe(true);

  const dump = runCli(['tsdb', 'dump', dir]);
  expect(dump.status, dump.stderr).toBe(0);
  const stored = new Map<string, Map<number, number>>();
  for (const line of dump.stdout.split('\n')) {
    if (!line) continue;
    const m = /^\{__name__="persistence_test", series="(\d+)"\} (\S+) (\d+)$/.exec(line);
    expect(m, line).not.toBeNull();
    const [, s, v, ts] = m!;
    if (!stored.has(s!)) stored.set(s!, new Map());
    const samples = stored.get(s!)!;
    expect(samples.has(Number(ts)), `duplicate ${line}`).toBe(false);
    samples.set(Number(ts), Number(v));
  }
  expect(stored.size).toBe(SERIES);
  for (const samples of stored.values()) {
    for (const ts of acked) expect(samples.get(ts), `sample at ${ts}`).toBe(sent.get(ts));
    // Nothing that was never sent (unacknowledged samples may or may not be there).
    for (const [ts, v] of samples) expect(sent.get(ts)).toBe(v);
  }
});
