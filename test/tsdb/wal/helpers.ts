import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { formatLabels } from '../../../src/format/index.js';
import { compareLabels, type Labels } from '../../../src/model/labels.js';
import { WalReader, listSegments } from '../../../src/tsdb/wal/index.js';

/** A fresh temporary directory, removed after the current test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'promwasm-wal-'));
  dirs.push(dir);
  return dir;
}
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Every record of every segment of `dir`, copied, read as one stream per segment. */
export function readRecords(dir: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const s of listSegments(dir)) {
    const r = new WalReader([s]);
    try {
      while (r.next()) out.push(new Uint8Array(r.record()));
    } finally {
      r.close();
    }
  }
  return out;
}

/** Fast equality of two record lists (vitest's deep equality walks large arrays element by element). */
export function sameRecords(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  return a.length === b.length && a.every((x, i) => Buffer.from(x.buffer, x.byteOffset, x.length).equals(b[i]!));
}

export interface Fragment {
  offset: number;
  header: number;
  length: number;
}

/**
 * An independent page walk of one well-formed segment (for counting): a zero type byte skips to
 * the next page, anything else is a 7-byte header and its payload.
 */
export function scanFragments(seg: Uint8Array): Fragment[] {
  const out: Fragment[] = [];
  let p = 0;
  while (p < seg.length) {
    const header = seg[p]!;
    if ((header & 7) === 0) {
      p = (Math.floor(p / 32768) + 1) * 32768;
      continue;
    }
    const length = (seg[p + 1]! << 8) | seg[p + 2]!;
    out.push({ offset: p, header, length });
    p += 7 + length;
  }
  return out;
}

/** The 64 bits of a float as a hex string, from its bytes. */
export function bitsOf(vs: Float64Array, i: number): string {
  const dv = new DataView(vs.buffer, vs.byteOffset + i * 8, 8);
  return dv.getBigUint64(0, true).toString(16).padStart(16, '0');
}

export const STALE_BITS = '7ff0000000000002';
export const GO_NAN_BITS = '7ff8000000000001';

export function f64FromBits(hex: string): Float64Array {
  const a = new Float64Array(1);
  new DataView(a.buffer).setBigUint64(0, BigInt('0x' + hex), true);
  return a;
}

/** Samples of one series; values stay in Float64Array bytes. */
export class SeriesSamples {
  readonly ts: number[] = [];
  vs = new Float64Array(64);
  constructor(readonly labels: Labels) {}
  push(t: number, from: Float64Array, i: number): void {
    if (this.ts.length === this.vs.length) {
      const next = new Float64Array(this.vs.length * 2);
      next.set(this.vs);
      this.vs = next;
    }
    this.vs.set(from.subarray(i, i + 1), this.ts.length);
    this.ts.push(t);
  }
}

/** One line of `promtool tsdb dump`: labels as printed, the value, the timestamp. */
export interface DumpLine {
  readonly labels: string;
  readonly value: number;
  readonly t: number;
}

/** Our samples as promtool would list them: series sorted by labels, samples by time. */
export function dumpLines(series: Iterable<SeriesSamples>): DumpLine[] {
  const sorted = [...series].filter((s) => s.ts.length > 0).sort((a, b) => compareLabels(a.labels, b.labels));
  const out: DumpLine[] = [];
  for (const s of sorted) {
    const labels = formatLabels(s.labels);
    for (let i = 0; i < s.ts.length; i++) out.push({ labels, value: s.vs[i]!, t: s.ts[i]! });
  }
  return out;
}

/**
 * Parses `promtool tsdb dump` output (`<labels> <%g value> <ms>` per line). Values are read
 * numerically: Go's %g prints the shortest digits that read back to the same double.
 */
export function parseDump(text: string): DumpLine[] {
  const out: DumpLine[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const tsAt = line.lastIndexOf(' ');
    const valueAt = line.lastIndexOf(' ', tsAt - 1);
    const v = line.slice(valueAt + 1, tsAt);
    const value = v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : v === 'NaN' ? NaN : Number(v);
    if (Number.isNaN(value) && v !== 'NaN') throw new Error(`bad value in dump line: ${line}`);
    out.push({ labels: line.slice(0, valueAt), value, t: Number(line.slice(tsAt + 1)) });
  }
  return out;
}

/** Index of the first line that differs (labels text, timestamp, value incl. -0 and NaN), or -1. */
export function firstDifference(a: readonly DumpLine[], b: readonly DumpLine[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (!x || !y || x.labels !== y.labels || x.t !== y.t || !Object.is(x.value, y.value)) return i;
  }
  return -1;
}
