// delete_series, clean_tombstones and snapshots at the DB level, against a model: seeded data spread over
// blocks and the head (in order and out of order), random deletions interleaved with head compactions and
// restarts; after every step every read path (DB.select, `promwasm tsdb dump`, promtool's dump of a
// snapshot) shows exactly the model, and nothing deleted comes back.

import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labelsFromRecord, type Labels } from '../../src/model/labels.js';
import { parseSeriesSelector, type Matcher } from '../../src/model/matchers.js';
import { readBlockMeta } from '../../src/tsdb/block/meta.js';
import { DB, type DBOptions } from '../../src/tsdb/db.js';
import { dropDeletedSamples, HeadTombstones } from '../../src/tsdb/head/tombstones.js';
import { readTombstones } from '../../src/tsdb/tombstones/reader.js';
import { runCli } from '../helpers/cli.js';
import { Prng } from '../helpers/prng.js';
import { PROMTOOL, PROMTOOL_MISSING, promtoolResult } from '../helpers/promtool.js';

const RANGE = 60_000;
const STALE = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;
const root = mkdtempSync(join(tmpdir(), 'promwasm-delete-'));
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

/** The model: series key -> labels and (t -> value bits). */
type Model = Map<string, { labels: Labels; samples: Map<number, bigint> }>;

function bitsOf(v: number): bigint {
  return new BigUint64Array(Float64Array.of(v).buffer)[0]!;
}

function record(model: Model, labels: Labels, t: number, v: number): void {
  const key = JSON.stringify(labels);
  let e = model.get(key);
  if (!e) model.set(key, (e = { labels, samples: new Map() }));
  e.samples.set(t, bitsOf(v));
}

/** What a deletion does to the model: matching series lose their samples in [mint, maxt]; empty series vanish. */
function deleteInModel(model: Model, matchers: readonly Matcher[], mint: number, maxt: number): void {
  for (const [key, e] of model) {
    if (!matchers.every((m) => m.matches(e.labels.find((l) => l.name === m.name)?.value ?? ''))) continue;
    for (const t of [...e.samples.keys()]) if (t >= mint && t <= maxt) e.samples.delete(t);
    if (e.samples.size === 0) model.delete(key);
  }
}

async function read(db: DB, mint = -1e15, maxt = 1e15): Promise<Model> {
  const out: Model = new Map();
  for await (const s of db.select(parseSeriesSelector('{__name__=~".+"}'), mint, maxt)) {
    const samples = new Map<number, bigint>();
    for await (const b of s.batches()) {
      const bits = new BigUint64Array(b.values.buffer, b.values.byteOffset, b.length);
      for (let i = 0; i < b.length; i++) samples.set(b.timestamps[i]!, bits[i]!);
    }
    out.set(JSON.stringify(s.labels), { labels: s.labels, samples });
  }
  return out;
}

function expectModel(actual: Model, model: Model): void {
  expect([...actual.keys()].sort()).toEqual([...model.keys()].sort());
  for (const [key, e] of model) {
    const a = actual.get(key)!;
    expect([...a.samples.keys()].sort((x, y) => x - y), key).toEqual([...e.samples.keys()].sort((x, y) => x - y));
    for (const [t, bits] of e.samples) expect(a.samples.get(t), `${key} @${t}`).toBe(bits);
  }
}

/** One line per sample, as `tsdb dump` prints them (labels, value, timestamp). */
function dumpLines(model: Model): string[] {
  const lines: string[] = [];
  for (const e of model.values()) for (const t of e.samples.keys()) lines.push(`${e.labels.map((l) => l.name).join(',')} ${t}`);
  return lines.sort();
}

/** A dump's lines reduced to what dumpLines gives (label names and timestamp), sorted. */
function keys(stdout: string): string[] {
  const lines = stdout.split('\n').filter(Boolean).map((l) => {
    const m = /^\{(.*)\} \S+ (-?\d+)$/.exec(l)!;
    return `${[...m[1]!.matchAll(/(\w+)="/g)].map((x) => x[1]).join(',')} ${m[2]}`;
  });
  return lines.sort();
}

