// Vertical compaction of one series' chunks from several blocks, as Prometheus 2.42's compacting chunk
// series merger (storage/merge.go: compactChunkIterator with ChainedSeriesMerge and seriesToChunkEncoder).
//
// Each block contributes an iterator over its chunks of the series. A heap (Go's container/heap, ported
// sift for sift so ties resolve the same way) hands out chunks by (minTime, maxTime). A chunk that
// overlaps no later one is passed through untouched. Overlapping chunks (identical neighbours skipped)
// are decoded and chain-merged by timestamp, the first sample out of the sample heap winning a shared
// timestamp, then re-encoded in chunks of at most 120 samples; those go back into the chunk heap as one
// more iterator, exactly as the encoder's iterator does in Go.
//
// Input (laid out by src/wasm/merge.ts): series (u32 first iterator, u32 iterator count), iterators
// (u32 first chunk, u32 chunk count), chunks (f64 minT, f64 maxT, u32 address, u32 length) whose bytes
// are followed by STREAM_SLACK readable bytes. Output (module-owned, read after the call): records of
// RECORD_SIZE bytes (f64 minT, f64 maxT, i32 input chunk index or -1, u32 offset and u32 length of new
// bytes in the data area, u32 series index), in write order per series.

import { decodeChunk, encodeSamples, encodedLength, resetEncoder, STATE_SIZE } from './xor';
import { STREAM_SLACK } from './bitstream';
import { fail, errorSample } from './errors';

/** Samples per re-encoded chunk (seriesToChunkEncoderSplit). */
const SAMPLES_PER_CHUNK: u32 = 120;

const CHUNK_ENTRY: usize = 24;
export const RECORD_SIZE: usize = 32;
const REC_MIN: usize = 0;
const REC_MAX: usize = 8;
const REC_SOURCE: usize = 16;
const REC_OFFSET: usize = 20;
const REC_LENGTH: usize = 24;
const REC_SERIES: usize = 28;

/** Iterator kinds: over an input chunk list, or over chunks re-encoded by a merge (pending records). */
const INPUT: u32 = 0;
const PENDING: u32 = 1;
const ITER_SIZE: usize = 12; // u32 kind, u32 position, u32 end

const encoder = memory.data(<i32>STATE_SIZE, 8);

// Growable module-owned regions: [address, capacity in bytes]. Addresses are re-read after every
// reserve, since heap.realloc may move a region.
let records: usize = 0;
let recordsCap: usize = 0;
let recordCount: u32 = 0;
let data: usize = 0;
let dataCap: usize = 0;
let dataLen: usize = 0;
let pending: usize = 0;
let pendingCap: usize = 0;
let pendingCount: u32 = 0;
let iters: usize = 0;
let itersCap: usize = 0;
let chunkHeap: usize = 0;
let chunkHeapCap: usize = 0;
let chunkHeapLen: u32 = 0;
let sampleHeap: usize = 0;
let sampleHeapCap: usize = 0;
let sampleHeapLen: u32 = 0;
let cursors: usize = 0; // per merged chunk: u32 position, u32 end (in the decode columns)
let cursorsCap: usize = 0;
let decT: usize = 0;
let decV: usize = 0;
let decCap: usize = 0; // samples
let outT: usize = 0;
let outV: usize = 0;
let outCap: usize = 0; // samples
let group: usize = 0; // per overlapping chunk: u32 kind, u32 index
let groupCap: usize = 0;

let chunkTable: usize = 0;

/** A region of at least `need` bytes, grown (contents kept) from `at` of `cap` bytes. */
function reserve(at: usize, cap: usize, need: usize): usize {
  if (need <= cap) return at;
  let next = max<usize>(cap << 1, 256);
  while (next < need) next <<= 1;
  return at == 0 ? heap.alloc(next) : heap.realloc(at, next);
}

/** Capacity of a region after reserve(): the same doubling rule. */
function capacity(cap: usize, need: usize): usize {
  if (need <= cap) return cap;
  let next = max<usize>(cap << 1, 256);
  while (next < need) next <<= 1;
  return next;
}

