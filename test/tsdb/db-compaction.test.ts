// Head compaction end to end at the DB level: a head spanning several (1-minute) block ranges is written
// out as blocks, shrinks, checkpoints its WAL, and serves exactly what was ingested, before and after a
// restart; promtool 2.42 accepts the directory and dumps the same samples.

import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labelsFromRecord, type Labels } from '../../src/model/labels.js';
import { parseSeriesSelector } from '../../src/model/matchers.js';
import { readBlockMeta } from '../../src/tsdb/block/meta.js';
import { newUlid } from '../../src/tsdb/block/ulid.js';
import { writeHeadBlock } from '../../src/tsdb/compact/head-block.js';
import { DB, type DBOptions } from '../../src/tsdb/db.js';
import { runCli } from '../helpers/cli.js';
import { Prng } from '../helpers/prng.js';
import { PROMTOOL, PROMTOOL_MISSING, promtoolResult } from '../helpers/promtool.js';

const RANGE = 60_000;
const STALE_BITS = 0x7ff0000000000002n;
const root = mkdtempSync(join(tmpdir(), 'promwasm-db-compaction-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function options(dir: string, extra: Partial<DBOptions> = {}): DBOptions {
  return {
    dir,
    retentionMs: 0,
    minBlockDurationMs: RANGE,
    maxBlockDurationMs: RANGE,
    walCompression: true,
    outOfOrderTimeWindowMs: 0,
    walSegmentSize: 32 * 1024,
    compactionIntervalMs: 0,
    ...extra,
  };
}

/** Expected data: series key -> (t -> value bits). */
type Expected = Map<string, { labels: Labels; samples: Map<number, bigint> }>;

function record(expected: Expected, labels: Labels, t: number, v: number): void {
  const key = JSON.stringify(labels);
  let e = expected.get(key);
  if (!e) expected.set(key, (e = { labels, samples: new Map() }));
  e.samples.set(t, new BigUint64Array(Float64Array.of(v).buffer)[0]!);
}

async function dumpDb(db: DB): Promise<Expected> {
  const out: Expected = new Map();
  for await (const s of db.select(parseSeriesSelector('{__name__=~".+"}'), -1e15, 1e15)) {
    const samples = new Map<number, bigint>();
    for await (const b of s.batches()) {
      const bits = new BigUint64Array(b.values.buffer, b.values.byteOffset, b.length);
      for (let i = 0; i < b.length; i++) {
        expect(samples.has(b.timestamps[i]!), `duplicate sample at ${b.timestamps[i]}`).toBe(false);
        samples.set(b.timestamps[i]!, bits[i]!);
      }
    }
    out.set(JSON.stringify(s.labels), { labels: s.labels, samples });
  }
  return out;
}

function expectSame(actual: Expected, expected: Expected): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [key, e] of expected) {
    const a = actual.get(key)!;
    expect(a.samples.size, key).toBe(e.samples.size);
    for (const [t, bits] of e.samples) expect(a.samples.get(t), `${key} @${t}`).toBe(bits);
  }
}

/** Appends `series` series from t0 to t1 (exclusive) every `step` ms, in commits of one timestamp each. */
async function ingest(db: DB, expected: Expected, rng: Prng, series: number, t0: number, t1: number, step: number): Promise<void> {
  for (let t = t0; t < t1; t += step) {
    const app = db.appendable.appender();
    for (let i = 0; i < series; i++) {
      // Series come and go: series i only exists for a few ranges, so head truncation must collect some.
      if (i % 3 === 1 && t >= t0 + 2 * RANGE) continue;
      const labels = labelsFromRecord({ __name__: 'compaction_test', series: String(i), job: i % 2 ? 'a' : 'b' });
      const v = rng.chance(0.01) ? new Float64Array(new BigUint64Array([STALE_BITS]).buffer)[0]! : rng.int(0, 1000) / 8;
      app.append(0, labels, t, v);
      record(expected, labels, t, v);
    }
    await app.commit();
  }
}

