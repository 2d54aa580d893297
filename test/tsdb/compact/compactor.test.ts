import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatGoFloat, formatLabels } from '../../../src/format/index.js';
import { compareLabels, type Labels } from '../../../src/model/labels.js';
import { parseSeriesSelector } from '../../../src/model/matchers.js';
import { Block } from '../../../src/tsdb/block/block.js';
import { ReadOnlyDB } from '../../../src/tsdb/block/db.js';
import { readBlockMeta, type BlockMeta } from '../../../src/tsdb/block/meta.js';
import { newUlid } from '../../../src/tsdb/block/ulid.js';
import { writeBlock } from '../../../src/tsdb/block/writer.js';
import { compactBlockMetas, compactBlocks, InjectedFailure } from '../../../src/tsdb/compact/compactor.js';
import { decodeXorChunk } from '../../../src/wasm/index.js';
import { writeBlock as writeTestBlock, series as testSeries } from '../block/block-builder.js';
import { dump, expectedDump, FIXTURE_DB } from '../block/dump-oracle.js';
import { Prng } from '../../helpers/prng.js';
import { PROMTOOL, PROMTOOL_MISSING, promtool } from '../../helpers/promtool.js';

const ALL = parseSeriesSelector("{__name__=~'(?s:.*)'}");
const FIXTURE_BLOCKS = ['01M87X1JDRRPSPQC6QS2KG1QER', '01M87X1JRM3RJ0MJXRAA4W4XKD', '01M87X1K2Z1622Y3Z27CC96CDT', '01M87X1KE92W92H3KKWTYAMBCS'];
const STALE = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'promwasm-compact-'));
  dirs.push(d);
  return d;
}

async function openAll(dir: string, ulids: readonly string[]): Promise<Block[]> {
  return Promise.all(ulids.map((u) => Block.open(join(dir, u))));
}

/** Our dump of the blocks of `dir` (every series, every sample). */
async function dumpDir(dir: string): Promise<string> {
  const db = await ReadOnlyDB.open(dir);
  try {
    return await dump(db, ALL, -(2 ** 62), 2 ** 62);
  } finally {
    await db.close();
  }
}

/** promtool's dump of a data directory (it wants a wal/ folder). */
function promtoolDump(dir: string): string {
  mkdirSync(join(dir, 'wal'), { recursive: true });
  return promtool(['tsdb', 'dump', dir]);
}

function blockDirs(dir: string): string[] {
  return readdirSync(dir).filter((n) => /^[0-9A-Z]{26}$/.test(n)).sort();
}

describe('compactBlocks on the Prometheus 2.42 fixture blocks', () => {
  it('writes one level-2 block holding every sample, chunks byte for byte', async () => {
    const dir = tempDir();
    for (const u of FIXTURE_BLOCKS) cpSync(join(FIXTURE_DB, u), join(dir, u), { recursive: true });
    const blocks = await openAll(dir, FIXTURE_BLOCKS);
    const meta = (await compactBlocks(dir, blocks))!;
    const inputChunks = new Map<string, string[]>();
    for (const b of blocks) {
      for (const id of b.index.allPostings()) {
        const s = b.index.series(id);
        const key = formatLabels(s.labels);
        for (const c of s.chunks) (inputChunks.get(key) ?? inputChunks.set(key, []).get(key)!).push(Buffer.from((await b.chunks.chunk(c.ref)).data).toString('hex'));
      }
      await b.close();
    }

    expect(meta.compaction.level).toBe(2);
    expect(meta.compaction.sources).toEqual(FIXTURE_BLOCKS);
    expect(meta.compaction.parents.map((p) => p.ulid)).toEqual(FIXTURE_BLOCKS);
    expect(meta.minTime).toBe(1686735433242);
    expect(meta.maxTime).toBe(1686755233140);
    expect(meta.stats).toEqual({ numSamples: 144147, numSeries: 98, numChunks: 137 + 436 + 439 + 291, numTombstones: 0 });
    expect(readFileSync(join(dir, meta.ulid, 'meta.json'), 'utf8')).toContain('"parents": [');

    // The sources are left in place (the DB deletes them); the new block alone holds everything.
    expect(blockDirs(dir)).toEqual([...FIXTURE_BLOCKS, meta.ulid].sort());
    for (const u of FIXTURE_BLOCKS) rmSync(join(dir, u), { recursive: true });
    expect(await dumpDir(dir)).toBe(expectedDump());

    const compacted = await Block.open(join(dir, meta.ulid));
    const outputChunks = new Map<string, string[]>();
    for (const id of compacted.index.allPostings()) {
      const s = compacted.index.series(id);
      outputChunks.set(formatLabels(s.labels), await Promise.all(s.chunks.map(async (c) => Buffer.from((await compacted.chunks.chunk(c.ref)).data).toString('hex'))));
    }
    await compacted.close();
    expect(outputChunks).toEqual(inputChunks);

    if (PROMTOOL) {
      promtool(['tsdb', 'analyze', dir, meta.ulid]);
      expect(promtoolDump(dir)).toBe(expectedDump());
    } else console.warn(PROMTOOL_MISSING);
  });
});

