/**
 * The block file writers against files Prometheus wrote: the promtool 2.42 fixture blocks re-indexed,
 * re-chunked and rebuilt from their samples byte for byte, the annotated golden block of block-format.md
 * §6.10, meta.json and tombstones encodings, ULIDs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSeriesSelector } from '../../../src/model/matchers.js';
import { Block } from '../../../src/tsdb/block/block.js';
import { parseBlockMeta, readBlockMeta, type BlockMeta } from '../../../src/tsdb/block/meta.js';
import { formatBlockMeta } from '../../../src/tsdb/block/meta-writer.js';
import { isUlid, newUlid, ulidTime } from '../../../src/tsdb/block/ulid.js';
import { writeBlock, type SampleSeries } from '../../../src/tsdb/block/writer.js';
import { ChunkDirReader } from '../../../src/tsdb/chunks/reader.js';
import { ChunkWriter } from '../../../src/tsdb/chunks/writer.js';
import { MAX_INT64, MIN_INT64 } from '../../../src/tsdb/encoding/int64.js';
import { IndexReader } from '../../../src/tsdb/index/reader.js';
import { IndexWriter } from '../../../src/tsdb/index/writer.js';
import { decodeTombstones } from '../../../src/tsdb/tombstones/reader.js';
import { encodeTombstones } from '../../../src/tsdb/tombstones/writer.js';
import { Prng } from '../../helpers/prng.js';
import { FIXTURE_DB } from './dump-oracle.js';

const FIXTURE_BLOCKS = ['01M87X1JDRRPSPQC6QS2KG1QER', '01M87X1JRM3RJ0MJXRAA4W4XKD', '01M87X1K2Z1622Y3Z27CC96CDT', '01M87X1KE92W92H3KKWTYAMBCS'];
const ALL = parseSeriesSelector("{__name__=~'(?s:.*)'}");

const scratch = mkdtempSync(join(tmpdir(), 'promwasm-writer-files-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = (): string => join(scratch, String(dirCount++));

/** The samples of every series of a block, read back with the block reader (values as raw bits). */
async function blockSamples(dir: string): Promise<SampleSeries[]> {
  const block = await Block.open(dir);
  const out: SampleSeries[] = [];
  try {
    for await (const s of block.select(ALL, MIN_INT64, MAX_INT64)) {
      const parts: { timestamps: Float64Array; values: Float64Array }[] = [];
      for await (const b of s.batches()) parts.push({ timestamps: b.timestamps.slice(0, b.length), values: b.values.slice(0, b.length) });
      const n = parts.reduce((sum, p) => sum + p.timestamps.length, 0);
      const timestamps = new Float64Array(n);
      const values = new Float64Array(n);
      let at = 0;
      for (const p of parts) {
        timestamps.set(p.timestamps, at);
        values.set(p.values, at);
        at += p.timestamps.length;
      }
      out.push({ labels: s.labels, timestamps, values });
    }
  } finally {
    await block.close();
  }
  return out;
}

function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
}

const ascii = (s: string): string => Buffer.from(s, 'latin1').toString('hex');

describe('IndexWriter on the promtool fixture blocks', () => {
  it.each(FIXTURE_BLOCKS)('re-indexes %s byte for byte from its symbols, series and chunk refs', async (ulid) => {
    const original = join(FIXTURE_DB, ulid, 'index');
    const reader = await IndexReader.open(original);
    const path = join(scratch, `index-${ulid}`);
    const writer = await IndexWriter.create(path);
    for (let i = 0; i < reader.symbolCount; i++) writer.addSymbol(reader.symbol(i));
    let expectedRef = 0;
    for (const id of reader.allPostings()) {
      const s = reader.series(id);
      expect(await writer.addSeries(s.labels, s.chunks)).toBe(id);
      expect(id).toBeGreaterThan(expectedRef);
      expectedRef = id;
    }
    const toc = await writer.close();
    expect(toc).toEqual(reader.toc);
    expect(Buffer.compare(readFileSync(path), readFileSync(original))).toBe(0);
  });
});

