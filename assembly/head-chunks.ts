// Open XOR chunks that live in linear memory, for the head. JavaScript holds u32 handles; each handle is a
// slot in a table of block pointers, so a block can move when it grows and a stale or forged handle is
// rejected instead of touching memory. Handle 0 is never issued ("no chunk").
//
// Block layout: the encoder state (xor.ts, STATE_SIZE bytes), the block's data capacity, a scratch mark
// used while validating a batch, then the chunk bytes (2-byte count + bit stream) at BLOCK_DATA.

import { appendSample, resetEncoder, encodedLength, decodeChunk, MAX_SAMPLES } from './xor';
import { STATE_T, STATE_FIRST_T, STATE_COUNT } from './xor';
import { STREAM_SLACK } from './bitstream';
import { fail, ERR_BAD_HANDLE, ERR_BAD_TIMESTAMP, ERR_TOO_MANY_SAMPLES } from './errors';

const BLOCK_CAPACITY: usize = 48; // u32  bytes available from BLOCK_DATA
const BLOCK_MARK: usize = 52; //     u32  per-batch counter; 0 between calls
const BLOCK_DATA: usize = 56;

// Free bytes required before an append: after the widest sample (at most 20 bytes) the writer's final
// 8-byte store and the bytes readers may touch past the end must stay inside the block.
const APPEND_ROOM: u32 = 20 + STREAM_SLACK;
const INITIAL_CAPACITY: u32 = 96;

let table: usize = 0; //     u32 per slot: block pointer, or (next free slot << 1) | 1
let tableLength: u32 = 1; // slots in use or on the free list; slot 0 is reserved
let tableCapacity: u32 = 0;
let freeSlot: u32 = 0; //    head of the free list, 0 when empty
let liveChunks: u32 = 0;

/** The block of a live handle, or 0. */
// @ts-ignore: decorator
@inline function blockOf(handle: u32): usize {
  if (handle == 0 || handle >= tableLength) return 0;
  const entry = load<u32>(table + (<usize>handle << 2));
  return entry & 1 ? 0 : <usize>entry;
}

function newHandle(block: usize): u32 {
  let handle = freeSlot;
  if (handle != 0) {
    freeSlot = load<u32>(table + (<usize>handle << 2)) >>> 1;
  } else {
    if (tableLength >= tableCapacity) {
      if (tableCapacity == 0) {
        tableCapacity = 1024;
        table = heap.alloc(<usize>tableCapacity << 2);
      } else {
        tableCapacity <<= 1;
        table = heap.realloc(table, <usize>tableCapacity << 2);
      }
    }
    handle = tableLength++;
  }
  store<u32>(table + (<usize>handle << 2), <u32>block);
  liveChunks++;
  return handle;
}

/** Opens `count` empty chunks and writes their handles to `outHandles`. */
export function chunksCreate(outHandles: usize, count: u32): i32 {
  for (let i: u32 = 0; i < count; i++) {
    const block = heap.alloc(BLOCK_DATA + INITIAL_CAPACITY);
    resetEncoder(block, block + BLOCK_DATA);
    store<u32>(block, INITIAL_CAPACITY, BLOCK_CAPACITY);
    store<u32>(block, 0, BLOCK_MARK);
    store<u32>(outHandles + (<usize>i << 2), newHandle(block));
  }
  return 0;
}

/**
 * Appends sample i (timestamp f64 ms, value bits) to chunk handles[i], for i < n, in order. The whole batch
 * is validated first (live handles, integral timestamps, no chunk past 65535 samples), so a failed call
 * changes nothing.
 */
