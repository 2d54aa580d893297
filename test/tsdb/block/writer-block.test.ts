/**
 * writeBlock and BlockWriter end to end: seeded blocks read back by our reader and by the real promtool
 * (analyze, dump), a differential run against `promtool tsdb create-blocks-from openmetrics` on the same
 * samples (byte-identical blocks), encoded-chunk input, and bad input refused before anything is renamed
 * into place.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatGoFloat, formatLabels } from '../../../src/format/index.js';
import { compareLabels, type Labels } from '../../../src/model/labels.js';
import { parseSeriesSelector } from '../../../src/model/matchers.js';
import { Block } from '../../../src/tsdb/block/block.js';
import { readBlockMeta } from '../../../src/tsdb/block/meta.js';
import { BlockInputError, BlockWriter, headChunkEnds, writeBlock, type SampleSeries, type SeriesInput } from '../../../src/tsdb/block/writer.js';
import { MAX_INT64, MIN_INT64 } from '../../../src/tsdb/encoding/int64.js';
import { encodeXorChunk } from '../../../src/wasm/index.js';
import { Prng } from '../../helpers/prng.js';
import { PROMTOOL, PROMTOOL_MISSING, promtool } from '../../helpers/promtool.js';

const ALL = parseSeriesSelector("{__name__=~'(?s:.*)'}");
const HOUR = 3_600_000;

const scratch = mkdtempSync(join(tmpdir(), 'promwasm-writer-block-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let dirCount = 0;
/** A data directory with an empty wal/, which `promtool tsdb dump` insists on. */
function freshDataDir(): string {
  const dir = join(scratch, String(dirCount++));
  mkdirSync(join(dir, 'wal'), { recursive: true });
  return dir;
}

function float(bits: bigint): number {
  const a = new Float64Array(1);
  new BigUint64Array(a.buffer)[0] = bits;
  return a[0]!;
}
const STALE_MARKER = 0x7ff0000000000002n;
const GO_NAN = 0x7ff8000000000001n; // what Go's strconv.ParseFloat("NaN") returns

function bits(values: Float64Array, n = values.length): bigint[] {
  return [...new BigUint64Array(values.buffer, values.byteOffset, n)];
}

const LABEL_VALUES = ['a', 'b', 'Küche', '東京オフィス', '🚀 bay', 'quote "q"', 'back\\slash', 'new\nline', 'tab\there', '\uffff', '\ue000', 'x'.repeat(300)];

/** Seeded series: unicode labels, many values, cadences from 1 ms to minutes with jitter, gaps, bursts. */
function randomSeries(prng: Prng, count: number, start: number, span: number, special: boolean): SampleSeries[] {
  const out: SampleSeries[] = [];
  const seen = new Set<string>();
  while (out.length < count) {
    const labels: { name: string; value: string }[] = [{ name: '__name__', value: `metric_${prng.int(0, 9)}` }];
    if (prng.chance(0.8)) labels.push({ name: 'instance', value: `host-${prng.int(0, 999)}:9100` });
    if (prng.chance(0.5)) labels.push({ name: 'job', value: prng.pick(LABEL_VALUES) });
    if (prng.chance(0.3)) labels.push({ name: 'zone', value: prng.pick(LABEL_VALUES) + prng.int(0, 3) });
    const key = formatLabels(labels);
    if (seen.has(key)) continue;
    seen.add(key);

    const cadence = prng.pick([1, 250, 10_000, 15_000, 60_000]);
    const ts: number[] = [];
    let t = start + prng.int(0, 30 * 60_000);
    const end = start + span - prng.int(0, span / 3);
    while (t < end && ts.length < 4000) {
      ts.push(t);
      const burst = prng.chance(0.02); // rate changes defeat the end-time prediction: the 240-sample cap cuts
      t += burst ? 1 : Math.max(1, cadence + (prng.chance(0.5) ? prng.int(-Math.floor(cadence / 4), Math.floor(cadence / 4)) : 0));
      if (prng.chance(0.01)) t += prng.int(0, HOUR); // gaps, some across chunk-range boundaries
    }
    const values = new Float64Array(ts.length);
    let v = prng.int(-1000, 1000) / 8;
    for (let i = 0; i < ts.length; i++) {
      v += prng.chance(0.2) ? prng.int(-50, 50) / 4 : 0;
      values[i] = v;
      if (special && prng.chance(0.03)) values[i] = float(prng.pick([STALE_MARKER, GO_NAN, 0x7ff0000000000000n, 0xfff0000000000000n, 0x8000000000000000n, 1n, prng.u64()]));
    }
    out.push({ labels, timestamps: Float64Array.from(ts), values });
  }
  return out;
}

