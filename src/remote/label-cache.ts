// Normalized label sets of remote-write series, cached across requests.
//
// 1.0 (LabelSetCache): keyed by the series' label bytes on the wire. A sender writes the same
// series request after request with byte-identical Label messages, so the run of Label fields
// that opens a TimeSeries maps to the same normalized label set every time: one hash and one
// compare of the bytes replace decoding, sorting and validating every label (VictoriaMetrics
// keeps label bytes for the same reason). Four-way set-associative and bounded (32768 sets of
// labels): a new set replaces the oldest of its way. Every hit is verified byte for byte, never
// trusted to the hash.
//
// 2.0 (SymbolLabelSetCache): a request's strings are its symbols, decoded once each, so a series
// is keyed by its label strings, hashed from the symbols' byte hashes and verified string by string.

import { fmix32 } from './hash32.js';
import type { NormalizedLabels } from './series-labels.js';

interface Entry {
  readonly hash: number;
  readonly length: number;
  /** The key bytes as little-endian 32-bit words, the last one zero-padded. */
  readonly words: Int32Array;
  readonly value: NormalizedLabels;
}

const SLOTS = 1 << 15;
const WAYS = 4;
const SET_MASK = SLOTS - WAYS;

export class LabelSetCache {
  private readonly entries: (Entry | undefined)[] = new Array<Entry | undefined>(SLOTS).fill(undefined);
  /** Hashes of label sets missed once: a set is cached on its second miss, so one-off series cost no copy. */
  private readonly seen = new Int32Array(SLOTS);

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
    const set = hash & SET_MASK;
    for (let k = set; k < set + WAYS; k++) {
      const e = this.entries[k];
      if (e === undefined) return undefined;
      if (e.hash === hash && matches(e, buf, view, start, end)) return e.value;
    }
    return undefined;
  }

  /**
   * Offers a label set that get() missed. Four-way: four consecutive slots form a set, kept in
   * insertion order, newest first; a new entry pushes the oldest out.
   */
  set(buf: Uint8Array, view: DataView, start: number, end: number, hash: number, value: NormalizedLabels): void {
    const door = hash & (SLOTS - 1);
    if (this.seen[door] !== hash) {
      this.seen[door] = hash;
      return;
    }
    const length = end - start;
    const full = length >>> 2;
    const words = new Int32Array((length + 3) >>> 2);
    for (let k = 0; k < full; k++) words[k] = view.getInt32(start + 4 * k, true);
    if (full < words.length) words[full] = tailWord(buf, start + 4 * full, end);
    const set = hash & SET_MASK;
    for (let k = set + WAYS - 1; k > set; k--) this.entries[k] = this.entries[k - 1];
    this.entries[set] = { hash, length, words, value };
  }
}

function matches(e: Entry, buf: Uint8Array, view: DataView, start: number, end: number): boolean {
  if (e.length !== end - start) return false;
  const words = e.words;
  const full = (end - start) >>> 2;
  for (let k = 0; k < full; k++) {
    if (words[k] !== view.getInt32(start + 4 * k, true)) return false;
  }
  return full === words.length || words[full] === tailWord(buf, start + 4 * full, end);
}

/** The 1–3 bytes `buf[p, end)` as a little-endian word, zero-padded. */
function tailWord(buf: Uint8Array, p: number, end: number): number {
  let w = 0;
  for (let s = 0; p < end; p++, s += 8) w |= buf[p]! << s;
  return w;
}

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
