// The same overlapping blocks compacted by promwasm and by a real Prometheus 2.42 (which compacts
// overlapping blocks a minute after it starts): the two new blocks hold the same series with the same
// chunks, byte for byte, including which value a shared timestamp keeps when the blocks disagree.

import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatLabels } from '../../../src/format/index.js';
import { labelsFromRecord } from '../../../src/model/labels.js';
import { Block } from '../../../src/tsdb/block/block.js';
import { readBlockMeta, type BlockMeta } from '../../../src/tsdb/block/meta.js';
import { writeBlock } from '../../../src/tsdb/block/writer.js';
import { compactBlocks } from '../../../src/tsdb/compact/compactor.js';
import { freePort } from '../../helpers/cli.js';
import { Prng } from '../../helpers/prng.js';

const PROMETHEUS = spawnSync('prometheus', ['--version']).status === 0 ? 'prometheus' : undefined;
if (!PROMETHEUS) console.warn('prometheus is not on PATH: skipping the compaction comparison with Prometheus 2.42');

const root = mkdtempSync(join(tmpdir(), 'promwasm-prom-compact-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const blockNames = (dir: string): string[] => readdirSync(dir).filter((e) => /^[0-9A-Z]{26}$/.test(e)).sort();

/** Series key -> chunks as [minTime, maxTime, hex bytes]. */
async function chunksOf(dir: string): Promise<Map<string, [number, number, string][]>> {
  const b = await Block.open(dir);
  const out = new Map<string, [number, number, string][]>();
  for (const id of b.index.allPostings()) {
    const s = b.index.series(id);
    const chunks: [number, number, string][] = [];
    for (const c of s.chunks) chunks.push([c.minTime, c.maxTime, Buffer.from((await b.chunks.chunk(c.ref)).data).toString('hex')]);
    out.set(formatLabels(s.labels), chunks);
  }
  await b.close();
  return out;
}

describe.skipIf(!PROMETHEUS)('vertical compaction against Prometheus 2.42', () => {
  it('writes the same chunks, chunk file and index as Prometheus for seeded overlapping, disagreeing blocks', async () => {
    const source = join(root, 'source');
    mkdirSync(source);
    const rng = new Prng(42);
    const base = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 6 * 3_600_000;
    for (let b = 0; b < 3; b++) {
      const series = [];
      for (let i = 0; i < 20; i++) {
        const start = base + b * 600_000 + rng.int(0, 120) * 1000;
        const step = rng.pick([1000, 5000, 15_000]);
        const n = rng.int(1, 600);
        const ts = Float64Array.from({ length: n }, (_, k) => start + k * step);
        // Shared timestamps mostly agree; some series disagree from block to block.
        const vs = ts.map((t) => (i % 4 === 0 ? b * 1000 + (t % 7) : Math.floor(t / 1000) % 1009));
        series.push({ labels: labelsFromRecord({ __name__: 'diff', i: String(i) }), timestamps: ts, values: vs });
      }
      await writeBlock(source, series, { chunkRange: 3_600_000 });
    }
    const ours = join(root, 'ours');
    const theirs = join(root, 'theirs');
    cpSync(source, ours, { recursive: true });
    cpSync(source, theirs, { recursive: true });

    const inputs = await Promise.all(blockNames(ours).map((u) => Block.open(join(ours, u))));
    inputs.sort((a, b) => a.meta.minTime - b.meta.minTime);
    const meta = (await compactBlocks(ours, inputs))!;
    await Promise.all(inputs.map((b) => b.close()));

    const config = join(root, 'prometheus.yml');
    writeFileSync(config, 'global:\n  scrape_interval: 1m\n');
    const port = await freePort();
    const proc = spawn(PROMETHEUS!, [`--config.file=${config}`, `--storage.tsdb.path=${theirs}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    proc.stderr!.on('data', (d) => (log += d));
    let compacted: BlockMeta | undefined;
    try {
      const deadline = Date.now() + 150_000;
      while (!compacted) {
        if (Date.now() > deadline) throw new Error(`Prometheus did not compact:\n${log}`);
        await new Promise((r) => setTimeout(r, 1000));
        const names = blockNames(theirs);
        if (names.length !== 1) continue;
        const m = (await readBlockMeta(join(theirs, names[0]!))).meta;
        if (m.compaction.level === 2) compacted = m;
      }
    } finally {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }

    expect(meta.stats).toEqual(compacted.stats);
    expect([meta.minTime, meta.maxTime, meta.compaction.level]).toEqual([compacted.minTime, compacted.maxTime, compacted.compaction.level]);
    expect(meta.compaction.sources).toEqual(compacted.compaction.sources);
    expect(meta.compaction.parents).toEqual(compacted.compaction.parents);
    const mine = await chunksOf(join(ours, meta.ulid));
    const prometheus = await chunksOf(join(theirs, compacted.ulid));
    expect([...mine.keys()]).toEqual([...prometheus.keys()]);
    for (const [key, chunks] of prometheus) expect(mine.get(key), key).toEqual(chunks);
    // And so the files: the same chunk segment and index, byte for byte.
    for (const file of ['chunks/000001', 'index']) {
      expect(readFileSync(join(ours, meta.ulid, file)).equals(readFileSync(join(theirs, compacted.ulid, file))), file).toBe(true);
    }
  }, 200_000);
});