/** What `promtool tsdb dump` prints for these series. */
function expectedDump(series: readonly SampleSeries[]): string {
  const lines: string[] = [];
  for (const s of [...series].sort((a, b) => compareLabels(a.labels, b.labels))) {
    const prefix = formatLabels(s.labels) + ' ';
    for (let i = 0; i < s.timestamps.length; i++) lines.push(prefix + formatGoFloat(s.values[i]!) + ' ' + s.timestamps[i] + '\n');
  }
  return lines.join('');
}

describe('writeBlock on seeded series', () => {
  const prng = new Prng(20240601);
  const series = randomSeries(prng, 250, 1_700_000_000_000, 3 * HOUR, true);
  // A series crossing zero and long enough for hundreds of chunks.
  series.push({ labels: [{ name: '__name__', value: 'long' }], timestamps: Float64Array.from({ length: 40_000 }, (_, i) => -3_000_000 + i * 500), values: Float64Array.from({ length: 40_000 }, (_, i) => Math.sin(i)) });
  const totalSamples = series.reduce((n, s) => n + s.timestamps.length, 0);
  const dataDir = freshDataDir();
  let ulid = '';

  it('writes a block whose meta, index and chunks our reader reads back bit for bit', async () => {
    const meta = await writeBlock(dataDir, series);
    expect(meta).toBeDefined();
    ulid = meta!.ulid;
    expect(readdirSync(dataDir).sort()).toEqual([ulid, 'wal']);
    expect(meta!.stats).toMatchObject({ numSamples: totalSamples, numSeries: series.length });
    expect(meta!.minTime).toBe(Math.min(...series.map((s) => s.timestamps[0]!)));
    expect(meta!.maxTime).toBe(Math.max(...series.map((s) => s.timestamps[s.timestamps.length - 1]!)) + 1);
    expect((await readBlockMeta(join(dataDir, ulid))).meta).toEqual(meta);

    const byKey = new Map(series.map((s) => [formatLabels(s.labels), s]));
    const block = await Block.open(join(dataDir, ulid));
    try {
      expect(block.index.symbol(0)).toBe('');
      let chunks = 0;
      let previous: Labels | undefined;
      for (const id of block.index.allPostings()) {
        const { labels, chunks: metas } = block.index.series(id);
        if (previous) expect(compareLabels(previous, labels)).toBeLessThan(0);
        previous = labels;
        const input = byKey.get(formatLabels(labels))!;
        // Chunk boundaries are the head's.
        const ends = headChunkEnds(input.timestamps, input.timestamps.length, 2 * 2 * HOUR);
        expect(metas.map((m) => m.maxTime)).toEqual(ends.map((e) => input.timestamps[e - 1]));
        chunks += metas.length;
      }
      expect(chunks).toBe(block.meta.stats.numChunks);
      let seriesCount = 0;
      for await (const s of block.select(ALL, MIN_INT64, MAX_INT64)) {
        const input = byKey.get(formatLabels(s.labels))!;
        const ts: number[] = [];
        const vs: bigint[] = [];
        for await (const b of s.batches()) {
          ts.push(...b.timestamps.subarray(0, b.length));
          vs.push(...bits(b.values, b.length));
        }
        expect(ts).toEqual([...input.timestamps]);
        expect(vs).toEqual(bits(input.values));
        seriesCount++;
      }
      expect(seriesCount).toBe(series.length);
    } finally {
      await block.close();
    }
  });

  it.skipIf(!PROMTOOL)('promtool tsdb analyze accepts it and tsdb dump prints exactly our samples', () => {
    const analyze = promtool(['tsdb', 'analyze', dataDir, ulid]);
    expect(analyze).toContain(`Block ID: ${ulid}`);
    expect(analyze).toContain(`Series: ${series.length}\n`);
    const dumped = promtool(['tsdb', 'dump', dataDir]);
    expect(dumped.length).toBe(expectedDump(series).length);
    expect(dumped === expectedDump(series)).toBe(true);
  });
  if (!PROMTOOL) it.skip(PROMTOOL_MISSING, () => undefined);

  it.skipIf(!PROMTOOL)('splits chunks over several segment files that promtool reads', async () => {
    const dir = freshDataDir();
    const meta = await writeBlock(dir, series.slice(0, 60), { segmentSize: 8192 });
    const files = readdirSync(join(dir, meta!.ulid, 'chunks'));
    expect(files.length).toBeGreaterThan(3);
    expect(promtool(['tsdb', 'dump', dir]) === expectedDump(series.slice(0, 60))).toBe(true);
  });
});

