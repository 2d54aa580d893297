import { existsSync, readdirSync, utimesSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../../src/storage/errors.js';
import type { Histogram } from '../../../src/storage/interface.js';
import { AgentDB, validateAgentOptions, type ForwardProgress } from '../../../src/tsdb/agent/index.js';
import { listCheckpoints, listSegments } from '../../../src/tsdb/wal/index.js';
import { Prng } from '../../helpers/prng.js';
import { bitsOf, labels, openTestAgent, readWal, tempDir } from './helpers.js';

const cleanups: (() => void)[] = [];
const open: AgentDB[] = [];
afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
  for (const c of cleanups.splice(0)) c();
});

function dir(): string {
  const t = tempDir('promwasm-agent-');
  cleanups.push(t.cleanup);
  return t.dir;
}

async function agent(d: string, extra: Parameters<typeof openTestAgent>[1] = {}): Promise<AgentDB> {
  const db = await openTestAgent(d, extra);
  open.push(db);
  return db;
}

async function reopen(db: AgentDB, extra: Parameters<typeof openTestAgent>[1] = {}): Promise<AgentDB> {
  await db.close();
  open.splice(open.indexOf(db), 1);
  return agent(db.dir, extra);
}

const STALE = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer);
const up = labels({ __name__: 'up', job: 'a' });
const other = labels({ __name__: 'x', job: 'b' });

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof StorageError) return err.code;
    throw err;
  }
  return undefined;
}

describe('agent options', () => {
  it('applies Prometheus 2.42 defaults and clamps', () => {
    expect(validateAgentOptions({ dir: 'x', walCompression: true })).toEqual({
      truncateFrequencyMs: 7_200_000, minWalTimeMs: 300_000, maxWalTimeMs: 14_400_000,
    });
    // max-time below min-time takes min-time, and never less than the truncate frequency.
    expect(validateAgentOptions({ dir: 'x', walCompression: true, minWalTimeMs: 10 * 3_600_000, maxWalTimeMs: 60_000 }).maxWalTimeMs).toBe(36_000_000);
    expect(validateAgentOptions({ dir: 'x', walCompression: true, maxWalTimeMs: 60_000, truncateFrequencyMs: 600_000 }).maxWalTimeMs).toBe(600_000);
  });
});

