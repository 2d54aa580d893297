// Normalized label sets of remote-write series, cached across requests.
//
// 1.0 (LabelSetCache): keyed by the series' label bytes on the wire. A sender writes the same
// series request after request with byte-identical Label messages, so the run of Label fields
// that opens a TimeSeries maps to the same normalized label set every time: one hash and one
// compare of the bytes replace decoding, sorting and validating every label (VictoriaMetrics
// keeps label bytes for the same reason). It holds every active series of the senders: a cache
// smaller than the active set thrashes (measured with bench:ingest at 100k series), so the keys
// sit back to back in one byte arena and a series costs its label bytes and a few words, not an
// object per key. The cached value carries the storage's series ref too, so a hit also skips the
// label lookup in the head. Every hit is verified byte for byte, never trusted to the hash.
//
// 2.0 (SymbolLabelSetCache): a request's strings are its symbols, decoded once each, so a series
// is keyed by its label strings, hashed from the symbols' byte hashes and verified string by string.

import { fmix32 } from './hash32.js';
import type { NormalizedLabels } from './series-labels.js';

/** Bound on cached 1.0 label sets (series); reaching it clears the cache. */
const MAX_ENTRIES = 1 << 24;

export class LabelSetCache {
  /** Open addressing: entry index + 1, 0 for an empty slot; never more than half full. */
  private table = new Int32Array(1 << 16);
  private hashes = new Int32Array(1 << 15);
  private offsets = new Uint32Array(1 << 15);
  private lengths = new Uint32Array(1 << 15);
  private values: NormalizedLabels[] = [];
  private count = 0;
  /** The keys' bytes, back to back. */
  private arena = new Uint8Array(1 << 20);
  private arenaView = new DataView(this.arena.buffer);
  private arenaLen = 0;

  /** Label sets held. */
  get size(): number {
    return this.count;
  }

  /** A hash of `buf[start, end)`; `view` must cover the same bytes as `buf`. */
  hash(buf: Uint8Array, view: DataView, start: number, end: number): number {
    // Four independent lanes, 16 bytes a step, so that the multiply chains run side by side;
    // the rotations carry high bits down, and fmix32 at the end spreads every input bit.
    let a = end - start;
    let b = 0x9e3779b9;
    let c = 0x85ebca6b;
    let d = 0xc2b2ae35;
    let p = start;
    for (; p + 16 <= end; p += 16) {
      a = Math.imul(a ^ view.getInt32(p, true), 0xcc9e2d51);
      b = Math.imul(b ^ view.getInt32(p + 4, true), 0x1b873593);
      c = Math.imul(c ^ view.getInt32(p + 8, true), 0x85ebca6b);
      d = Math.imul(d ^ view.getInt32(p + 12, true), 0xc2b2ae35);
      a = (a << 13) | (a >>> 19);
      b = (b << 13) | (b >>> 19);
      c = (c << 13) | (c >>> 19);
      d = (d << 13) | (d >>> 19);
    }
    for (; p + 4 <= end; p += 4) {
      a = Math.imul(a ^ view.getInt32(p, true), 0xcc9e2d51);
      a = (a << 13) | (a >>> 19);
    }
    if (p < end) a = Math.imul(a ^ tailWord(buf, p, end), 0xcc9e2d51);
    return fmix32(a ^ Math.imul(b, 3) ^ Math.imul(c, 5) ^ Math.imul(d, 7));
  }