const series = (i: number): Labels => labelsFromRecord({ __name__: i % 4 === 3 ? 'other_metric' : 'del_metric', job: `j${i % 3}`, idx: String(i) });

/** Appends 12 series every 1 s in [t0, t1); a stale marker now and then, so NaN bits are checked too. */
async function ingest(db: DB, model: Model, rng: Prng, t0: number, t1: number): Promise<void> {
  for (let t = t0; t < t1; t += 1_000) {
    const app = db.appendable.appender();
    for (let i = 0; i < 12; i++) {
      const v = rng.chance(0.02) ? STALE : rng.int(0, 1000) / 8;
      app.append(0, series(i), t, v);
      record(model, series(i), t, v);
    }
    await app.commit();
  }
}

const SELECTORS = ['{job="j0"}', 'del_metric', '{idx=~"1.*"}', 'other_metric{job!="j1"}', '{__name__=~".+"}'];

describe('HeadTombstones and dropDeletedSamples', () => {
  it('merge intervals, truncate before a time, and drop exactly the deleted samples bit for bit', () => {
    const ts = new HeadTombstones();
    ts.add(1, { mint: 10, maxt: 20 });
    ts.add(1, { mint: 21, maxt: 30 });
    ts.add(1, { mint: 50, maxt: 60 });
    expect(ts.get(1)).toEqual([{ mint: 10, maxt: 30 }, { mint: 50, maxt: 60 }]);
    ts.truncateBefore(40);
    expect(ts.get(1)).toEqual([{ mint: 50, maxt: 60 }]);
    ts.truncateBefore(61);
    expect(ts.seriesCount).toBe(0);

    const rng = new Prng(3);
    for (let round = 0; round < 200; round++) {
      const n = rng.int(0, 40);
      const times = Float64Array.from({ length: n }, (_, i) => i * 3);
      const values = Float64Array.from({ length: n }, () => (rng.chance(0.2) ? STALE : rng.int(0, 9)));
      const bits = [...new BigUint64Array(values.buffer)];
      const ivs: { mint: number; maxt: number }[] = [];
      for (let t = rng.int(-5, 20); t < 130; t += rng.int(2, 30)) {
        const end = t + rng.int(0, 10);
        ivs.push({ mint: t, maxt: end });
        t = end + 1;
      }
      const kept = dropDeletedSamples(times, values, n, ivs);
      const expected = [...Array(n).keys()].filter((i) => !ivs.some((iv) => i * 3 >= iv.mint && i * 3 <= iv.maxt));
      expect(kept).toBe(expected.length);
      expect([...times.subarray(0, kept)]).toEqual(expected.map((i) => i * 3));
      expect([...new BigUint64Array(values.buffer).subarray(0, kept)]).toEqual(expected.map((i) => bits[i]));
    }
  });
});