interface Sample {
  t: number;
  v: number;
}

/** Seeded series spread over blocks that overlap in time, agreeing on shared timestamps. */
function overlappingInput(seed: number, nBlocks: number): { blocks: Map<string, Sample[]>[]; expected: Map<string, { labels: Labels; samples: Sample[] }> } {
  const rng = new Prng(seed);
  const blocks: Map<string, Sample[]>[] = Array.from({ length: nBlocks }, () => new Map());
  const expected = new Map<string, { labels: Labels; samples: Sample[] }>();
  for (let s = 0; s < 40; s++) {
    const labels: Labels = [
      { name: '__name__', value: `metric_${s % 7}` },
      { name: 'instance', value: `host-${s}` },
    ];
    const key = formatLabels(labels);
    const all = new Map<number, number>();
    for (let b = 0; b < nBlocks; b++) {
      if (rng.chance(0.3)) continue;
      const start = rng.int(0, 7200) * 1000;
      const n = rng.int(1, 400);
      const step = rng.pick([1000, 5000, 15_000]);
      const samples: Sample[] = [];
      for (let i = 0, t = start; i < n; i++, t += step) {
        const v = t % 97_000 === 0 ? STALE : Math.round(Math.cos(t / 1e6) * 1e6) / 1e3;
        samples.push({ t, v });
        all.set(t, v);
      }
      blocks[b]!.set(key, samples);
    }
    if (all.size > 0) expected.set(key, { labels, samples: [...all].sort((x, y) => x[0] - y[0]).map(([t, v]) => ({ t, v })) });
  }
  return { blocks, expected };
}

function expectedDumpOf(expected: Map<string, { labels: Labels; samples: Sample[] }>): string {
  return [...expected.values()]
    .sort((a, b) => compareLabels(a.labels, b.labels))
    .flatMap(({ labels, samples }) => samples.map((s) => `${formatLabels(labels)} ${formatGoFloat(s.v)} ${s.t}\n`))
    .join('');
}

describe('vertical compaction of overlapping blocks', () => {
  it.each([1, 2, 3])('merges seeded overlapping blocks with no sample lost or repeated, seed %i', async (seed) => {
    const dir = tempDir();
    const { blocks, expected } = overlappingInput(seed, 3);
    const metas = [];
    for (const b of blocks) {
      const input = [...b].map(([key, samples]) => ({
        labels: expected.get(key)!.labels,
        timestamps: Float64Array.from(samples, (s) => s.t),
        values: Float64Array.from(samples, (s) => s.v),
      }));
      // One-hour chunks, so blocks' chunks overlap partially as well as wholly.
      const meta = await writeBlock(dir, input, { chunkRange: 3_600_000 });
      if (meta) metas.push(meta);
    }
    metas.sort((a, b) => a.minTime - b.minTime);
    const sources = await openAll(dir, metas.map((m) => m.ulid));
    const meta = (await compactBlocks(dir, sources))!;
    await Promise.all(sources.map((b) => b.close()));
    for (const m of metas) rmSync(join(dir, m.ulid), { recursive: true });

    const want = expectedDumpOf(expected);
    expect(await dumpDir(dir)).toBe(want);
    expect(meta.stats.numSamples).toBe([...expected.values()].reduce((n, s) => n + s.samples.length, 0));
    expect(meta.compaction.level).toBe(2);

    // Chunks of each series are in order and do not overlap; re-encoded ones hold at most 120 samples.
    const block = await Block.open(join(dir, meta.ulid));
    for (const id of block.index.allPostings()) {
      const chunks = block.index.series(id).chunks;
      for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.minTime).toBeGreaterThan(chunks[i - 1]!.maxTime);
      for (const c of chunks) {
        const d = decodeXorChunk((await block.chunks.chunk(c.ref)).data);
        expect([d.timestamps[0], d.timestamps[d.length - 1]]).toEqual([c.minTime, c.maxTime]);
      }
    }
    await block.close();

    if (PROMTOOL) {
      promtool(['tsdb', 'analyze', dir, meta.ulid]);
      expect(promtoolDump(dir)).toBe(want);
    }
  });
});