describe('head compaction', () => {
  const dir = join(root, 'inorder');
  const expected: Expected = new Map();

  it('writes the oldest ranges as blocks, shrinks the head and checkpoints the WAL', async () => {
    const db = await DB.open(options(dir));
    const rng = new Prng(7);
    await ingest(db, expected, rng, 30, 500, 5 * RANGE, 500);
    const before = db.stats();
    expect(db.head.compactable()).toBe(true);

    const blocks = await db.compactHead();
    // Head spans [0.5s, 299.5s]; ranges are written while it spans more than 90 s.
    expect(blocks.map((b) => [b.minTime, b.maxTime])).toEqual([
      [500, RANGE],
      [RANGE, 2 * RANGE],
      [2 * RANGE, 3 * RANGE],
      [3 * RANGE, 4 * RANGE],
    ]);
    for (const b of blocks) {
      const { meta } = await readBlockMeta(join(dir, b.ulid));
      expect(meta.compaction.level).toBe(1);
      expect(meta.compaction.sources).toEqual([b.ulid]);
    }
    const after = db.stats();
    expect(db.head.minTime).toBe(4 * RANGE);
    expect(db.head.minValidTime).toBe(4 * RANGE);
    expect(after.numChunks).toBeLessThan(before.numChunks);
    expect(after.numSeries).toBe(20); // the 10 series that stopped after 2 ranges are gone
    expect(after.seriesRemoved).toBe(10);
    expect(after.walTruncations).toBe(1);
    const wal = readdirSync(join(dir, 'wal'));
    expect(wal.some((n) => /^checkpoint\.\d+$/.test(n))).toBe(true);
    expect(readdirSync(dir).some((n) => n.includes('.tmp'))).toBe(false);
    expect(db.head.compactable()).toBe(false);

    expectSame(await dumpDb(db), expected);
    // A sample inside a written range is now out of bounds.
    const app = db.appendable.appender();
    expect(() => app.append(0, labelsFromRecord({ __name__: 'compaction_test', series: '0', job: 'b' }), 3 * RANGE, 1)).toThrow(/out of bounds/);
    await app.rollback();
    await db.close();
  });

  it('reopens blocks, replays checkpoint + segments without re-adding block samples', async () => {
    const db = await DB.open(options(dir));
    expect(db.blocks.length).toBe(4);
    expect(db.head.minValidTime).toBe(4 * RANGE);
    expect(db.head.minTime).toBe(4 * RANGE);
    expectSame(await dumpDb(db), expected);
    // Keep going: more ranges, a second compaction and checkpoint on top of the first.
    await ingest(db, expected, new Prng(8), 30, 5 * RANGE, 8 * RANGE, 500);
    const blocks = await db.compactHead();
    expect(blocks.map((b) => b.minTime)).toEqual([4 * RANGE, 5 * RANGE, 6 * RANGE]);
    expect(readdirSync(join(dir, 'wal')).filter((n) => n.startsWith('checkpoint.')).length).toBe(1);
    expectSame(await dumpDb(db), expected);
    await db.close();

    const again = await DB.open(options(dir));
    expectSame(await dumpDb(again), expected);
    await again.close();
  });

  it('the directory reads the same through promwasm tsdb dump and promtool 2.42', async () => {
    const dump = runCli(['tsdb', 'dump', dir]);
    expect(dump.status, dump.stderr).toBe(0);
    const lines = dump.stdout.split('\n').filter(Boolean);
    let total = 0;
    for (const e of expected.values()) total += e.samples.size;
    expect(lines.length).toBe(total);
    if (!PROMTOOL) {
      console.warn(PROMTOOL_MISSING);
      return;
    }
    const copy = join(root, 'inorder-copy');
    cpSync(dir, copy, { recursive: true });
    const analyze = promtoolResult(['tsdb', 'analyze', copy]);
    expect(analyze.status, analyze.stderr).toBe(0);
    const theirs = promtoolResult(['tsdb', 'dump', copy]);
    expect(theirs.status, theirs.stderr).toBe(0);
    expect(theirs.stdout.split('\n').filter(Boolean).sort()).toEqual([...lines].sort());
  });
});

describe('head compaction with out-of-order samples', () => {
  it('puts them in the blocks of their range or in from-out-of-order blocks, once each, across restarts', async () => {
    const dir = join(root, 'ooo');
    const opts = options(dir, { outOfOrderTimeWindowMs: 70_000 });
    const expected: Expected = new Map();
    const rng = new Prng(11);
    const labels = (i: number): Labels => labelsFromRecord({ __name__: 'ooo_test', series: String(i) });
    const db2 = await DB.open(opts);
    for (let t = 10_000; t < 4 * RANGE; t += 2_000) {
      const app = db2.appendable.appender();
      for (let i = 0; i < 5; i++) {
        const v = rng.int(0, 100);
        app.append(0, labels(i), t, v);
        record(expected, labels(i), t, v);
        // An out-of-order sample 1-39 s behind, at an odd second (never taken in order).
        if (t > 50_000 && rng.chance(0.3)) {
          const back = t - 1_000 - 2_000 * rng.int(0, 19);
          if (!expected.get(JSON.stringify(labels(i)))!.samples.has(back)) {
            app.append(0, labels(i), back, v + 0.5);
            record(expected, labels(i), back, v + 0.5);
          }
        }
      }
      await app.commit();
    }
    expect(db2.head.minOOOTime).toBeLessThan(Infinity);
    const blocks = await db2.compactHead();
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    expectSame(await dumpDb(db2), expected);
    await db2.close();
    const db3 = await DB.open(opts);
    expectSame(await dumpDb(db3), expected);
    // Late out-of-order samples into an already written range go to a from-out-of-order block.
    const late = db3.head.minValidTime - 1_000;
    const app = db3.appendable.appender();
    app.append(0, labels(0), late, 42);
    record(expected, labels(0), late, 42);
    await app.commit();
    await ingestTo(db3, labels, expected, rng, 4 * RANGE, 6 * RANGE);
    const more = await db3.compactHead();
    expect(more.some((b) => b.compaction.hints.includes('from-out-of-order'))).toBe(true);
    expectSame(await dumpDb(db3), expected);
    await db3.close();
    const db4 = await DB.open(opts);
    expectSame(await dumpDb(db4), expected);
    await db4.close();
    expect(existsSync(join(dir, 'wbl'))).toBe(true);
  });
});