describe('agent appender', () => {
  it('logs series and samples to <dir>/wal in the WAL format, value bits exact', async () => {
    const d = dir();
    const db = await agent(d);
    const app = db.appendable.appender();
    const ref = app.append(0, up, 1000, 1);
    expect(app.append(ref, up, 2000, STALE[0]!)).toBe(ref);
    const vs = Float64Array.of(-0, Infinity, STALE[0]!);
    const ref2 = app.appendSamples(0, other, Float64Array.of(10, 20, 30), vs, 0, 3);
    await app.commit();
    expect(ref).toBe(1);
    expect(ref2).toBe(2);
    const wal = readWal(join(d, 'wal'));
    expect([...wal.series]).toEqual([[1, up], [2, other]]);
    expect(wal.samples).toEqual([
      { ref: 1, t: 1000, bits: '3ff0000000000000' },
      { ref: 1, t: 2000, bits: '7ff0000000000002' },
      { ref: 2, t: 10, bits: '8000000000000000' },
      { ref: 2, t: 20, bits: '7ff0000000000000' },
      { ref: 2, t: 30, bits: '7ff0000000000002' },
    ]);
    expect(db.stats().numSeries).toBe(2);
    expect(db.counters.floatSamplesAppended).toBe(5);
    // Nothing but the WAL (and the lock): no chunks_head, no blocks.
    expect(readdirSync(d).sort()).toEqual(['lock', 'wal']);
    expect(db.cleanStart).toBe(1);
  });

  it('rejects samples behind the newest committed one, takes equal times (2.42 agent semantics)', async () => {
    const db = await agent(dir());
    const a = db.appendable.appender();
    a.append(0, up, 1000, 1);
    // Within one transaction nothing is checked against pending samples: both are logged.
    a.append(0, up, 500, 2);
    await a.commit();
    expect(db.counters.outOfOrderSamples).toBe(1);
    const b = db.appendable.appender();
    expect(codeOf(() => b.append(0, up, 999, 1))).toBe('OUT_OF_ORDER_SAMPLE');
    expect(codeOf(() => b.append(0, up, 1000, 7))).toBeUndefined();
    const err = (() => {
      try {
        b.appendSamples(0, up, Float64Array.of(1001, 1002, 3, 1004), new Float64Array(4), 0, 4);
      } catch (e) {
        return e as StorageError;
      }
    })();
    expect(err?.code).toBe('OUT_OF_ORDER_SAMPLE');
    expect(err?.appended).toBe(2);
    expect(codeOf(() => b.append(0, up, 1.5, 1))).toBe('INVALID_SAMPLE');
    await b.commit();
    const wal = readWal(db.walDir);
    expect(wal.samples.map((s) => s.t)).toEqual([1000, 500, 1000, 1001, 1002]);
    expect(db.counters.outOfOrderSamples).toBe(3);
  });

  it('refuses bad label sets, cleans empty values', async () => {
    const db = await agent(dir());
    const app = db.appendable.appender();
    expect(codeOf(() => app.append(0, [], 1, 1))).toBe('INVALID_LABELS');
    expect(codeOf(() => app.append(0, [{ name: 'a', value: '1' }, { name: 'a', value: '2' }], 1, 1))).toBe('INVALID_LABELS');
    const ref = app.append(0, [{ name: '__name__', value: 'm' }, { name: 'empty', value: '' }], 1, 1);
    expect(app.append(0, labels({ __name__: 'm' }), 2, 1)).toBe(ref);
    await app.commit();
    expect([...readWal(db.walDir).series.values()]).toEqual([labels({ __name__: 'm' })]);
  });

  it('logs a series created by a rolled-back appender with the first sample committed for it', async () => {
    const db = await agent(dir());
    const a = db.appendable.appender();
    const ref = a.append(0, up, 1, 1);
    await a.rollback();
    const b = db.appendable.appender();
    expect(b.append(0, up, 2, 1)).toBe(ref);
    await b.commit();
    const wal = readWal(db.walDir);
    expect(wal.seriesOrder).toEqual([ref]);
    expect(wal.samples).toEqual([{ ref, t: 2, bits: bitsOf(1) }]);
  });

  it('orders a series record before samples when another appender commits first', async () => {
    const db = await agent(dir());
    const a = db.appendable.appender();
    const b = db.appendable.appender();
    a.append(0, up, 1, 1); // creates the series
    b.append(0, up, 2, 2);
    await b.commit(); // logs the series record with b's sample
    await a.commit();
    const wal = readWal(db.walDir); // readWal throws on a sample before its series
    expect(wal.seriesOrder).toEqual([1]);
    expect(wal.samples.map((s) => s.t)).toEqual([2, 1]);
    expect(db.counters.outOfOrderSamples).toBe(1);
  });

  it('logs histograms (records 7 and 8) and exemplars; drops repeated exemplars; metadata is a no-op', async () => {
    const db = await agent(dir());
    const app = db.appendable.appender();
    const h: Histogram = {
      isFloat: false, counterResetHint: 'unknown', schema: 1, zeroThreshold: 0.001, zeroCount: 1, count: 5, sum: 12.5,
      positiveSpans: [{ offset: 0, length: 2 }], negativeSpans: [], positiveBuckets: [2, 0], negativeBuckets: [],
    };
    const fh: Histogram = { ...h, isFloat: true, zeroCount: 1.5, count: 5.5, positiveBuckets: [2, 2] };
    const ref = app.appendHistogram(0, up, 100, h);
    app.appendHistogram(ref, up, 200, fh);
    const e = { labels: labels({ trace_id: 'abc' }), value: 3, ts: 150, hasTs: true };
    expect(app.appendExemplar(ref, up, e)).toBe(ref);
    app.appendExemplar(ref, up, { ...e });
    expect(() => app.appendExemplar(ref, up, { ...e, labels: labels({ t: 'x'.repeat(200) }) })).toThrow(/exceeds maximum of 128/);
    expect(app.updateMetadata(ref, up, { type: 'counter', help: 'h', unit: '' })).toBe(0);
    await app.commit();
    const wal = readWal(db.walDir);
    expect(wal.histograms.map((x) => [x.ref, x.t, x.h.isFloat, x.h.count])).toEqual([[ref, 100, false, 5], [ref, 200, true, 5.5]]);
    expect(wal.exemplars).toEqual([{ ref, t: 150, value: 3, labels: labels({ trace_id: 'abc' }) }]);
    expect(db.counters.histogramSamplesAppended).toBe(2);
    expect(db.counters.exemplarsAppended).toBe(1);
    expect(() => db.appendable.appender().appendExemplar(999, other, e)).toThrow('unknown series ref when trying to add exemplar: 999');
  });

  it('refuses commits after close', async () => {
    const db = await agent(dir());
    const app = db.appendable.appender();
    app.append(0, up, 1, 1);
    await db.close();
    open.splice(open.indexOf(db), 1);
    await expect(app.commit()).rejects.toMatchObject({ code: 'STORAGE_CLOSED' });
  });
});

