// Writer of a block's index file, format v2 (tsdb/docs/format/index.md; block-format.md §6), byte for byte
// what Prometheus 2.42's index.Writer writes for the same symbols and series.
//
// A stage machine, as upstream: symbols (strictly increasing) → series (strictly increasing label sets,
// each entry 16-byte aligned, its ref = offset / 16) → close, which writes the label indices, the postings
// lists, the label offset table, the postings offset table and the TOC. Upstream builds the postings by
// re-reading its own series section through two temporary files; here each series' label pairs (as
// symbol ids) go to a WASM PostingsBuilder in batches as they are written, and the lists come back in
// index order at close. The file is written strictly front to back: a section is assembled in memory
// when its length prefix must come first.

import { rm } from 'node:fs/promises';
import { formatLabels } from '../../format/index.js';
import { compareStrings, type Label, type Labels } from '../../model/labels.js';
import { PostingsBuilder, type BuiltPostings } from '../../wasm/index.js';
import { crc32c } from '../encoding/crc32c.js';
import { Encbuf } from '../encoding/encbuf.js';
import { BufferedFileWriter } from './file-writer.js';
import { INDEX_MAGIC, type ChunkMeta, type IndexToc } from './reader.js';

const FORMAT_V2 = 2;
const HEADER_LEN = 5;
const SERIES_ALIGNMENT = 16;
const SECTION_ALIGNMENT = 4;
/** Series refs are u32 offsets / 16: the index cannot grow past 64 GiB. */
const MAX_INDEX_SIZE = SERIES_ALIGNMENT * 0xffffffff;
const MAX_U32 = 0xffffffff;
/** Series whose label pairs are handed to the postings builder per WASM call. */
const POSTINGS_BATCH = 8192;
/** Postings bytes assembled before each write. */
const POSTINGS_FLUSH = 1 << 20;

type Stage = 'symbols' | 'series' | 'done';

/** The index writer was used out of order or given something the format cannot hold. */
export class IndexWriterError extends Error {
  override readonly name = 'IndexWriterError';
  constructor(message: string, readonly file: string) {
    super(`${file}: ${message}`);
  }
}

export class IndexWriter {
  private stage: Stage = 'symbols';
  private readonly toc = { symbols: HEADER_LEN, series: 0, labelIndices: 0, labelIndicesTable: 0, postings: 0, postingsTable: 0 };

  // Symbols: the table's entries as they will be written, the [start, end) of each string's bytes in it.
  private readonly symbolTable = new Encbuf(1 << 16);
  private readonly symbolSpans: number[] = [];
  private readonly symbolIds = new Map<string, number>();
  private lastSymbol: string | undefined;

  // Series.
  private lastPairs = new Uint32Array(0);
  private readonly entry = new Encbuf(1024);
  private readonly record = new Encbuf(1024);
  private postings: PostingsBuilder | undefined;
  private batchPairs = new Uint32Array(2 * POSTINGS_BATCH * 8);
  private readonly batchEnds = new Uint32Array(POSTINGS_BATCH);
  private readonly batchRefs = new Uint32Array(POSTINGS_BATCH);
  private batchSeries = 0;
  private seriesCount = 0;

  private constructor(private readonly file: BufferedFileWriter) {}

  /** Creates the index file at `path` (it must not exist) and writes its header. */
  static async create(path: string): Promise<IndexWriter> {
    const file = await BufferedFileWriter.create(path);
    const header = new Encbuf(HEADER_LEN);
    header.be32(INDEX_MAGIC);
    header.byte(FORMAT_V2);
    await file.write(header.get());
    return new IndexWriter(file);
  }

  get path(): string {
    return this.file.path;
  }

  /** Number of series added. */
  get numSeries(): number {
    return this.seriesCount;
  }

  // --- symbols -------------------------------------------------------------------------------------------

  /** Adds a symbol; symbols must come in strictly increasing UTF-8 byte order, before any series. */
  addSymbol(symbol: string): void {
    this.expectStage('symbols', 'add a symbol');
    // A lone surrogate has no UTF-8 form: it would be written as U+FFFD and collide with other strings.
    if (/\p{Surrogate}/u.test(symbol)) this.fail(`symbol ${JSON.stringify(symbol)} is not valid Unicode (lone surrogate)`);
    if (this.lastSymbol !== undefined && compareStrings(symbol, this.lastSymbol) <= 0) {
      this.fail(`symbol ${JSON.stringify(symbol)} out-of-order (after ${JSON.stringify(this.lastSymbol)})`);
    }
    this.lastSymbol = symbol;
    this.symbolIds.set(symbol, this.symbolCount);
    const bytes = Buffer.from(symbol, 'utf8');
    this.symbolTable.uvarint(bytes.length);
    this.symbolSpans.push(this.symbolTable.len, this.symbolTable.len + bytes.length);
    this.symbolTable.bytes(bytes);
  }

