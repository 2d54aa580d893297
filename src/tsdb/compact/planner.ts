// Prometheus 2.42's leveled compaction planner (tsdb/compact.go: LeveledCompactor.plan), as a pure
// function of block metadata: which blocks to compact next into one.
//
// In order of priority: overlapping blocks (vertical compaction); then, leaving out the newest block,
// the first group of blocks that fills one of the larger ranges (or lies wholly before the newest
// block); then a single block with enough tombstones to be worth rewriting.

import type { BlockMeta } from '../block/meta.js';

/** What the planner needs of a block. */
export interface PlannedBlock {
  readonly dir: string;
  readonly meta: Pick<BlockMeta, 'minTime' | 'maxTime' | 'stats' | 'compaction'>;
}

/** minSize, minSize·stepSize, …: `steps` ranges (Prometheus's ExponentialBlockRanges). */
export function exponentialBlockRanges(minSize: number, steps: number, stepSize: number): number[] {
  const ranges: number[] = [];
  for (let i = 0, r = minSize; i < steps; i++, r *= stepSize) ranges.push(r);
  return ranges;
}

/**
 * The compaction ranges of a DB (tsdb.open): 10 ranges growing threefold from the minimum block
 * duration, cut before the first one longer than the maximum block duration.
 */
export function compactionRanges(minBlockDuration: number, maxBlockDuration: number): number[] {
  const ranges = exponentialBlockRanges(minBlockDuration, 10, 3);
  const longer = ranges.findIndex((r) => r > Math.max(maxBlockDuration, minBlockDuration));
  return longer < 0 ? ranges : ranges.slice(0, longer);
}

/** The directories to compact next into one block, in minTime order; empty when nothing is due. */
export function planCompaction(blocks: readonly PlannedBlock[], ranges: readonly number[]): string[] {
  // Stable, as Go's sort.Slice is on the few blocks it sees (insertion sort below 13 elements).
  const sorted = [...blocks].sort((a, b) => a.meta.minTime - b.meta.minTime);
  const overlapping = selectOverlapping(sorted);
  if (overlapping.length > 0) return overlapping;

  // The newest block stays out: it was just written from the head, and leaving it alone for a block
  // range lets users back up new data piece by piece without overlaps.
  const candidates = sorted.slice(0, -1);
  const selected = selectByRanges(candidates, ranges);
  if (selected.length > 0) return selected.map((b) => b.dir);

  for (let i = candidates.length - 1; i >= 0; i--) {
    const { meta } = candidates[i]!;
    const { numTombstones, numSeries } = meta.stats;
    if (meta.maxTime - meta.minTime < ranges[Math.trunc(ranges.length / 2)]!) {
      // A wholly deleted block is worth rewriting whatever its size.
      if (numTombstones > 0 && numTombstones >= numSeries) return [candidates[i]!.dir];
      break;
    }
    if (numTombstones / (numSeries + 1) > 0.05) return [candidates[i]!.dir];
  }
  return [];
}

/** The first run of blocks (sorted by minTime) whose ranges overlap, in the same order. */
function selectOverlapping(sorted: readonly PlannedBlock[]): string[] {
  const dirs: string[] = [];
  if (sorted.length < 2) return dirs;
  let globalMaxt = sorted[0]!.meta.maxTime;
  for (let i = 1; i < sorted.length; i++) {
    const b = sorted[i]!;
    if (b.meta.minTime < globalMaxt) {
      if (dirs.length === 0) dirs.push(sorted[i - 1]!.dir);
      dirs.push(b.dir);
    } else if (dirs.length > 0) {
      break;
    }
    globalMaxt = Math.max(globalMaxt, b.meta.maxTime);
  }
  return dirs;
}

/** Whether any two of the ranges [minTime, maxTime), given in minTime order, overlap (a vertical compaction). */
export function hasOverlaps(metas: readonly { readonly minTime: number; readonly maxTime: number }[]): boolean {
  let maxt = -Infinity;
  for (const m of metas) {
    if (m.minTime < maxt) return true;
    maxt = Math.max(maxt, m.maxTime);
  }
  return false;
}

/**
 * For each range above the smallest, the blocks split into aligned windows of that range; the first
 * window of two or more blocks (none of them failed in compaction) that spans the whole range, or ends
 * before the newest candidate starts, is chosen.
 */
function selectByRanges(blocks: readonly PlannedBlock[], ranges: readonly number[]): PlannedBlock[] {
  if (ranges.length < 2 || blocks.length < 1) return [];
  const highTime = blocks[blocks.length - 1]!.meta.minTime;
  for (const range of ranges.slice(1)) {
    for (const group of splitByRange(blocks, range)) {
      if (group.some((b) => b.meta.compaction.failed)) continue;
      const mint = group[0]!.meta.minTime;
      const maxt = group[group.length - 1]!.meta.maxTime;
      if ((maxt - mint === range || maxt <= highTime) && group.length > 1) return group;
    }
  }
  return [];
}

/**
 * Groups blocks by the window [t0, t0 + range) aligned to multiples of range that holds them; a block
 * reaching past the window of its start belongs to none. E.g. range 30: [0-10, 10-20], [50-60], [90-100].
 */
export function splitByRange<T extends PlannedBlock>(blocks: readonly T[], range: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < blocks.length; ) {
    const m = blocks[i]!.meta;
    // Go's division truncates toward zero; for negative times the window start is floored.
    const t0 = m.minTime >= 0 ? range * Math.trunc(m.minTime / range) : range * Math.trunc((m.minTime - range + 1) / range);
    if (m.maxTime > t0 + range) {
      i++;
      continue;
    }
    const group: T[] = [];
    for (; i < blocks.length && blocks[i]!.meta.maxTime <= t0 + range; i++) group.push(blocks[i]!);
    if (group.length > 0) groups.push(group);
  }
  return groups;
}
