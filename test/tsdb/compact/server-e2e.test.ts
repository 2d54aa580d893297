// End to end: a promwasm server with 1-minute blocks (--storage.tsdb.min-block-duration) over a data
// directory holding overlapping backfilled blocks, taking in-order and out-of-order samples over remote
// write. It compacts in the background on its own; once it settles, the blocks on disk do not overlap,
// some are compacted (level 2+), and the dumps of promwasm and promtool hold every sample exactly once.

import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import snappy from 'snappy';
import { afterAll, expect, it } from 'vitest';
import { formatGoFloat } from '../../../src/format/index.js';
import { labelsFromRecord } from '../../../src/model/labels.js';
import { readBlockMeta, type BlockMeta } from '../../../src/tsdb/block/meta.js';
import { writeBlock } from '../../../src/tsdb/block/writer.js';
import { exited, runCli, startServer } from '../../helpers/cli.js';
import { PROMTOOL, promtool } from '../../helpers/promtool.js';
import { encodeLabels, encodeWriteRequest } from '../../helpers/rw-encode.js';

const root = mkdtempSync(join(tmpdir(), 'promwasm-compact-e2e-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const MIN = 60_000;
const NAMES = ['cpu', 'mem', 'disk'];

/** The value every source gives series `name` at `t`, so overlapping sources agree. */
const valueAt = (name: string, t: number): number => (t / 1000) * (NAMES.indexOf(name) + 1);

async function metas(dir: string): Promise<BlockMeta[]> {
  const names = readdirSync(dir).filter((e) => /^[0-9A-Z]{26}$/.test(e));
  const out = await Promise.all(names.map(async (n) => (await readBlockMeta(join(dir, n))).meta));
  return out.sort((a, b) => a.minTime - b.minTime);
}

function overlapping(ms: readonly BlockMeta[]): boolean {
  return ms.some((m, i) => i > 0 && m.minTime < ms[i - 1]!.maxTime);
}

it('compacts overlapping backfill, head and out-of-order blocks into non-overlapping blocks, data intact', async () => {
  const data = join(root, 'data');
  mkdirSync(data, { recursive: true });
  const now = Math.floor(Date.now() / MIN) * MIN;
  const expected = new Map<string, Set<number>>(NAMES.map((n) => [n, new Set()]));

  // Two backfilled blocks overlapping each other, 60 to 45 minutes ago.
  for (const [from, to] of [[now - 60 * MIN, now - 50 * MIN], [now - 55 * MIN, now - 45 * MIN]] as const) {
    const series = NAMES.map((name) => {
      const ts = Float64Array.from({ length: (to - from) / 15_000 }, (_, i) => from + i * 15_000);
      for (const t of ts) expected.get(name)!.add(t);
      return { labels: labelsFromRecord({ __name__: name }), timestamps: ts, values: ts.map((t) => valueAt(name, t)) };
    });
    await writeBlock(data, series, { chunkRange: MIN });
  }
  expect(overlapping(await metas(data))).toBe(true);

  const config = join(root, 'prometheus.yml');
  writeFileSync(config, 'storage:\n  tsdb:\n    out_of_order_time_window: 1h\n');
  const server = await startServer(data, [
    `--config.file=${config}`,
    '--web.enable-remote-write-receiver',
    '--storage.tsdb.min-block-duration=1m',
    '--storage.tsdb.max-block-duration=9m',
    '--log.level=warn',
  ]);
  const labels = NAMES.map((name) => encodeLabels([{ name: '__name__', value: name }]));
  const write = async (t: number): Promise<void> => {
    const body = snappy.compressSync(Buffer.from(encodeWriteRequest(labels, Float64Array.from(NAMES, (n) => valueAt(n, t)), t)));
    const res = await fetch(`${server.url}/api/v1/write`, { method: 'POST', headers: { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf' }, body });
    expect(res.status).toBe(204);
    for (const n of NAMES) expected.get(n)!.add(t);
  };
  try {
    // In order from 40 minutes ago, then out of order back into the head's compacted past and the backfill.
    for (let t = now - 40 * MIN; t <= now; t += 10_000) await write(t);
    for (let t = now - 35 * MIN + 5000; t < now - 20 * MIN; t += 60_000) await write(t);
    for (let t = now - 52 * MIN + 1000; t < now - 48 * MIN; t += 60_000) await write(t);
    for (let t = now - 10 * MIN; t <= now; t += 10_000) await write(t + 10 * MIN); // moves the head on, triggering compaction

    // Settled: compacted blocks, none overlapping, the same set for 3 seconds.
    const deadline = Date.now() + 90_000;
    let last = '';
    let since = Date.now();
    for (;;) {
      const ms = await metas(data).catch(() => []);
      const key = ms.map((m) => m.ulid).join();
      if (key !== last) [last, since] = [key, Date.now()];
      if (!overlapping(ms) && ms.some((m) => m.compaction.level >= 2) && Date.now() - since > 3000) break;
      if (Date.now() > deadline) throw new Error(`no settled blocks: ${JSON.stringify(ms.map((m) => [m.minTime - now, m.maxTime - now, m.compaction.level]))}\n${server.output()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(value('prometheus_tsdb_compactions_total')).toBeGreaterThan(1);
    expect(value('prometheus_tsdb_reloads_total')).toBeGreaterThan(0);
    expect(value('prometheus_tsdb_compactions_failed_total')).toBe(0);
    expect(value('prometheus_tsdb_retention_limit_bytes')).toBe(0);
    expect(value('prometheus_tsdb_time_retentions_total')).toBe(0);
    expect(value('prometheus_tsdb_blocks_loaded')).toBe((await metas(data)).length);
  } finally {
    server.proc.kill('SIGTERM');
  }
  expect(await exited(server.proc)).toBe(0);

  const ms = await metas(data);
  expect(overlapping(ms)).toBe(false);
  const want = NAMES.slice()
    .sort()
    .flatMap((n) => [...expected.get(n)!].sort((a, b) => a - b).map((t) => `{__name__="${n}"} ${formatGoFloat(valueAt(n, t))} ${t}\n`))
    .join('');
  const dump = runCli(['tsdb', 'dump', data]);
  expect(dump.status, dump.stderr).toBe(0);
  expect(dump.stdout).toBe(want);
  if (PROMTOOL) {
    for (const m of ms) promtool(['tsdb', 'analyze', data, m.ulid]);
    expect(promtool(['tsdb', 'dump', data])).toBe(want);
  }
}, 180_000);

it('--storage.tsdb.retention.time and --storage.tsdb.retention.size drop the oldest blocks', async () => {
  const data = join(root, 'retention');
  mkdirSync(data, { recursive: true });
  const now = Math.floor(Date.now() / MIN) * MIN;
  const ulids: string[] = [];
  for (let b = 0; b < 5; b++) {
    const from = now - (50 - 10 * b) * MIN;
    const ts = Float64Array.from({ length: 200 }, (_, i) => from + i * 1000);
    ulids.push((await writeBlock(data, [{ labels: labelsFromRecord({ __name__: 'r' }), timestamps: ts, values: ts }]))!.ulid);
  }
  const blockNames = (): string[] => readdirSync(data).filter((e) => /^[0-9A-Z]{26}$/.test(e)).sort();
  const metric = async (url: string, name: string): Promise<number> =>
    Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(`${url}/metrics`)).text())?.[1]);

  // Block maxTimes are 10 minutes apart: 25m keeps the newest three.
  let server = await startServer(data, ['--storage.tsdb.retention.time=25m', '--storage.tsdb.min-block-duration=1h', '--log.level=warn']);
  expect(blockNames()).toEqual(ulids.slice(2).sort());
  expect(await metric(server.url, 'prometheus_tsdb_time_retentions_total')).toBe(1);
  server.proc.kill('SIGTERM');
  expect(await exited(server.proc)).toBe(0);

  // The size limit counts the WAL too: room for the WAL and one block leaves the newest block alone.
  const blockSize = readdirSync(join(data, ulids[4]!), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((n, e) => n + statSync(join(e.parentPath, e.name)).size, 0);
  const walSize = readdirSync(join(data, 'wal'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((n, e) => n + statSync(join(e.parentPath, e.name)).size, 0);
  const limit = blockSize + walSize + 100;
  server = await startServer(data, [`--storage.tsdb.retention.size=${limit}B`, '--storage.tsdb.min-block-duration=1h', '--log.level=warn']);
  expect(blockNames()).toEqual([ulids[4]!]);
  expect(await metric(server.url, 'prometheus_tsdb_size_retentions_total')).toBe(1);
  expect(await metric(server.url, 'prometheus_tsdb_retention_limit_bytes')).toBe(limit);
  server.proc.kill('SIGTERM');
  expect(await exited(server.proc)).toBe(0);
}, 120_000);