  private get symbolCount(): number {
    return this.symbolSpans.length / 2;
  }

  addSymbols(symbols: Iterable<string>): void {
    for (const s of symbols) this.addSymbol(s);
  }

  /** The symbol table: `len`, `#symbols`, the uvarint strings, CRC32C. Moves on to the series stage. */
  private async finishSymbols(): Promise<void> {
    const count = this.symbolCount;
    const len = 4 + this.symbolTable.len;
    if (len > MAX_U32) this.fail(`symbol table size exceeds ${MAX_U32} bytes: ${len}`);
    const head = new Encbuf(8);
    head.be32(len);
    head.be32(count);
    const crc = crc32c(this.symbolTable.get(), 0, this.symbolTable.len, crc32c(head.get(), 4, 8));
    await this.file.write(head.get());
    await this.file.write(this.symbolTable.get());
    const tail = new Encbuf(4);
    tail.be32(crc);
    await this.file.write(tail.get());
    this.toc.series = this.file.pos;
    this.postings = new PostingsBuilder(count);
    this.stage = 'series';
  }

  /** The UTF-8 bytes of symbol `id`, from the symbol table. */
  private symbolBytes(id: number): Uint8Array {
    return this.symbolTable.get().subarray(this.symbolSpans[2 * id]!, this.symbolSpans[2 * id + 1]!);
  }

  private isEmptySymbol(id: number): boolean {
    return this.symbolSpans[2 * id] === this.symbolSpans[2 * id + 1];
  }

  private symbol(id: number): string {
    return Buffer.from(this.symbolBytes(id)).toString('utf8');
  }

  // --- series --------------------------------------------------------------------------------------------

  /**
   * Adds a series with its chunk metas (time order, not overlapping) and returns its ref. Label sets must
   * strictly increase (Prometheus's labels.Compare); every name and value must be a symbol.
   */
  async addSeries(labels: Labels, chunks: readonly ChunkMeta[]): Promise<number> {
    if (this.stage === 'symbols') await this.finishSymbols();
    const pairs = new Uint32Array(2 * labels.length);
    for (let i = 0; i < labels.length; i++) {
      const l = labels[i]!;
      pairs[2 * i] = this.lookup(l.name, labels);
      pairs[2 * i + 1] = this.lookup(l.value, labels);
    }
    return this.addSeriesSymbols(pairs, chunks);
  }

  private lookup(s: string, labels: Labels): number {
    const id = this.symbolIds.get(s);
    if (id === undefined) this.fail(`symbol entry for ${JSON.stringify(s)} does not exist (series ${formatLabels(labels)})`);
    return id;
  }

  /**
   * Adds a series given as label pairs of symbol ids (name, value, name, value, ...), for callers that
   * interned the strings already; otherwise as addSeries.
   */
  async addSeriesSymbols(pairs: Uint32Array, chunks: readonly ChunkMeta[]): Promise<number> {
    if (this.stage === 'symbols') await this.finishSymbols();
    this.expectStage('series', 'add a series');
    this.checkLabelPairs(pairs);
    const problem = chunkMetasProblem(chunks);
    if (problem) this.fail(`series ${this.describe(pairs)}: ${problem}`);

    const padding = (SERIES_ALIGNMENT - (this.file.pos % SERIES_ALIGNMENT)) % SERIES_ALIGNMENT;
    const offset = this.file.pos + padding;
    if (offset / SERIES_ALIGNMENT > MAX_U32) this.fail(`index exceeds the maximum size of ${MAX_INDEX_SIZE} bytes`);
    const ref = offset / SERIES_ALIGNMENT;

    const e = this.entry;
    e.reset();
    e.uvarint(pairs.length / 2);
    for (let i = 0; i < pairs.length; i++) e.uvarint(pairs[i]!);
    e.uvarint(chunks.length);
    if (chunks.length > 0) {
      const c0 = chunks[0]!;
      e.varint64(c0.minTime);
      e.uvarint(c0.maxTime - c0.minTime);
      e.uvarint(c0.ref);
      for (let i = 1; i < chunks.length; i++) {
        const c = chunks[i]!;
        const prev = chunks[i - 1]!;
        e.uvarint(c.minTime - prev.maxTime);
        e.uvarint(c.maxTime - c.minTime);
        e.varint64(c.ref - prev.ref);
      }
    }
    // One write: padding, the length varint, the content and its CRC.
    const r = this.record;
    r.reset();
    for (let i = 0; i < padding; i++) r.byte(0);
    r.uvarint(e.len);
    r.bytes(e.get());
    r.be32(crc32c(e.get()));
    await this.file.write(r.get());

    this.lastPairs = pairs.slice();
    this.seriesCount++;
    this.queuePostings(pairs, ref);
    return ref;
  }

