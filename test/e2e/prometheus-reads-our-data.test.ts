// The strongest check of the on-disk format: a real Prometheus 2.42 started on a copy of
// promwasm's data directory (blocks written by head compaction, a checkpointed WAL, the head's
// segments) answers queries with exactly our samples.

import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import snappy from 'snappy';
import { afterAll, describe, expect, it } from 'vitest';
import { isUlid } from '../../src/tsdb/block/ulid.js';
import { exited, freePort, startServer } from '../helpers/cli.js';
import { encodeLabels, encodeWriteRequest } from '../helpers/rw-encode.js';

const HAS_PROMETHEUS = spawnSync('prometheus', ['--version']).status === 0;
if (!HAS_PROMETHEUS) console.warn('prometheus is not on PATH: skipping the test that runs Prometheus 2.42 on our data directory');

const dir = mkdtempSync(join(tmpdir(), 'promwasm-prom-reads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SERIES = 5;
const STEP = 5_000;
const SAMPLES = 200; // 1000 s: spans many 1-minute blocks

describe.skipIf(!HAS_PROMETHEUS)('Prometheus 2.42 on a promwasm data directory', () => {
  it('serves exactly the samples promwasm stored', { timeout: 90_000 }, async () => {
    const data = join(dir, 'promwasm');
    const server = await startServer(data, ['--log.level=warn', '--storage.tsdb.min-block-duration=1m', '--storage.tsdb.max-block-duration=1m']);
    const series = Array.from({ length: SERIES }, (_, i) =>
      encodeLabels([
        { name: '__name__', value: 'interop_test' },
        { name: 'series', value: String(i) },
      ]),
    );
    const end = Math.floor(Date.now() / 1000) * 1000;
    const start = end - (SAMPLES - 1) * STEP;
    for (let k = 0; k < SAMPLES; k++) {
      const values = Float64Array.from({ length: SERIES }, (_, i) => k * 10 + i + 0.25);
      const res = await fetch(`${server.url}/api/v1/write`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy' },
        body: snappy.compressSync(Buffer.from(encodeWriteRequest(series, values, start + k * STEP))),
      });
      expect(res.status).toBe(204);
    }
    // Let head compaction write blocks, then stop cleanly.
    await new Promise((r) => setTimeout(r, 1500));
    server.proc.kill('SIGTERM');
    expect(await exited(server.proc)).toBe(0);
    expect(readdirSync(data).filter(isUlid).length).toBeGreaterThan(3);

    const copy = join(dir, 'copy');
    cpSync(data, copy, { recursive: true });
    const port = await freePort();
    const config = join(dir, 'prometheus.yml');
    writeFileSync(config, 'global:\n  scrape_interval: 1h\n');
    const prom = spawn(
      'prometheus',
      [`--config.file=${config}`, `--storage.tsdb.path=${copy}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
      { stdio: 'ignore' },
    );
    try {
      const url = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 300; i++) {
        const ready = await fetch(`${url}/-/ready`).then((r) => r.status === 200).catch(() => false);
        if (ready) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const q = new URLSearchParams({ query: `interop_test[${SAMPLES * STEP}ms]`, time: String(end / 1000) });
      const body = (await (await fetch(`${url}/api/v1/query?${q}`)).json()) as {
        status: string;
        data: { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] };
      };
      expect(body.status).toBe('success');
      expect(body.data.result).toHaveLength(SERIES);
      for (const r of body.data.result) {
        const i = Number(r.metric['series']);
        // In 2.x a range selector includes both edges, so the first sample (exactly on the edge) counts.
        const expected = Array.from({ length: SAMPLES }, (_, k) => [(start + k * STEP) / 1000, String(k * 10 + i + 0.25)]);
        expect(r.values).toEqual(expected);
      }
    } finally {
      prom.kill('SIGTERM');
      await exited(prom);
    }
  });
});
