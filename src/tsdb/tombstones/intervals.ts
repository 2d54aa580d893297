// Closed time intervals [mint, maxt] of deleted (or trimmed) samples, with Prometheus 2.42's merge rule.
//
// Bounds are numbers; the int64 extremes are MIN_INT64 (exact) and MAX_INT64 (2^63, standing for 2^63-1).
// `addInterval` reproduces tombstones.Intervals.Add of 2.42 exactly, including its int64 overflow: an
// interval starting at MIN_INT64 computes `mint - 1`, which wraps to MAX_INT64, and so is appended at the
// end instead of merged at the front (later Prometheus versions guard this). Queries trim a chunk that
// starts before the query range by adding [MIN_INT64, mint-1], so with tombstones present the order of
// the list, and the samples the deleted-samples iterator lets through, follow 2.42 bit for bit.

import { MAX_INT64, MIN_INT64 } from '../encoding/int64.js';

export { MAX_INT64, MIN_INT64 };

export interface Interval {
  readonly mint: number;
  readonly maxt: number;
}

/** Go's int64 `t - 1`, wrapping at the bottom. */
export function int64Dec(t: number): number {
  return t === MIN_INT64 ? MAX_INT64 : t - 1;
}

/** Go's int64 `t + 1`, wrapping at the top. */
export function int64Inc(t: number): number {
  return t >= MAX_INT64 ? MIN_INT64 : t + 1;
}

export function inBounds(iv: Interval, t: number): boolean {
  return t >= iv.mint && t <= iv.maxt;
}

/** Whether [mint, maxt] lies wholly inside one of the intervals. */
export function isSubrange(iv: Interval, list: readonly Interval[]): boolean {
  for (const r of list) if (inBounds(r, iv.mint) && inBounds(r, iv.maxt)) return true;
  return false;
}

/**
 * Adds `n` to a sorted list, merging overlapping and adjacent intervals; returns the new list (the input
 * may be modified, as the Go slice is). Binary searches as in Go's sort.Search.
 */
export function addInterval(list: Interval[], n: Interval): Interval[] {
  if (list.length === 0) return [n];
  const lowerKey = int64Dec(n.mint);
  const mini = search(list.length, (i) => list[i]!.maxt >= lowerKey);
  if (mini === list.length) return [...list, n];
  const upperKey = int64Inc(n.maxt);
  const maxi = search(list.length - mini, (i) => list[mini + i]!.mint > upperKey);
  if (maxi === 0) return [...list.slice(0, mini), n, ...list.slice(mini)];
  let mint = list[mini]!.mint;
  if (n.mint < mint) mint = n.mint;
  let maxt = list[maxi + mini - 1]!.maxt;
  if (n.maxt > maxt) maxt = n.maxt;
  return [...list.slice(0, mini), { mint, maxt }, ...list.slice(maxi + mini)];
}

/** Smallest i in [0, n) with pred(i), or n (pred must be false then true). */
function search(n: number, pred: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