export function chunksAppend(handles: usize, ts: usize, vs: usize, n: u32): i32 {
  for (let i: u32 = 0; i < n; i++) {
    const block = blockOf(load<u32>(handles + (<usize>i << 2)));
    if (block == 0) return clearMarks(handles, i, fail(ERR_BAD_HANDLE, i));
    const tf = load<f64>(ts + (<usize>i << 3));
    if (<f64><i64>tf != tf) return clearMarks(handles, i, fail(ERR_BAD_TIMESTAMP, i));
    const pending = load<u32>(block, BLOCK_MARK) + 1;
    store<u32>(block, pending, BLOCK_MARK);
    if (load<u32>(block, STATE_COUNT) + pending > MAX_SAMPLES) {
      return clearMarks(handles, i + 1, fail(ERR_TOO_MANY_SAMPLES, i));
    }
  }
  for (let i: u32 = 0; i < n; i++) {
    const handle = load<u32>(handles + (<usize>i << 2));
    let block = blockOf(handle);
    store<u32>(block, 0, BLOCK_MARK);
    const capacity = load<u32>(block, BLOCK_CAPACITY);
    if (encodedLength(block) + APPEND_ROOM > capacity) block = grow(handle, block, capacity << 1);
    appendSample(block, block + BLOCK_DATA, <i64>load<f64>(ts + (<usize>i << 3)), load<u64>(vs + (<usize>i << 3)));
  }
  return 0;
}

function grow(handle: u32, block: usize, capacity: u32): usize {
  block = heap.realloc(block, BLOCK_DATA + capacity);
  store<u32>(block, capacity, BLOCK_CAPACITY);
  store<u32>(table + (<usize>handle << 2), <u32>block);
  return block;
}

/** Resets the marks of handles[0..upto) after a failed validation pass, and passes `status` through. */
function clearMarks(handles: usize, upto: u32, status: i32): i32 {
  for (let i: u32 = 0; i < upto; i++) {
    const block = blockOf(load<u32>(handles + (<usize>i << 2)));
    if (block != 0) store<u32>(block, 0, BLOCK_MARK);
  }
  return status;
}

// Bytes per chunksInfo record.
export const INFO_SIZE: u32 = 32;

/**
 * Writes one record per handle to `out`: u32 address of the chunk bytes, u32 byte length, u32 sample
 * count, u32 0, f64 first timestamp, f64 last timestamp (both NaN while the chunk is empty).
 */
export function chunksInfo(handles: usize, n: u32, out: usize): i32 {
  for (let i: u32 = 0; i < n; i++) {
    const block = blockOf(load<u32>(handles + (<usize>i << 2)));
    if (block == 0) return fail(ERR_BAD_HANDLE, i);
    const record = out + <usize>i * INFO_SIZE;
    const count = load<u32>(block, STATE_COUNT);
    store<u32>(record, <u32>(block + BLOCK_DATA), 0);
    store<u32>(record, encodedLength(block), 4);
    store<u32>(record, count, 8);
    store<u32>(record, 0, 12);
    store<f64>(record, count ? <f64>load<i64>(block, STATE_FIRST_T) : NaN, 16);
    store<f64>(record, count ? <f64>load<i64>(block, STATE_T) : NaN, 24);
  }
  return 0;
}

/** Decodes the chunks one after another into the columns at outT/outV; returns the total sample count. */
export function chunksDecode(handles: usize, n: u32, outT: usize, outV: usize): i32 {
  let total: usize = 0;
  for (let i: u32 = 0; i < n; i++) {
    const block = blockOf(load<u32>(handles + (<usize>i << 2)));
    if (block == 0) return fail(ERR_BAD_HANDLE, i);
    const decoded = decodeChunk(block + BLOCK_DATA, encodedLength(block), outT + (total << 3), outV + (total << 3));
    if (decoded < 0) return fail(decoded, i); // cannot happen for chunks this module wrote
    total += <usize>decoded;
  }
  return <i32>total;
}

/** Frees the chunks; a dead or repeated handle fails the call before anything is freed. */
export function chunksFree(handles: usize, n: u32): i32 {
  for (let i: u32 = 0; i < n; i++) {
    const block = blockOf(load<u32>(handles + (<usize>i << 2)));
    if (block == 0 || load<u32>(block, BLOCK_MARK) != 0) return clearMarks(handles, i, fail(ERR_BAD_HANDLE, i));
    store<u32>(block, 1, BLOCK_MARK);
  }
  for (let i: u32 = 0; i < n; i++) {
    const handle = load<u32>(handles + (<usize>i << 2));
    heap.free(blockOf(handle));
    store<u32>(table + (<usize>handle << 2), (freeSlot << 1) | 1);
    freeSlot = handle;
    liveChunks--;
  }
  return 0;
}

/** Number of chunks created and not yet freed. */
export function chunksLive(): u32 {
  return liveChunks;
}
