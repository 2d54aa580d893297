// Reader for a block's index file (format v2, and v1 for old blocks; see tsdb/docs/format/index.md).
// The file is read into memory whole, as Prometheus maps it whole: the symbol table and the postings
// offset table are decoded and checked at open, series entries and postings lists on demand, each
// against its own CRC32C. Every inconsistency is a CorruptionError naming the file and the byte offset.

import { readFile } from 'node:fs/promises';
import { compareStrings, type Label, type Labels } from '../../model/labels.js';
import type { Matcher } from '../../model/matchers.js';
import { crc32c } from '../encoding/crc32c.js';
import { Decbuf } from '../encoding/decbuf.js';
import { CorruptionError } from '../encoding/errors.js';
import { uvarintAsInt64 } from '../encoding/int64.js';
import { postingsForMatchers, type PostingsIndex } from './postings-for-matchers.js';
import { EMPTY_POSTINGS, unionPostings } from './postings.js';

export const INDEX_MAGIC = 0xbaaad700;
const HEADER_LEN = 5;
const TOC_LEN = 6 * 8 + 4;
/** Series entries are 16-byte aligned in v2; a series ID is its offset / 16. */
const SERIES_ALIGNMENT = 16;
/** Readers look ahead this many bytes for a series entry's length varint (Go's MaxVarintLen32). */
const MAX_VARINT_LEN32 = 5;

/** A chunk of a series as the index describes it: where it is, and the closed time range of its samples. */
export interface ChunkMeta {
  /** `segment index << 32 | byte offset` in the block's chunks/ directory. */
  readonly ref: number;
  readonly minTime: number;
  readonly maxTime: number;
}

export interface IndexSeries {
  readonly labels: Labels;
  readonly chunks: readonly ChunkMeta[];
}

/** The index's table of contents: absolute offsets of its sections. */
export interface IndexToc {
  readonly symbols: number;
  readonly series: number;
  readonly labelIndices: number;
  readonly labelIndicesTable: number;
  readonly postings: number;
  readonly postingsTable: number;
}

export class IndexReader implements PostingsIndex {
  /** v2: symbols by ordinal. v1: symbols by the byte offset of their entry. */
  private readonly symbolsByOrdinal: readonly string[] = [];
  private readonly symbolsByOffset = new Map<number, string>();
  /** Label name → (label value → offset of its postings list), from the postings offset table. */
  private readonly postingsOffsets = new Map<string, Map<string, number>>();
  private readonly sortedValues = new Map<string, readonly string[]>();
  readonly version: 1 | 2;
  readonly toc: IndexToc;

  private constructor(
    private readonly bytes: Uint8Array,
    /** The file name used in error messages. */
    readonly file: string,
  ) {
    if (bytes.length < HEADER_LEN) this.fail(`index file of ${bytes.length} bytes is shorter than its header`, 0);
    const d = this.at(0);
    const magic = d.be32();
    if (magic !== INDEX_MAGIC) this.fail(`invalid magic number ${magic.toString(16)}`, 0);
    const version = d.byte();
    if (version !== 1 && version !== 2) this.fail(`unknown index file version ${version}`, 4);
    this.version = version;
    this.toc = this.readToc();
    if (version === 2) this.symbolsByOrdinal = this.readSymbols();
    else this.readSymbols();
    this.readPostingsOffsetTable();
  }

  /** Reads and checks the index file at `path`. */
  static async open(path: string): Promise<IndexReader> {
    return new IndexReader(await readFile(path), path);
  }

  /** Reads an index held in memory; `file` names it in errors. */
  static fromBytes(bytes: Uint8Array, file = 'index'): IndexReader {
    return new IndexReader(bytes, file);
  }

  /** Size of the index file in bytes. */
  get size(): number {
    return this.bytes.length;
  }

  /** Number of symbols in the symbol table. */
  get symbolCount(): number {
    return this.version === 2 ? this.symbolsByOrdinal.length : this.symbolsByOffset.size;
  }