  private checkLabelPairs(pairs: Uint32Array): void {
    if (pairs.length === 0 || pairs.length % 2 !== 0) this.fail(`a series needs at least one label, got ${pairs.length / 2}`);
    const count = this.symbolCount;
    for (let i = 0; i < pairs.length; i++) {
      if (pairs[i]! >= count) this.fail(`symbol id ${pairs[i]} out of range (${count} symbols)`);
    }
    for (let i = 0; i < pairs.length; i += 2) {
      if (this.isEmptySymbol(pairs[i]!)) this.fail(`empty label name in series ${this.describe(pairs)}`);
      if (this.isEmptySymbol(pairs[i + 1]!)) this.fail(`empty value for label ${this.symbol(pairs[i]!)} in series ${this.describe(pairs)}`);
      if (i > 0 && pairs[i]! <= pairs[i - 2]!) this.fail(`label names not sorted and unique in series ${this.describe(pairs)}`);
    }
    if (this.seriesCount > 0 && comparePairs(pairs, this.lastPairs) <= 0) {
      this.fail(`out-of-order series added with label set ${this.describe(pairs)} (after ${this.describe(this.lastPairs)})`);
    }
  }

  private describe(pairs: Uint32Array): string {
    const labels: Label[] = [];
    for (let i = 0; i + 1 < pairs.length; i += 2) labels.push({ name: this.symbol(pairs[i]!), value: this.symbol(pairs[i + 1]!) });
    return formatLabels(labels);
  }

  private queuePostings(pairs: Uint32Array, ref: number): void {
    const used = this.batchSeries === 0 ? 0 : this.batchEnds[this.batchSeries - 1]!;
    if (2 * used + pairs.length > this.batchPairs.length) {
      const grown = new Uint32Array(Math.max(2 * this.batchPairs.length, 2 * used + pairs.length));
      grown.set(this.batchPairs.subarray(0, 2 * used));
      this.batchPairs = grown;
    }
    this.batchPairs.set(pairs, 2 * used);
    this.batchEnds[this.batchSeries] = used + pairs.length / 2;
    this.batchRefs[this.batchSeries] = ref;
    if (++this.batchSeries === POSTINGS_BATCH) this.flushPostingsBatch();
  }

  private flushPostingsBatch(): void {
    if (this.batchSeries === 0) return;
    const n = this.batchSeries;
    this.postings!.add(this.batchPairs, this.batchEnds.subarray(0, n), this.batchRefs.subarray(0, n));
    this.batchSeries = 0;
  }

  // --- closing -------------------------------------------------------------------------------------------

  /** Writes the remaining sections and the TOC, fsyncs and closes the file; returns the TOC. */
  async close(): Promise<IndexToc> {
    if (this.stage === 'symbols') await this.finishSymbols();
    this.expectStage('series', 'close');
    this.stage = 'done';
    this.flushPostingsBatch();
    const postings = this.postings!.finish();
    this.postings = undefined;

    this.toc.labelIndices = this.file.pos;
    const labelIndexOffsets = await this.writeLabelIndices(postings);
    this.toc.postings = this.file.pos;
    const postingsOffsets = await this.writePostings(postings);
    this.toc.labelIndicesTable = this.file.pos;
    await this.writeLabelOffsetTable(labelIndexOffsets);
    this.toc.postingsTable = this.file.pos;
    await this.writePostingsOffsetTable(postings, postingsOffsets);
    await this.writeToc();
    if (this.file.pos > MAX_INDEX_SIZE) this.fail(`index exceeds the maximum size of ${MAX_INDEX_SIZE} bytes`);
    await this.file.close();
    return { ...this.toc };
  }

  /** One legacy label index per label name: the name's value ids, in order. Returns [name id, offset]s. */
  private async writeLabelIndices(p: BuiltPostings): Promise<[number, number][]> {
    const offsets: [number, number][] = [];
    const e = new Encbuf(4096);
    for (let k = 0; k < p.ends.length; ) {
      const name = p.keys[2 * k]!;
      let end = k;
      while (end < p.ends.length && p.keys[2 * end]! === name) end++;
      await this.file.pad(SECTION_ALIGNMENT);
      offsets.push([name, this.file.pos]);
      e.reset();
      e.be32(8 + 4 * (end - k));
      e.be32(1);
      e.be32(end - k);
      for (let v = k; v < end; v++) e.be32(p.keys[2 * v + 1]!);
      e.be32(crc32c(e.get(), 4, e.len));
      await this.file.write(e.get());
      k = end;
    }
    return offsets;
  }

