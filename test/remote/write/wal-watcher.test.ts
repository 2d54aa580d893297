// The WAL watcher and the live segment reader: records read while the writer is still writing
// them (seeded random chunk boundaries, fragmented records), rotation, a saved position (series
// only before it), a position truncated away (checkpoint forwarded and reported), corruption.

import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labelsFromRecord } from '../../../src/model/labels.js';
import { SegmentTail } from '../../../src/remote/write/segment-tail.js';
import { WalWatcher, type WalRecordSink } from '../../../src/remote/write/wal-watcher.js';
import type { WalPosition } from '../../../src/remote/write/position.js';
import { Encbuf } from '../../../src/tsdb/encoding/encbuf.js';
import { encodeSamples, encodeSeries, type SampleColumns } from '../../../src/tsdb/record/index.js';
import { checkpoint } from '../../../src/tsdb/wal/checkpoint.js';
import { WalReader } from '../../../src/tsdb/wal/reader.js';
import { listSegments, segmentPath } from '../../../src/tsdb/wal/segment.js';
import { WalWriter } from '../../../src/tsdb/wal/writer.js';
import { Prng } from '../../helpers/prng.js';

const root = mkdtempSync(join(tmpdir(), 'promwasm-rw-watcher-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(root, `w${n++}`);

function seriesRecord(refs: number[]): Uint8Array {
  const b = new Encbuf(256);
  encodeSeries(b, refs.map((ref) => ({ ref, labels: labelsFromRecord({ __name__: 'm', r: String(ref) }) })));
  return b.get().slice();
}

function samplesRecord(ref: number, from: number, count: number): Uint8Array {
  const b = new Encbuf(64 + count * 20);
  const refs = new Float64Array(count).fill(ref);
  const ts = Float64Array.from({ length: count }, (_, i) => from + i);
  const vs = Float64Array.from({ length: count }, (_, i) => from + i + 0.5);
  encodeSamples(b, refs, ts, vs);
  return b.get().slice();
}

/** A sink recording everything it is given. */
class Recorder implements WalRecordSink {
  readonly got: string[] = [];
  readonly refs: number[] = [];
  readonly at: WalPosition[] = [];
  readonly lost: [WalPosition, number | undefined][] = [];
  readonly errors: string[] = [];
  caught = 0;

  series(s: { ref: number }[]): void {
    this.refs.push(...s.map((x) => x.ref));
  }
  metadata(): void {}
  samples(cols: SampleColumns, at: WalPosition): void {
    for (let i = 0; i < cols.length; i++) this.got.push(`${cols.refs[i]}@${cols.ts[i]}`);
    this.at.push(at);
  }
  histograms(): void {}
  exemplars(): void {}
  passed(at: WalPosition): void {
    this.at.push(at);
  }
  caughtUp(): void {
    this.caught++;
  }
  positionLost(p: WalPosition, cp: { index: number } | undefined): void {
    this.lost.push([p, cp?.index]);
  }
  corruption(e: Error): void {
    this.errors.push(e.message);
  }
}

const recorder = (): Recorder => new Recorder();

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('SegmentTail', () => {
  it('returns exactly the records of a segment written in random chunks, never a partial one', () => {
    const rng = new Prng(7);
    for (let round = 0; round < 20; round++) {
      const src = fresh();
      const w = WalWriter.open(src, { compress: rng.chance(0.5), segmentSize: 1024 * 1024 });
      for (let i = 0; i < rng.int(1, 40); i++) {
        // Some records are larger than a page, so they come in first/middle/last fragments.
        w.log([rng.chance(0.2) ? samplesRecord(i, i * 1000, rng.int(2000, 6000)) : seriesRecord([i])]);
      }
      const bytes = readFileSync(segmentPath(src, 0));
      const expected: string[] = [];
      const reader = new WalReader(listSegments(src));
      while (reader.next()) expected.push(Buffer.from(reader.record()).toString('hex'));
      reader.close();

      const dst = fresh();
      mkdirSync(dst);
      writeFileSync(segmentPath(dst, 0), '');
      const tail = new SegmentTail(dst, 0, 0);
      const got: string[] = [];
      const ends: number[] = [];
      for (let off = 0; off < bytes.length; ) {
        const step = Math.min(bytes.length - off, rng.int(1, 40_000));
        appendFileSync(segmentPath(dst, 0), bytes.subarray(off, off + step));
        off += step;
        for (let rec = tail.next(); rec !== undefined; rec = tail.next()) {
          got.push(Buffer.from(rec).toString('hex'));
          ends.push(tail.recordEnd);
        }
      }
      tail.close();
      expect(got).toEqual(expected);
      expect(tail.torn).toBe(false);
      // Starting at any record end reads the records after it.
      const k = rng.int(0, ends.length - 1);
      const again = new SegmentTail(dst, 0, ends[k]!);
      const rest: string[] = [];
      for (let rec = again.next(); rec !== undefined; rec = again.next()) rest.push(Buffer.from(rec).toString('hex'));
      again.close();
      expect(rest).toEqual(expected.slice(k + 1));
    }
  });
});

describe('WalWatcher', () => {
  it('follows the live segment and its rotations', async () => {
    const dir = fresh();
    const w = WalWriter.open(dir, { segmentSize: 64 * 1024 });
    const sink = recorder();
    const watcher = new WalWatcher({ walDir: dir, from: undefined, sink, pollMs: 10 });
    watcher.start();
    w.log([seriesRecord([1, 2])]);
    let t = 0;
    for (let i = 0; i < 40; i++) {
      w.log([samplesRecord(1 + (i % 2), t, 200)]);
      t += 200;
      if (i % 10 === 9) w.nextSegment();
      await new Promise((r) => setTimeout(r, 2));
    }
    await until(() => sink.got.length === 8000);
    await watcher.stop();
    await w.close();
    expect(sink.refs).toEqual([1, 2]);
    expect(sink.got[0]).toBe('1@0');
    expect(sink.got[7999]).toBe('2@7999');
    for (let i = 1; i < sink.at.length; i++) {
      const a = sink.at[i - 1]!;
      const b = sink.at[i]!;
      expect(b.segment > a.segment || (b.segment === a.segment && b.offset > a.offset)).toBe(true);
    }
    expect(listSegments(dir).length).toBeGreaterThan(4);
  });

  it('gives only series before a saved position, everything after it', async () => {
    const dir = fresh();
    const w = WalWriter.open(dir, { segmentSize: 64 * 1024 });
    w.log([seriesRecord([1])]);
    w.log([samplesRecord(1, 0, 10)]);
    w.nextSegment();
    w.log([seriesRecord([2])]);
    w.log([samplesRecord(2, 100, 10)]);
    await w.close();
    // The position after the series record of segment 1.
    const tail = new SegmentTail(dir, 1, 0);
    tail.next();
    const from = { segment: 1, offset: tail.recordEnd };
    tail.close();
    const sink = recorder();
    const watcher = new WalWatcher({ walDir: dir, from, sink, pollMs: 10 });
    watcher.start();
    await until(() => sink.caught > 0);
    await watcher.stop();
    expect(sink.refs).toEqual([1, 2]);
    expect(sink.got).toEqual(Array.from({ length: 10 }, (_, i) => `2@${100 + i}`));
    expect(sink.lost).toEqual([]);
  });

  it('reports a position a checkpoint truncated away, forwards the checkpoint, then the segments after it', async () => {
    const dir = fresh();
    const w = WalWriter.open(dir, { segmentSize: 64 * 1024 });
    w.log([seriesRecord([1, 2])]);
    for (let s = 0; s < 4; s++) {
      w.log([samplesRecord(1, s * 100, 10)]);
      w.nextSegment();
    }
    w.log([samplesRecord(2, 1000, 5)]);
    await w.close();
    await checkpoint(dir, 0, 2, () => true, 150);
    // The DB deletes the covered segments after a checkpoint; done by hand here.
    for (const s of listSegments(dir)) if (s.index <= 2) rmSync(join(dir, s.name));
    const sink = recorder();
    const watcher = new WalWatcher({ walDir: dir, from: { segment: 1, offset: 100 }, sink, pollMs: 10 });
    watcher.start();
    await until(() => sink.caught > 0);
    await watcher.stop();
    expect(sink.lost).toEqual([[{ segment: 1, offset: 100 }, 2]]);
    // The checkpoint kept the samples at or after 150: segment 2's; then segments 3 and 4.
    expect(sink.got).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `1@${200 + i}`),
      ...Array.from({ length: 10 }, (_, i) => `1@${300 + i}`),
      ...Array.from({ length: 5 }, (_, i) => `2@${1000 + i}`),
    ]);
  });

  it('reports a corrupt segment and goes on with the next one', async () => {
    const dir = fresh();
    const w = WalWriter.open(dir, { segmentSize: 64 * 1024, compress: false });
    w.log([seriesRecord([1])]);
    w.log([samplesRecord(1, 0, 10)]);
    w.log([samplesRecord(1, 10, 10)]);
    w.nextSegment();
    w.log([samplesRecord(1, 20, 10)]);
    await w.close();
    const seg0 = readFileSync(segmentPath(dir, 0));
    seg0[seg0.indexOf(0x02, 60) + 20] ^= 0xff; // inside the second samples record's payload
    writeFileSync(segmentPath(dir, 0), seg0);
    const sink = recorder();
    const watcher = new WalWatcher({ walDir: dir, from: undefined, sink, pollMs: 10 });
    watcher.start();
    await until(() => sink.caught > 0);
    await watcher.stop();
    expect(sink.errors.length).toBe(1);
    expect(sink.errors[0]).toMatch(/checksum/);
    expect(sink.got.filter((s) => Number(s.split('@')[1]) >= 20)).toHaveLength(10);
  });
});
