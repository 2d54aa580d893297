// Series ordering and postings lists for a block index, on symbol ids.
//
// JavaScript interns every label string into the block's symbol table, which is sorted by UTF-8 bytes, so
// comparing two symbol ids compares the strings. A series is then its label pairs as u32 ids:
// name0 value0 name1 value1 ..., names strictly increasing. Batches are laid out as `pairs` (u32 ids) and
// `ends` (u32 per series: where its pairs end, counted in pairs from the start of the batch).
//
// Two jobs:
// - sortLabelSets: the order in which a block writes its series (Prometheus's labels.Compare), refusing
//   duplicates.
// - the postings builder: series added in index order with their series refs; finish() returns, for every
//   (name, value) pair used, the refs of the series that have it, ordered by name, then value. Two stable
//   counting-sort passes over all label occurrences (by value id, then by name id) keep each list in ref
//   order: O(labels + symbols), no hashing.

import { fail } from './errors';

// Status codes of this file (the shared ones in errors.ts are -1..-7).
export const ERR_SYMBOL_RANGE: i32 = -20; //   a symbol id >= the symbol count
export const ERR_UNSORTED_LABELS: i32 = -21; // label names not strictly increasing within a series
export const ERR_DUPLICATE_SERIES: i32 = -22; // two series with the same label set
export const ERR_REFS_ORDER: i32 = -23; //     series refs not strictly increasing
export const ERR_EMPTY_LABELS: i32 = -24; //   a series without labels
export const ERR_TOO_LARGE: i32 = -25; //      more label occurrences than 32-bit memory can sort

// --- checking one series ------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function seriesStart(ends: usize, i: u32): u32 {
  return i == 0 ? 0 : load<u32>(ends + (<usize>(i - 1) << 2));
}

/** 0 when series i of the batch is well formed, else the status. */
function checkSeries(pairs: usize, ends: usize, i: u32, symbolCount: u32): i32 {
  const start = seriesStart(ends, i);
  const end = load<u32>(ends + (<usize>i << 2));
  if (end <= start) return ERR_EMPTY_LABELS;
  let previousName: i64 = -1;
  for (let p = start; p < end; p++) {
    const at = pairs + (<usize>p << 3);
    const name = load<u32>(at);
    const value = load<u32>(at, 4);
    if (name >= symbolCount || value >= symbolCount) return ERR_SYMBOL_RANGE;
    if (<i64>name <= previousName) return ERR_UNSORTED_LABELS;
    previousName = name;
  }
  return 0;
}

// --- sorting label sets ---------------------------------------------------------------------------------

let sortPairs: usize = 0;
let sortEnds: usize = 0;

/** labels.Compare on ids: pair by pair (name, then value), then the shorter set first. */
function compareSeries(a: u32, b: u32): i32 {
  const aStart = seriesStart(sortEnds, a);
  const bStart = seriesStart(sortEnds, b);
  const aWords = (load<u32>(sortEnds + (<usize>a << 2)) - aStart) << 1;
  const bWords = (load<u32>(sortEnds + (<usize>b << 2)) - bStart) << 1;
  const x = sortPairs + (<usize>aStart << 3);
  const y = sortPairs + (<usize>bStart << 3);
  const n = min(aWords, bWords);
  for (let k: u32 = 0; k < n; k++) {
    const u = load<u32>(x + (<usize>k << 2));
    const v = load<u32>(y + (<usize>k << 2));
    if (u != v) return u < v ? -1 : 1;
  }
  return aWords == bWords ? 0 : aWords < bWords ? -1 : 1;
}

/** Merges the sorted runs src[lo, mid) and src[mid, hi) into dst[lo, hi). */
function mergeRuns(src: usize, dst: usize, lo: u32, mid: u32, hi: u32): void {
  let i = lo;
  let j = mid;
  let k = lo;
  // Runs already in order (the common case: series arriving sorted) are copied whole.
  if (mid < hi && compareSeries(load<u32>(src + (<usize>(mid - 1) << 2)), load<u32>(src + (<usize>mid << 2))) <= 0) {
    memory.copy(dst + (<usize>lo << 2), src + (<usize>lo << 2), <usize>(hi - lo) << 2);
    return;
  }
  while (i < mid && j < hi) {
    const a = load<u32>(src + (<usize>i << 2));
    const b = load<u32>(src + (<usize>j << 2));
    if (compareSeries(a, b) <= 0) {
      store<u32>(dst + (<usize>k << 2), a);
      i++;
    } else {
      store<u32>(dst + (<usize>k << 2), b);
      j++;
    }
    k++;
  }
  if (i < mid) memory.copy(dst + (<usize>k << 2), src + (<usize>i << 2), <usize>(mid - i) << 2);
  if (j < hi) memory.copy(dst + (<usize>k << 2), src + (<usize>j << 2), <usize>(hi - j) << 2);
}