describe('tombstones, empty results and failures', () => {
  it('leaves deleted samples out, re-encoding partly deleted chunks', async () => {
    const dir = tempDir();
    const ulid = newUlid();
    const ts = Array.from({ length: 300 }, (_, i) => 1000 * i);
    writeTestBlock(dir, ulid, [testSeries({ __name__: 'a' }, ts, ts.map((t) => t / 1000)), testSeries({ __name__: 'b' }, ts, ts.map((t) => -t))], {
      tombstones: [
        { series: 0, mint: 5000, maxt: 9000 },
        { series: 0, mint: 200_000, maxt: 10_000_000 },
        { series: 1, mint: -10, maxt: 10_000_000 },
      ],
    });
    const before = await dumpDir(dir);
    const [block] = await openAll(dir, [ulid]);
    const meta = (await compactBlocks(dir, [block!]))!;
    await block!.close();
    rmSync(join(dir, ulid), { recursive: true });
    expect(await dumpDir(dir)).toBe(before);
    expect(meta.stats).toMatchObject({ numSeries: 1, numSamples: 200 - 5, numTombstones: 0 });
  });

  it('writes nothing when everything is deleted, and marks the sources deletable', async () => {
    const dir = tempDir();
    const ulid = newUlid();
    writeTestBlock(dir, ulid, [testSeries({ __name__: 'a' }, [1, 2, 3], [1, 2, 3])], { tombstones: [{ series: 0, mint: 0, maxt: 10 }] });
    const [block] = await openAll(dir, [ulid]);
    expect(await compactBlocks(dir, [block!])).toBeUndefined();
    await block!.close();
    expect(blockDirs(dir)).toEqual([ulid]);
    expect(readdirSync(dir)).toEqual([ulid]);
    expect((await readBlockMeta(join(dir, ulid))).meta.compaction.deletable).toBe(true);
  });

  it('a failure mid-way leaves no block and no temporary directory; a real one marks the sources failed', async () => {
    const dir = tempDir();
    for (const u of FIXTURE_BLOCKS) cpSync(join(FIXTURE_DB, u), join(dir, u), { recursive: true });
    let blocks = await openAll(dir, FIXTURE_BLOCKS);
    let crashState: string | undefined;
    const failpoint = (step: string): void => {
      if (step !== 'populating') return;
      crashState = tempDir();
      cpSync(dir, crashState, { recursive: true }); // what a crash here would leave on disk
      throw new InjectedFailure('injected');
    };
    await expect(compactBlocks(dir, blocks, { failpoint })).rejects.toThrow(InjectedFailure);
    expect(readdirSync(dir).sort()).toEqual(FIXTURE_BLOCKS);
    expect(readdirSync(crashState!).some((n) => n.endsWith('.tmp-for-creation'))).toBe(true);
    for (const u of FIXTURE_BLOCKS) expect((await readBlockMeta(join(dir, u))).meta.compaction.failed).toBe(false);
    await Promise.all(blocks.map((b) => b.close()));

    blocks = await openAll(dir, FIXTURE_BLOCKS);
    await expect(compactBlocks(dir, blocks, { failpoint: () => Promise.reject(new Error('disk full')) })).rejects.toThrow('disk full');
    await Promise.all(blocks.map((b) => b.close()));
    for (const u of FIXTURE_BLOCKS) expect((await readBlockMeta(join(dir, u))).meta.compaction.failed).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(FIXTURE_BLOCKS);
    expect(existsSync(join(dir, 'wal'))).toBe(false);
  });
});

describe('compactBlockMetas', () => {
  it('spans all blocks, one level above the highest, sources merged and sorted, parents in order', () => {
    const meta = (ulid: string, minTime: number, maxTime: number, level: number, sources: string[]): BlockMeta => ({
      ulid,
      minTime,
      maxTime,
      stats: { numSamples: 1, numSeries: 1, numChunks: 1, numTombstones: 0 },
      compaction: { level, sources, deletable: false, parents: [], failed: false, hints: ['from-out-of-order'] },
      version: 1,
    });
    const a = meta('01B00000000000000000000000', 100, 200, 1, ['01B00000000000000000000000']);
    const b = meta('01A00000000000000000000000', 50, 150, 3, ['01C00000000000000000000000', '01A00000000000000000000000']);
    expect(compactBlockMetas([a, b])).toEqual({
      minTime: 50,
      maxTime: 200,
      level: 4,
      sources: ['01A00000000000000000000000', '01B00000000000000000000000', '01C00000000000000000000000'],
      parents: [
        { ulid: a.ulid, minTime: 100, maxTime: 200 },
        { ulid: b.ulid, minTime: 50, maxTime: 150 },
      ],
    });
  });
});