describe('agent directory lock', () => {
  it('holds <dir>/lock while open, refuses a second opener, none with noLockfile', async () => {
    const d = dir();
    const db = await agent(d);
    await expect(openTestAgent(d)).rejects.toThrow(/lock/);
    await db.close();
    open.splice(open.indexOf(db), 1);
    expect(existsSync(join(d, 'lock'))).toBe(false);
    const unlocked = await agent(d, { noLockfile: true });
    expect(unlocked.cleanStart).toBe(-1);
    expect(existsSync(join(d, 'lock'))).toBe(false);
  });
});

describe('agent replay', () => {
  it('restores refs and newest times: out-of-order is still refused after a restart, new refs continue', async () => {
    let db = await agent(dir());
    const app = db.appendable.appender();
    app.append(0, up, 5000, 1);
    app.append(0, other, 7000, 1);
    await app.commit();
    db = await reopen(db);
    expect(db.series.size).toBe(2);
    expect(db.series.getByLabels(up)?.lastTs).toBe(5000);
    const b = db.appendable.appender();
    expect(codeOf(() => b.append(0, up, 4999, 1))).toBe('OUT_OF_ORDER_SAMPLE');
    expect(b.append(0, up, 5000, 1)).toBe(1);
    expect(b.append(0, labels({ __name__: 'new' }), 1, 1)).toBe(3);
    await b.commit();
    const wal = readWal(db.walDir);
    expect(wal.seriesOrder).toEqual([1, 2, 3]); // a replayed series is not logged again
  });

  it('repairs a torn tail and keeps what precedes it', async () => {
    let db = await agent(dir());
    for (let i = 1; i <= 3; i++) {
      const app = db.appendable.appender();
      app.append(0, up, i * 1000, i);
      await app.commit();
    }
    const seg = listSegments(db.walDir).at(-1)!;
    await db.close();
    open.splice(open.indexOf(db), 1);
    // Cut the last record in half.
    const path = join(seg.dir, seg.name);
    const bytes = readFileSync(path);
    let end = bytes.length;
    while (end > 0 && bytes[end - 1] === 0) end--;
    writeFileSync(path, bytes.subarray(0, end - 6));
    db = await agent(db.dir);
    expect(db.walCounters.corruptions).toBe(1);
    expect(db.series.getByLabels(up)?.lastTs).toBe(2000);
    expect(readWal(db.walDir).samples.map((s) => s.t)).toEqual([1000, 2000]);
  });
});

/** A remote-write stand-in: the lowest segment it still needs and the newest time it has sent. */
class FakeQueues implements ForwardProgress {
  pending = 0;
  sentTs = 0;
  lowestPendingSegment(): number {
    return this.pending;
  }
  lowestSentTimestamp(): number {
    return this.sentTs;
  }
}