// --- the current chunk of an iterator -------------------------------------------------------------

// @ts-ignore: decorator
@inline function iterKind(it: u32): u32 {
  return load<u32>(iters + <usize>it * ITER_SIZE);
}

// @ts-ignore: decorator
@inline function iterPos(it: u32): u32 {
  return load<u32>(iters + <usize>it * ITER_SIZE, 4);
}

/** Address of the current chunk's entry: an input chunk entry or a pending record (minT, maxT first). */
// @ts-ignore: decorator
@inline function entryOf(kind: u32, index: u32): usize {
  return kind == INPUT ? chunkTable + <usize>index * CHUNK_ENTRY : pending + <usize>index * RECORD_SIZE;
}

// @ts-ignore: decorator
@inline function minOf(kind: u32, index: u32): f64 {
  return load<f64>(entryOf(kind, index));
}

// @ts-ignore: decorator
@inline function maxOf(kind: u32, index: u32): f64 {
  return load<f64>(entryOf(kind, index), 8);
}

function bytesAddr(kind: u32, index: u32): usize {
  const e = entryOf(kind, index);
  return kind == INPUT ? <usize>load<u32>(e, 16) : data + <usize>load<u32>(e, REC_OFFSET);
}

function bytesLen(kind: u32, index: u32): u32 {
  const e = entryOf(kind, index);
  return kind == INPUT ? load<u32>(e, 20) : load<u32>(e, REC_LENGTH);
}

/** Moves the iterator to its next chunk; false when it has none. */
function advance(it: u32): bool {
  const at = iters + <usize>it * ITER_SIZE;
  const pos = load<u32>(at, 4) + 1;
  store<u32>(at, pos, 4);
  return pos < load<u32>(at, 8);
}

// --- Go's container/heap, twice -------------------------------------------------------------------

/** chunkIteratorHeap.Less: by the current chunk's minTime, then maxTime. */
function chunkLess(a: u32, b: u32): bool {
  const ka = iterKind(a), ia = iterPos(a), kb = iterKind(b), ib = iterPos(b);
  const minA = minOf(ka, ia), minB = minOf(kb, ib);
  if (minA == minB) return maxOf(ka, ia) < maxOf(kb, ib);
  return minA < minB;
}

/** samplesIteratorHeap.Less: by the cursor's current timestamp. */
// @ts-ignore: decorator
@inline function sampleLess(a: u32, b: u32): bool {
  return load<f64>(decT + (<usize>load<u32>(cursors + (<usize>a << 3)) << 3)) < load<f64>(decT + (<usize>load<u32>(cursors + (<usize>b << 3)) << 3));
}

// @ts-ignore: decorator
@inline function less(sample: bool, a: u32, b: u32): bool {
  return sample ? sampleLess(a, b) : chunkLess(a, b);
}

function swap(h: usize, i: u32, j: u32): void {
  const t = load<u32>(h + (<usize>i << 2));
  store<u32>(h + (<usize>i << 2), load<u32>(h + (<usize>j << 2)));
  store<u32>(h + (<usize>j << 2), t);
}

function up(sample: bool, h: usize, j: u32): void {
  while (j > 0) {
    const i = (j - 1) >>> 1;
    if (!less(sample, load<u32>(h + (<usize>j << 2)), load<u32>(h + (<usize>i << 2)))) break;
    swap(h, i, j);
    j = i;
  }
}

function down(sample: bool, h: usize, i: u32, n: u32): void {
  for (;;) {
    const left: u32 = 2 * i + 1;
    if (left >= n) break;
    let j: u32 = left;
    if (left + 1 < n && less(sample, load<u32>(h + (<usize>(left + 1) << 2)), load<u32>(h + (<usize>left << 2)))) j = left + 1;
    if (!less(sample, load<u32>(h + (<usize>j << 2)), load<u32>(h + (<usize>i << 2)))) break;
    swap(h, i, j);
    i = j;
  }
}

