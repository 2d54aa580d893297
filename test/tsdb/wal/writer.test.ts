import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Encbuf } from '../../../src/tsdb/encoding/encbuf.js';
import { encodeSamples, encodeSeries } from '../../../src/tsdb/record/index.js';
import { PAGE_SIZE, SNAPPY_FLAG, WalReader, WalWriter, listSegments, replayWal } from '../../../src/tsdb/wal/index.js';
import { Prng } from '../../helpers/prng.js';
import { readRecords, sameRecords, scanFragments, tempDir } from './helpers.js';

const FULL = 1;
const FIRST = 2;
const MIDDLE = 3;
const LAST = 4;
const MAX_PAYLOAD = PAGE_SIZE - 7;

/** A record of `n` bytes: incompressible (random) or very compressible (repeated text). */
function record(r: Prng, n: number, compressible = false): Uint8Array {
  if (!compressible) return r.bytes(n);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = 97 + ((i >> 4) % 3);
  return out;
}

function segmentBytes(dir: string, index = 0): Uint8Array {
  return readFileSync(join(dir, String(index).padStart(8, '0')));
}

const types = (seg: Uint8Array): number[] => scanFragments(seg).map((f) => f.header & 7);

describe('WalWriter framing', () => {
  it('writes the fragments of the worked example (spec §3.9) byte for byte', async () => {
    const dir = tempDir();
    const w = WalWriter.open(dir, { compress: false });
    const buf = new Encbuf();
    encodeSeries(buf, [{ ref: 1, labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'a' }] }]);
    const series = buf.get().slice();
    buf.reset();
    const vs = new Float64Array(2);
    new DataView(vs.buffer).setBigUint64(0, 0x3ff0000000000000n, true);
    new DataView(vs.buffer).setBigUint64(8, 0x7ff0000000000002n, true);
    encodeSamples(buf, new Float64Array([1, 1]), new Float64Array([1000, 2000]), vs);
    w.log([series, buf.get()]);
    // Before close the active page is written but not padded.
    const seg = segmentBytes(dir);
    expect(seg.length).toBe(7 + 28 + 7 + 38);
    expect(Buffer.from(seg.subarray(0, 7)).toString('hex')).toBe('01001ce2137703');
    expect(Buffer.from(seg.subarray(35, 42)).toString('hex')).toBe('0100267799cc07');
    await w.close();
    expect(segmentBytes(dir).length).toBe(PAGE_SIZE);
  });

  it('fills a page exactly, then starts the next record on the next page', async () => {
    const dir = tempDir();
    const r = new Prng(1);
    const w = WalWriter.open(dir, { compress: false });
    const recs = [record(r, MAX_PAYLOAD), record(r, 10)];
    w.log([recs[0]!]);
    expect(segmentBytes(dir).length).toBe(PAGE_SIZE);
    w.log([recs[1]!]);
    await w.close();
    const frags = scanFragments(segmentBytes(dir));
    expect(frags.map((f) => [f.offset, f.header, f.length])).toEqual([[0, FULL, MAX_PAYLOAD], [PAGE_SIZE, FULL, 10]]);
    expect(sameRecords(readRecords(dir), recs)).toBe(true);
  });

  it('pads a page with fewer than 7 bytes left and writes a zero-length first fragment when exactly 7 are left', async () => {
    const r = new Prng(2);
    for (const [gap, expected] of [
      [3, [FULL, FULL]],
      [6, [FULL, FULL]],
      [7, [FULL, FIRST, LAST]],
      [8, [FULL, FIRST, LAST]],
    ] as const) {
      const dir = tempDir();
      const w = WalWriter.open(dir, { compress: false });
      const recs = [record(r, MAX_PAYLOAD - gap), record(r, 100)];
      w.log(recs);
      await w.close();
      const seg = segmentBytes(dir);
      const frags = scanFragments(seg);
      expect(frags.map((f) => f.header & 7), `gap ${gap}`).toEqual(expected);
      if (gap < 7) {
        expect(frags[1]!.offset).toBe(PAGE_SIZE);
        expect(seg.subarray(PAGE_SIZE - gap, PAGE_SIZE).every((b) => b === 0)).toBe(true);
      } else {
        expect(frags[1]!.length).toBe(gap - 7);
      }
      expect(sameRecords(readRecords(dir), recs)).toBe(true);
    }
  });

  it('splits records over many pages and reads them back, with and without compression', async () => {
    const r = new Prng(3);
    for (const compress of [false, true]) {
      const dir = tempDir();
      const w = WalWriter.open(dir, { compress });
      const recs = [record(r, 5), record(r, 200_000), record(r, 40_000, true), record(r, 0), record(r, 70_000, true), record(r, 1)];
      for (const rec of recs) w.log([rec]);
      await w.close();
      const seg = segmentBytes(dir);
      expect(seg.length % PAGE_SIZE).toBe(0);
      const frags = scanFragments(seg);
      // The incompressible 200 KB record: first, 5 middles, last (7 pages' worth of payload).
      expect(types(seg).slice(1, 8)).toEqual([FIRST, MIDDLE, MIDDLE, MIDDLE, MIDDLE, MIDDLE, LAST]);
      for (const f of frags) {
        expect(Math.floor(f.offset / PAGE_SIZE)).toBe(Math.floor((f.offset + 6 + f.length) / PAGE_SIZE));
      }
      // Compression is used only when it helps, and then flagged on every fragment of the record.
      const flagged = frags.filter((f) => f.header & SNAPPY_FLAG).length;
      if (compress) expect(flagged).toBeGreaterThanOrEqual(2);
      else expect(flagged).toBe(0);
      expect(frags.find((f) => f.length === 0 && (f.header & 7) === FULL)).toBeDefined(); // the empty record
      expect(sameRecords(readRecords(dir), recs)).toBe(true);
    }
  });

  it('hands the bytes of each log() call to the kernel before returning', () => {
    const dir = tempDir();
    const r = new Prng(4);
    const w = WalWriter.open(dir);
    const recs: Uint8Array[] = [];
    for (let i = 0; i < 20; i++) {
      recs.push(record(r, r.int(0, 50_000), r.chance(0.5)));
      w.log([recs[i]!]);
      expect(sameRecords(readRecords(dir), recs)).toBe(true); // a second reader sees every record, without close or fsync
    }
  });
});