describe('agent truncation', () => {
  const HOUR = 3_600_000;

  it('checkpoints only what the queues have sent, keeps live series, collects idle ones', async () => {
    let now = 10 * HOUR;
    const d = dir();
    const db = await agent(d, { now: () => now });
    const queues = new FakeQueues();
    db.setForwardProgress(queues);
    const idle = labels({ __name__: 'idle' });
    // Segment 0: idle and up; then each truncation cuts a segment, so every round lands in its own.
    const write = async (t: number, ...sets: typeof up[]): Promise<void> => {
      const app = db.appendable.appender();
      for (const s of sets) app.append(0, s, t, 1);
      await app.commit();
    };
    await write(now - HOUR, idle, up);
    for (let i = 0; i < 5; i++) {
      await db.truncate(); // nothing sent yet: nothing checkpointed
      await write(now, up);
      now += 60_000;
    }
    expect(listCheckpoints(db.walDir)).toEqual([]);
    expect(listSegments(db.walDir).map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5]);

    // Everything up to segment 4 sent, newest sent sample time `now`: idle (newest at now-1h) is collected.
    queues.pending = 5;
    queues.sentTs = now;
    await db.truncate();
    expect(db.series.getByLabels(idle)).toBeUndefined();
    expect(db.deletedSeries).toBe(1);
    // Segments 0..5, new segment 6; last = 5-1 = 4, two thirds: 0 + floor(4*2/3) = 2.
    expect(listCheckpoints(db.walDir).map((c) => c.index)).toEqual([2]);
    expect(listSegments(db.walDir).map((s) => s.index)).toEqual([3, 4, 5, 6]);
    const wal = readWal(db.walDir);
    expect(wal.checkpoint).toBe(2);
    // The collected series' record stays while segments that may name it are not checkpointed.
    expect([...wal.series.values()]).toContainEqual(idle);
    // Samples before the GC time (now - 5m) are dropped from the checkpoint.
    expect(wal.samples.every((s) => s.t >= now - 5 * 60_000)).toBe(true);
    expect(db.walCounters.checkpointCreations).toBe(1);

    // The next truncation that covers the segment of the collection drops its record for good.
    queues.pending = 100;
    let runs = 0;
    while (db.deletedSeries > 0 && runs < 10) {
      await write(now, up);
      await db.truncate();
      runs++;
    }
    expect(runs).toBeLessThan(10);
    const later = readWal(db.walDir);
    expect([...later.series.values()]).not.toContainEqual(idle);
    expect([...later.series.values()]).toContainEqual(up);
    expect(db.deletedSeries).toBe(0);
  });

  it('takes the remote-write retention hook: keeps what a queue needs, collects from now with queues', async () => {
    let now = 100 * HOUR;
    const db = await agent(dir(), { now: () => now });
    let keep: number | undefined = 0;
    db.setWalRetention(() => keep);
    const write = async (t: number, ...sets: typeof up[]): Promise<void> => {
      const app = db.appendable.appender();
      for (const s of sets) app.append(0, s, t, 1);
      await app.commit();
    };
    await write(now - 10 * 60_000, other); // idle for 10 minutes by the next truncation
    for (let i = 0; i < 6; i++) {
      await write(now, up);
      await db.truncate();
      now += 1000;
    }
    expect(listCheckpoints(db.walDir)).toEqual([]); // the queue still needs segment 0
    expect(db.series.getByLabels(other)).toBeUndefined(); // with queues, idle means min-time before now
    expect(db.series.getByLabels(up)).toBeDefined();
    keep = 3;
    await db.truncate();
    expect(listCheckpoints(db.walDir).map((c) => c.index)).toEqual([2]);
    keep = undefined; // no queues any more: 2.42's lowest sent time 0, so only max-time collects
    await write(now - 3 * HOUR, labels({ __name__: 'old' }));
    await db.truncate();
    expect(db.series.getByLabels(labels({ __name__: 'old' }))).toBeDefined();
  });

  it('drops unsent segments only once they are older than max-time', async () => {
    let now = 100 * HOUR;
    const db = await agent(dir(), { now: () => now });
    const queues = new FakeQueues(); // has sent nothing
    db.setForwardProgress(queues);
    for (let i = 0; i < 6; i++) {
      const app = db.appendable.appender();
      app.append(0, up, now + i, 1);
      await app.commit();
      await db.truncate();
    }
    expect(listCheckpoints(db.walDir)).toEqual([]);
    // Segments 0..2 were last written five hours ago (max-time 4h): they may go.
    for (const s of listSegments(db.walDir).slice(0, 3)) utimesSync(join(s.dir, s.name), new Date(now - 5 * HOUR), new Date(now - 5 * HOUR));
    await db.truncate();
    expect(listCheckpoints(db.walDir).map((c) => c.index)).toEqual([2]);
    expect(db.walCounters.unsentSegmentsDropped).toBe(3);
  });

  it('without queues, collects by max-time only (lowest sent time 0) and truncates freely', async () => {
    let now = 100 * HOUR;
    const db = await agent(dir(), { now: () => now });
    const app = db.appendable.appender();
    app.append(0, up, now - 5 * HOUR, 1);
    app.append(0, other, now - HOUR, 1);
    await app.commit();
    await db.truncate();
    expect(db.series.getByLabels(up)).toBeUndefined();
    expect(db.series.getByLabels(other)).toBeDefined();
  });

  it('never collects a series an open appender holds', async () => {
    const now = 100 * HOUR;
    const db = await agent(dir(), { now: () => now });
    const held = db.appendable.appender();
    held.append(0, up, 1, 1);
    await db.truncate();
    expect(db.series.getByLabels(up)).toBeDefined();
    await held.commit();
    expect(readWal(db.walDir).seriesOrder).toEqual([1]);
  });

  it('replays a truncated WAL: checkpoint, then segments', async () => {
    let now = 10 * HOUR;
    let db = await agent(dir(), { now: () => now });
    const queues = new FakeQueues();
    queues.pending = Infinity;
    db.setForwardProgress(queues);
    for (let i = 0; i < 8; i++) {
      const app = db.appendable.appender();
      app.append(0, up, now, i);
      if (i < 2) app.append(0, other, now, i);
      await app.commit();
      queues.sentTs = now;
      await db.truncate();
      now += 60_000;
    }
    expect(listCheckpoints(db.walDir).length).toBe(1);
    const before = [...db.series].map((s) => [s.ref, s.lastTs]);
    expect(before).toEqual([[1, now - 60_000]]);
    db = await reopen(db, { now: () => now });
    // As 2.42: a collected series whose record the checkpoint still keeps comes back with time 0,
    // to be collected again at the next truncation.
    expect([...db.series].map((s) => [s.ref, s.lastTs])).toEqual([...before, [2, 0]]);
    await db.truncate();
    expect([...db.series].map((s) => [s.ref, s.lastTs])).toEqual(before);
  });
});