function pushChunkIter(it: u32): void {
  chunkHeap = reserve(chunkHeap, chunkHeapCap, <usize>(chunkHeapLen + 1) << 2);
  chunkHeapCap = capacity(chunkHeapCap, <usize>(chunkHeapLen + 1) << 2);
  store<u32>(chunkHeap + (<usize>chunkHeapLen << 2), it);
  up(false, chunkHeap, chunkHeapLen++);
}

function popChunkIter(): u32 {
  const n = --chunkHeapLen;
  swap(chunkHeap, 0, n);
  down(false, chunkHeap, 0, n);
  return load<u32>(chunkHeap + (<usize>n << 2));
}

function pushCursor(c: u32): void {
  store<u32>(sampleHeap + (<usize>sampleHeapLen << 2), c);
  up(true, sampleHeap, sampleHeapLen++);
}

function popCursor(): u32 {
  const n = --sampleHeapLen;
  swap(sampleHeap, 0, n);
  down(true, sampleHeap, 0, n);
  return load<u32>(sampleHeap + (<usize>n << 2));
}

// --- output ---------------------------------------------------------------------------------------

function emit(kind: u32, index: u32, series: u32): void {
  const need = <usize>(recordCount + 1) * RECORD_SIZE;
  records = reserve(records, recordsCap, need);
  recordsCap = capacity(recordsCap, need);
  const r = records + <usize>recordCount * RECORD_SIZE;
  recordCount++;
  const e = entryOf(kind, index);
  store<f64>(r, load<f64>(e), REC_MIN);
  store<f64>(r, load<f64>(e, 8), REC_MAX);
  if (kind == INPUT) {
    store<i32>(r, <i32>index, REC_SOURCE);
    store<u32>(r, 0, REC_OFFSET);
    store<u32>(r, 0, REC_LENGTH);
  } else {
    store<i32>(r, -1, REC_SOURCE);
    store<u32>(r, load<u32>(e, REC_OFFSET), REC_OFFSET);
    store<u32>(r, load<u32>(e, REC_LENGTH), REC_LENGTH);
  }
  store<u32>(r, series, REC_SERIES);
}

function sameChunk(ka: u32, ia: u32, kb: u32, ib: u32): bool {
  if (minOf(ka, ia) != minOf(kb, ib) || maxOf(ka, ia) != maxOf(kb, ib)) return false;
  const n = bytesLen(ka, ia);
  return n == bytesLen(kb, ib) && memory.compare(bytesAddr(ka, ia), bytesAddr(kb, ib), n) == 0;
}

/**
 * Decodes the `n` chunks listed in `group`, chain-merges their samples (first listed iterator first,
 * then Go's heap order) and encodes the result as pending records of at most 120 samples. Returns the
 * number of records, or a negative status (the input chunk's index in lastErrorIndex()).
 */