  get(buf: Uint8Array, view: DataView, start: number, end: number, hash: number): NormalizedLabels | undefined {
    const mask = this.table.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const e = this.table[slot]! - 1;
      if (e < 0) return undefined;
      if (this.hashes[e] === hash && this.matches(e, buf, view, start, end)) return this.values[e];
    }
  }

  /** Adds a label set that get() missed. */
  set(buf: Uint8Array, start: number, end: number, hash: number, value: NormalizedLabels): void {
    if (this.count >= MAX_ENTRIES) this.clear();
    const length = end - start;
    if (this.arenaLen + length > this.arena.length) this.growArena(length);
    const e = this.count++;
    if (e === this.hashes.length) this.growEntries();
    this.arena.set(buf.subarray(start, end), this.arenaLen);
    this.hashes[e] = hash;
    this.offsets[e] = this.arenaLen;
    this.lengths[e] = length;
    this.values[e] = value;
    this.arenaLen += length;
    if (2 * this.count > this.table.length) this.rehash(this.table.length * 2);
    else this.place(e);
  }

  private matches(e: number, buf: Uint8Array, view: DataView, start: number, end: number): boolean {
    const length = end - start;
    if (this.lengths[e] !== length) return false;
    const at = this.offsets[e]!;
    const arena = this.arenaView;
    let k = 0;
    for (; k + 4 <= length; k += 4) if (arena.getInt32(at + k, true) !== view.getInt32(start + k, true)) return false;
    for (; k < length; k++) if (this.arena[at + k] !== buf[start + k]) return false;
    return true;
  }

  private place(e: number): void {
    const mask = this.table.length - 1;
    let slot = this.hashes[e]! & mask;
    while (this.table[slot] !== 0) slot = (slot + 1) & mask;
    this.table[slot] = e + 1;
  }

  private rehash(size: number): void {
    this.table = new Int32Array(size);
    for (let e = 0; e < this.count; e++) this.place(e);
  }

  private growEntries(): void {
    const cap = this.hashes.length * 2;
    const hashes = new Int32Array(cap);
    hashes.set(this.hashes);
    const offsets = new Uint32Array(cap);
    offsets.set(this.offsets);
    const lengths = new Uint32Array(cap);
    lengths.set(this.lengths);
    this.hashes = hashes;
    this.offsets = offsets;
    this.lengths = lengths;
  }

  private growArena(need: number): void {
    let cap = this.arena.length * 2;
    while (cap < this.arenaLen + need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.arena.subarray(0, this.arenaLen));
    this.arena = next;
    this.arenaView = new DataView(next.buffer);
  }

  private clear(): void {
    this.table.fill(0);
    this.values = [];
    this.count = 0;
    this.arenaLen = 0;
  }
}

/** The 1–3 bytes `buf[p, end)` as a little-endian word, zero-padded. */
function tailWord(buf: Uint8Array, p: number, end: number): number {
  let w = 0;
  for (let s = 0; p < end; p++, s += 8) w |= buf[p]! << s;
  return w;
}

const SLOTS = 1 << 15;
const WAYS = 4;
const SET_MASK = SLOTS - WAYS;

interface SymbolEntry {
  readonly hash: number;
  readonly names: readonly string[];
  readonly values: readonly string[];
  readonly value: NormalizedLabels;
}

export class SymbolLabelSetCache {
  private readonly entries: (SymbolEntry | undefined)[] = new Array<SymbolEntry | undefined>(SLOTS).fill(undefined);

  /** The normalized form of the `n` pairs names[i], values[i], if cached; `hash` identifies them. */
  get(hash: number, names: readonly string[], values: readonly string[], n: number): NormalizedLabels | undefined {
    const set = hash & SET_MASK;
    for (let k = set; k < set + WAYS; k++) {
      const e = this.entries[k];
      if (e === undefined) return undefined;
      if (e.hash === hash && e.names.length === n && sameStrings(e, names, values, n)) return e.value;
    }
    return undefined;
  }

  set(hash: number, names: readonly string[], values: readonly string[], n: number, value: NormalizedLabels): void {
    const set = hash & SET_MASK;
    for (let k = set + WAYS - 1; k > set; k--) this.entries[k] = this.entries[k - 1];
    this.entries[set] = { hash, names: names.slice(0, n), values: values.slice(0, n), value };
  }
}

function sameStrings(e: SymbolEntry, names: readonly string[], values: readonly string[], n: number): boolean {
  for (let i = 0; i < n; i++) if (e.names[i] !== names[i] || e.values[i] !== values[i]) return false;
  return true;
}