/**
 * Writes to `out` the permutation that sorts the n series of (pairs, ends) by label set: out[k] is the
 * index of the k-th series in index order. Checks every series first (ERR_EMPTY_LABELS, ERR_SYMBOL_RANGE,
 * ERR_UNSORTED_LABELS with its index); a duplicate fails with ERR_DUPLICATE_SERIES, the later series'
 * index in lastErrorIndex() and the earlier one's in lastErrorSample().
 */
export function sortLabelSets(pairs: usize, ends: usize, n: u32, symbolCount: u32, out: usize): i32 {
  for (let i: u32 = 0; i < n; i++) {
    const status = checkSeries(pairs, ends, i, symbolCount);
    if (status < 0) return fail(status, i);
  }
  sortPairs = pairs;
  sortEnds = ends;
  for (let i: u32 = 0; i < n; i++) store<u32>(out + (<usize>i << 2), i);

  // Bottom-up merge sort (stable), alternating between `out` and a temporary buffer.
  const tmp = heap.alloc(max<usize>(<usize>n << 2, 4));
  let src = out;
  let dst = tmp;
  for (let width: u32 = 1; width < n; width <<= 1) {
    for (let lo: u32 = 0; lo < n; lo += width << 1) {
      const mid = min(lo + width, n);
      const hi = <u32>min<u64>(<u64>lo + (<u64>width << 1), n);
      mergeRuns(src, dst, lo, mid, hi);
    }
    const swap = src;
    src = dst;
    dst = swap;
  }
  if (src != out) memory.copy(out, src, <usize>n << 2);
  heap.free(tmp);

  for (let k: u32 = 1; k < n; k++) {
    const a = load<u32>(out + (<usize>(k - 1) << 2));
    const b = load<u32>(out + (<usize>k << 2));
    if (compareSeries(a, b) == 0) return fail(ERR_DUPLICATE_SERIES, max(a, b), min(a, b));
  }
  return 0;
}

// --- the postings builder -------------------------------------------------------------------------------

// Label occurrences as (name id, value id, series ref) triples, in the order the series were added.
const ENTRY: usize = 12;
let entries: usize = 0;
let entryCount: u32 = 0;
let entryCapacity: u32 = 0;
// The ref of every series added: the all-postings list.
let seriesRefs: usize = 0;
let seriesCount: u32 = 0;
let seriesCapacity: u32 = 0;
let symbols: u32 = 0;
let lastRef: i64 = -1;
// What postingsFinish produced (freed by the next postingsInit).
let ids: usize = 0;
let keys: usize = 0;
let keyEnds: usize = 0;

/**
 * Describes the finished postings: u32 series count, label occurrences, keys, then the addresses of the
 * all-postings refs (series count × u32), the refs of all lists (occurrences × u32), the keys
 * (keys × (name id, value id)) and each key's end in the refs (keys × u32).
 */
const RESULT = memory.data(32, 8);

function release(block: usize): void {
  if (block != 0) heap.free(block);
}

/** Starts an empty builder for an index with `symbolCount` symbols, dropping everything before. */
export function postingsInit(symbolCount: u32): void {
  release(entries);
  release(seriesRefs);
  release(ids);
  release(keys);
  release(keyEnds);
  entries = seriesRefs = ids = keys = keyEnds = 0;
  entryCount = entryCapacity = seriesCount = seriesCapacity = 0;
  symbols = symbolCount;
  lastRef = -1;
}

// Occurrences are sorted through a second buffer of the same size: both must fit 32-bit memory.
const MAX_ENTRIES: u64 = 0x7fffffff / <u64>ENTRY;

/** A capacity of at least `need`, doubling so that repeated batches cost amortised O(1) copying. */
function grown(capacity: u32, need: u64, limit: u64): u32 {
  return <u32>min<u64>(limit, max<u64>(need, max<u64>(1 << 16, <u64>capacity << 1)));
}

function resize(block: usize, bytes: usize): usize {
  return block == 0 ? heap.alloc(bytes) : heap.realloc(block, bytes);
}

/**
 * Adds n series in index order: series i has the label pairs of (pairs, ends) and ref refs[i]. The batch
 * is checked as a whole before anything is added (a well-formed label set, refs strictly increasing across
 * all batches), so a failed call changes nothing; lastErrorIndex() names the series.
 */
