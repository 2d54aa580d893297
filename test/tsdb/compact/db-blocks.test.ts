// Block compaction and retention at the DB level: the leveled planner at work on head blocks, vertical
// compaction of overlapping (backfilled, out-of-order) blocks, crash states at every step of a
// compaction, and time/size retention dropping the oldest blocks.

import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labelsFromRecord, type Labels } from '../../../src/model/labels.js';
import { parseSeriesSelector } from '../../../src/model/matchers.js';
import { Block } from '../../../src/tsdb/block/block.js';
import { readBlockMeta } from '../../../src/tsdb/block/meta.js';
import { writeBlock } from '../../../src/tsdb/block/writer.js';
import { compactBlocks, InjectedFailure } from '../../../src/tsdb/compact/compactor.js';
import { beyondRetention } from '../../../src/tsdb/compact/reload.js';
import { DB, type DBOptions } from '../../../src/tsdb/db.js';
import { Prng } from '../../helpers/prng.js';
import { PROMTOOL, promtool } from '../../helpers/promtool.js';

const MIN = 60_000;
const root = mkdtempSync(join(tmpdir(), 'promwasm-db-blocks-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const newDir = (): string => join(root, String(n++));

function options(dir: string, extra: Partial<DBOptions> = {}): DBOptions {
  return {
    dir,
    retentionMs: 0,
    minBlockDurationMs: MIN,
    maxBlockDurationMs: 9 * MIN,
    walCompression: true,
    outOfOrderTimeWindowMs: 0,
    compactionIntervalMs: 0,
    ...extra,
  };
}

/** Series key -> t -> value bits. */
type Data = Map<string, Map<number, bigint>>;

function bitsOf(v: number): bigint {
  return new BigUint64Array(Float64Array.of(v).buffer)[0]!;
}

async function read(db: DB): Promise<Data> {
  const out: Data = new Map();
  for await (const s of db.select(parseSeriesSelector('{__name__=~".+"}'), -1e15, 1e15)) {
    const samples = new Map<number, bigint>();
    for await (const b of s.batches()) {
      const bits = new BigUint64Array(b.values.buffer, b.values.byteOffset, b.length);
      for (let i = 0; i < b.length; i++) {
        expect(samples.has(b.timestamps[i]!)).toBe(false);
        samples.set(b.timestamps[i]!, bits[i]!);
      }
    }
    out.set(JSON.stringify(s.labels), samples);
  }
  return out;
}

function put(data: Data, labels: Labels, t: number, v: number): void {
  const key = JSON.stringify(labels);
  (data.get(key) ?? data.set(key, new Map()).get(key)!).set(t, bitsOf(v));
}

function blockDirs(dir: string): string[] {
  return readdirSync(dir).filter((e) => /^[0-9A-Z]{26}$/.test(e));
}

/** Blocks' [minTime, maxTime) ranges do not overlap. */
function expectDisjoint(db: DB): void {
  const metas = db.blocks.map((b) => b.meta);
  for (let i = 1; i < metas.length; i++) expect(metas[i]!.minTime).toBeGreaterThanOrEqual(metas[i - 1]!.maxTime);
}

describe('leveled compaction of head blocks', () => {
  it('compacts 1m head blocks into 3m and 9m blocks, every sample once', async () => {
    const dir = newDir();
    const db = await DB.open(options(dir));
    const data: Data = new Map();
    const series = Array.from({ length: 12 }, (_, i) => labelsFromRecord({ __name__: 'm', i: String(i) }));
    for (let t = 0; t < 30 * MIN; t += 5000) {
      const app = db.appendable.appender();
      for (const [i, labels] of series.entries()) {
        const v = i === 3 && t % 60_000 === 0 ? new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]! : t / 1000 + i;
        app.append(0, labels, t, v);
        put(data, labels, t, v);
      }
      await app.commit();
      if (t % (2 * MIN) === 0) await db.compact();
    }
    await db.compact();
    expectDisjoint(db);
    const levels = db.blocks.map((b) => b.meta.compaction.level);
    expect(Math.max(...levels)).toBeGreaterThanOrEqual(3);
    expect(db.blocks.some((b) => b.meta.maxTime - b.meta.minTime === 9 * MIN)).toBe(true);
    // Parents are gone from disk; each level-1 source is listed by exactly one block.
    expect(blockDirs(dir).sort()).toEqual(db.blocks.map((b) => b.ulid).sort());
    const sources = db.blocks.flatMap((b) => b.meta.compaction.sources);
    expect(new Set(sources).size).toBe(sources.length);
    expect(await read(db)).toEqual(data);
    const stats = db.stats();
    expect(stats.compactions).toBeGreaterThan(stats.headCompactions);
    expect(stats.reloads).toBeGreaterThan(0);
    expect(stats.compactionsFailed).toBe(0);
    await db.close();

    const again = await DB.open(options(dir));
    expect(await read(again)).toEqual(data);
    await again.close();
    if (PROMTOOL) for (const u of blockDirs(dir)) promtool(['tsdb', 'analyze', dir, u]);
  });
});

/** Writes `count` blocks of seeded samples over [from, to), each with its own subset; returns the union. */
async function backfill(dir: string, seed: number, count: number, from: number, to: number, data: Data): Promise<void> {
  const rng = new Prng(seed);
  for (let b = 0; b < count; b++) {
    const input = [];
    for (let i = 0; i < 8; i++) {
      const labels = labelsFromRecord({ __name__: 'backfilled', i: String(i) });
      const start = from + rng.int(0, Math.floor((to - from) / 2000)) * 1000;
      const end = Math.min(to, start + rng.int(1, 400) * 1000);
      const ts: number[] = [];
      for (let t = start; t < end; t += rng.pick([1000, 2000, 5000])) ts.push(t);
      if (ts.length === 0) continue;
      const vs = Float64Array.from(ts, (t) => Math.sqrt(t) + i); // sources agree on shared timestamps
      ts.forEach((t, k) => put(data, labels, t, vs[k]!));
      input.push({ labels, timestamps: Float64Array.from(ts), values: vs });
    }
    await writeBlock(dir, input, { chunkRange: MIN });
  }
}

describe('vertical compaction', () => {
  it('merges overlapping backfilled blocks and out-of-order blocks into non-overlapping ones', async () => {
    const dir = newDir();
    mkdirSync(dir, { recursive: true });
    const data: Data = new Map();
    await backfill(dir, 7, 4, 10 * MIN, 13 * MIN, data);
    const db = await DB.open(options(dir, { outOfOrderTimeWindowMs: 60 * MIN }));
    expect(db.blocks.length).toBe(4);
    // In-order data after the backfilled range, then out-of-order samples back inside it.
    const live = labelsFromRecord({ __name__: 'backfilled', i: '0' });
    for (let t = 13 * MIN; t < 20 * MIN; t += 10_000) {
      const app = db.appendable.appender();
      app.append(0, live, t, t);
      put(data, live, t, t);
      await app.commit();
    }
    const app = db.appendable.appender();
    for (let t = 10 * MIN + 500; t < 12 * MIN; t += 30_000) {
      app.append(0, live, t, -t);
      put(data, live, t, -t);
    }
    await app.commit();
    await db.compact();
    expectDisjoint(db);
    expect(await read(db)).toEqual(data);
    expect(db.blocks.some((b) => b.meta.compaction.parents.length >= 4)).toBe(true);
    expect(db.stats().verticalCompactions).toBeGreaterThan(0);
    await db.close();
    if (PROMTOOL) for (const u of blockDirs(dir)) promtool(['tsdb', 'analyze', dir, u]);
  });
});

describe('crash safety', () => {
  async function sourceDir(): Promise<{ dir: string; data: Data }> {
    const dir = newDir();
    mkdirSync(dir, { recursive: true });
    const data: Data = new Map();
    await backfill(dir, 11, 3, 0, 3 * MIN, data);
    return { dir, data };
  }

  it('a crash after the new block is in place: the next open deletes the parents', async () => {
    const { dir, data } = await sourceDir();
    const ulids = blockDirs(dir);
    const blocks = await Promise.all(ulids.map((u) => Block.open(join(dir, u))));
    blocks.sort((a, b) => a.meta.minTime - b.meta.minTime);
    const meta = (await compactBlocks(dir, blocks))!;
    await Promise.all(blocks.map((b) => b.close()));
    expect(blockDirs(dir)).toHaveLength(4);
    const db = await DB.open(options(dir));
    expect(blockDirs(dir)).toEqual([meta.ulid]);
    expect(await read(db)).toEqual(data);
    await db.close();
  });

  it('a crash while the block is written or while parents are deleted: leftovers removed, data intact', async () => {
    const { dir, data } = await sourceDir();
    const ulids = blockDirs(dir);
    const blocks = await Promise.all(ulids.map((u) => Block.open(join(dir, u))));
    blocks.sort((a, b) => a.meta.minTime - b.meta.minTime);
    const crashes: string[] = [];
    /** What a crash at `step` would leave: a copy of the directory then. */
    const crashAt = (wanted: string, fail: boolean) => (step: string): void => {
      if (step !== wanted) return;
      const copy = newDir();
      cpSync(dir, copy, { recursive: true });
      crashes.push(copy);
      if (fail) throw new InjectedFailure('crash');
    };
    await expect(compactBlocks(dir, blocks, { failpoint: crashAt('populating', true) })).rejects.toThrow(InjectedFailure);
    const meta = (await compactBlocks(dir, blocks, { failpoint: crashAt('committed', false) }))!;
    await Promise.all(blocks.map((b) => b.close()));
    // A deletion interrupted half-way: one parent renamed for deletion, partly removed.
    const halfDeleted = newDir();
    cpSync(dir, halfDeleted, { recursive: true });
    const victim = join(halfDeleted, ulids[0]!);
    cpSync(victim, `${victim}.tmp-for-deletion`, { recursive: true });
    rmSync(victim, { recursive: true });
    rmSync(join(`${victim}.tmp-for-deletion`, 'index'));
    crashes.push(halfDeleted);

    expect(readdirSync(crashes[0]!).some((e) => e.endsWith('.tmp-for-creation'))).toBe(true);
    for (const crashed of crashes) {
      const db = await DB.open(options(crashed));
      expect(await read(db)).toEqual(data);
      expect(readdirSync(crashed).filter((e) => e.includes('.tmp'))).toEqual([]);
      await db.close();
    }
    // Mid-write: the sources as they were. After the rename, and mid-deletion: the new block alone.
    expect(blockDirs(crashes[0]!).sort()).toEqual(ulids);
    expect(blockDirs(crashes[1]!)).toEqual([meta.ulid]);
    expect(blockDirs(crashes[2]!)).toEqual([meta.ulid]);
  });
});

describe('retention', () => {
  it('picks the blocks past retention newest first, as Prometheus', () => {
    const blocks = [
      { ulid: 'a', maxTime: 100, size: 10 },
      { ulid: 'b', maxTime: 200, size: 10 },
      { ulid: 'c', maxTime: 300, size: 10 },
      { ulid: 'd', maxTime: 400, size: 10 },
    ];
    expect(beyondRetention(blocks, { retentionMs: 150, retentionBytes: 0 }, 0).time).toEqual(new Set(['b', 'a']));
    expect(beyondRetention(blocks, { retentionMs: 300, retentionBytes: 0 }, 0).time).toEqual(new Set());
    expect(beyondRetention(blocks, { retentionMs: 0, retentionBytes: 25 }, 0).size).toEqual(new Set(['b', 'a']));
    expect(beyondRetention(blocks, { retentionMs: 0, retentionBytes: 25 }, 6).size).toEqual(new Set(['c', 'b', 'a']));
    expect(beyondRetention(blocks, { retentionMs: 0, retentionBytes: 40 }, 0).size).toEqual(new Set());
  });

  async function timeBlocks(dir: string): Promise<string[]> {
    mkdirSync(dir, { recursive: true });
    const ulids: string[] = [];
    for (let b = 0; b < 5; b++) {
      const ts = Float64Array.from({ length: 50 }, (_, i) => b * 10 * MIN + i * 1000);
      const meta = await writeBlock(dir, [{ labels: labelsFromRecord({ __name__: 'r' }), timestamps: ts, values: ts }], { minTime: b * 10 * MIN, maxTime: (b + 1) * 10 * MIN - 5 * MIN });
      ulids.push(meta!.ulid);
    }
    return ulids;
  }

  it('time retention drops the oldest blocks on open and in reloads', async () => {
    const dir = newDir();
    const ulids = await timeBlocks(dir);
    // Block maxTimes 5, 15, 25, 35, 45 minutes: with 25m retention, 15 and 5 are more than 25m behind 45.
    const db = await DB.open(options(dir, { retentionMs: 25 * MIN, maxBlockDurationMs: MIN }));
    expect(db.blocks.map((b) => b.ulid)).toEqual(ulids.slice(2));
    expect(blockDirs(dir).sort()).toEqual(ulids.slice(2).sort());
    expect(db.stats().timeRetentions).toBe(1);
    await db.close();
  });

  it('size retention keeps the newest blocks that fit with the WAL', async () => {
    const dir = newDir();
    const ulids = await timeBlocks(dir);
    const sizes = await Promise.all(ulids.map(async (u) => {
      const b = await Block.open(join(dir, u));
      await b.close();
      return b.size;
    }));
    mkdirSync(join(dir, 'wal'));
    writeFileSync(join(dir, 'wal', '00000000'), Buffer.alloc(1000));
    const limit = 1000 + sizes[4]! + sizes[3]! + sizes[2]! + 10;
    const db = await DB.open(options(dir, { retentionBytes: limit, maxBlockDurationMs: MIN }));
    expect(db.blocks.map((b) => b.ulid)).toEqual(ulids.slice(2));
    const stats = db.stats();
    expect(stats.sizeRetentions).toBe(1);
    expect(stats.retentionLimitBytes).toBe(limit);
    expect(stats.blocksBytes).toBe(sizes[2]! + sizes[3]! + sizes[4]!);
    await db.close();
    expect(existsSync(join(dir, ulids[0]!))).toBe(false);
  });
});
