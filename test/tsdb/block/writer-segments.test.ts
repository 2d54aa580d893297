/**
 * Chunk segment cutting (Prometheus's chunks.Writer.WriteChunks batching) and the index writer's refusals.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChunkDirReader } from '../../../src/tsdb/chunks/reader.js';
import { ChunkWriter, packChunkRef } from '../../../src/tsdb/chunks/writer.js';
import { IndexWriter, IndexWriterError } from '../../../src/tsdb/index/writer.js';
import { Prng } from '../../helpers/prng.js';

const scratch = mkdtempSync(join(tmpdir(), 'promwasm-writer-segments-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = (): string => join(scratch, String(dirCount++));

/** A chunk whose data is `length` bytes of `fill`. */
const chunk = (length: number, fill = 7): { bytes: Uint8Array } => ({ bytes: new Uint8Array(length).fill(fill) });

describe('ChunkWriter segments', () => {
  it('cuts as WriteChunks does: budget of 10 + data bytes per chunk, a full segment first, a huge chunk alone', async () => {
    // Segment size 100; a 30-byte chunk is budgeted 40 bytes and takes 36 (1 + 1 + 30 + 4).
    const dir = freshDir();
    const w = await ChunkWriter.create(dir, { segmentSize: 100 });
    const c = chunk(30);
    const seg = (s: number, offset: number): number => packChunkRef(s, offset);
    // Fresh writer: the batch budget 80 + 8 fits 100, both chunks go into 000001 (8 + 72 = 80 bytes).
    expect(await w.writeChunks([c, c])).toEqual([seg(0, 8), seg(0, 44)]);
    // The tail holds 80 bytes: 80 + 40 > 100, so a new segment before the first chunk.
    expect(await w.writeChunks([c])).toEqual([seg(1, 8)]);
    // Tail 44: the first chunk fits (84), the second does not (124); the rest fits a fresh segment.
    expect(await w.writeChunks([c, c, c])).toEqual([seg(1, 44), seg(2, 8), seg(2, 44)]);
    // A 200-byte chunk exceeds any segment: it gets one of its own; the next chunk starts another.
    expect(await w.writeChunks([chunk(200)])).toEqual([seg(3, 8)]);
    expect(await w.writeChunks([c])).toEqual([seg(4, 8)]);
    await w.close();
    expect(readdirSync(dir).sort()).toEqual(['000001', '000002', '000003', '000004', '000005']);
    expect(['000001', '000002', '000003', '000004', '000005'].map((f) => statSync(join(dir, f)).size)).toEqual([80, 80, 80, 8 + 2 + 1 + 200 + 4, 44]);
    expect([...readFileSync(join(dir, '000001')).subarray(0, 8)]).toEqual([0x85, 0xbd, 0x40, 0xdd, 1, 0, 0, 0]);
  });

  it('reads back every chunk of seeded series at its reference; no segment is empty or over budget unless it holds one chunk', async () => {
    for (const seed of [11, 12, 13]) {
      const prng = new Prng(seed);
      const dir = freshDir();
      const segmentSize = prng.int(1000, 6000);
      const w = await ChunkWriter.create(dir, { segmentSize });
      const written: { ref: number; encoding: number; bytes: Uint8Array }[] = [];
      for (let s = 0; s < 120; s++) {
        const chunks = Array.from({ length: prng.int(1, 6) }, () => ({
          encoding: prng.pick([1, 2, 3]),
          bytes: prng.bytes(prng.chance(0.05) ? prng.int(130, 4000) : prng.int(2, 300)),
        }));
        const refs = await w.writeChunks(chunks);
        chunks.forEach((c, i) => written.push({ ref: refs[i]!, ...c }));
      }
      await w.close();
      const reader = await ChunkDirReader.open(dir);
      try {
        for (const c of written) {
          const back = await reader.chunk(c.ref);
          expect(back.encoding).toBe(c.encoding);
          expect(Buffer.compare(back.data, c.bytes)).toBe(0);
        }
      } finally {
        await reader.close();
      }
      const perSegment = new Map<number, number>();
      for (const c of written) perSegment.set(Math.floor(c.ref / 2 ** 32), (perSegment.get(Math.floor(c.ref / 2 ** 32)) ?? 0) + 1);
      const files = readdirSync(dir).sort();
      expect(files.length).toBe(w.segmentCount);
      files.forEach((f, i) => {
        const size = statSync(join(dir, f)).size;
        expect(perSegment.get(i), `seed ${seed} segment ${f}`).toBeGreaterThan(0);
        if (perSegment.get(i)! > 1) expect(size, `seed ${seed} segment ${f}`).toBeLessThanOrEqual(segmentSize);
      });
      // Refs increase along the write order (the index relies on it for signed deltas only, but it holds).
      for (let i = 1; i < written.length; i++) expect(written[i]!.ref).toBeGreaterThan(written[i - 1]!.ref);
    }
  });

  it('refuses unknown encodings and writes after close', async () => {
    const w = await ChunkWriter.create(freshDir());
    await expect(w.writeChunks([{ encoding: 4, bytes: new Uint8Array(3) }])).rejects.toThrow(/unknown chunk encoding 4/);
    await w.close();
    await expect(w.writeChunks([chunk(3)])).rejects.toThrow(/after close/);
  });
});