  /**
   * The series with the given ID (from a postings list): its labels and chunk metas, CRC-checked. With a
   * time range, only the metas of chunks overlapping the closed [mint, maxt] are kept: a query touches a
   * few of a long block's chunks, and every meta decoded into an object is garbage a moment later.
   */
  series(id: number, mint = -Infinity, maxt = Infinity): IndexSeries {
    const offset = this.version === 2 ? id * SERIES_ALIGNMENT : id;
    if (!Number.isInteger(id) || id < 0 || offset < this.toc.series || offset >= this.seriesSectionEnd()) {
      this.fail(`series reference ${id} points outside the series section`, offset);
    }
    const d = this.at(offset);
    if (offset + MAX_VARINT_LEN32 > this.bytes.length) this.fail('series entry runs past the end of the file', offset);
    const len = d.uvarint();
    if (d.pos - offset > MAX_VARINT_LEN32) this.fail(`invalid series length varint`, offset);
    const body = this.checked(d.pos, len, 'series entry');

    const k = body.uvarint();
    const labels: Label[] = new Array(k > 1024 ? 0 : k);
    for (let i = 0; i < k; i++) {
      const name = this.symbol(body.uvarint(), body);
      const value = this.symbol(body.uvarint(), body);
      labels[i] = { name, value };
    }
    const n = body.uvarint();
    const chunks: ChunkMeta[] = [];
    if (n > 0) {
      let minTime = body.varint();
      let maxTime = minTime + uvarintAsInt64(body);
      let ref = uvarintAsInt64(body);
      if (maxTime >= mint && minTime <= maxt) chunks.push({ ref, minTime, maxTime });
      for (let i = 1; i < n; i++) {
        minTime = maxTime + uvarintAsInt64(body); // written as an unsigned delta; Go wraps it as int64
        maxTime = minTime + uvarintAsInt64(body);
        ref += body.varint();
        if (maxTime >= mint && minTime <= maxt) chunks.push({ ref, minTime, maxTime });
      }
    }
    return { labels, chunks };
  }

  /** The whole symbol table, in its (sorted) order. */
  symbols(): string[] {
    return this.version === 2 ? [...this.symbolsByOrdinal] : [...this.symbolsByOffset.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  }

  /** A symbol by reference (ordinal in v2, byte offset in v1). */
  symbol(ref: number, where?: Decbuf): string {
    const s = this.version === 2 ? this.symbolsByOrdinal[ref] : this.symbolsByOffset.get(ref);
    if (s === undefined) {
      const at = where ? where.base + where.pos : undefined;
      throw new CorruptionError(`unknown symbol reference ${ref} (${this.symbolCount} symbols)`, this.file, at);
    }
    return s;
  }

  /** Label names with postings, sorted (the all-postings key "" excluded). */
  labelNames(): string[] {
    return [...this.postingsOffsets.keys()].filter((n) => n !== '').sort(compareStrings);
  }

  /** Values of a label name, sorted by UTF-8 bytes. */
  labelValues(name: string): readonly string[] {
    let values = this.sortedValues.get(name);
    if (!values) {
      values = [...(this.postingsOffsets.get(name)?.keys() ?? [])].sort(compareStrings);
      this.sortedValues.set(name, values);
    }
    return values;
  }

  /** Series IDs having `name` set to any of `values`, sorted. */
  postings(name: string, values: readonly string[]): Uint32Array {
    const offsets = this.postingsOffsets.get(name);
    if (!offsets) return EMPTY_POSTINGS;
    const lists: Uint32Array[] = [];
    for (const v of values) {
      const off = offsets.get(v);
      if (off !== undefined) lists.push(this.readPostings(off));
    }
    return unionPostings(lists);
  }

  /** Every series ID in the index (the list under the key ("", "")). */
  allPostings(): Uint32Array {
    return this.postings('', ['']);
  }

  /** Sorted IDs of the series that satisfy every matcher (none for no matchers). */
  select(matchers: readonly Matcher[]): Uint32Array {
    return postingsForMatchers(this, matchers);
  }

  // --- decoding ----------------------------------------------------------------------------------------

  private readToc(): IndexToc {
    const start = this.bytes.length - TOC_LEN;
    if (start < HEADER_LEN) this.fail(`index file of ${this.bytes.length} bytes cannot hold a table of contents`, 0);
    const stored = new DataView(this.bytes.buffer, this.bytes.byteOffset + start + 48, 4).getUint32(0);
    const actual = crc32c(this.bytes, start, start + 48);
    if (stored !== actual) this.fail(`table of contents checksum mismatch: stored ${hex(stored)}, computed ${hex(actual)}`, start);
    const d = this.at(start);
    const field = (name: string): number => {
      const at = d.pos;
      const v = d.be64();
      if (v > start) this.fail(`table of contents: ${name} offset ${v} lies beyond the sections (${start})`, at);
      return v;
    };
    return {
      symbols: field('symbols'),
      series: field('series'),
      labelIndices: field('label indices'),
      labelIndicesTable: field('label offset table'),
      postings: field('postings'),
      postingsTable: field('postings offset table'),
    };
  }

  /** v2: returns the symbols by ordinal. v1: fills symbolsByOffset. Strings must be valid UTF-8. */
  private readSymbols(): string[] {
    const d = this.section(this.toc.symbols, 'symbol table');
    const count = d.be32();
    const symbols: string[] = [];
    for (let i = 0; i < count; i++) {
      const at = d.base + d.pos;
      const s = d.uvarintStr();
      if (this.version === 2) symbols.push(s);
      else this.symbolsByOffset.set(at, s);
    }
    return symbols;
  }

  private readPostingsOffsetTable(): void {
    const d = this.section(this.toc.postingsTable, 'postings offset table');
    let count = d.be32();
    while (count > 0 && d.remaining > 0) {
      const at = d.pos;
      const keys = d.uvarint();
      if (keys !== 2) d.fail(`unexpected number of keys for postings offset table ${keys}`, at);
      const name = d.uvarintStr();
      const value = d.uvarintStr();
      const offAt = d.pos;
      const off = d.uvarint();
      if (off + 4 > this.bytes.length - TOC_LEN) d.fail(`postings offset ${off} lies beyond the sections`, offAt);
      let values = this.postingsOffsets.get(name);
      if (!values) this.postingsOffsets.set(name, (values = new Map()));
      values.set(value, off);
      count--;
    }
    if (count > 0) d.fail(`postings offset table ends ${count} entries early`);
  }

  /** A postings list: `len`, `#entries`, the series IDs (strictly increasing), CRC. */
  private readPostings(offset: number): Uint32Array {
    const d = this.section(offset, 'postings list');
    const n = d.be32();
    if (d.remaining !== 4 * n) {
      this.fail(`unexpected postings length, should be ${4 * n} bytes for ${n} postings, got ${d.remaining} bytes`, offset);
    }
    const ids = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      ids[i] = d.be32();
      if (i > 0 && ids[i]! <= ids[i - 1]!) this.fail(`postings list not strictly increasing at entry ${i}`, d.base + d.pos - 4);
    }
    return ids;
  }

