import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSeriesSelector } from '../../../src/model/matchers.js';
import { UnsupportedChunkEncodingError } from '../../../src/tsdb/block/block.js';
import { CorruptedBlocksError, ReadOnlyDB } from '../../../src/tsdb/block/db.js';
import { MetaError } from '../../../src/tsdb/block/meta.js';
import { ChunkDirReader } from '../../../src/tsdb/chunks/reader.js';
import { Decbuf } from '../../../src/tsdb/encoding/decbuf.js';
import { CorruptionError } from '../../../src/tsdb/encoding/errors.js';
import { MAX_INT64, MIN_INT64 } from '../../../src/tsdb/encoding/int64.js';
import { IndexReader } from '../../../src/tsdb/index/reader.js';
import { Prng } from '../../helpers/prng.js';
import { fixCrc, series, writeBlock } from './block-builder.js';
import { dump, FIXTURE_DB } from './dump-oracle.js';

const ALL = parseSeriesSelector("{__name__=~'(?s:.*)'}");
const FIXTURE_BLOCK = '01M87X1JDRRPSPQC6QS2KG1QER';
const SMALL_BLOCK = '01H00000000000000000000001';

let root: string;
let n = 0;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'promwasm-corrupt-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A data directory holding a writable copy of the first fixture block. */
function fixtureCopy(): { db: string; block: string } {
  const db = join(root, `f${n++}`);
  cpSync(join(FIXTURE_DB, FIXTURE_BLOCK), join(db, FIXTURE_BLOCK), { recursive: true });
  chmodSync(join(db, FIXTURE_BLOCK), 0o755);
  chmodSync(join(db, FIXTURE_BLOCK, 'chunks'), 0o755);
  for (const f of ['index', 'meta.json', 'tombstones', 'chunks/000001']) chmodSync(join(db, FIXTURE_BLOCK, f), 0o644);
  return { db, block: join(db, FIXTURE_BLOCK) };
}

/** A data directory with a small spec-built block: two series of a few samples each. */
function smallBlock() {
  const db = join(root, `s${n++}`);
  const built = writeBlock(db, SMALL_BLOCK, [
    series({ __name__: 'a', job: 'x' }, [1000, 2000, 3000], [1, 2, 3]),
    series({ __name__: 'b', job: 'y' }, [1000, 2000], [4, 5]),
  ]);
  return { db, block: built.dir, built };
}

function edit(file: string, change: (bytes: Uint8Array) => Uint8Array | void): void {
  const bytes = new Uint8Array(readFileSync(file));
  writeFileSync(file, change(bytes) ?? bytes);
}

/** Opens and fully dumps the directory; returns the error (unwrapped from CorruptedBlocksError), if any. */
async function failure(dir: string, onWarning?: (m: string) => void): Promise<unknown> {
  try {
    const db = await ReadOnlyDB.open(dir, onWarning ? { onWarning } : {});
    try {
      await dump(db, ALL, MIN_INT64, MAX_INT64);
    } finally {
      await db.close();
    }
  } catch (e) {
    if (e instanceof CorruptedBlocksError) {
      expect(e.message).toMatch(/^corrupted block 01/);
      return [...e.failures.values()][0];
    }
    return e;
  }
  return undefined;
}

async function expectCorruption(dir: string, file: string, message: RegExp, offset?: number): Promise<void> {
  const e = await failure(dir);
  expect(e).toBeInstanceOf(CorruptionError);
  const c = e as CorruptionError;
  expect(c.file).toBe(file);
  expect(c.message).toMatch(message);
  if (offset !== undefined) expect(c.offset).toBe(offset);
  expect(c.message).toContain(file); // the message names the file and the offset
}

function be32(bytes: Uint8Array, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(at);
}

function setBe32(bytes: Uint8Array, at: number, v: number): void {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(at, v);
}

/** Offset and extent of the series entry at `offset`: [content start, content end), CRC after. */
function seriesEntry(bytes: Uint8Array, offset: number): { start: number; end: number } {
  const d = new Decbuf(bytes, 'index', 0, offset);
  const len = d.uvarint();
  return { start: d.pos, end: d.pos + len };
}