describe('ChunkWriter on the promtool fixture blocks', () => {
  it.each(FIXTURE_BLOCKS)('rewrites the chunks of %s byte for byte, at the same references', async (ulid) => {
    const index = await IndexReader.open(join(FIXTURE_DB, ulid, 'index'));
    const chunks = await ChunkDirReader.open(join(FIXTURE_DB, ulid, 'chunks'));
    const dir = freshDir();
    const writer = await ChunkWriter.create(dir);
    try {
      for (const id of index.allPostings()) {
        const metas = index.series(id).chunks;
        const raw = [];
        for (const m of metas) {
          const c = await chunks.chunk(m.ref);
          raw.push({ encoding: c.encoding, bytes: c.data.slice() });
        }
        expect(await writer.writeChunks(raw)).toEqual(metas.map((m) => m.ref));
      }
    } finally {
      await chunks.close();
      await writer.close();
    }
    expect(writer.segmentCount).toBe(1);
    expect(Buffer.compare(readFileSync(join(dir, '000001')), readFileSync(join(FIXTURE_DB, ulid, 'chunks', '000001')))).toBe(0);
  });
});

describe('writeBlock rebuilds the promtool fixture blocks from their samples', () => {
  it.each(FIXTURE_BLOCKS)('%s: index, chunks, meta.json and tombstones identical (same ULID, series shuffled)', async (ulid) => {
    const series = await blockSamples(join(FIXTURE_DB, ulid));
    const prng = new Prng(ulid.length + series.length);
    for (let i = series.length - 1; i > 0; i--) {
      const j = prng.int(0, i);
      [series[i], series[j]] = [series[j]!, series[i]!];
    }
    const parent = freshDir();
    const meta = await writeBlock(parent, series, { ulid });
    expect(meta?.ulid).toBe(ulid);
    for (const file of ['index', 'chunks/000001', 'meta.json', 'tombstones']) {
      expect(Buffer.compare(readFileSync(join(parent, ulid, file)), readFileSync(join(FIXTURE_DB, ulid, file))), file).toBe(0);
    }
  });
});

