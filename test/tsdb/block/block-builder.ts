/**
 * A small block writer for tests, written from the format spec (block-format.md): meta.json, an index
 * (v2, or v1 for compatibility tests), chunk segments of XOR chunks (encoded by the WASM codec) and a
 * tombstones file. It lets tests craft overlapping blocks, tombstones, several segments and exact
 * corruptions; live tests check that the real promtool reads what it writes the same way we do.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareLabels, compareStrings, type Labels } from '../../../src/model/labels.js';
import { crc32c } from '../../../src/tsdb/encoding/crc32c.js';
import { Encbuf } from '../../../src/tsdb/encoding/encbuf.js';
import { encodeXorChunk } from '../../../src/wasm/index.js';

export interface SeriesSpec {
  readonly labels: Labels;
  readonly timestamps: readonly number[];
  /** Values as a Float64Array so that NaN payloads survive. */
  readonly values: Float64Array;
}

export interface TombstoneSpec {
  /** Index of the series in the (sorted) series list. */
  readonly series: number;
  readonly mint: number;
  readonly maxt: number;
}

export interface BlockOptions {
  readonly samplesPerChunk?: number;
  /** Start a new segment file once a segment would exceed this many bytes. */
  readonly segmentBytes?: number;
  readonly indexVersion?: 1 | 2;
  readonly tombstones?: readonly TombstoneSpec[];
}

export interface BuiltBlock {
  readonly dir: string;
  /** Series ID (what postings and tombstones hold) of each series, in sorted order. */
  readonly seriesIds: readonly number[];
  /** Offsets of the series entries in the index. */
  readonly seriesOffsets: readonly number[];
  /** Each series' chunk references. */
  readonly chunkRefs: readonly (readonly number[])[];
}

interface ChunkOut {
  ref: number;
  minTime: number;
  maxTime: number;
}

/** Writes `<dataDir>/<ulid>/` and returns where things ended up. */
export function writeBlock(dataDir: string, ulid: string, input: readonly SeriesSpec[], options: BlockOptions = {}): BuiltBlock {
  const dir = join(dataDir, ulid);
  mkdirSync(join(dir, 'chunks'), { recursive: true });
  const series = [...input].sort((a, b) => compareLabels(a.labels, b.labels));
  const perChunk = options.samplesPerChunk ?? 120;
  const segmentLimit = options.segmentBytes ?? 512 * 1024 * 1024;

  // Chunk segments.
  const segments: Encbuf[] = [];
  const newSegment = (): Encbuf => {
    const e = new Encbuf();
    e.be32(0x85bd40dd);
    e.byte(1);
    e.bytes(new Uint8Array(3));
    segments.push(e);
    return e;
  };
  let seg = newSegment();
  const chunks: ChunkOut[][] = [];
  let numChunks = 0;
  let numSamples = 0;
  for (const s of series) {
    const ts = Float64Array.from(s.timestamps);
    const out: ChunkOut[] = [];
    for (let start = 0; start < ts.length; start += perChunk) {
      const end = Math.min(ts.length, start + perChunk);
      const data = encodeXorChunk(ts, s.values, start, end);
      if (seg.len + 5 + 1 + data.length + 4 > segmentLimit && seg.len > 8) seg = newSegment();
      const offset = seg.len;
      seg.uvarint(data.length);
      const encAt = seg.len;
      seg.byte(1);
      seg.bytes(data);
      seg.be32(crc32c(seg.get(), encAt, seg.len));
      out.push({ ref: (segments.length - 1) * 2 ** 32 + offset, minTime: ts[start]!, maxTime: ts[end - 1]! });
      numChunks++;
      numSamples += end - start;
    }
    chunks.push(out);
  }
  segments.forEach((e, i) => writeFileSync(join(dir, 'chunks', String(i + 1).padStart(6, '0')), e.get()));

  // Index.
  const version = options.indexVersion ?? 2;
  const built = buildIndex(series.map((s) => s.labels), chunks, version);
  writeFileSync(join(dir, 'index'), built.bytes);

  // Tombstones.
  const tomb = new Encbuf();
  tomb.be32(0x0130ba30);
  tomb.byte(1);
  for (const t of options.tombstones ?? []) {
    tomb.uvarint(built.seriesIds[t.series]!);
    tomb.varint(t.mint);
    tomb.varint(t.maxt);
  }
  tomb.be32(crc32c(tomb.get(), 5, tomb.len));
  writeFileSync(join(dir, 'tombstones'), tomb.get());

  // meta.json, laid out as Prometheus writes it.
  let minTime = Infinity;
  let maxTime = -Infinity;
  for (const s of series) {
    if (s.timestamps.length === 0) continue;
    minTime = Math.min(minTime, s.timestamps[0]!);
    maxTime = Math.max(maxTime, s.timestamps[s.timestamps.length - 1]!);
  }
  const stats: Record<string, number> = { numSamples, numSeries: series.length, numChunks };
  if (options.tombstones?.length) stats.numTombstones = options.tombstones.length;
  const meta = { ulid, minTime, maxTime: maxTime + 1, stats, compaction: { level: 1, sources: [ulid] }, version: 1 };
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta, null, '\t'));
  return { dir, seriesIds: built.seriesIds, seriesOffsets: built.seriesOffsets, chunkRefs: chunks.map((c) => c.map((x) => x.ref)) };
}

const ENCODER = new TextEncoder();

function pad(e: Encbuf, alignment: number): void {
  while (e.len % alignment !== 0) e.byte(0);
}