/** An OpenMetrics exposition of the series (timestamps in seconds) and the ms promtool will read back. */
function toOpenMetrics(series: SampleSeries[]): { text: string; series: SampleSeries[] } {
  const escape = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  const parts: string[] = [];
  const parsed: SampleSeries[] = [];
  for (const s of [...series].sort((a, b) => compareLabels(a.labels, b.labels))) {
    const name = s.labels[0]!.value;
    const rest = s.labels.slice(1).map((l) => `${l.name}="${escape(l.value)}"`).join(',');
    const prefix = rest ? `${name}{${rest}} ` : `${name} `;
    const ts: number[] = [];
    const vs: number[] = [];
    for (let i = 0; i < s.timestamps.length; i++) {
      const seconds = (s.timestamps[i]! / 1000).toFixed(3);
      const ms = Math.trunc(Number(seconds) * 1000); // textparse: int64(ts * 1000), truncating
      if (ts.length > 0 && ms <= ts[ts.length - 1]!) continue;
      const v = s.values[i]!;
      parts.push(prefix + (Number.isNaN(v) ? 'NaN' : formatGoFloat(v)) + ' ' + seconds + '\n');
      ts.push(ms);
      vs.push(Number.isNaN(v) ? float(GO_NAN) : v);
    }
    parsed.push({ labels: s.labels, timestamps: Float64Array.from(ts), values: Float64Array.from(vs) });
  }
  // Float64Array.from(vs) would canonicalise NaN through a plain array: put Go's NaN bits back.
  for (const p of parsed) {
    const b = new BigUint64Array(p.values.buffer);
    for (let i = 0; i < b.length; i++) if (Number.isNaN(p.values[i]!)) b[i] = GO_NAN;
  }
  return { text: parts.join('') + '# EOF\n', series: parsed };
}