describe('index corruption', () => {
  it.each([
    ['truncated below its header', (b: Uint8Array) => b.subarray(0, 3), /shorter than its header/, 0],
    ['too short for a table of contents', (b: Uint8Array) => b.subarray(0, 40), /cannot hold a table of contents/, 0],
    ['truncated in the middle', (b: Uint8Array) => b.subarray(0, 7000), /table of contents checksum mismatch/, 7000 - 52],
    ['wrong magic', (b: Uint8Array) => void (b[0] = 0xab), /invalid magic number abaad700/, 0],
    ['unknown version', (b: Uint8Array) => void (b[4] = 3), /unknown index file version 3/, 4],
    ['a flipped bit in the TOC', (b: Uint8Array) => void (b[b.length - 30]! ^= 1), /table of contents checksum mismatch/, undefined],
    ['a flipped bit in the symbol table', (b: Uint8Array) => void (b[40]! ^= 4), /symbol table checksum mismatch/, 9],
  ])('%s', async (_, change, message, offset) => {
    const { db, block } = fixtureCopy();
    edit(join(block, 'index'), change);
    await expectCorruption(db, join(block, 'index'), message, offset);
  });

  it('a flipped bit in the postings offset table', async () => {
    const { db, block } = fixtureCopy();
    const toc = IndexReader.fromBytes(readFileSync(join(block, 'index'))).toc;
    edit(join(block, 'index'), (b) => void (b[toc.postingsTable + 20]! ^= 0x10));
    await expectCorruption(db, join(block, 'index'), /postings offset table checksum mismatch/, toc.postingsTable + 4);
  });

  it('a TOC offset beyond the sections (TOC checksum recomputed)', async () => {
    const { db, block } = fixtureCopy();
    edit(join(block, 'index'), (b) => {
      const toc = b.length - 52;
      setBe32(b, toc + 40, 0);
      setBe32(b, toc + 44, 0x7fffff);
      fixCrc(b, toc, toc + 48);
    });
    await expectCorruption(db, join(block, 'index'), /postings offset table offset 8388607 lies beyond the sections/);
  });

  it('a flipped bit in a series entry, found when the series is read', async () => {
    const { db, block } = fixtureCopy();
    const bytes = readFileSync(join(block, 'index'));
    const id = IndexReader.fromBytes(bytes).allPostings()[2]!;
    const { start } = seriesEntry(bytes, id * 16);
    edit(join(block, 'index'), (b) => void (b[start + 3]! ^= 1));
    await expectCorruption(db, join(block, 'index'), /series entry checksum mismatch/, start);
  });

  it('a flipped bit in a postings list', async () => {
    const { db, block } = fixtureCopy();
    const toc = IndexReader.fromBytes(readFileSync(join(block, 'index'))).toc;
    const allPostings = Math.ceil(toc.postings / 4) * 4;
    edit(join(block, 'index'), (b) => void (b[allPostings + 12]! ^= 1));
    await expectCorruption(db, join(block, 'index'), /postings list checksum mismatch/, allPostings + 4);
  });

  it('a symbol reference past the symbol table (entry checksum recomputed)', async () => {
    const { db, block, built } = smallBlock();
    const file = join(block, 'index');
    edit(file, (b) => {
      const { start, end } = seriesEntry(b, built.seriesOffsets[0]!);
      b[start + 1] = 0x7f; // first label name: symbol 127 of 7
      fixCrc(b, start, end);
    });
    await expectCorruption(db, file, /unknown symbol reference 127 \(7 symbols\)/);
  });

  it.each([
    ['a series ID outside the series section', (ids: number[]) => (ids[0] = 0), /series reference 0 points outside the series section/],
    ['a postings list out of order', (ids: number[]) => (ids[1] = ids[0]!), /postings list not strictly increasing at entry 1/],
  ])('%s (list checksum recomputed)', async (_, change, message) => {
    const { db, block } = smallBlock();
    const file = join(block, 'index');
    edit(file, (b) => {
      const toc = IndexReader.fromBytes(b.slice()).toc;
      const at = Math.ceil(toc.postings / 4) * 4; // the all-postings list
      const len = be32(b, at);
      const ids = [be32(b, at + 8), be32(b, at + 12)];
      change(ids);
      setBe32(b, at + 8, ids[0]!);
      setBe32(b, at + 12, ids[1]!);
      fixCrc(b, at + 4, at + 4 + len);
    });
    await expectCorruption(db, file, message);
  });

  it('a postings list whose count disagrees with its length', async () => {
    const { db, block } = smallBlock();
    const file = join(block, 'index');
    let at = 0;
    edit(file, (b) => {
      const toc = IndexReader.fromBytes(b.slice()).toc;
      at = Math.ceil(toc.postings / 4) * 4;
      setBe32(b, at + 4, 3);
      fixCrc(b, at + 4, at + 4 + be32(b, at));
    });
    await expectCorruption(db, file, /unexpected postings length, should be 12 bytes for 3 postings, got 8 bytes/, at);
  });
});

