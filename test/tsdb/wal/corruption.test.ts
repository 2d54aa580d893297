import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../../src/tsdb/encoding/crc32c.js';
import {
  PAGE_SIZE, SNAPPY_FLAG, WalCorruptionError, WalReader, WalWriter, listSegments, replayWal,
} from '../../../src/tsdb/wal/index.js';
import { Prng } from '../../helpers/prng.js';
import { readRecords, sameRecords, scanFragments, tempDir } from './helpers.js';

const FULL = 1;
const FIRST = 2;
const MIDDLE = 3;
const LAST = 4;

/** One fragment with a correct header: type, BE16 length, BE32 CRC-32C. */
function frag(type: number, payload: Uint8Array | number[]): Uint8Array {
  const p = Uint8Array.from(payload);
  const out = new Uint8Array(7 + p.length);
  const dv = new DataView(out.buffer);
  out[0] = type;
  dv.setUint16(1, p.length);
  dv.setUint32(3, crc32c(p));
  out.set(p, 7);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

/** Writes segments (index -> bytes) into a fresh WAL directory. */
function walDir(...segments: Uint8Array[]): string {
  const dir = tempDir();
  segments.forEach((s, i) => writeFileSync(join(dir, String(i).padStart(8, '0')), s));
  return dir;
}

/** Records read until the end or the first error. */
function readUntilError(dir: string): { records: Uint8Array[]; error?: WalCorruptionError } {
  const records: Uint8Array[] = [];
  try {
    for (const s of listSegments(dir)) {
      const r = new WalReader([s]);
      try {
        while (r.next()) records.push(new Uint8Array(r.record()));
      } finally {
        r.close();
      }
    }
  } catch (e) {
    if (!(e instanceof WalCorruptionError)) throw e;
    return { records, error: e };
  }
  return { records };
}

const bytesOf = (...xs: number[]): Uint8Array => Uint8Array.from(xs);

describe('WalReader checks', () => {
  it('stops at a checksum mismatch, reporting segment and offset past the fragment', () => {
    const a = frag(FULL, [1, 2, 3]);
    const b = frag(FULL, [4, 5, 6, 7]);
    b[9] ^= 0x40;
    const { records, error } = readUntilError(walDir(concat(a, b, frag(FULL, [8]))));
    expect(records).toEqual([bytesOf(1, 2, 3)]);
    expect(error).toBeInstanceOf(WalCorruptionError);
    expect(error!.segment).toBe(0);
    expect(error!.offset).toBe(a.length + b.length);
    expect(error!.reason).toMatch(/^unexpected checksum [0-9a-f]+, expected [0-9a-f]+$/);
    expect(error!.message).toContain('00000000 at offset 21');
  });

  it.each([
    ['first without last', [frag(FIRST, [1]), frag(FULL, [2])], 'unexpected full record', 16],
    ['first after first', [frag(FIRST, [1]), frag(FIRST, [2])], 'unexpected first record, dropping buffer', 16],
    ['middle without first', [frag(MIDDLE, [1])], 'unexpected middle record, dropping buffer', 8],
    ['last without first', [frag(LAST, [1])], 'unexpected last record, dropping buffer', 8],
    ['type 5', [frag(5, [1])], 'unexpected record type 5', 8],
    ['type 7 with snappy bit', [frag(7 | SNAPPY_FLAG, [1])], 'unexpected record type 7', 8],
  ])('rejects a bad fragment sequence: %s', (_name, frags, reason, offset) => {
    const { records, error } = readUntilError(walDir(concat(...frags)));
    expect(records).toEqual([]);
    expect(error?.reason).toBe(reason);
    expect(error?.offset).toBe(offset);
  });

  it('reassembles first/middle/last fragments across pages', () => {
    const part = (n: number, v: number): number[] => new Array<number>(n).fill(v);
    const p1 = concat(frag(FIRST, part(PAGE_SIZE - 7, 1)));
    const p2 = concat(frag(MIDDLE, part(PAGE_SIZE - 7, 2)));
    const p3 = concat(frag(LAST, part(10, 3)), frag(FULL, [9]));
    const { records, error } = readUntilError(walDir(concat(p1, p2, p3)));
    expect(error).toBeUndefined();
    expect(records.map((r) => r.length)).toEqual([2 * (PAGE_SIZE - 7) + 10, 1]);
  });

  it('drops a record torn before zero padding silently, but reports one torn at the very end of the file', () => {
    // first fragment, then the rest of the page is padding: Prometheus sees padding, not a torn record
    const padded = readUntilError(walDir(concat(frag(FULL, [7]), frag(FIRST, [1, 2]))));
    expect(padded.records).toEqual([bytesOf(7)]);
    expect(padded.error).toBeUndefined();

    const fill = PAGE_SIZE - 8 - 7;
    const atEnd = readUntilError(walDir(concat(frag(FULL, [7]), frag(FIRST, new Array<number>(fill).fill(5)))));
    expect(atEnd.records).toEqual([bytesOf(7)]);
    expect(atEnd.error?.reason).toBe('last record is torn');
    expect(atEnd.error?.offset).toBe(PAGE_SIZE);
  });

  it('checks record sizes and padding', () => {
    const big = frag(FULL, [1]);
    new DataView(big.buffer).setUint16(1, PAGE_SIZE - 6);
    expect(readUntilError(walDir(big)).error?.reason).toBe(`invalid record size ${PAGE_SIZE - 6}`);

    const seg = new Uint8Array(PAGE_SIZE);
    seg.set(frag(FULL, [1]), 0);
    seg[100] = 1; // inside the padding after a zero type byte at offset 8
    const r = readUntilError(walDir(seg));
    expect(r.records).toEqual([bytesOf(1)]);
    expect(r.error?.reason).toBe('unexpected non-zero byte in padded page');
    expect(r.error?.offset).toBe(PAGE_SIZE);
  });

  it('refuses a snappy header announcing more than the block can hold, before decoding', () => {
    const absurd = frag(FULL | SNAPPY_FLAG, [0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x61]);
    expect(readUntilError(walDir(absurd)).error?.reason).toMatch(/snappy: header announces 4294967295 bytes/);
    const garbage = frag(FULL | SNAPPY_FLAG, [0x05, 0xf0, 0x61]);
    expect(readUntilError(walDir(garbage)).error?.reason).toMatch(/snappy/);
  });

  it('reads zero-length segments and continues with the next one', () => {
    const dir = walDir(frag(FULL, [1]), new Uint8Array(0), concat(frag(FULL, [2]), frag(FULL, [3])), new Uint8Array(0));
    expect(readUntilError(dir)).toEqual({ records: [bytesOf(1), bytesOf(2), bytesOf(3)] });
    const all: Uint8Array[] = [];
    const r = new WalReader(listSegments(dir)); // one stream: short segments read as zero-padded pages
    while (r.next()) all.push(new Uint8Array(r.record()));
    r.close();
    expect(all).toEqual([bytesOf(1), bytesOf(2), bytesOf(3)]);
    let samples = 0;
    // [1], [2], [3] are an empty series, samples and tombstones record.
    expect(replayWal(dir, { samples: () => samples++ })).toMatchObject({ firstSegment: 0, lastSegment: 3, records: 3, unknownRecords: 0 });
    expect(samples).toBe(1);
  });

  it('turns an undecodable record into a WalCorruptionError at the offset past it', () => {
    const good = frag(FULL, [1, 0, 0, 0, 0, 0, 0, 0, 1, 0]); // series ref 1 with no labels
    const bad = frag(FULL, [2, 0, 0, 0, 0, 0, 0, 0, 1]); // samples record cut inside its base ref
    const dir = walDir(concat(good, bad));
    let series = 0;
    const e = (() => {
      try {
        replayWal(dir, { series: (s) => (series += s.length) });
      } catch (err) {
        return err as WalCorruptionError;
      }
    })();
    expect(series).toBe(1);
    expect(e).toBeInstanceOf(WalCorruptionError);
    expect(e!.reason).toMatch(/^decode samples: /);
    expect(e!.offset).toBe(good.length + bad.length);
  });
});

describe('repair', () => {
  /** A segment as a crash leaves it: several records of varied sizes, last page not padded. */
  function crashedSegment(): { bytes: Uint8Array; records: Uint8Array[]; ends: number[] } {
    const dir = tempDir();
    const r = new Prng(99);
    const w = WalWriter.open(dir);
    const records: Uint8Array[] = [];
    for (const n of [300, 40, 5000, 70_000, 12, 30_000, 900, 1]) {
      // half random (stored plain), half repetitive (stored snappy-compressed)
      const rec = r.bytes(n);
      if (records.length % 2 === 1) for (let i = 0; i < n; i++) rec[i] = rec[i]! & 3 || 1;
      records.push(rec);
      w.log([rec]);
    }
    const bytes = readFileSync(join(dir, '00000000'));
    // End offset of every record: the end of its full or last fragment.
    const ends = scanFragments(bytes).filter((f) => [FULL, LAST].includes(f.header & 7)).map((f) => f.offset + 7 + f.length);
    expect(ends.length).toBe(records.length);
    return { bytes, records, ends };
  }

  it('after a cut at any offset: keeps the complete records, repairs, and appends afterwards', async () => {
    const { bytes, records, ends } = crashedSegment();
    const cuts = new Set<number>();
    for (let c = 0; c <= 400; c++) cuts.add(c);
    for (const e of ends) for (let d = -12; d <= 12; d++) cuts.add(e + d);
    for (let p = PAGE_SIZE; p < bytes.length; p += PAGE_SIZE) for (let d = -10; d <= 10; d++) cuts.add(p + d);
    for (let c = 0; c < bytes.length; c += 211) cuts.add(c);
    const extra = Uint8Array.from([42, 43, 44]);
    let repaired = 0;

    for (const cut of [...cuts].filter((c) => c >= 0 && c <= bytes.length).sort((a, b) => a - b)) {
      const dir = walDir(bytes.subarray(0, cut));
      const complete = ends.filter((e) => e <= cut).length;
      const w = WalWriter.open(dir); // like Prometheus: open first (new segment 1), then replay
      const { records: got, error } = readUntilError(dir);
      const kept = got.filter((r) => r.length > 0); // a cut right after a type byte reads as an empty record
      expect(sameRecords(kept, records.slice(0, kept.length)), `cut ${cut}`).toBe(true);
      // One more record than the complete ones only if the cut-off bytes were zeros anyway.
      expect(kept.length === complete || (kept.length === complete + 1 && bytes.subarray(cut, ends[complete]).every((b) => b === 0)), `cut ${cut}`).toBe(true);
      if (error) {
        expect(error.segment, `cut ${cut}`).toBe(0);
        expect(error.offset).toBeGreaterThan(complete === 0 ? 0 : ends[complete - 1]!);
        w.repair(error);
        repaired++;
        expect(w.segment).toBe(1);
        const size = statSync(join(dir, '00000000')).size;
        expect(size % PAGE_SIZE).toBe(0);
        expect(readUntilError(dir).error).toBeUndefined();
        expect(sameRecords(readRecords(dir).filter((r) => r.length > 0), kept)).toBe(true);
      }
      w.log([extra]);
      await w.close();
      const after = readUntilError(dir);
      expect(after.error, `cut ${cut}`).toBeUndefined();
      expect(sameRecords(after.records.filter((r) => r.length > 0), [...kept, extra]), `cut ${cut}`).toBe(true);
    }
    expect(repaired).toBeGreaterThan(100);
  });

  it('deletes every later segment and rewrites the corrupted one, like Prometheus', async () => {
    const dir = tempDir();
    const w = WalWriter.open(dir, { compress: false, segmentSize: PAGE_SIZE });
    const recs = Array.from({ length: 12 }, (_, i) => new Uint8Array(9000).fill(i + 20)); // unknown record types
    for (const r of recs) w.log([r]); // 3 records per one-page segment
    await w.close();
    expect(listSegments(dir).length).toBe(4);
    // Corrupt the second record of segment 1.
    const path = join(dir, '00000001');
    const seg = readFileSync(path);
    seg[9007 + 100] ^= 1;
    writeFileSync(path, seg);

    const w2 = WalWriter.open(dir, { compress: false, segmentSize: PAGE_SIZE });
    let error: WalCorruptionError | undefined;
    try {
      replayWal(dir, {});
    } catch (e) {
      error = e as WalCorruptionError;
    }
    expect(error?.segment).toBe(1);
    expect(error?.offset).toBe(2 * 9007);
    w2.repair(error!);
    expect(readdirSync(dir).sort()).toEqual(['00000000', '00000001', '00000002']);
    expect(sameRecords(readRecords(dir), recs.slice(0, 4))).toBe(true);
    w2.log([bytesOf(1)]);
    await w2.close();
    expect(sameRecords(readRecords(dir), [...recs.slice(0, 4), bytesOf(1)])).toBe(true);
  });

  it('refuses errors from a checkpoint or another directory', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'checkpoint.00000003'));
    const w = WalWriter.open(dir);
    expect(() => w.repair(new WalCorruptionError(join(dir, 'checkpoint.00000003'), 0, 10, 'x'))).toThrow(/cannot repair/);
    w.log([bytesOf(1)]);
    expect(() => w.repair(new WalCorruptionError(dir, 0, 10, 'x'))).toThrow(/before anything is logged/);
    return w.close();
  });
});

