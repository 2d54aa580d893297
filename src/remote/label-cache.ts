// Label sets of remote write 1.0 series, keyed by their wire bytes. A sender writes the same
// series request after request with byte-identical Label messages, so the run of Label fields
// that opens a TimeSeries maps to the same normalized label set every time: one hash and one
// compare of the bytes replace decoding, sorting and validating every label (VictoriaMetrics
// keeps label bytes for the same reason). Two-way set-associative and bounded: a colliding set
// replaces an older one. Every hit is verified byte for byte, never trusted to the hash.

import type { NormalizedLabels } from './series-labels.js';

interface Entry {
  readonly hash: number;
  readonly length: number;
  /** The key bytes as little-endian 32-bit words, the last one zero-padded. */
  readonly words: Int32Array;
  readonly value: NormalizedLabels;
}

const SLOTS = 1 << 14;

export class LabelSetCache {
  private readonly entries: (Entry | undefined)[] = new Array<Entry | undefined>(SLOTS).fill(undefined);

  /** A hash of `buf[start, end)`; `view` must cover the same bytes as `buf`. */
  hash(buf: Uint8Array, view: DataView, start: number, end: number): number {
    // Four independent lanes, 16 bytes a step, so that the multiply chains run side by side.
    let a = 0x811c9dc5 ^ (end - start);
    let b = 0x9e3779b9;
    let c = 0x85ebca6b;
    let d = 0xc2b2ae35;
    let p = start;
    for (; p + 16 <= end; p += 16) {
      a = Math.imul(a ^ view.getInt32(p, true), 0x85ebca6b);
      b = Math.imul(b ^ view.getInt32(p + 4, true), 0xc2b2ae35);
      c = Math.imul(c ^ view.getInt32(p + 8, true), 0x27d4eb2d);
      d = Math.imul(d ^ view.getInt32(p + 12, true), 0x165667b1);
    }
    for (; p + 4 <= end; p += 4) a = Math.imul(a ^ view.getInt32(p, true), 0x85ebca6b);
    for (; p < end; p++) a = Math.imul(a ^ buf[p]!, 0x01000193);
    a = Math.imul(a ^ (b >>> 15) ^ (c >>> 13) ^ (d >>> 11) ^ Math.imul(b ^ c ^ d, 0x27d4eb2d), 0x9e3779b1);
    return (a ^ (a >>> 16)) | 0;
  }

  get(buf: Uint8Array, view: DataView, start: number, end: number, hash: number): NormalizedLabels | undefined {
    const slot = hash & (SLOTS - 1);
    const e = this.entries[slot];
    if (e !== undefined && e.hash === hash && matches(e, buf, view, start, end)) return e.value;
    const f = this.entries[slot ^ 1];
    if (f !== undefined && f.hash === hash && matches(f, buf, view, start, end)) return f.value;
    return undefined;
  }

  /**
   * Two-way: slots 2k and 2k+1 form a set. A new entry takes its own slot and moves the one
   * it displaces to the partner slot, so each set keeps the two most recently added.
   */
  set(buf: Uint8Array, view: DataView, start: number, end: number, hash: number, value: NormalizedLabels): void {
    const length = end - start;
    const full = length >>> 2;
    const words = new Int32Array((length + 3) >>> 2);
    for (let k = 0; k < full; k++) words[k] = view.getInt32(start + 4 * k, true);
    if (full < words.length) words[full] = tailWord(buf, start + 4 * full, end);
    const slot = hash & (SLOTS - 1);
    const displaced = this.entries[slot];
    if (displaced !== undefined) this.entries[slot ^ 1] = displaced;
    this.entries[slot] = { hash, length, words, value };
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