describe.skipIf(!PROMTOOL)('against promtool tsdb create-blocks-from openmetrics', () => {
  it('writes the same blocks, byte for byte, from the same samples (seeded, several 2h blocks)', async () => {
    const prng = new Prng(777);
    const raw = randomSeries(prng, 45, 1_700_000_123_456, 6 * HOUR, false);
    // A series whose rate jumps: sparse for the first 30 samples, then every 10 ms (the 240-sample cap).
    const jump = Float64Array.from({ length: 2000 }, (_, i) => 1_700_003_000_000 + (i < 30 ? i * 60_000 : 29 * 60_000 + (i - 29) * 10));
    raw.push({ labels: [{ name: '__name__', value: 'rate_jump' }], timestamps: jump, values: Float64Array.from(jump, (_, i) => i % 7) });
    const { text, series } = toOpenMetrics(raw);
    const input = join(scratch, 'input.om');
    writeFileSync(input, text);
    const theirs = freshDataDir();
    promtool(['tsdb', 'create-blocks-from', 'openmetrics', input, theirs]);
    const blocks = readdirSync(theirs).filter((n) => n !== 'wal').sort();
    expect(blocks.length).toBeGreaterThanOrEqual(3);

    const ours = freshDataDir();
    for (const ulid of blocks) {
      const { meta } = await readBlockMeta(join(theirs, ulid));
      // The samples promtool put in this block: its 2h window [t, t + 2h) holds [minTime, maxTime).
      const window = series
        .map((s) => {
          let lo = 0;
          while (lo < s.timestamps.length && s.timestamps[lo]! < meta.minTime) lo++;
          let hi = lo;
          while (hi < s.timestamps.length && s.timestamps[hi]! < meta.maxTime) hi++;
          return { labels: s.labels, timestamps: s.timestamps.slice(lo, hi), values: s.values.slice(lo, hi) };
        })
        .filter((s) => s.timestamps.length > 0);
      await writeBlock(ours, window, { ulid });
      const chunkFiles = readdirSync(join(theirs, ulid, 'chunks')).sort();
      expect(readdirSync(join(ours, ulid, 'chunks')).sort()).toEqual(chunkFiles);
      for (const file of ['index', 'meta.json', 'tombstones', ...chunkFiles.map((f) => `chunks/${f}`)]) {
        expect(Buffer.compare(readFileSync(join(ours, ulid, file)), readFileSync(join(theirs, ulid, file))), `${ulid}/${file}`).toBe(0);
      }
    }
    // The rate jump made the head cut at its 240-sample cap, not at the predicted end.
    const counts: number[] = [];
    for (const ulid of blocks) {
      const block = await Block.open(join(ours, ulid));
      try {
        for (const id of block.index.select(parseSeriesSelector('rate_jump'))) {
          for (const c of block.index.series(id).chunks) {
            const { data } = await block.chunks.chunk(c.ref);
            counts.push((data[0]! << 8) | data[1]!);
          }
        }
      } finally {
        await block.close();
      }
    }
    expect(counts).toContain(240);
  });
});
if (!PROMTOOL) describe.skip(PROMTOOL_MISSING, () => undefined);