  /** A `BE32 len | body | BE32 CRC32C(body)` section at `offset`; returns a cursor over the body. */
  private section(offset: number, what: string): Decbuf {
    if (offset < HEADER_LEN || offset + 4 > this.bytes.length) this.fail(`${what} offset ${offset} lies outside the file`, offset);
    const len = this.at(offset).be32();
    return this.checked(offset + 4, len, what);
  }

  /** The `len` bytes at `start` followed by their BE32 CRC32C, checked; a cursor over them. */
  private checked(start: number, len: number, what: string): Decbuf {
    const end = start + len;
    if (end + 4 > this.bytes.length) this.fail(`${what} of ${len} bytes runs past the end of the file`, start);
    const stored = new DataView(this.bytes.buffer, this.bytes.byteOffset + end, 4).getUint32(0);
    const actual = crc32c(this.bytes, start, end);
    if (stored !== actual) this.fail(`${what} checksum mismatch: stored ${hex(stored)}, computed ${hex(actual)}`, start);
    return new Decbuf(this.bytes.subarray(start, end), this.file, start);
  }

  private at(offset: number): Decbuf {
    return new Decbuf(this.bytes, this.file, 0, offset);
  }

  /** Series entries lie in [toc.series, toc.labelIndices) (or up to the next section present). */
  private seriesSectionEnd(): number {
    const next = [this.toc.labelIndices, this.toc.postings, this.toc.labelIndicesTable, this.toc.postingsTable]
      .filter((o) => o > this.toc.series);
    return next.length > 0 ? Math.min(...next) : this.bytes.length - TOC_LEN;
  }

  private fail(message: string, offset: number): never {
    throw new CorruptionError(message, this.file, offset);
  }
}

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}