describe('delete_series over blocks and head', () => {
  const dir = join(root, 'db');
  const model: Model = new Map();
  const rng = new Prng(42);

  it('random deletions, compactions and restarts: every read equals the model', async () => {
    let db = await DB.open(options(dir));
    await ingest(db, model, rng, 0, 3 * RANGE);
    await db.compactHead(); // [0, 1m) and maybe more in blocks, the rest in the head
    expect(db.blocks.length).toBeGreaterThan(0);
    let t = 3 * RANGE;
    for (let step = 0; step < 8; step++) {
      const matchers = parseSeriesSelector(SELECTORS[rng.int(0, SELECTORS.length - 1)]!);
      const mint = rng.int(-RANGE, t);
      const maxt = rng.chance(0.2) ? 1e15 : mint + rng.int(0, 90_000);
      await db.delete(mint, maxt, matchers);
      deleteInModel(model, matchers, mint, maxt);
      expectModel(await read(db), model);
      // A narrower query sees the model's samples of its range, and nothing deleted. (With tombstones,
      // 2.42's block reader lets some samples before the range through: its interval-merge overflow.)
      const q0 = rng.int(0, t);
      const narrow = await read(db, q0, q0 + 30_000);
      for (const [key, e] of model) {
        const inRange = [...e.samples.keys()].filter((x) => x >= q0 && x <= q0 + 30_000);
        const got = [...(narrow.get(key)?.samples.keys() ?? [])];
        expect(got.filter((x) => x >= q0 && x <= q0 + 30_000).sort((a, b) => a - b), key).toEqual(inRange.sort((a, b) => a - b));
        for (const x of got) expect(e.samples.get(x), `${key} @${x}`).toBe(narrow.get(key)!.samples.get(x));
      }
      for (const key of narrow.keys()) expect(model.has(key), key).toBe(true);
      if (step % 3 === 2) {
        await db.close();
        db = await DB.open(options(dir)); // block tombstones from their files, head ones from the WAL
        expectModel(await read(db), model);
      }
      await ingest(db, model, rng, t, t + 40_000);
      t += 40_000;
      await db.compactHead(); // deleted head samples must not reach the new blocks, nor come back
      expectModel(await read(db), model);
    }
    const withTombstones = db.blocks.filter((b) => b.tombstones.intervalCount > 0);
    expect(withTombstones.length).toBeGreaterThan(0);
    for (const b of withTombstones) {
      const { meta } = await readBlockMeta(b.dir);
      expect(meta.stats.numTombstones).toBe(b.tombstones.intervalCount);
      expect((await readTombstones(b.dir)).tombstones.intervalCount).toBe(b.tombstones.intervalCount);
    }
    // One deletion left in the head, for the snapshot and the restarts below.
    const last = parseSeriesSelector('{idx="5"}');
    await db.delete(t - 5_000, t, last);
    deleteInModel(model, last, t - 5_000, t);
    expect(db.head.tombstones.seriesCount).toBe(1);
    expectModel(await read(db), model);
    await db.close();
  });

  it('promwasm tsdb dump and promtool 2.42 dump of the directory (block tombstones, WAL tombstone records) print exactly the model', () => {
    const dump = runCli(['tsdb', 'dump', dir]);
    expect(dump.status, dump.stderr).toBe(0);
    expect(keys(dump.stdout)).toEqual(dumpLines(model));
    if (!PROMTOOL) {
      console.warn(PROMTOOL_MISSING);
      return;
    }
    const copy = join(root, 'db-copy');
    cpSync(dir, copy, { recursive: true });
    const theirs = promtoolResult(['tsdb', 'dump', copy]);
    expect(theirs.status, theirs.stderr).toBe(0);
    expect(keys(theirs.stdout)).toEqual(dumpLines(model));
  });

  it('a snapshot holds the blocks (hard links) and the head without the deleted data; promtool dumps the model', async () => {
    const db = await DB.open(options(dir));
    const snap = join(root, 'snap');
    mkdirSync(snap);
    await expect(db.snapshot(dir, true)).rejects.toThrow('cannot snapshot into base directory');
    await expect(db.snapshot(join(root, '01ARZ3NDEKTSV4RRFFQ69G5FAV'), true)).rejects.toThrow('dir must not be a valid ULID');
    await db.snapshot(snap, true);
    const blocksBefore = db.blocks.map((b) => b.ulid);
    await db.close();
    const names = readdirSync(snap);
    for (const u of blocksBefore) {
      expect(names).toContain(u);
      // Hard links: the same inode as the live block's file.
      for (const f of ['index', 'meta.json', 'tombstones', 'chunks/000001']) expect(statSync(join(snap, u, f)).ino, `${u}/${f}`).toBe(statSync(join(dir, u, f)).ino);
    }
    expect(names.length).toBe(blocksBefore.length + 1); // + the head
    const snapDb = await DB.open(options(snap));
    expectModel(await read(snapDb), model);
    await snapDb.close();
    rmSync(join(snap, 'wal'), { recursive: true, force: true });
    expect(readdirSync(snap).length).toBe(blocksBefore.length + 1);

    const skip = join(root, 'snap-skip-head');
    mkdirSync(skip);
    const db2 = await DB.open(options(dir));
    await db2.snapshot(skip, false);
    await db2.close();
    expect(readdirSync(skip).sort()).toEqual([...blocksBefore].sort());

    if (!PROMTOOL) {
      console.warn(PROMTOOL_MISSING);
      return;
    }
    // promtool's read-only DB wants a WAL directory; a snapshot has none, as Prometheus's do not.
    mkdirSync(join(snap, 'wal'));
    const theirs = promtoolResult(['tsdb', 'dump', snap]);
    expect(theirs.status, theirs.stderr).toBe(0);
    expect(keys(theirs.stdout)).toEqual(dumpLines(model));
  });

  it('clean_tombstones rewrites the blocks with tombstones as level-1 children, the data unchanged', async () => {
    const db = await DB.open(options(dir));
    const before = db.blocks.filter((b) => b.tombstones.intervalCount > 0).map((b) => b.meta);
    expect(before.length).toBeGreaterThan(0);
    await db.cleanTombstones();
    expect(db.blocks.every((b) => b.tombstones.intervalCount === 0)).toBe(true);
    for (const old of before) {
      expect(existsSync(join(dir, old.ulid))).toBe(false);
      const child = db.blocks.find((b) => b.meta.compaction.parents.some((p) => p.ulid === old.ulid));
      if (child === undefined) continue; // everything in it was deleted
      expect(child.meta.minTime).toBe(old.minTime);
      expect(child.meta.maxTime).toBe(old.maxTime);
      expect(child.meta.compaction.level).toBe(1);
      expect(child.meta.compaction.sources).toEqual([child.ulid]);
      expect(child.meta.stats.numSamples).toBeLessThanOrEqual(old.stats.numSamples);
    }
    expectModel(await read(db), model);
    await db.close();
    const again = await DB.open(options(dir));
    expectModel(await read(again), model);
    await again.close();
    expect(readdirSync(dir).some((n) => n.includes('.tmp'))).toBe(false);
    if (!PROMTOOL) return;
    const copy = join(root, 'cleaned-copy');
    cpSync(dir, copy, { recursive: true });
    rmSync(join(copy, 'wal'), { recursive: true });
    expect(promtoolResult(['tsdb', 'analyze', copy]).status).toBe(0);
  });
});