describe('fuzzing with mutated Prometheus segments (seeded)', () => {
  const fixtures = ['wal-snappy', 'wal-plain'].map((n) =>
    readFileSync(join(import.meta.dirname, '../../fixtures/wal', n, '00000000')),
  );

  it.each([1, 2, 3, 4])('never hangs or crashes, only reports WalCorruptionError (seed %i)', (seed) => {
    const r = new Prng(seed);
    let errors = 0;
    for (let round = 0; round < 150; round++) {
      const src = r.pick(fixtures);
      let m: Uint8Array = Uint8Array.from(src);
      switch (r.int(0, 3)) {
        case 0: // flip bytes
          for (let k = r.int(1, 8); k > 0; k--) m[r.int(0, m.length - 1)] = r.nextU32() & 0xff;
          break;
        case 1: // flip header bytes specifically
          for (const f of scanFragments(src).filter(() => r.chance(0.03))) m[f.offset + r.int(0, 6)] = r.nextU32() & 0xff;
          break;
        case 2: // truncate
          m = m.subarray(0, r.int(0, m.length));
          break;
        default: // splice in random bytes
          m = concat(m.subarray(0, r.int(0, m.length)), r.bytes(r.int(1, 200)), m.subarray(r.int(0, m.length)));
      }
      const dir = walDir(m);
      try {
        replayWal(dir, { series: () => undefined, samples: () => undefined });
      } catch (e) {
        expect(e).toBeInstanceOf(WalCorruptionError);
        expect((e as WalCorruptionError).offset).toBeLessThanOrEqual(Math.ceil(m.length / PAGE_SIZE) * PAGE_SIZE);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(30);
  });
});