function mergeGroup(n: u32): i32 {
  let total: usize = 0;
  for (let g: u32 = 0; g < n; g++) {
    const a = bytesAddr(load<u32>(group + (<usize>g << 3)), load<u32>(group + (<usize>g << 3), 4));
    total += <usize>bswap<u16>(load<u16>(a));
  }
  if (total > decCap) {
    if (decT != 0) heap.free(decT);
    decCap = total;
    decT = heap.alloc(total << 4);
    decV = decT + (total << 3);
  }
  cursors = reserve(cursors, cursorsCap, <usize>n << 3);
  cursorsCap = capacity(cursorsCap, <usize>n << 3);
  sampleHeap = reserve(sampleHeap, sampleHeapCap, <usize>n << 2);
  sampleHeapCap = capacity(sampleHeapCap, <usize>n << 2);

  let at: u32 = 0;
  for (let g: u32 = 0; g < n; g++) {
    const kind = load<u32>(group + (<usize>g << 3));
    const index = load<u32>(group + (<usize>g << 3), 4);
    const decoded = decodeChunk(bytesAddr(kind, index), bytesLen(kind, index), decT + (<usize>at << 3), decV + (<usize>at << 3));
    if (decoded < 0) return fail(decoded, kind == INPUT ? index : 0xffffffff, errorSample);
    // A cursor sits one before its first sample until advanced, as a fresh chunk iterator.
    store<u32>(cursors + (<usize>g << 3), at - 1);
    store<u32>(cursors + (<usize>g << 3), at + <u32>decoded, 4);
    at += <u32>decoded;
  }
  if (<usize>at > outCap) {
    if (outT != 0) heap.free(outT);
    outCap = <usize>at;
    outT = heap.alloc(outCap << 4);
    outV = outT + (outCap << 3);
  }

  // chainSampleIterator.Next, over all samples.
  sampleHeapLen = 0;
  for (let g: u32 = 1; g < n; g++) if (cursorNext(g)) pushCursor(g);
  let curr: i32 = 0;
  let lastT: f64 = -9223372036854775808.0;
  let count: usize = 0;
  while (curr >= 0) {
    let currT: f64 = 0;
    for (;;) {
      if (cursorNext(<u32>curr)) {
        currT = cursorT(<u32>curr);
        if (currT == lastT) continue; // a timestamp already emitted
        if (sampleHeapLen == 0 || currT < cursorT(load<u32>(sampleHeap))) break;
        pushCursor(<u32>curr);
      } else if (sampleHeapLen == 0) {
        curr = -1;
        break;
      }
      curr = <i32>popCursor();
      currT = cursorT(<u32>curr);
      if (currT != lastT) break;
    }
    if (curr < 0) break;
    lastT = currT;
    const pos = <usize>load<u32>(cursors + (<usize>curr << 3));
    store<f64>(outT + (count << 3), currT);
    store<u64>(outV + (count << 3), load<u64>(decV + (pos << 3)));
    count++;
  }

  // seriesToChunkEncoder: a new chunk every 120 samples.
  let made: i32 = 0;
  for (let start: usize = 0; start < count; start += SAMPLES_PER_CHUNK) {
    const k = <u32>min<usize>(SAMPLES_PER_CHUNK, count - start);
    const need = dataLen + 20 * <usize>k + STREAM_SLACK;
    data = reserve(data, dataCap, need);
    dataCap = capacity(dataCap, need);
    const d = data + dataLen;
    memory.fill(d, 0, 20 * <usize>k + STREAM_SLACK);
    resetEncoder(encoder, d);
    encodeSamples(encoder, d, outT + (start << 3), outV + (start << 3), k);
    const len = encodedLength(encoder);
    const pneed = <usize>(pendingCount + 1) * RECORD_SIZE;
    pending = reserve(pending, pendingCap, pneed);
    pendingCap = capacity(pendingCap, pneed);
    const r = pending + <usize>pendingCount * RECORD_SIZE;
    pendingCount++;
    store<f64>(r, load<f64>(outT + (start << 3)), REC_MIN);
    store<f64>(r, load<f64>(outT + ((start + k - 1) << 3)), REC_MAX);
    store<u32>(r, <u32>dataLen, REC_OFFSET);
    store<u32>(r, len, REC_LENGTH);
    // Later chunks may be decoded again: their STREAM_SLACK bytes must stay readable (and zero).
    dataLen += (<usize>len + 7) & ~<usize>7;
    made++;
  }
  return made;
}

// @ts-ignore: decorator
@inline function cursorNext(c: u32): bool {
  const at = cursors + (<usize>c << 3);
  const pos = load<u32>(at) + 1;
  store<u32>(at, pos);
  return pos < load<u32>(at, 4);
}

// @ts-ignore: decorator
@inline function cursorT(c: u32): f64 {
  return load<f64>(decT + (<usize>load<u32>(cursors + (<usize>c << 3)) << 3));
}