describe('WalWriter segments', () => {
  it('cuts segments at the configured size and never lets a record span two', async () => {
    const dir = tempDir();
    const r = new Prng(5);
    const segmentSize = 3 * PAGE_SIZE;
    const w = WalWriter.open(dir, { compress: false, segmentSize });
    const recs: Uint8Array[] = [];
    for (let i = 0; i < 60; i++) {
      recs.push(record(r, r.pick([10, 1000, 20_000, 50_000])));
      w.log([recs[i]!]);
    }
    await w.close();
    const segs = listSegments(dir);
    expect(segs.length).toBeGreaterThan(5);
    const all: Uint8Array[] = [];
    for (const s of segs) {
      const size = statSync(join(dir, s.name)).size;
      expect(size % PAGE_SIZE).toBe(0);
      expect(size).toBeLessThanOrEqual(segmentSize);
      const seg = segmentBytes(dir, s.index);
      const t = types(seg);
      // Every segment starts with a fresh record and ends with a complete one.
      expect([FULL, FIRST]).toContain(t[0]);
      expect([FULL, LAST]).toContain(t[t.length - 1]);
      const reader = new WalReader([s]);
      while (reader.next()) all.push(new Uint8Array(reader.record()));
      reader.close();
    }
    expect(sameRecords(all, recs)).toBe(true);
  });

  it('puts a record larger than a segment into a segment of its own, as Prometheus does', async () => {
    const dir = tempDir();
    const r = new Prng(6);
    const w = WalWriter.open(dir, { compress: false, segmentSize: PAGE_SIZE });
    const big = record(r, 3 * PAGE_SIZE);
    w.log([record(r, 100)]);
    w.log([big]);
    w.log([record(r, 100)]);
    await w.close();
    const sizes = listSegments(dir).map((s) => statSync(join(dir, s.name)).size);
    // 0: the small record; 1: the big one, 4 pages; 2: the last small record.
    expect(sizes).toEqual([PAGE_SIZE, 4 * PAGE_SIZE, PAGE_SIZE]);
    expect(sameRecords([readRecords(dir)[1]!], [big])).toBe(true);

    // From a fresh segment the cut still happens first, leaving that segment empty (as Go does).
    const dir2 = tempDir();
    const w2 = WalWriter.open(dir2, { compress: false, segmentSize: PAGE_SIZE });
    w2.log([big]);
    await w2.close();
    expect(listSegments(dir2).map((s) => statSync(join(dir2, s.name)).size)).toEqual([0, 4 * PAGE_SIZE]);
    expect(sameRecords(readRecords(dir2), [big])).toBe(true);
  });

  it('starts a new segment on every open and after nextSegment(), and truncates old ones', async () => {
    const dir = tempDir();
    const w = WalWriter.open(dir);
    w.log([new Uint8Array([1, 2, 3])]);
    expect(w.nextSegment()).toBe(1);
    w.log([new Uint8Array([4])]);
    await w.close();
    const w2 = WalWriter.open(dir);
    expect(w2.segment).toBe(2);
    w2.log([new Uint8Array([5])]);
    w2.truncate(1);
    await w2.close();
    expect(readdirSync(dir).sort()).toEqual(['00000001', '00000002']);
    expect(readRecords(dir)).toEqual([new Uint8Array([4]), new Uint8Array([5])]);
    expect(() => w2.log([new Uint8Array(1)])).toThrow(/closed/);
    expect(() => WalWriter.open(tempDir(), { segmentSize: PAGE_SIZE + 1 })).toThrow(RangeError);
  });

  it('refuses a directory whose segments are not sequential', () => {
    const dir = tempDir();
    writeFileSync(join(dir, '00000000'), '');
    writeFileSync(join(dir, '00000002'), '');
    expect(() => WalWriter.open(dir)).toThrow(/not sequential/);
    expect(() => replayWal(dir, {})).toThrow(/not sequential/);
  });
});
