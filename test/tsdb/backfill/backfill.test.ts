// backfillOpenMetrics and the head rules it follows, without promtool: windows, commit batches,
// what is dropped and what fails, and the blocks read back.

import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Block } from '../../../src/tsdb/block/block.js';
import { ReadOnlyDB } from '../../../src/tsdb/block/db.js';
import { backfillOpenMetrics, BackfillError, compatibleBlockDuration, SAMPLES_PER_COMMIT, timeRange } from '../../../src/tsdb/backfill/index.js';
import { parseSeriesSelector } from '../../../src/model/matchers.js';
import { formatLabels } from '../../../src/format/index.js';

const H = 3_600_000;
const work = mkdtempSync(join(tmpdir(), 'promwasm-backfill-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let dirs = 0;

async function backfill(text: string, maxBlockDuration?: number) {
  const dir = join(work, String(dirs++));
  mkdirSync(dir);
  const metas = await backfillOpenMetrics(new TextEncoder().encode(text), dir, { maxBlockDuration });
  return { dir, metas };
}

/** Every sample of a directory as `labels value t` lines. */
async function dump(dir: string): Promise<string[]> {
  const db = await ReadOnlyDB.open(dir);
  const lines: string[] = [];
  try {
    for await (const s of db.select(parseSeriesSelector('{__name__=~".+"}'), -(2 ** 52), 2 ** 52)) {
      for await (const b of s.batches()) for (let i = 0; i < b.length; i++) lines.push(`${formatLabels(s.labels)} ${Object.is(b.values[i], -0) ? '-0' : b.values[i]} ${b.timestamps[i]}`);
    }
  } finally {
    await db.close();
  }
  return lines;
}

async function failure(text: string): Promise<string> {
  try {
    await backfill(text);
  } catch (e) {
    expect(e).toBeInstanceOf(BackfillError);
    return (e as Error).message;
  }
  throw new Error('expected the backfill to fail');
}

describe('block durations', () => {
  it('uses 2h up to 2h, then the largest of 2h·3^k (k < 10) not above the flag', () => {
    expect(compatibleBlockDuration(0)).toBe(2 * H);
    expect(compatibleBlockDuration(H)).toBe(2 * H);
    expect(compatibleBlockDuration(6 * H - 1)).toBe(2 * H);
    expect(compatibleBlockDuration(6 * H)).toBe(6 * H);
    expect(compatibleBlockDuration(100 * H)).toBe(54 * H);
    expect(compatibleBlockDuration(2 * H * 3 ** 9)).toBe(2 * H * 3 ** 9);
    expect(compatibleBlockDuration(Number.MAX_SAFE_INTEGER)).toBe(2 * H * 3 ** 9);
  });

  it('cuts blocks at multiples of the duration since the epoch, skipping empty windows', async () => {
    const { dir, metas } = await backfill('a 1 7199.999\na 2 7200\nb 3 36000\n# EOF\n');
    expect(metas.map((m) => [m.minTime, m.maxTime, m.stats.numSamples])).toEqual([
      [7_199_999, 7_200_000, 1],
      [7_200_000, 7_200_001, 1],
      [36_000_000, 36_000_001, 1],
    ]);
    expect(readdirSync(dir)).toHaveLength(3);
  });

  it('aligns a negative start toward zero, as Go divides, losing what lies before it (as promtool)', async () => {
    const { dir, metas } = await backfill('a 1 -1\na 1 -7300\nb 1 3\n# EOF\n');
    expect(metas.map((m) => m.minTime)).toEqual([-1000, 3000]);
    expect(await dump(dir)).toEqual(['{__name__="a"} 1 -1000', '{__name__="b"} 1 3000']);
  });

  it('writes nothing for input without samples', async () => {
    const { dir, metas } = await backfill('# TYPE a gauge\n# HELP a x\n# EOF\n');
    expect(metas).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
    expect(timeRange(new TextEncoder().encode('# EOF\n'))).toEqual({ mint: 0, maxt: 0 });
  });
});

describe('samples as the head takes them', () => {
  it('truncates seconds to milliseconds and keeps NaN, ±Inf and -0', async () => {
    const { dir } = await backfill('a 1 1.0009\na NaN 2\na +Inf 3\na -Inf 4\na -0 5\n# EOF\n');
    expect(await dump(dir)).toEqual(['{__name__="a"} 1 1000', '{__name__="a"} NaN 2000', '{__name__="a"} Infinity 3000', '{__name__="a"} -Infinity 4000', '{__name__="a"} -0 5000']);
  });

  it('drops empty label values and merges series that then have equal labels, in any written order', async () => {
    const { dir, metas } = await backfill('a{x="",y="1"} 1 1\na{y="1"} 2 2\na{y="1",x=""} 3 3\n# EOF\n');
    expect(metas[0]!.stats).toMatchObject({ numSeries: 1, numSamples: 3 });
    expect(await dump(dir)).toEqual(['{__name__="a", y="1"} 1 1000', '{__name__="a", y="1"} 2 2000', '{__name__="a", y="1"} 3 3000']);
  });

  it('drops, inside one commit batch, samples not after the series\' newest: out of order and duplicates', async () => {
    const { dir } = await backfill('a 1 2\na 5 1\na 3 2\na 1 2\na 4 3\n# EOF\n');
    expect(await dump(dir)).toEqual(['{__name__="a"} 1 2000', '{__name__="a"} 4 3000']);
  });

  const committed = (from: number): string => Array.from({ length: SAMPLES_PER_COMMIT }, (_, i) => `a ${i} ${from + i}\n`).join('');

  it('refuses, after a commit, samples older than the committed ones or at the same time with another value', async () => {
    expect(await failure(`${committed(10)}a 1 9\n# EOF\n`)).toBe('block creation: process blocks: add sample: out of order sample');
    expect(await failure(`${committed(10)}a 1 ${10 + SAMPLES_PER_COMMIT - 1}\n# EOF\n`)).toBe('block creation: process blocks: add sample: duplicate sample for timestamp');
    expect(await failure(`${committed(10)}a NaN ${10 + SAMPLES_PER_COMMIT - 1}\n# EOF\n`)).toContain('duplicate sample for timestamp');
  });

  it('takes an exact duplicate of the last committed sample silently, and checks only against committed samples', async () => {
    const last = 10 + SAMPLES_PER_COMMIT - 1;
    const { dir, metas } = await backfill(`${committed(10)}a ${SAMPLES_PER_COMMIT - 1} ${last}\nb 1 1\nb 2 0.5\n# EOF\n`);
    expect(metas[0]!.stats.numSamples).toBe(SAMPLES_PER_COMMIT + 1);
    expect((await dump(dir)).filter((l) => l.startsWith('{__name__="b"}'))).toEqual(['{__name__="b"} 1 1000']);
    // One append fewer: the stale sample lands in the same batch as the sample it is older than and is dropped.
    const batch = Array.from({ length: SAMPLES_PER_COMMIT - 1 }, (_, i) => `a ${i} ${10 + i}\n`).join('');
    const kept = await backfill(`${batch}a 1 9\n# EOF\n`);
    expect(kept.metas[0]!.stats.numSamples).toBe(SAMPLES_PER_COMMIT - 1);
  });
});

describe('errors, with promtool\'s messages', () => {
  it.each([
    ['a 1 1\n', 'getting min and max timestamp: next: data does not end with # EOF'],
    ['a 1\n# EOF\n', 'getting min and max timestamp: expected timestamp for series got none'],
    ['a{ 1 1\n# EOF\n', 'getting min and max timestamp: next: expected label name or left brace, got "INVALID"'],
    ['a 1 1\n# EOF\nfoo\n', 'getting min and max timestamp: next: unexpected data after # EOF'],
    ['a{x="1",x="2"} 1 1\n# EOF\n', 'block creation: process blocks: add sample: label name "x" is not unique: invalid sample'],
    // Past int64, Go's conversion (and the parser's) gives -2^63; promtool would then walk 1.3e12 windows.
    ['a 1 1e20\n# EOF\n', 'getting min and max timestamp: timestamp -9223372036854775808 ms of series {__name__="a"} is beyond ±2^53 ms, which promwasm does not support'],
  ])('%j', async (text, message) => {
    expect(await failure(text)).toBe(message);
  });

  it('keeps the blocks of earlier windows and no trace of the failing one', async () => {
    const dir = join(work, 'partial');
      mkdirSync(dir);
    await expect(backfillOpenMetrics(new TextEncoder().encode('a 1 1\nb{x="1",x="2"} 1 8000\n# EOF\n'), dir)).rejects.toThrow('is not unique');
    const names = readdirSync(dir);
    expect(names).toHaveLength(1);
    const block = await Block.open(join(dir, names[0]!));
    expect(block.meta.stats.numSamples).toBe(1);
    await block.close();
  });
});
