import { describe, expect, it } from 'vitest';
import type { BlockStats } from '../../../src/tsdb/block/meta.js';
import { compactionRanges, exponentialBlockRanges, hasOverlaps, planCompaction, splitByRange, type PlannedBlock } from '../../../src/tsdb/compact/planner.js';

const H = 3_600_000;

function block(dir: string, minTime: number, maxTime: number, stats: Partial<BlockStats> = {}, failed = false): PlannedBlock {
  return {
    dir,
    meta: {
      minTime,
      maxTime,
      stats: { numSamples: 0, numSeries: 0, numChunks: 0, numTombstones: 0, ...stats },
      compaction: { level: 1, sources: [], deletable: false, parents: [], failed, hints: [] },
    },
  };
}

describe('block ranges', () => {
  it('grow threefold from the minimum block duration', () => {
    expect(exponentialBlockRanges(2 * H, 10, 3)).toEqual([2, 6, 18, 54, 162, 486, 1458, 4374, 13122, 39366].map((h) => h * H));
  });

  it('stop before the first range longer than the maximum block duration', () => {
    // Default flags: retention 15d, so blocks span at most 1.5d = 36h.
    expect(compactionRanges(2 * H, 36 * H)).toEqual([2 * H, 6 * H, 18 * H]);
    expect(compactionRanges(2 * H, 31 * 24 * H)).toEqual([2, 6, 18, 54, 162, 486].map((h) => h * H));
    // A maximum below the minimum is raised to it, leaving one range: no level compaction.
    expect(compactionRanges(2 * H, H)).toEqual([2 * H]);
    expect(compactionRanges(2 * H, 2 * H)).toEqual([2 * H]);
  });
});

describe('splitByRange (cases of compact_test.go TestSplitByRange)', () => {
  const cases: [number, [number, number][], [number, number][][]][] = [
    [60, [[0, 10]], [[[0, 10]]]],
    [60, [[0, 60]], [[[0, 60]]]],
    [60, [[0, 10], [9, 15], [30, 60]], [[[0, 10], [9, 15], [30, 60]]]],
    [60, [[70, 90], [125, 130], [130, 180], [1000, 1001]], [[[70, 90]], [[125, 130], [130, 180]], [[1000, 1001]]]],
    [60, [[50, 70], [70, 80]], [[[70, 80]]]], // a block crossing a window edge belongs to none
    [72, [[0, 144], [144, 216], [216, 288]], [[[144, 216]], [[216, 288]]]],
    [60, [[-10, -5]], [[[-10, -5]]]],
    [60, [[-60, -50], [-10, -5]], [[[-60, -50], [-10, -5]]]],
    [60, [[-60, -50], [-10, -5], [0, 15]], [[[-60, -50], [-10, -5]], [[0, 15]]]],
  ];
  it.each(cases)('range %i over %j', (range, input, expected) => {
    const groups = splitByRange(input.map(([a, b], i) => block(String(i), a, b)), range);
    expect(groups.map((g) => g.map((b) => [b.meta.minTime, b.meta.maxTime]))).toEqual(expected);
  });
});

