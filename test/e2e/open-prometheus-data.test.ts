// promwasm started on a data directory written by Prometheus 2.42 (promtool's blocks and a
// Prometheus WAL) serves that data and keeps going: new samples are accepted beside it and a
// dump afterwards holds the old and the new.

import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import snappy from 'snappy';
import { afterAll, expect, it } from 'vitest';
import { exited, ROOT, runCli, startServer } from '../helpers/cli.js';
import { encodeLabels, encodeWriteRequest } from '../helpers/rw-encode.js';

const FIXTURES = join(ROOT, 'test/fixtures');
const dir = mkdtempSync(join(tmpdir(), 'promwasm-open-prom-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = (gz: string): string[] => gunzipSync(readFileSync(gz)).toString('utf8').split('\n').filter(Boolean);

it('serves blocks and WAL written by Prometheus, and takes new samples beside them', { timeout: 90_000 }, async () => {
  const data = join(dir, 'data');
  cpSync(join(FIXTURES, 'blocks'), data, { recursive: true, filter: (src) => !/\.(gz|txt|json)$/.test(src) || src.endsWith('meta.json') });
  mkdirSync(join(data, 'wal'));
  cpSync(join(FIXTURES, 'wal/wal-snappy/00000000'), join(data, 'wal/00000000'));

  const server = await startServer(data, ['--log.level=warn']);
  const t = Date.now();
  const res = await fetch(`${server.url}/api/v1/write`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy' },
    body: snappy.compressSync(Buffer.from(encodeWriteRequest([encodeLabels([{ name: '__name__', value: 'after_restart' }])], Float64Array.of(42), t))),
  });
  expect(res.status).toBe(204);
  server.proc.kill('SIGTERM');
  expect(await exited(server.proc)).toBe(0);

  const dump = runCli(['tsdb', 'dump', data]);
  expect(dump.status, dump.stderr).toBe(0);
  const got = new Set(dump.stdout.split('\n').filter(Boolean));
  const fromBlocks = lines(join(FIXTURES, 'blocks/dump.txt.gz'));
  const fromWal = lines(join(FIXTURES, 'wal/wal-snappy/expected-dump.txt.gz'));
  expect(got.size).toBe(fromBlocks.length + fromWal.length + 1);
  for (const l of fromBlocks) expect(got.has(l), l).toBe(true);
  for (const l of fromWal) expect(got.has(l), l).toBe(true);
  expect(got.has(`{__name__="after_restart"} 42 ${t}`)).toBe(true);
});