describe('IndexWriter refusals', () => {
  const labels = (...pairs: string[]): { name: string; value: string }[] =>
    Array.from({ length: pairs.length / 2 }, (_, i) => ({ name: pairs[2 * i]!, value: pairs[2 * i + 1]! }));
  const chunk0 = [{ ref: 8, minTime: 0, maxTime: 10 }];

  async function writer(symbols = ['', 'a', 'b', 'job', 'x', 'y']): Promise<IndexWriter> {
    const w = await IndexWriter.create(join(freshDir() + '-index'));
    w.addSymbols(symbols);
    return w;
  }

  it('symbols must strictly increase in UTF-8 byte order and come before series', async () => {
    const w = await IndexWriter.create(join(freshDir() + '-index'));
    w.addSymbol('\uffff');
    w.addSymbol('😀'); // after U+FFFF in UTF-8, before it in UTF-16
    expect(() => w.addSymbol('😀')).toThrow(/out-of-order/);
    expect(() => w.addSymbol('a')).toThrow(IndexWriterError);
    expect(() => w.addSymbol('😀\ud800')).toThrow(/not valid Unicode \(lone surrogate\)/);
    await w.close();
    const v = await writer();
    await v.addSeries(labels('a', 'x'), chunk0);
    expect(() => v.addSymbol('zz')).toThrow(/cannot add a symbol in stage "series"/);
    await v.abandon();
  });

  it('series must be sorted, unique, with known symbols, sorted names and no empty names or values', async () => {
    const w = await writer();
    await w.addSeries(labels('a', 'x', 'job', 'y'), chunk0);
    await expect(w.addSeries(labels('a', 'x', 'job', 'y'), chunk0)).rejects.toThrow(/out-of-order series added with label set \{a="x", job="y"\}/);
    await expect(w.addSeries(labels('a', 'x'), chunk0)).rejects.toThrow(/out-of-order series/);
    await expect(w.addSeries(labels('b', 'nope'), chunk0)).rejects.toThrow(/symbol entry for "nope" does not exist/);
    await expect(w.addSeries(labels('job', 'x', 'b', 'y'), chunk0)).rejects.toThrow(/label names not sorted/);
    await expect(w.addSeries(labels('b', 'x', 'b', 'y'), chunk0)).rejects.toThrow(/label names not sorted/);
    await expect(w.addSeries(labels('b', ''), chunk0)).rejects.toThrow(/empty value for label b/);
    await expect(w.addSeries(labels('', 'x'), chunk0)).rejects.toThrow(/empty label name/);
    await expect(w.addSeries([], chunk0)).rejects.toThrow(/at least one label/);
    await expect(w.addSeriesSymbols(Uint32Array.of(2, 9), chunk0)).rejects.toThrow(/symbol id 9 out of range/);
    await w.abandon();
  });

  it('chunk metas must be integral, ordered, non-overlapping, with valid refs', async () => {
    const w = await writer();
    const series = labels('b', 'x');
    await expect(w.addSeries(series, [{ ref: 8, minTime: 5, maxTime: 4 }])).rejects.toThrow(/maxTime 4 before minTime 5/);
    await expect(w.addSeries(series, [{ ref: 8, minTime: 0.5, maxTime: 4 }])).rejects.toThrow(/not integers/);
    await expect(w.addSeries(series, [{ ref: -1, minTime: 0, maxTime: 4 }])).rejects.toThrow(/bad chunk reference/);
    await expect(w.addSeries(series, [chunk0[0]!, { ref: 50, minTime: 10, maxTime: 20 }])).rejects.toThrow(/not after the previous chunk's maxTime 10/);
    // Refused series left nothing behind: a valid one still gets the first ref after the symbol table.
    const ref = await w.addSeries(series, [chunk0[0]!, { ref: 50, minTime: 11, maxTime: 20 }]);
    expect(ref).toBe(2); // header 5, symbol table 4 + 4 + 13 + 4: the first series at 30 padded to 32
    await w.close();
    await expect(w.addSeries(series, chunk0)).rejects.toThrow(/stage "done"/);
  });
});
