// Strings of remote-write bodies: label names and values, symbols, help texts.

import { fmix32 } from './hash32.js';

const TEXT = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes UTF-8 strings, handing out one string per distinct short ASCII byte sequence: the
 * same label names and values recur in every request, and a hit avoids creating a string. The
 * table is four-way set-associative (newest first in each set) and bounded. Non-ASCII input
 * goes through a fatal TextDecoder.
 */
export class StringTable {
  private static readonly SLOTS = 16384;
  private static readonly WAYS = 4;
  private static readonly MAX_LEN = 128;
  private readonly slots: (string | undefined)[] = new Array<string | undefined>(StringTable.SLOTS).fill(undefined);
  /** A hash of the bytes of the last string decoded (equal bytes, equal hash). */
  lastHash = 0;

  /** Returns the string of `buf[start, end)`, or undefined when the bytes are not valid UTF-8. */
  decode(buf: Buffer, start: number, end: number): string | undefined {
    const n = end - start;
    if (n === 0) {
      this.lastHash = 0;
      return '';
    }
    if (n > StringTable.MAX_LEN) {
      // Long strings (help texts) are neither hashed byte by byte nor kept.
      this.lastHash = Math.imul(n ^ buf[start]! ^ (buf[end - 1]! << 8), 0x9e3779b1);
      return decodeLong(buf, start, end);
    }
    let h = 0x811c9dc5;
    let high = 0;
    for (let i = start; i < end; i++) {
      const b = buf[i]!;
      high |= b;
      h = Math.imul(h ^ b, 0x01000193);
    }
    h = fmix32(h ^ n);
    this.lastHash = h;
    if (high >= 0x80) return utf8(buf, start, end);
    const slots = this.slots;
    const set = h & (StringTable.SLOTS - StringTable.WAYS);
    for (let k = set; k < set + StringTable.WAYS; k++) {
      const cached = slots[k];
      if (cached === undefined) break;
      if (cached.length === n && sameAscii(cached, buf, start)) return cached;
    }
    const s = buf.toString('latin1', start, end);
    for (let k = set + StringTable.WAYS - 1; k > set; k--) slots[k] = slots[k - 1];
    slots[set] = s;
    return s;
  }
}

function sameAscii(s: string, buf: Buffer, start: number): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) !== buf[start + i]) return false;
  return true;
}

function decodeLong(buf: Buffer, start: number, end: number): string | undefined {
  for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return utf8(buf, start, end);
  return buf.toString('latin1', start, end);
}

function utf8(buf: Buffer, start: number, end: number): string | undefined {
  try {
    return TEXT.decode(buf.subarray(start, end));
  } catch {
    return undefined;
  }
}
