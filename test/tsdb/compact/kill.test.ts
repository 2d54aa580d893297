// SIGKILL during compaction: a server opened on overlapping backfilled blocks compacts them as it starts;
// it is killed at seeded moments while doing so, restarted, and killed again. However the kills fall,
// every restart serves every sample exactly once, and the final directory holds non-overlapping blocks,
// no temporary directories, and the dump of the input.

import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { formatGoFloat } from '../../../src/format/index.js';
import { labelsFromRecord } from '../../../src/model/labels.js';
import { readBlockMeta } from '../../../src/tsdb/block/meta.js';
import { writeBlock } from '../../../src/tsdb/block/writer.js';
import { exited, runCli, startServer } from '../../helpers/cli.js';
import { Prng } from '../../helpers/prng.js';

const root = mkdtempSync(join(tmpdir(), 'promwasm-compact-kill-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const KILLS = Number(process.env.COMPACTION_KILLS ?? 4);

it(`survives ${KILLS} SIGKILLs during block compaction`, async () => {
  const data = join(root, 'data');
  mkdirSync(data);
  const rng = new Prng(2024);
  const expected = new Map<string, Map<number, number>>();
  const base = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000;
  for (let b = 0; b < 3; b++) {
    const series = [];
    for (let i = 0; i < 120; i++) {
      const name = `s${String(i).padStart(3, '0')}`;
      const start = base + b * 1_200_000 + rng.int(0, 60) * 1000;
      const ts = Float64Array.from({ length: 1500 }, (_, k) => start + k * 2000);
      const vs = ts.map((t) => (t / 1000) % 8191);
      const samples = expected.get(name) ?? expected.set(name, new Map()).get(name)!;
      ts.forEach((t, k) => samples.set(t, vs[k]!));
      series.push({ labels: labelsFromRecord({ __name__: name }), timestamps: ts, values: vs });
    }
    await writeBlock(data, series, { chunkRange: 3_600_000 });
  }
  const flags = ['--storage.tsdb.min-block-duration=1h', '--storage.tsdb.max-block-duration=1h', '--log.level=info'];
  const states: string[] = [];
  for (let k = 0; k < KILLS; k++) {
    const server = await startServer(data, flags);
    await new Promise((r) => setTimeout(r, rng.int(0, 1500)));
    server.proc.kill('SIGKILL');
    await exited(server.proc);
    const entries = readdirSync(data);
    states.push(entries.some((e) => e.endsWith('.tmp-for-creation')) ? 'writing' : entries.filter((e) => /^[0-9A-Z]{26}$/.test(e)).length > 1 ? 'before/after' : 'done');
  }
  console.log(`compaction kill states: ${states.join(', ')}`);
  const server = await startServer(data, flags);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const names = readdirSync(data).filter((e) => /^[0-9A-Z]{26}$/.test(e));
    const metas = await Promise.all(names.map(async (n) => (await readBlockMeta(join(data, n))).meta)).catch(() => []);
    if (metas.length === 1 && metas[0]!.compaction.level >= 2) break;
    if (Date.now() > deadline) throw new Error(`not compacted: ${names.join(' ')}\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  server.proc.kill('SIGTERM');
  expect(await exited(server.proc)).toBe(0);
  expect(readdirSync(data).filter((e) => e.includes('.tmp'))).toEqual([]);

  const want = [...expected.keys()]
    .sort()
    .flatMap((name) => [...expected.get(name)!].sort((a, b) => a[0] - b[0]).map(([t, v]) => `{__name__="${name}"} ${formatGoFloat(v)} ${t}\n`))
    .join('');
  const dump = runCli(['tsdb', 'dump', data]);
  expect(dump.status, dump.stderr).toBe(0);
  expect(dump.stdout === want).toBe(true);
}, 300_000);