describe('agent WAL under seeded random load', () => {
  for (const seed of [1, 2, 3]) {
    it(`every committed sample is in the WAL once, in commit order, across restarts (seed ${seed})`, async () => {
      const rnd = new Prng(seed);
      let db = await agent(dir(), { walSegmentSize: 32 * 1024 });
      const sets = Array.from({ length: 40 }, (_, i) => labels({ __name__: `m${i % 7}`, i: String(i) }));
      const newest = new Map<number, number>();
      const expected: string[] = [];
      const refOf = new Map<string, number>();
      for (let round = 0; round < 60; round++) {
        const app = db.appendable.appender();
        const pending: string[] = [];
        const pendingNewest = new Map<number, number>();
        for (let k = rnd.int(1, 30); k > 0; k--) {
          const si = rnd.int(0, sets.length - 1);
          const t = rnd.int(0, 1000) + round * 500;
          const v = rnd.chance(0.05) ? STALE[0]! : rnd.next() * 100;
          const code = codeOf(() => app.append(0, sets[si]!, t, v));
          const last = newest.get(si) ?? -Infinity;
          expect(code, `round ${round}`).toBe(t < last ? 'OUT_OF_ORDER_SAMPLE' : undefined);
          if (code === undefined) {
            pending.push(`${si} ${t} ${bitsOf(v)}`);
            pendingNewest.set(si, Math.max(pendingNewest.get(si) ?? -Infinity, t));
          }
        }
        if (rnd.chance(0.2)) {
          await app.rollback();
        } else {
          await app.commit();
          expected.push(...pending);
          for (const [si, t] of pendingNewest) newest.set(si, Math.max(newest.get(si) ?? -Infinity, t));
        }
        if (rnd.chance(0.1)) db = await reopen(db, { walSegmentSize: 32 * 1024 });
      }
      const wal = readWal(db.walDir);
      for (const [ref, ls] of wal.series) refOf.set(JSON.stringify(ls), ref);
      const indexOfRef = new Map(sets.map((s, i) => [refOf.get(JSON.stringify(s)), i]));
      expect(wal.samples.map((s) => `${indexOfRef.get(s.ref)} ${s.t} ${s.bits}`)).toEqual(expected);
      expect(existsSync(join(db.dir, 'chunks_head'))).toBe(false);
    });
  }
});