export function postingsAdd(pairs: usize, ends: usize, refs: usize, n: u32): i32 {
  let previous = lastRef;
  for (let i: u32 = 0; i < n; i++) {
    const status = checkSeries(pairs, ends, i, symbols);
    if (status < 0) return fail(status, i);
    const ref = <i64>load<u32>(refs + (<usize>i << 2));
    if (ref <= previous) return fail(ERR_REFS_ORDER, i);
    previous = ref;
  }
  if (n == 0) return 0;

  const occurrences = load<u32>(ends + (<usize>(n - 1) << 2));
  const needEntries = <u64>entryCount + occurrences;
  const needSeries = <u64>seriesCount + n;
  if (needEntries > MAX_ENTRIES || needSeries > MAX_ENTRIES) return fail(ERR_TOO_LARGE, n - 1);
  if (needEntries > <u64>entryCapacity) {
    entryCapacity = grown(entryCapacity, needEntries, MAX_ENTRIES);
    entries = resize(entries, <usize>entryCapacity * ENTRY);
  }
  if (needSeries > <u64>seriesCapacity) {
    seriesCapacity = grown(seriesCapacity, needSeries, MAX_ENTRIES);
    seriesRefs = resize(seriesRefs, <usize>seriesCapacity << 2);
  }
  let e = entries + <usize>entryCount * ENTRY;
  for (let i: u32 = 0; i < n; i++) {
    const ref = load<u32>(refs + (<usize>i << 2));
    store<u32>(seriesRefs + (<usize>(seriesCount + i) << 2), ref);
    const end = load<u32>(ends + (<usize>i << 2));
    for (let p = seriesStart(ends, i); p < end; p++) {
      const at = pairs + (<usize>p << 3);
      store<u32>(e, load<u32>(at));
      store<u32>(e, load<u32>(at, 4), 4);
      store<u32>(e, ref, 8);
      e += ENTRY;
    }
  }
  entryCount += occurrences;
  seriesCount += n;
  lastRef = previous;
  return 0;
}

/**
 * Stable counting sort of `count` entries from `src` to `dst` by the u32 at `field` (< symbols), using
 * `counts` (symbols + 1 u32).
 */
function sortEntriesBy(src: usize, dst: usize, count: u32, field: usize, counts: usize): void {
  memory.fill(counts, 0, (<usize>symbols + 1) << 2);
  for (let i: u32 = 0; i < count; i++) {
    const slot = counts + ((<usize>load<u32>(src + <usize>i * ENTRY + field) + 1) << 2);
    store<u32>(slot, load<u32>(slot) + 1);
  }
  let sum: u32 = 0;
  for (let s: u32 = 0; s <= symbols; s++) {
    const slot = counts + (<usize>s << 2);
    sum += load<u32>(slot);
    store<u32>(slot, sum); // counts[s] = first position of key s
  }
  for (let i: u32 = 0; i < count; i++) {
    const from = src + <usize>i * ENTRY;
    const slot = counts + (<usize>load<u32>(from + field) << 2);
    const position = load<u32>(slot);
    store<u32>(slot, position + 1);
    const to = dst + <usize>position * ENTRY;
    store<u64>(to, load<u64>(from)); // an entry is 12 bytes: two stores beat a tiny memory.copy
    store<u32>(to, load<u32>(from, 8), 8);
  }
}

/**
 * Groups the label occurrences into postings lists ordered by (name id, value id) and returns the number
 * of lists (keys); RESULT describes where everything is. The builder keeps its series; add no more.
 */
export function postingsFinish(): i32 {
  release(ids);
  release(keys);
  release(keyEnds);
  const counts = heap.alloc((<usize>symbols + 1) << 2);
  const sorted = heap.alloc(max<usize>(<usize>entryCount * ENTRY, 4));
  sortEntriesBy(entries, sorted, entryCount, 4, counts); // by value...
  sortEntriesBy(sorted, entries, entryCount, 0, counts); // ...then by name: refs stay in order within a key
  heap.free(sorted);
  heap.free(counts);

  let keyCount: u32 = 0;
  let lastName: u32 = 0;
  let lastValue: u32 = 0;
  for (let i: u32 = 0; i < entryCount; i++) {
    const e = entries + <usize>i * ENTRY;
    const name = load<u32>(e);
    const value = load<u32>(e, 4);
    if (i == 0 || name != lastName || value != lastValue) keyCount++;
    lastName = name;
    lastValue = value;
  }

  ids = heap.alloc(max<usize>(<usize>entryCount << 2, 4));
  keys = heap.alloc(max<usize>(<usize>keyCount << 3, 4));
  keyEnds = heap.alloc(max<usize>(<usize>keyCount << 2, 4));
  let k: u32 = 0;
  for (let i: u32 = 0; i < entryCount; i++) {
    const e = entries + <usize>i * ENTRY;
    const name = load<u32>(e);
    const value = load<u32>(e, 4);
    if (i == 0 || name != lastName || value != lastValue) {
      if (k > 0) store<u32>(keyEnds + (<usize>(k - 1) << 2), i);
      store<u32>(keys + (<usize>k << 3), name);
      store<u32>(keys + (<usize>k << 3), value, 4);
      k++;
    }
    lastName = name;
    lastValue = value;
    store<u32>(ids + (<usize>i << 2), load<u32>(e, 8));
  }
  if (k > 0) store<u32>(keyEnds + (<usize>(k - 1) << 2), entryCount);

  store<u32>(RESULT, seriesCount, 0);
  store<u32>(RESULT, entryCount, 4);
  store<u32>(RESULT, keyCount, 8);
  store<u32>(RESULT, <u32>seriesRefs, 12);
  store<u32>(RESULT, <u32>ids, 16);
  store<u32>(RESULT, <u32>keys, 20);
  store<u32>(RESULT, <u32>keyEnds, 24);
  return <i32>keyCount;
}

/** Address of the description postingsFinish filled in. */
export function postingsResult(): usize {
  return RESULT;
}
