// storage.tsdb.out_of_order_time_window from prometheus.yml, end to end: older samples inside
// the window are accepted over remote write, survive a restart (WAL replay) and are dumped
// in time order; older than the window is "too old sample" (400).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import snappy from 'snappy';
import { afterAll, expect, it } from 'vitest';
import { exited, runCli, startServer } from '../helpers/cli.js';
import { encodeLabels, encodeWriteRequest } from '../helpers/rw-encode.js';

const dir = mkdtempSync(join(tmpdir(), 'promwasm-ooo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const series = [encodeLabels([{ name: '__name__', value: 'ooo_test' }])];
const MIN = 60_000;

async function write(url: string, t: number, v: number): Promise<{ status: number; body: string }> {
  const res = await fetch(`${url}/api/v1/write`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy' },
    body: snappy.compressSync(Buffer.from(encodeWriteRequest(series, Float64Array.of(v), t))),
  });
  return { status: res.status, body: await res.text() };
}

it('accepts samples inside the out-of-order window and keeps them across a restart', async () => {
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, 'storage:\n  tsdb:\n    out_of_order_time_window: 30m\n');
  const data = join(dir, 'data');
  const t0 = Math.floor(Date.now() / MIN) * MIN - 60 * MIN;

  let server = await startServer(data, [`--config.file=${config}`, '--log.level=warn']);
  expect((await write(server.url, t0, 1)).status).toBe(204);
  expect((await write(server.url, t0 - 10 * MIN, 2)).status).toBe(204);
  const tooOld = await write(server.url, t0 - 31 * MIN, 3);
  expect(tooOld.status).toBe(400);
  expect(tooOld.body).toMatch(/too old sample/);
  server.proc.kill('SIGKILL'); // no clean shutdown: the WAL alone must carry the samples
  await exited(server.proc);

  server = await startServer(data, [`--config.file=${config}`, '--log.level=warn']);
  expect((await write(server.url, t0 - 5 * MIN, 4)).status).toBe(204);
  server.proc.kill('SIGTERM');
  expect(await exited(server.proc)).toBe(0);

  const dump = runCli(['tsdb', 'dump', data]);
  expect(dump.status, dump.stderr).toBe(0);
  expect(dump.stdout).toBe(
    [t0 - 10 * MIN, t0 - 5 * MIN, t0]
      .map((t, i) => `{__name__="ooo_test"} ${[2, 4, 1][i]} ${t}\n`)
      .join(''),
  );
});