  /** The all-postings list, then one list per (name, value). Returns each list's offset. */
  private async writePostings(p: BuiltPostings): Promise<number[]> {
    await this.file.pad(SECTION_ALIGNMENT);
    const offsets: number[] = [];
    const e = new Encbuf(POSTINGS_FLUSH + 4096);
    let base = this.file.pos;
    const writeList = async (refs: Uint32Array): Promise<void> => {
      if (e.len > 0 && e.len + 12 + 4 * refs.length > POSTINGS_FLUSH) {
        await this.file.write(e.get());
        base = this.file.pos;
        e.reset();
      }
      offsets.push(base + e.len);
      const start = e.len;
      e.be32(4 + 4 * refs.length);
      const buf = e.reserve(4 + 4 * refs.length);
      const view = new DataView(buf.buffer, buf.byteOffset);
      view.setUint32(e.len, refs.length);
      for (let i = 0; i < refs.length; i++) view.setUint32(e.len + 4 + 4 * i, refs[i]!);
      e.len += 4 + 4 * refs.length;
      e.be32(crc32c(e.reserve(0), start + 4, e.len));
    };
    await writeList(p.all);
    for (let k = 0; k < p.ends.length; k++) await writeList(p.refs.subarray(k === 0 ? 0 : p.ends[k - 1]!, p.ends[k]!));
    await this.file.write(e.get());
    return offsets;
  }

  private async writeLabelOffsetTable(offsets: readonly [number, number][]): Promise<void> {
    const e = new Encbuf(4096);
    e.be32(0);
    e.be32(offsets.length);
    for (const [name, offset] of offsets) {
      e.uvarint(1);
      e.uvarintBytes(this.symbolBytes(name));
      e.uvarint(offset);
    }
    await this.writeSection(e);
  }

  private async writePostingsOffsetTable(p: BuiltPostings, offsets: readonly number[]): Promise<void> {
    const e = new Encbuf(1 << 16);
    e.be32(0);
    e.be32(p.ends.length + 1);
    e.uvarint(2);
    e.uvarint(0); // ("", ""): the all-postings key
    e.uvarint(0);
    e.uvarint(offsets[0]!);
    for (let k = 0; k < p.ends.length; k++) {
      e.uvarint(2);
      e.uvarintBytes(this.symbolBytes(p.keys[2 * k]!));
      e.uvarintBytes(this.symbolBytes(p.keys[2 * k + 1]!));
      e.uvarint(offsets[k + 1]!);
    }
    await this.writeSection(e);
  }

  /** Fills in the BE32 length at the start of `e` (body = all after it), appends the CRC32C, writes it. */
  private async writeSection(e: Encbuf): Promise<void> {
    const len = e.len - 4;
    if (len > MAX_U32) this.fail(`section of ${len} bytes exceeds 4-byte length`);
    const bytes = e.get();
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(0, len);
    e.be32(crc32c(e.get(), 4, e.len));
    await this.file.write(e.get());
  }

  private async writeToc(): Promise<void> {
    const e = new Encbuf(52);
    const t = this.toc;
    for (const v of [t.symbols, t.series, t.labelIndices, t.labelIndicesTable, t.postings, t.postingsTable]) e.be64(v);
    e.be32(crc32c(e.get()));
    await this.file.write(e.get());
  }

  /** Closes and removes the unfinished file. */
  async abandon(): Promise<void> {
    this.stage = 'done';
    await this.file.abandon();
    await rm(this.file.path, { force: true });
  }

  private expectStage(stage: Stage, action: string): void {
    if (this.stage !== stage) this.fail(`cannot ${action} in stage "${this.stage}" (expected "${stage}")`);
  }

  private fail(message: string): never {
    throw new IndexWriterError(message, this.file.path);
  }
}

/** Compares label sets given as symbol-id pairs: pair by pair, then the shorter first. */
function comparePairs(a: Uint32Array, b: Uint32Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Why chunk metas cannot be written (integral times in the safe range, each chunk after the previous). */
function chunkMetasProblem(chunks: readonly ChunkMeta[]): string | undefined {
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i]!;
    if (!Number.isSafeInteger(c.minTime) || !Number.isSafeInteger(c.maxTime) || !Number.isSafeInteger(c.maxTime - c.minTime)) {
      return `chunk ${i}: times [${c.minTime}, ${c.maxTime}] are not integers in the safe range`;
    }
    if (c.maxTime < c.minTime) return `chunk ${i}: maxTime ${c.maxTime} before minTime ${c.minTime}`;
    if (!Number.isSafeInteger(c.ref) || c.ref < 0) return `chunk ${i}: bad chunk reference ${c.ref}`;
    if (i > 0 && !(c.minTime > chunks[i - 1]!.maxTime && Number.isSafeInteger(c.minTime - chunks[i - 1]!.maxTime))) {
      return `chunk ${i}: minTime ${c.minTime} not after the previous chunk's maxTime ${chunks[i - 1]!.maxTime}`;
    }
  }
  return undefined;
}