describe('planCompaction (cases of compact_test.go TestLeveledCompactor_plan)', () => {
  const ranges = [20, 60, 180, 540, 1620];
  const cases: [string, PlannedBlock[], string[]][] = [
    ['a single block', [block('1', 0, 20)], []],
    ['two small blocks: wait for the range to fill', [block('1', 0, 20), block('2', 20, 40)], []],
    ['three small blocks, the newest left out', [block('1', 0, 20), block('2', 20, 40), block('3', 40, 60)], []],
    ['a fourth block completes the range of the first three', [block('1', 0, 20), block('2', 20, 40), block('3', 40, 60), block('4', 60, 80)], ['1', '2', '3']],
    ['a gap, the newest left out', [block('1', 0, 20), block('2', 20, 40), block('3', 60, 80)], []],
    ['a gap before the next range: the first two go', [block('1', 0, 20), block('2', 20, 40), block('3', 60, 80), block('4', 80, 100)], ['1', '2']],
    ['20, 20, 20, 60, 60', [block('1', 0, 20), block('2', 20, 40), block('3', 40, 60), block('4', 60, 120), block('5', 120, 180)], ['1', '2', '3']],
    [
      '20, 60, 60 across the 180 range, unsorted input',
      [block('2', 20, 40), block('4', 60, 120), block('5', 960, 980), block('6', 120, 180), block('7', 720, 960)],
      ['2', '4', '6'],
    ],
    ['a large block with tombstones but no newer block', [block('1', 0, 540, { numSeries: 10, numTombstones: 3 })], []],
    ['a large block with tombstones and a newer block', [block('1', 0, 540, { numSeries: 10, numTombstones: 3 }), block('2', 540, 560)], ['1']],
    ['a small block with tombstones', [block('1', 0, 60, { numSeries: 10, numTombstones: 3 }), block('2', 60, 80)], []],
    ['no series and no tombstones is not worth rewriting', [block('1', 0, 540), block('2', 540, 560)], []],
    ['the newest block is the one with the highest minTime', [block('5', 0, 360), block('6', 540, 560), block('7', 360, 420), block('8', 420, 540)], ['7', '8']],
    ['overlap of the first two', [block('1', 0, 20), block('2', 19, 40), block('3', 40, 60)], ['1', '2']],
    ['overlap of the last two', [block('1', 0, 20), block('2', 20, 40), block('3', 30, 50)], ['2', '3']],
    ['a chain of overlaps', [block('1', 0, 20), block('2', 10, 40), block('3', 30, 50)], ['1', '2', '3']],
    ['a long block overlapping three', [block('5', 0, 360), block('6', 340, 560), block('7', 360, 420), block('8', 420, 540)], ['5', '6', '7', '8']],
    ['only the first run of overlaps', [block('1', 0, 10), block('2', 9, 20), block('3', 30, 40), block('4', 39, 50)], ['1', '2']],
  ];
  it.each(cases)('%s', (_title, blocks, expected) => {
    expect(planCompaction(blocks, ranges)).toEqual(expected);
  });

  it('a fully deleted small block is rewritten', () => {
    expect(planCompaction([block('1', 0, 60, { numSeries: 3, numTombstones: 3 }), block('2', 60, 80)], ranges)).toEqual(['1']);
  });

  it('one range: nothing but overlaps is ever compacted', () => {
    expect(planCompaction([block('1', 0, 100), block('2', 101, 200)], [50])).toEqual([]);
    expect(planCompaction([block('1', 0, 100), block('2', 50, 200)], [50])).toEqual(['1', '2']);
  });

  // compact_test.go TestRangeWithFailedCompactionWontGetSelected: a group holding a block whose
  // compaction failed is never chosen.
  it.each([
    [[block('1', 0, 20), block('2', 20, 40, {}, true), block('3', 40, 60), block('4', 60, 80)]],
    [[block('1', 0, 20), block('2', 20, 40, {}, true), block('3', 60, 80), block('4', 80, 100)]],
    [[block('1', 0, 20), block('2', 20, 40, {}, true), block('3', 40, 60), block('4', 60, 120), block('5', 120, 180), block('6', 180, 200)]],
  ])('failed compaction %#', (blocks) => {
    expect(planCompaction(blocks, [20, 60, 240, 720, 2160])).toEqual([]);
  });
});

describe('hasOverlaps', () => {
  it('finds any overlap in minTime order, touching ranges not overlapping', () => {
    const r = (minTime: number, maxTime: number) => ({ minTime, maxTime });
    expect(hasOverlaps([r(0, 10), r(10, 20), r(20, 30)])).toBe(false);
    expect(hasOverlaps([r(0, 100), r(10, 20), r(30, 40)])).toBe(true);
    expect(hasOverlaps([r(0, 10), r(9, 20)])).toBe(true);
    expect(hasOverlaps([])).toBe(false);
  });
});