describe('the golden block of block-format.md §6.10', () => {
  it('up{job="a"} = 1 @ 1000, = 2 @ 16000 gives the annotated 272-byte index and 31-byte chunk file', async () => {
    const index = hex(`
      ba aa d7 00 02
      00 00 00 17 00 00 00 05 00 08 ${ascii('__name__')} 01 ${ascii('a')} 03 ${ascii('job')} 02 ${ascii('up')} 3c 59 a2 92
      00 00 00 00 00 00 00 00 00 00 00 00
      0b 02 01 04 03 02 01 d0 0f 98 75 08 e2 dc 67 1f
      00 00 00 0c 00 00 00 01 00 00 00 01 00 00 00 04 20 d5 9b a6
      00 00 00 0c 00 00 00 01 00 00 00 01 00 00 00 02 06 74 7c 4e
      00 00 00 08 00 00 00 01 00 00 00 03 a7 69 2e d2
      00 00 00 08 00 00 00 01 00 00 00 03 a7 69 2e d2
      00 00 00 08 00 00 00 01 00 00 00 03 a7 69 2e d2
      00 00 00 15 00 00 00 02 01 08 ${ascii('__name__')} 40 01 03 ${ascii('job')} 54 85 b4 34 50
      00 00 00 1f 00 00 00 03 02 00 00 68 02 08 ${ascii('__name__')} 02 ${ascii('up')} 78 02 03 ${ascii('job')} 01 ${ascii('a')} 88 01 97 8f 96 ec
      0000000000000005 0000000000000024 0000000000000040 0000000000000098 0000000000000068 00000000000000b5 bf af 16 d7`);
    expect(index.length).toBe(272);
    const chunks = hex('85 bd 40 dd 01 00 00 00 11 01 00 02 d0 0f 3f f0 00 00 00 00 00 00 98 75 c2 5f ff f0 a5 7d 33');
    const parent = freshDir();
    const ulid = '01M87W7PS1Y3QS67Z6ZSYMYKNK';
    const meta = await writeBlock(
      parent,
      [{ labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'a' }], timestamps: Float64Array.of(1000, 16000), values: Float64Array.of(1, 2) }],
      { ulid },
    );
    expect(meta).toMatchObject({ minTime: 1000, maxTime: 16001, stats: { numSamples: 2, numSeries: 1, numChunks: 1 } });
    expect(Buffer.compare(readFileSync(join(parent, ulid, 'index')), index)).toBe(0);
    expect(Buffer.compare(readFileSync(join(parent, ulid, 'chunks', '000001')), chunks)).toBe(0);
    expect(readFileSync(join(parent, ulid, 'meta.json'), 'utf8')).toBe(
      '{\n\t"ulid": "01M87W7PS1Y3QS67Z6ZSYMYKNK",\n\t"minTime": 1000,\n\t"maxTime": 16001,\n\t"stats": {\n\t\t"numSamples": 2,\n' +
        '\t\t"numSeries": 1,\n\t\t"numChunks": 1\n\t},\n\t"compaction": {\n\t\t"level": 1,\n\t\t"sources": [\n' +
        '\t\t\t"01M87W7PS1Y3QS67Z6ZSYMYKNK"\n\t\t]\n\t},\n\t"version": 1\n}',
    );
    expect([...readFileSync(join(parent, ulid, 'tombstones'))]).toEqual([0x01, 0x30, 0xba, 0x30, 0x01, 0, 0, 0, 0]);
  });

  it('an index without series: only "", the empty all-postings list and its table entry', async () => {
    const path = join(freshDir() + '-index');
    const writer = await IndexWriter.create(path);
    writer.addSymbol('');
    await writer.close();
    const bytes = readFileSync(path);
    const reader = IndexReader.fromBytes(bytes);
    expect(reader.allPostings().length).toBe(0);
    expect(reader.labelNames()).toEqual([]);
    // header 5 | symbols: len, count, "" (1 byte), CRC = 13 | no series, no label indices | 2 bytes of
    // padding, all postings: len, count 0, CRC = 12 | label offset table: len, count 0, CRC = 12 |
    // postings offset table: len, count, (2, "", "", 20) in 4 bytes, CRC = 16 | TOC 52.
    expect(reader.toc).toMatchObject({ symbols: 5, series: 18, labelIndices: 18, postings: 18, labelIndicesTable: 32, postingsTable: 44 });
    expect(bytes.length).toBe(44 + 16 + 52);
  });
});