describe('encoded chunks and the streaming BlockWriter', () => {
  it('takes chunks as they are (compaction, head flush), mixed with sample series, from an async iterable', async () => {
    const dir = freshDataDir();
    const ts = Float64Array.from({ length: 300 }, (_, i) => 1000 + i * 1000);
    const vs = Float64Array.from(ts, (t) => t / 7);
    const chunks = [
      { minTime: 1000, maxTime: ts[99]!, bytes: encodeXorChunk(ts, vs, 0, 100) },
      { minTime: ts[100]!, maxTime: ts[299]!, bytes: encodeXorChunk(ts, vs, 100, 300) },
    ];
    async function* input(): AsyncGenerator<SeriesInput> {
      yield { labels: [{ name: '__name__', value: 'b' }], chunks };
      yield { labels: [{ name: '__name__', value: 'a' }], timestamps: ts, values: vs };
    }
    const meta = await writeBlock(dir, input());
    // 300 samples a second apart. At 30 samples the head predicts the chunk's end:
    // k = (14400000 - 1000) / ((30000 - 1000 + 1) * 4) = 124, end = 1000 + 14399000 / 124 = 117120,
    // so samples 0..116 (t < 117120) form the first chunk; the next chunk gets the same length.
    const headChunks = headChunkEnds(ts, 300, 4 * HOUR);
    expect(headChunks).toEqual([117, 234, 300]);
    expect(meta!.stats).toMatchObject({ numSamples: 600, numSeries: 2, numChunks: 2 + headChunks.length });
    const block = await Block.open(join(dir, meta!.ulid));
    try {
      const [a, b] = [...block.index.allPostings()].map((id) => block.index.series(id));
      expect(a!.chunks.map((c) => c.maxTime)).toEqual(headChunks.map((e) => ts[e - 1]));
      expect(b!.chunks.map((c) => [c.minTime, c.maxTime])).toEqual([[1000, ts[99]], [ts[100], ts[299]]]);
    } finally {
      await block.close();
    }
  });

  it('streams symbols and sorted series, with lineage in meta.json, and renames only on commit', async () => {
    const dir = freshDataDir();
    const parents = [
      { ulid: '01M87X1JDRRPSPQC6QS2KG1QER', minTime: 0, maxTime: 7200000 },
      { ulid: '01M87X1JRM3RJ0MJXRAA4W4XKD', minTime: 7200000, maxTime: 14400000 },
    ];
    const w = await BlockWriter.create(dir, { minTime: 0, maxTime: 14400000, level: 2, parents, sources: [parents[1]!.ulid, parents[0]!.ulid] });
    expect(readdirSync(dir).sort()).toEqual([`${w.ulid}.tmp-for-creation`, 'wal']);
    await w.addSymbols(['', '__name__', 'up', 'x']);
    const ts = Float64Array.of(10, 20, 7_199_999);
    const chunk = { minTime: 10, maxTime: 7_199_999, bytes: encodeXorChunk(ts, Float64Array.of(1, 2, 3)) };
    await w.addSeries([{ name: '__name__', value: 'up' }], [chunk]);
    await w.addSeries([{ name: '__name__', value: 'x' }], []); // no chunks: left out, as compaction does
    const meta = await w.commit();
    expect(readdirSync(dir).sort()).toEqual([w.ulid, 'wal']);
    expect(meta).toMatchObject({ minTime: 0, maxTime: 14400000, stats: { numSamples: 3, numSeries: 1, numChunks: 1 } });
    expect(meta!.compaction).toMatchObject({ level: 2, sources: [parents[0]!.ulid, parents[1]!.ulid], parents });
    expect((await readBlockMeta(w.dir)).meta).toEqual(meta);
    await expect(w.addSymbols(['z'])).rejects.toThrow(/already committed/);
  });

  it('writes nothing for a block without samples', async () => {
    const dir = freshDataDir();
    expect(await writeBlock(dir, [])).toBeUndefined();
    expect(await writeBlock(dir, [{ labels: [{ name: 'a', value: 'b' }], timestamps: new Float64Array(0), values: new Float64Array(0) }])).toBeUndefined();
    const w = await BlockWriter.create(dir);
    expect(await w.commit()).toBeUndefined();
    expect(readdirSync(dir)).toEqual(['wal']);
  });
});