describe('deletion with out-of-order samples', () => {
  it('hides out-of-order samples in the head and keeps them out of the blocks written later', async () => {
    const dir = join(root, 'ooo');
    const opts = options(dir, { outOfOrderTimeWindowMs: 50_000 });
    const model: Model = new Map();
    const db = await DB.open(opts);
    const l = series(0);
    for (let t = 0; t < 2.5 * RANGE; t += 2_000) {
      const app = db.appendable.appender();
      app.append(0, l, t, t);
      record(model, l, t, t);
      if (t >= 20_000) {
        app.append(0, l, t - 11_001, -t); // out of order, odd ms
        record(model, l, t - 11_001, -t);
      }
      await app.commit();
    }
    const sel = parseSeriesSelector('{idx="0"}');
    await db.delete(30_000, 70_000, sel);
    deleteInModel(model, sel, 30_000, 70_000);
    expectModel(await read(db), model);
    await db.close();
    const db2 = await DB.open(opts);
    expectModel(await read(db2), model);
    for (let t = 2.5 * RANGE; t < 5 * RANGE; t += 2_000) {
      const app = db2.appendable.appender();
      app.append(0, l, t, t);
      record(model, l, t, t);
      await app.commit();
    }
    await db2.compactHead();
    expect(db2.blocks.length).toBeGreaterThan(0);
    expectModel(await read(db2), model);
    await db2.close();
    const db3 = await DB.open(opts);
    expectModel(await read(db3), model);
    await db3.close();
  });
});
