// Acknowledged samples survive kill -9: write over HTTP while killing the server at
// random moments, restart it on the same directory, and check with `tsdb dump` that
// every sample that got a 2xx is there.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import snappy from 'snappy';
import { afterAll, expect, it } from 'vitest';
import { Prng } from '../helpers/prng.js';
import { exited, runCli, startServer } from '../helpers/cli.js';
import { encodeLabels, encodeWriteRequest } from '../helpers/rw-encode.js';

const CYCLES = Number(process.env.DURABILITY_CYCLES ?? 20);
const SERIES = 50;
const dir = mkdtempSync(join(tmpdir(), 'promwasm-durability-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each cycle starts a server (~1–2 s); give the whole run room on a loaded 2-core machine.
it(`keeps every acknowledged sample across ${CYCLES} SIGKILLs`, { timeout: CYCLES * 10_000 }, async () => {
  const rng = new Prng(20261124);
  const rand = (): number => rng.next();
  const series = Array.from({ length: SERIES }, (_, i) =>
    encodeLabels([
      { name: '__name__', value: 'durability_test' },
      { name: 'series', value: String(i) },
    ]),
  );
  const acked = new Map<number, number>(); // timestamp -> value written to every series
  const base = Date.now() - 3_600_000;
  let t = 0;
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const server = await startServer(dir, ['--log.level=warn']);
    const killAt = Date.now() + 50 + rand() * 400;
    const inflight: Promise<void>[] = [];
    while (Date.now() < killAt) {
      const ts = base + ++t * 1000;
      const value = Math.floor(rand() * 1e6);
      const body = snappy.compressSync(
        Buffer.from(encodeWriteRequest(series, new Float64Array(SERIES).fill(value), ts)),
      );
      const p = fetch(`${server.url}/api/v1/write`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy' },
        body,
      })
        .then((res) => {
          if (res.status === 204) acked.set(ts, value);
        })
        .catch(() => undefined);
      inflight.push(p);
      if (inflight.length >= 4) await inflight.shift();
    }
    server.proc.kill('SIGKILL');
    await Promise.all(inflight);
    expect(await exited(server.proc)).toBe('SIGKILL');
  }
  expect(acked.size).toBeGreaterThan(CYCLES);

  const dump = runCli(['tsdb', 'dump', dir]);
  expect(dump.status, dump.stderr).toBe(0);
  const stored = new Map<string, Map<number, number>>();
  for (const line of dump.stdout.split('\n')) {
    if (!line) continue;
    const m = /^\{__name__="durability_test", series="(\d+)"\} (\S+) (\d+)$/.exec(line);
    expect(m, line).not.toBeNull();
    const [, s, v, ts] = m!;
    if (!stored.has(s!)) stored.set(s!, new Map());
    stored.get(s!)!.set(Number(ts), Number(v));
  }
  expect(stored.size).toBe(SERIES);
  for (const samples of stored.values()) {
    for (const [ts, value] of acked) expect(samples.get(ts)).toBe(value);
  }
});