describe('bad input is refused before anything is renamed into place', () => {
  const up = (value: string): Labels => [{ name: '__name__', value }];
  const samples = (labels: Labels, ts: number[], n = ts.length): SampleSeries => ({ labels, timestamps: Float64Array.from(ts), values: new Float64Array(ts.length), length: n });
  const cases: [string, SampleSeries[], RegExp, object?][] = [
    ['unsorted labels', [samples([{ name: 'b', value: '1' }, { name: 'a', value: '1' }], [1])], /series 0 \{b="1", a="1"\}: labels not sorted/],
    ['repeated label names', [samples([{ name: 'a', value: '1' }, { name: 'a', value: '2' }], [1])], /labels not sorted by name or names repeated/],
    ['empty label value', [samples([{ name: 'a', value: '' }], [1])], /empty value for label a/],
    ['empty label name', [samples([{ name: '', value: 'x' }], [1])], /empty label name/],
    ['no labels', [samples([], [1])], /no labels/],
    ['duplicate series', [samples(up('x'), [1]), samples(up('y'), [1]), samples(up('x'), [2])], /series 0 and 2 have the same labels \{__name__="x"\}/],
    ['samples out of order', [samples(up('x'), [1, 3, 2])], /timestamp 2 at index 2 is not after 3 \(samples out of order\)/],
    ['duplicate timestamps', [samples(up('x'), [1, 1])], /timestamp 1 at index 1 is not after 1/],
    ['fractional timestamps', [samples(up('x'), [1.5])], /not an integer number of ms/],
    ['samples outside the range', [samples(up('x'), [5, 10])], /timestamp 10 at index 1 is outside the block range \[0, 10\)/, { minTime: 0, maxTime: 10 }],
    ['a length beyond the arrays', [samples(up('x'), [5], 2)], /2 samples, but 1 timestamps/],
    ['an empty block range', [samples(up('x'), [5])], /empty block range \[10, 10\)/, { minTime: 10, maxTime: 10 }],
    ['a bad ULID', [samples(up('x'), [5])], /not a ULID/, { ulid: 'not-a-ulid' }],
  ];
  it.each(cases)('%s', async (_, input, message, options = {}) => {
    const dir = freshDataDir();
    const error = await writeBlock(dir, input, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlockInputError);
    expect((error as Error).message).toMatch(message);
    expect(readdirSync(dir)).toEqual(['wal']);
  });

  it('encoded chunks out of order or outside the range', async () => {
    const dir = freshDataDir();
    const bytes = encodeXorChunk(Float64Array.of(5), Float64Array.of(1));
    const chunk = (minTime: number, maxTime: number): { minTime: number; maxTime: number; bytes: Uint8Array } => ({ minTime, maxTime, bytes });
    await expect(writeBlock(dir, [{ labels: up('x'), chunks: [chunk(5, 9), chunk(9, 12)] }])).rejects.toThrow(/chunk 1: starts at 9, not after the previous chunk's end 9/);
    await expect(writeBlock(dir, [{ labels: up('x'), chunks: [chunk(5, 9)] }], { maxTime: 9 })).rejects.toThrow(/ends at 9, not before the block's maxTime 9/);
    await expect(writeBlock(dir, [{ labels: up('x'), chunks: [{ minTime: 1, maxTime: 1, bytes: new Uint8Array(1) }] }])).rejects.toThrow(/no samples/);
    expect(readdirSync(dir)).toEqual(['wal']);
  });

  it('a label that is not valid Unicode fails the block and leaves nothing behind', async () => {
    const dir = freshDataDir();
    await expect(writeBlock(dir, [samples([{ name: 'a', value: 'x\udc00' }], [1])])).rejects.toThrow(/lone surrogate/);
    expect(readdirSync(dir)).toEqual(['wal']);
  });

  it('a BlockWriter fed out of order removes its temporary directory', async () => {
    const dir = freshDataDir();
    const w = await BlockWriter.create(dir);
    await w.addSymbols(['', '__name__', 'a', 'b']);
    const chunk = { minTime: 5, maxTime: 5, bytes: encodeXorChunk(Float64Array.of(5), Float64Array.of(1)) };
    await w.addSeries(up('b'), [chunk]);
    await expect(w.addSeries(up('a'), [chunk])).rejects.toThrow(/out-of-order series added with label set \{__name__="a"\}/);
    expect(readdirSync(dir)).toEqual(['wal']);
    expect(existsSync(w.tmpDir)).toBe(false);
    await expect(w.commit()).rejects.toThrow(/already aborted/);
  });

  it('refuses to replace an existing block directory', async () => {
    const dir = freshDataDir();
    const input = [samples(up('x'), [5])];
    const meta = await writeBlock(dir, input);
    await expect(writeBlock(dir, input, { ulid: meta!.ulid })).rejects.toThrow(/already exists/);
    expect(readdirSync(dir).sort()).toEqual([meta!.ulid, 'wal']);
  });
});