/** compactChunkIterator over one series' iterators [firstIter, firstIter + iterCount). */
function mergeSeries(series: u32, iterTable: usize, firstIter: u32, iterCount: u32): i32 {
  let nIters = iterCount;
  iters = reserve(iters, itersCap, <usize>nIters * ITER_SIZE);
  itersCap = capacity(itersCap, <usize>nIters * ITER_SIZE);
  chunkHeapLen = 0;
  for (let i: u32 = 0; i < iterCount; i++) {
    const e = iterTable + (<usize>(firstIter + i) << 3);
    const first = load<u32>(e);
    const at = iters + <usize>i * ITER_SIZE;
    store<u32>(at, INPUT);
    store<u32>(at, first, 4);
    store<u32>(at, first + load<u32>(e, 4), 8);
    if (first < first + load<u32>(e, 4)) pushChunkIter(i);
  }
  while (chunkHeapLen > 0) {
    const it = popChunkIter();
    const currKind = iterKind(it);
    const currIndex = iterPos(it);
    if (advance(it)) pushChunkIter(it);

    let n: u32 = 0;
    let oMax = maxOf(currKind, currIndex);
    let prevKind = currKind;
    let prevIndex = currIndex;
    while (chunkHeapLen > 0) {
      const top = load<u32>(chunkHeap);
      const nextKind = iterKind(top);
      const nextIndex = iterPos(top);
      if (minOf(nextKind, nextIndex) > oMax) break;
      if (!sameChunk(nextKind, nextIndex, prevKind, prevIndex)) {
        addToGroup(n++, nextKind, nextIndex);
        const m = maxOf(nextKind, nextIndex);
        if (m > oMax) oMax = m;
        prevKind = nextKind;
        prevIndex = nextIndex;
      }
      const popped = popChunkIter();
      if (advance(popped)) pushChunkIter(popped);
    }
    if (n == 0) {
      emit(currKind, currIndex, series);
      continue;
    }
    addToGroup(n++, currKind, currIndex);
    const firstPending = pendingCount;
    const made = mergeGroup(n);
    if (made < 0) return made;
    if (made == 0) continue;
    emit(PENDING, firstPending, series);
    if (made > 1) {
      iters = reserve(iters, itersCap, <usize>(nIters + 1) * ITER_SIZE);
      itersCap = capacity(itersCap, <usize>(nIters + 1) * ITER_SIZE);
      const at = iters + <usize>nIters * ITER_SIZE;
      store<u32>(at, PENDING);
      store<u32>(at, firstPending + 1, 4);
      store<u32>(at, firstPending + <u32>made, 8);
      pushChunkIter(nIters++);
    }
  }
  return 0;
}

function addToGroup(g: u32, kind: u32, index: u32): void {
  group = reserve(group, groupCap, <usize>(g + 1) << 3);
  groupCap = capacity(groupCap, <usize>(g + 1) << 3);
  store<u32>(group + (<usize>g << 3), kind);
  store<u32>(group + (<usize>g << 3), index, 4);
}

/**
 * Merges the chunks of `nSeries` series (tables as described above). Returns the number of output
 * records (read them at mergeRecords(), new chunk bytes at mergeData()), or a negative status with the
 * failing input chunk in lastErrorIndex().
 */
export function mergeChunkSeries(seriesTable: usize, nSeries: u32, iterTable: usize, chunks: usize): i32 {
  chunkTable = chunks;
  recordCount = 0;
  dataLen = 0;
  for (let s: u32 = 0; s < nSeries; s++) {
    pendingCount = 0;
    const e = seriesTable + (<usize>s << 3);
    const status = mergeSeries(s, iterTable, load<u32>(e), load<u32>(e, 4));
    if (status < 0) return status;
  }
  return <i32>recordCount;
}

/** Address of the records of the last mergeChunkSeries call. */
export function mergeRecords(): usize {
  return records;
}

/** Address of the new chunk bytes of the last mergeChunkSeries call (record offsets are relative to it). */
export function mergeData(): usize {
  return data;
}