async function ingestTo(db: DB, labels: (i: number) => Labels, expected: Expected, rng: Prng, t0: number, t1: number): Promise<void> {
  for (let t = t0; t < t1; t += 2_000) {
    const app = db.appendable.appender();
    for (let i = 0; i < 5; i++) {
      const v = rng.int(0, 100);
      app.append(0, labels(i), t, v);
      record(expected, labels(i), t, v);
    }
    await app.commit();
  }
}

describe('crash points and leftovers', () => {
  it('a crash after the block is written but before the head and WAL are truncated loses and duplicates nothing', async () => {
    const dir = join(root, 'crash-after-block');
    const expected: Expected = new Map();
    const db = await DB.open(options(dir));
    await ingest(db, expected, new Prng(21), 10, 500, 3 * RANGE, 500);
    // The block alone, as if the process died right after its rename.
    const { meta } = await writeHeadBlock(db.head, dir, db.head.minTime, RANGE);
    expect(meta).toBeDefined();
    // A half-written block of a later attempt, and a half-deleted one.
    mkdirSync(join(dir, `${newUlid()}.tmp-for-creation`, 'chunks'), { recursive: true });
    mkdirSync(join(dir, `${newUlid()}.tmp-for-deletion`));
    const crashed = join(root, 'crash-after-block-copy');
    cpSync(dir, crashed, { recursive: true });
    await db.close();

    const reopened = await DB.open(options(crashed));
    expect(readdirSync(crashed).filter((n) => n.includes('.tmp'))).toEqual([]);
    expect(reopened.blocks.map((b) => b.meta.ulid)).toEqual([meta!.ulid]);
    expect(reopened.head.minValidTime).toBe(RANGE);
    expect(reopened.head.minTime).toBe(RANGE);
    expectSame(await dumpDb(reopened), expected);
    // The next compaction goes on from there.
    await ingest(reopened, expected, new Prng(22), 10, 3 * RANGE, 4 * RANGE, 500);
    const blocks = await reopened.compactHead();
    expect(blocks[0]!.minTime).toBe(RANGE);
    expectSame(await dumpDb(reopened), expected);
    await reopened.close();
  });

  it('a block that fails to open is logged, not served and not deleted', async () => {
    const dir = join(root, 'broken-block');
    const expected: Expected = new Map();
    const db = await DB.open(options(dir));
    await ingest(db, expected, new Prng(31), 5, 500, 4 * RANGE, 1_000);
    const [first] = await db.compactHead();
    await db.close();
    writeFileSync(join(dir, first!.ulid, 'index'), 'garbage');
    const errors: { obj: object; msg?: string }[] = [];
    const logger = { info() {}, warn() {}, error: (obj: object, msg?: string) => errors.push({ obj, msg }) };
    const reopened = await DB.open(options(dir, { logger }));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toMatch(/Failed to open block/);
    expect(JSON.stringify(errors[0]!.obj)).toContain(first!.ulid);
    expect(reopened.blocks.map((b) => b.meta.ulid)).not.toContain(first!.ulid);
    expect(existsSync(join(dir, first!.ulid))).toBe(true);
    await reopened.close();
  });
});

describe('queries across a compaction', () => {
  it('a query that started before the block was added still reads the range from the head', async () => {
    const dir = join(root, 'query-during');
    const expected: Expected = new Map();
    const db = await DB.open(options(dir));
    await ingest(db, expected, new Prng(41), 6, 500, 4 * RANGE, 1_000);
    const seen: Expected = new Map();
    const it = db.select(parseSeriesSelector('{__name__="compaction_test"}'), -1e15, 1e15)[Symbol.asyncIterator]();
    const first = await it.next(); // the query is running: its sources are fixed
    let compacted = false;
    const compaction = db.compactHead().then((b) => ((compacted = true), b));
    await new Promise((r) => setTimeout(r, 50));
    expect(compacted).toBe(false); // waits for the query before dropping the range from the head
    for (let r = first; !r.done; r = await it.next()) {
      const samples = new Map<number, bigint>();
      for await (const b of r.value.batches()) {
        const bits = new BigUint64Array(b.values.buffer, b.values.byteOffset, b.length);
        for (let i = 0; i < b.length; i++) samples.set(b.timestamps[i]!, bits[i]!);
      }
      seen.set(JSON.stringify(r.value.labels), { labels: r.value.labels, samples });
    }
    expect((await compaction).length).toBeGreaterThan(0);
    expectSame(seen, expected);
    expectSame(await dumpDb(db), expected);
    await db.close();
  });
});