describe('chunk segment corruption', () => {
  const segment = (block: string): string => join(block, 'chunks', '000001');

  it.each([
    ['wrong magic', (b: Uint8Array) => void (b[1] = 0), /invalid magic number 8500 ?40dd|invalid magic number 850040dd/, 0],
    ['a header cut short', (b: Uint8Array) => b.subarray(0, 5), /invalid segment header: file has 5 bytes/, 0],
    ['unknown version', (b: Uint8Array) => void (b[4] = 2), /invalid chunk format version 2/, 4],
    ['a flipped bit in chunk data', (b: Uint8Array) => void (b[20]! ^= 1), /chunk checksum mismatch/, 8],
    ['a file cut in the middle', (b: Uint8Array) => b.subarray(0, 20_000), /runs past the end of the segment|no chunk length field/, undefined],
  ])('%s', async (_, change, message, offset) => {
    const { db, block } = fixtureCopy();
    edit(segment(block), change);
    await expectCorruption(db, segment(block), message, offset);
  });

  it('a chunk reference beyond the end of the segment (series checksum recomputed)', async () => {
    const { db, block, built } = smallBlock();
    edit(join(block, 'index'), (b) => {
      const { start, end } = seriesEntry(b, built.seriesOffsets[0]!);
      // content: #labels, 2 pairs of refs, #chunks, mint varint (2 bytes), maxt delta (2 bytes), ref
      const refAt = start + 1 + 4 + 1 + 2 + 2;
      expect(b[refAt]).toBe(8);
      b[refAt] = 0x7f;
      fixCrc(b, start, end);
    });
    await expectCorruption(db, segment(block), /no chunk length field at offset 127/, 127);
  });

  it('a chunk reference to a segment that does not exist', async () => {
    const { block } = smallBlock();
    const reader = await ChunkDirReader.open(join(block, 'chunks'));
    try {
      await expect(reader.chunk(3 * 2 ** 32 + 8)).rejects.toThrow(/segment index 3 out of range \(1 segments\)/);
    } finally {
      await reader.close();
    }
  });

  it('a chunk whose sample count lies (chunk checksum recomputed)', async () => {
    const { db, block } = smallBlock();
    edit(segment(block), (b) => {
      const len = b[8]!; // first chunk: uvarint len at 8, encoding at 9, data at 10
      b[10] = 0x00;
      b[11] = 0x90; // claims 144 samples, holds 3
      fixCrc(b, 9, 10 + len);
    });
    const e = await failure(db);
    expect(e).toBeInstanceOf(CorruptionError);
    expect((e as CorruptionError).file).toBe(segment(block));
    expect((e as CorruptionError).offset).toBe(8);
  });

  it.each([
    [9, CorruptionError, /invalid chunk encoding 9/],
    [2, UnsupportedChunkEncodingError, /native histogram chunks \(encoding 2\) are not supported yet/],
  ])('a chunk of encoding %i', async (encoding, type, message) => {
    const { db, block } = smallBlock();
    edit(segment(block), (b) => {
      b[9] = encoding;
      fixCrc(b, 9, 10 + b[8]!);
    });
    const e = await failure(db);
    expect(e).toBeInstanceOf(type);
    expect((e as Error).message).toMatch(message);
  });
});