/** A `BE32 len | body | BE32 CRC` section. */
function section(e: Encbuf, body: Uint8Array): void {
  e.be32(body.length);
  e.bytes(body);
  e.be32(crc32c(body));
}

function buildIndex(labelSets: readonly Labels[], chunks: readonly ChunkOut[][], version: 1 | 2) {
  const e = new Encbuf();
  e.be32(0xbaaad700);
  e.byte(version);

  // Symbols.
  const symbolSet = new Set<string>(['']);
  for (const ls of labelSets) for (const l of ls) symbolSet.add(l.name).add(l.value);
  const symbols = [...symbolSet].sort(compareStrings);
  const symbolRef = new Map<string, number>();
  const tocSymbols = e.len;
  const body = new Encbuf();
  body.be32(symbols.length);
  symbols.forEach((s, i) => {
    // v1 references a symbol by the file offset of its entry: 5 (header) + 4 (len) + body position.
    symbolRef.set(s, version === 2 ? i : tocSymbols + 4 + body.len);
    body.uvarintStr(s);
  });
  section(e, body.get());

  // Series.
  const tocSeries = e.len;
  const seriesIds: number[] = [];
  const seriesOffsets: number[] = [];
  labelSets.forEach((ls, k) => {
    pad(e, 16);
    seriesOffsets.push(e.len);
    seriesIds.push(version === 2 ? e.len / 16 : e.len);
    const c = new Encbuf();
    c.uvarint(ls.length);
    for (const l of ls) {
      c.uvarint(symbolRef.get(l.name)!);
      c.uvarint(symbolRef.get(l.value)!);
    }
    const cs = chunks[k]!;
    c.uvarint(cs.length);
    cs.forEach((m, i) => {
      if (i === 0) {
        c.varint(m.minTime);
        c.uvarint(m.maxTime - m.minTime);
        c.uvarint(m.ref);
      } else {
        c.uvarint(m.minTime - cs[i - 1]!.maxTime);
        c.uvarint(m.maxTime - m.minTime);
        c.varint(m.ref - cs[i - 1]!.ref);
      }
    });
    e.uvarint(c.len);
    e.bytes(c.get());
    e.be32(crc32c(c.get()));
  });

  // Label index sections (legacy, written for completeness).
  const tocLabelIndices = e.len;
  const values = new Map<string, Set<string>>();
  for (const ls of labelSets) for (const l of ls) (values.get(l.name) ?? values.set(l.name, new Set()).get(l.name)!).add(l.value);
  const names = [...values.keys()].sort(compareStrings);
  const labelIndexOffsets = new Map<string, number>();
  for (const name of names) {
    pad(e, 4);
    labelIndexOffsets.set(name, e.len);
    const b = new Encbuf();
    const vs = [...values.get(name)!].sort(compareStrings);
    b.be32(1);
    b.be32(vs.length);
    for (const v of vs) b.be32(symbolRef.get(v)!);
    section(e, b.get());
  }

  // Postings: all postings first, then every (name, value) in order.
  const tocPostings = e.len;
  const postingsKeys: Array<[string, string, number[]]> = [['', '', seriesIds]];
  for (const name of names) {
    for (const v of [...values.get(name)!].sort(compareStrings)) {
      const ids = labelSets.flatMap((ls, k) => (ls.some((l) => l.name === name && l.value === v) ? [seriesIds[k]!] : []));
      postingsKeys.push([name, v, ids]);
    }
  }
  const postingsOffsets: number[] = [];
  for (const [, , ids] of postingsKeys) {
    pad(e, 4);
    postingsOffsets.push(e.len);
    const b = new Encbuf();
    b.be32(ids.length);
    for (const id of ids) b.be32(id);
    section(e, b.get());
  }

  // Label offset table (legacy).
  const tocLabelTable = e.len;
  const lt = new Encbuf();
  lt.be32(names.length);
  for (const name of names) {
    lt.uvarint(1);
    lt.uvarintStr(name);
    lt.uvarint(labelIndexOffsets.get(name)!);
  }
  section(e, lt.get());

  // Postings offset table.
  const tocPostingsTable = e.len;
  const pt = new Encbuf();
  pt.be32(postingsKeys.length);
  postingsKeys.forEach(([name, value], i) => {
    pt.uvarint(2);
    pt.uvarintBytes(ENCODER.encode(name));
    pt.uvarintBytes(ENCODER.encode(value));
    pt.uvarint(postingsOffsets[i]!);
  });
  section(e, pt.get());

  // TOC.
  const tocAt = e.len;
  for (const off of [tocSymbols, tocSeries, tocLabelIndices, tocLabelTable, tocPostings, tocPostingsTable]) e.be64(off);
  e.be32(crc32c(e.get(), tocAt, e.len));
  return { bytes: e.get().slice(), seriesIds, seriesOffsets };
}

/** Recomputes the BE32 CRC32C stored right after bytes [start, end). */
export function fixCrc(bytes: Uint8Array, start: number, end: number): void {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(end, crc32c(bytes, start, end));
}

/** A series as a SeriesSpec from a plain label record and parallel arrays. */
export function series(labels: Record<string, string>, timestamps: readonly number[], values: readonly number[] | Float64Array): SeriesSpec {
  const ls = Object.entries(labels)
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => compareStrings(a.name, b.name));
  return { labels: ls, timestamps, values: values instanceof Float64Array ? values : Float64Array.from(values) };
}