describe('meta.json', () => {
  it.each(FIXTURE_BLOCKS)('formats the meta of %s exactly as Prometheus wrote it', async (ulid) => {
    const { meta } = await readBlockMeta(join(FIXTURE_DB, ulid));
    expect(formatBlockMeta(meta)).toBe(readFileSync(join(FIXTURE_DB, ulid, 'meta.json'), 'utf8'));
  });

  it('writes every optional field in Go order, int64 extremes exactly, strings escaped as encoding/json', () => {
    const meta: BlockMeta = {
      ulid: '01M87W7PS1Y3QS67Z6ZSYMYKNK',
      minTime: MIN_INT64,
      maxTime: MAX_INT64,
      stats: { numSamples: 0, numSeries: 0, numChunks: 0, numTombstones: 3 },
      compaction: {
        level: 3,
        sources: ['01M87W7PS1Y3QS67Z6ZSYMYKNK', '01M87X1JDRRPSPQC6QS2KG1QER'],
        deletable: true,
        parents: [{ ulid: '01M87X1JDRRPSPQC6QS2KG1QER', minTime: -5, maxTime: 7 }],
        failed: true,
        hints: ['from-out-of-order', '<&>\u2028\u0001"\\\n\ud800é'],
      },
      version: 1,
    };
    const text = formatBlockMeta(meta);
    expect(text).toBe(
      [
        '{',
        '\t"ulid": "01M87W7PS1Y3QS67Z6ZSYMYKNK",',
        '\t"minTime": -9223372036854775808,',
        '\t"maxTime": 9223372036854775807,',
        '\t"stats": {',
        '\t\t"numTombstones": 3',
        '\t},',
        '\t"compaction": {',
        '\t\t"level": 3,',
        '\t\t"sources": [',
        '\t\t\t"01M87W7PS1Y3QS67Z6ZSYMYKNK",',
        '\t\t\t"01M87X1JDRRPSPQC6QS2KG1QER"',
        '\t\t],',
        '\t\t"deletable": true,',
        '\t\t"parents": [',
        '\t\t\t{',
        '\t\t\t\t"ulid": "01M87X1JDRRPSPQC6QS2KG1QER",',
        '\t\t\t\t"minTime": -5,',
        '\t\t\t\t"maxTime": 7',
        '\t\t\t}',
        '\t\t],',
        '\t\t"failed": true,',
        '\t\t"hints": [',
        '\t\t\t"from-out-of-order",',
        '\t\t\t"\\u003c\\u0026\\u003e\\u2028\\u0001\\"\\\\\\n\\ufffdé"',
        '\t\t]',
        '\t},',
        '\t"version": 1',
        '}',
      ].join('\n'),
    );
    const back = parseBlockMeta(text);
    expect(back.compaction).toMatchObject({ level: 3, deletable: true, failed: true, parents: meta.compaction.parents });
    expect(formatBlockMeta({ ...meta, stats: { numSamples: 0, numSeries: 0, numChunks: 0, numTombstones: 0 } })).toContain('\t"stats": {},\n');
  });
});

describe('tombstones', () => {
  it('an empty file is the 9 bytes of the fixtures', () => {
    expect(Buffer.compare(encodeTombstones(), readFileSync(join(FIXTURE_DB, FIXTURE_BLOCKS[0]!, 'tombstones')))).toBe(0);
  });

  it('round-trips through the reader, sorted by series ref, with int64 extremes and a CRC over the entries only', () => {
    const entries = new Map([
      [32, [{ mint: 5, maxt: 9 }, { mint: 20, maxt: MAX_INT64 }]],
      [3, [{ mint: MIN_INT64, maxt: -1 }]],
      [2 ** 32 - 1, [{ mint: 1600000000000, maxt: 1600000100000 }]],
    ]);
    const bytes = encodeTombstones(entries);
    const t = decodeTombstones(bytes);
    expect(t.get(3)).toEqual([{ mint: MIN_INT64, maxt: -1 }]);
    expect(t.get(32)).toEqual([{ mint: 5, maxt: 9 }, { mint: 20, maxt: MAX_INT64 }]);
    expect(t.get(2 ** 32 - 1)).toEqual([{ mint: 1600000000000, maxt: 1600000100000 }]);
    expect(t.intervalCount).toBe(4);
    // Entry order: ref 3 first; MIN_INT64 is the zig-zag maximum, ten bytes of varint.
    expect([...bytes.subarray(5, 17)]).toEqual([3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x01]);
    expect(() => encodeTombstones([[1.5, []]])).toThrow(/bad series ref/);
  });
});

describe('ULIDs', () => {
  it('encodes 48 bits of time and 80 bits of entropy in upper-case Crockford base32', () => {
    // The ULID specification's example: time 1469918176385 → "01ARYZ6S41".
    expect(newUlid(1469918176385, new Uint8Array(10))).toBe('01ARYZ6S410000000000000000');
    expect(newUlid(2 ** 48 - 1, new Uint8Array(10).fill(0xff))).toBe('7ZZZZZZZZZZZZZZZZZZZZZZZZZ');
    const u = newUlid();
    expect(isUlid(u)).toBe(true);
    expect(Math.abs(ulidTime(u) - Date.now())).toBeLessThan(60_000);
    expect(newUlid()).not.toBe(u);
    expect(() => newUlid(-1)).toThrow(/48-bit/);
    expect(() => newUlid(0, new Uint8Array(9))).toThrow(/10 bytes/);
  });
});