describe('tombstones and meta.json', () => {
  it.each([
    ['wrong magic', (b: Uint8Array) => void (b[0] = 9), /invalid magic number 930ba30/, 0],
    ['a bad checksum', (b: Uint8Array) => void (b[8]! ^= 1), /tombstones checksum mismatch/, 5],
    ['truncated', (b: Uint8Array) => b.subarray(0, 4), /shorter than header and checksum/, 0],
    ['unknown version', (b: Uint8Array) => void (b[4] = 2), /unknown tombstones format version 2/, 4],
  ])('tombstones with %s', async (_, change, message, offset) => {
    const { db, block } = fixtureCopy();
    edit(join(block, 'tombstones'), change);
    await expectCorruption(db, join(block, 'tombstones'), message, offset);
  });

  it('an entry cut short (checksum recomputed)', async () => {
    const { db, block } = fixtureCopy();
    writeFileSync(join(block, 'tombstones'), new Uint8Array([0x01, 0x30, 0xba, 0x30, 0x01, 0x05, 0x80, 0, 0, 0, 0]));
    edit(join(block, 'tombstones'), (b) => fixCrc(b, 5, 7));
    await expectCorruption(db, join(block, 'tombstones'), /unexpected end of data in varint/, 6);
  });

  it('a missing tombstones file is no tombstones', async () => {
    const { db, block } = fixtureCopy();
    unlinkSync(join(block, 'tombstones'));
    expect(await failure(db)).toBeUndefined();
  });

  it.each([
    ['not JSON', '{"ulid": '],
    ['another meta version', '{"ulid":"01M87X1JDRRPSPQC6QS2KG1QER","minTime":1,"maxTime":2,"version":2}'],
    ['a bad ULID', '{"ulid":"not-a-ulid","minTime":1,"maxTime":2,"version":1}'],
    ['a fractional time', '{"ulid":"01M87X1JDRRPSPQC6QS2KG1QER","minTime":1.5,"maxTime":2,"version":1}'],
  ])('a block whose meta.json has %s is skipped with a warning, as Prometheus skips it', async (_, text) => {
    const { db, block } = fixtureCopy();
    writeFileSync(join(block, 'meta.json'), text);
    const warnings: string[] = [];
    expect(await failure(db, (m) => warnings.push(m))).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/skipping block 01M87X1JDRRPSPQC6QS2KG1QER: .*meta\.json/);
  });

  it('a block without an index fails naming the block', async () => {
    const { db, block } = fixtureCopy();
    unlinkSync(join(block, 'index'));
    const e = await failure(db);
    expect((e as Error).message).toMatch(/ENOENT.*index/);
  });
});

describe('hostile bytes (seeded)', () => {
  /**
   * Random damage to a small block; with the checksum of the damaged structure recomputed half of the
   * time, so that the decoders behind the checksums see the damage too. Every outcome must be a clean
   * read or one of the documented errors: never a crash, a hang or another kind of exception.
   */
  it('flips, cuts and re-checksummed garbage never produce anything but the documented errors', async () => {
    const rng = new Prng(1234);
    const { block: pristine } = smallBlock();
    const index = new Uint8Array(readFileSync(join(pristine, 'index')));
    const chunks = new Uint8Array(readFileSync(join(pristine, 'chunks', '000001')));
    const seriesOffsets = IndexReader.fromBytes(index.slice()).allPostings().map((id) => id * 16);
    const outcomes = new Map<string, number>();
    for (let round = 0; round < 300; round++) {
      const dir = join(root, `fuzz${round}`);
      cpSync(pristine, join(dir, SMALL_BLOCK), { recursive: true });
      const target = rng.pick(['index', 'series', 'chunk', 'cut-index', 'cut-chunks'] as const);
      const idx = index.slice();
      const chk = chunks.slice();
      if (target === 'index') for (let k = rng.int(1, 4); k > 0; k--) idx[rng.int(0, idx.length - 1)] ^= 1 << rng.int(0, 7);
      if (target === 'series') {
        const { start, end } = seriesEntry(idx, rng.pick([...seriesOffsets]));
        for (let k = rng.int(1, 3); k > 0; k--) idx[rng.int(start, end - 1)] = rng.int(0, 255);
        if (rng.chance(0.5)) fixCrc(idx, start, end);
      }
      if (target === 'chunk') {
        const len = chk[8]!;
        for (let k = rng.int(1, 3); k > 0; k--) chk[rng.int(10, 9 + len)] = rng.int(0, 255);
        if (rng.chance(0.5)) fixCrc(chk, 9, 10 + len);
      }
      writeFileSync(join(dir, SMALL_BLOCK, 'index'), target === 'cut-index' ? idx.subarray(0, rng.int(0, idx.length - 1)) : idx);
      writeFileSync(join(dir, SMALL_BLOCK, 'chunks', '000001'), chk);
      if (target === 'cut-chunks') truncateSync(join(dir, SMALL_BLOCK, 'chunks', '000001'), rng.int(0, chk.length - 1));
      const started = Date.now();
      const e = await failure(dir);
      expect(Date.now() - started).toBeLessThan(5000);
      const kind = e === undefined ? 'read' : e instanceof CorruptionError ? 'corruption' : e instanceof UnsupportedChunkEncodingError || e instanceof MetaError ? 'documented' : `unexpected: ${String(e)}`;
      if (kind.startsWith('unexpected')) expect.fail(`seed 1234 round ${round} (${target}): ${kind}`);
      outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
      rmSync(dir, { recursive: true, force: true });
    }
    expect(outcomes.get('corruption')).toBeGreaterThan(150);
  });
});
