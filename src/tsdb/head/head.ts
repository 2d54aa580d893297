import { compareStrings, type Label, type Labels } from '../../model/labels.js';
import type { Appendable } from '../../storage/interface.js';
import { HeadAppender } from './appender.js';
import type { HeadChunkStore } from './chunk-store.js';
import { MemPostings } from './postings.js';
import { OooSamples } from './ooo.js';
import { SampleBatch } from './sample-batch.js';
import { MemSeries } from './series.js';
import { hashLabels, SeriesHashIndex } from '../series-hash-index.js';
import { HeadTombstones } from './tombstones.js';
import type { CommitLog, OutOfOrderLog } from './transaction.js';

export interface HeadOptions {
  /** Width of the ranges chunks never cross; the block duration (2h by default). */
  readonly chunkRange: number;
  readonly store: HeadChunkStore;
  /** The WAL; absent for a read-only head (replay only). */
  readonly log?: CommitLog;
  /** storage.tsdb.out_of_order_time_window in ms; 0 (the default) rejects out-of-order samples. */
  readonly outOfOrderTimeWindow?: number;
  /** The write-behind log for samples taken out of order. */
  readonly wbl?: OutOfOrderLog;
}

/** Counters the head keeps for self-metrics (read by collectors, never pushed). */
export class HeadStats {
  samplesAppended = 0;
  outOfOrderSamples = 0;
  outOfOrderSamplesAppended = 0;
  tooOldSamples = 0;
  outOfBoundSamples = 0;
  duplicateSamples = 0;
  chunksCreated = 0;
  chunksRemoved = 0;
  seriesCreated = 0;
  seriesRemoved = 0;
}

/** Result of applying committed samples to the head. */
export interface ApplyResult {
  /** In-order and out-of-order samples taken. */
  appended: number;
  outOfOrder: number;
  /** The samples taken out of order (for the write-behind log); valid until the next apply. */
  outOfOrderTaken: SampleBatch;
}

const HANDLE_POOL = 256;

/**
 * The in-memory head block: series looked up by label hash, stable refs, interned
 * label strings, postings for selection, and chunks kept in WASM memory.
 * Single-threaded by design (one Node event loop); commits are applied whole.
 */
export class Head implements Appendable {
  readonly chunkRange: number;
  readonly store: HeadChunkStore;
  readonly log: CommitLog | undefined;
  readonly wbl: OutOfOrderLog | undefined;
  /** Out-of-order window in ms (0: off); the config may change it on reload. */
  outOfOrderTimeWindow: number;
  readonly postings = new MemPostings();
  readonly stats = new HeadStats();
  /** Intervals deleted by delete_series, hidden from every read until truncation drops them. */
  readonly tombstones = new HeadTombstones();

  /** Smallest and largest in-order sample time in the head (±Infinity while empty). */
  minTime = Infinity;
  maxTime = -Infinity;
  /** Smallest and largest out-of-order sample time in the head (±Infinity while none). */
  minOOOTime = Infinity;
  maxOOOTime = -Infinity;
  /** Samples older than this are out of bounds: the max time of the newest block. */
  minValidTime = -Infinity;
  /** Called after every commit (the DB checks there whether the head is due for compaction). */
  afterCommit: (() => void) | undefined;

  private readonly seriesByRef: (MemSeries | undefined)[] = [undefined];
  private readonly byLabels = new SeriesHashIndex<MemSeries>();
  private readonly symbols = new Map<string, string>();
  private nextRef = 1;
  private numSeriesLive = 0;

  /** Bits of each series' newest value, indexed by ref (two u32 words per ref). */
  private lastValueBits: Uint32Array = new Uint32Array(2 * 1024);

  private readonly oooTaken = new SampleBatch();
  private handlePool: Uint32Array = new Uint32Array(0);
  private handlePos = 0;

  // Scratch columns for the batch handed to the chunk store.
  private batchHandles = new Uint32Array(1024);
  private batchTs = new Float64Array(1024);
  private batchVs = new Float64Array(1024);
  private batchVsBits = new Uint32Array(this.batchVs.buffer);

  constructor(opts: HeadOptions) {
    this.chunkRange = opts.chunkRange;
    this.store = opts.store;
    this.log = opts.log;
    this.wbl = opts.wbl;
    this.outOfOrderTimeWindow = opts.outOfOrderTimeWindow ?? 0;
  }

  appender(): HeadAppender {
    return new HeadAppender(this);
  }

  get numSeries(): number {
    return this.numSeriesLive;
  }

  /** Number of chunks (open and closed) held by the head. */
  numChunks(): number {
    return this.stats.chunksCreated - this.stats.chunksRemoved;
  }

  /**
   * The lowest timestamp an appender may take (Prometheus's appendableMinValidTime):
   * nothing may land in the half of the chunk range that is about to be compacted, nor
   * before the newest block. A fresh head accepts anything until its first sample.
   */
  appendableMinValidTime(firstT: number): number {
    const maxT = this.maxTime === -Infinity ? firstT : this.maxTime;
    return Math.max(maxT - this.chunkRange / 2, this.minValidTime);
  }

  /**
   * Whether the head spans more than 1.5 chunk ranges, so that its oldest range can be written
   * as a block while half a range stays for late samples (Prometheus's compactable).
   */
  compactable(): boolean {
    return this.maxTime - this.minTime > Math.trunc(this.chunkRange / 2) * 3;
  }

  /**
   * Drops what a block now holds (Prometheus's truncateMemory and gc): samples before `mint`
   * become out of bounds, chunks wholly before it are freed, the out-of-order samples listed in
   * `oooWritten` (by series ref, sorted times) are removed, and series left with no samples and
   * no open appender are forgotten (their refs are never handed out again). Returns the refs of
   * the removed series.
   */
  truncateMemory(mint: number, oooWritten: ReadonlyMap<number, Float64Array> = new Map()): number[] {
    if (mint > this.minValidTime) this.minValidTime = mint;
    const freed: number[] = [];
    const removed: number[] = [];
    let minT = Infinity;
    let minOOO = Infinity;
    let maxOOO = -Infinity;
    for (const s of this.seriesByRef) {
      if (s === undefined) continue;
      for (const h of s.dropChunksBefore(mint)) freed.push(h);
      const written = oooWritten.get(s.ref);
      if (written !== undefined && s.ooo !== undefined) s.ooo.removeTimes(written);
      if (s.ooo !== undefined && s.ooo.length === 0) s.ooo = undefined;
      if (s.isEmpty() && s.pendingCommits === 0) {
        removed.push(s.ref);
        continue;
      }
      minT = Math.min(minT, s.inOrderMinTime());
      if (s.ooo !== undefined) {
        minOOO = Math.min(minOOO, s.ooo.minTime);
        maxOOO = Math.max(maxOOO, s.ooo.maxTime);
      }
    }
    if (freed.length > 0) this.store.free(freed);
    this.stats.chunksRemoved += freed.length;
    for (const ref of removed) this.forget(this.seriesByRef[ref]!);
    this.tombstones.deleteSeries(removed);
    this.tombstones.truncateBefore(mint);
    if (removed.length > 0) {
      this.postings.delete(new Set(removed));
      this.dropUnusedSymbols();
    }
    this.minTime = minT;
    this.minOOOTime = minOOO;
    this.maxOOOTime = maxOOO;
    return removed;
  }

  /** Keeps interned only the strings live series use (the postings' keys are those very strings). */
  private dropUnusedSymbols(): void {
    this.symbols.clear();
    for (const sym of this.postings.symbols()) this.symbols.set(sym, sym);
  }

  private forget(s: MemSeries): void {
    this.seriesByRef[s.ref] = undefined;
    this.byLabels.delete(s);
    this.numSeriesLive--;
    this.stats.seriesRemoved++;
  }

  getByRef(ref: number): MemSeries | undefined {
    return this.seriesByRef[ref];
  }

  /** Every live series, in ref order. */
  *allSeries(): IterableIterator<MemSeries> {
    for (const s of this.seriesByRef) if (s !== undefined) yield s;
  }

  /** Finds the series with exactly these (sorted, valid) labels. */
  getByLabels(labels: Labels, hash = hashLabels(labels)): MemSeries | undefined {
    return this.byLabels.get(labels, hash);
  }

  /**
   * Returns the series for `labels`, creating it (with interned strings) when new.
   * `ref` forces the ref of a created series (WAL replay); otherwise refs count up.
   */
  getOrCreate(labels: Labels, ref = 0): { series: MemSeries; created: boolean } {
    const hash = hashLabels(labels);
    const existing = this.getByLabels(labels, hash);
    if (existing !== undefined) return { series: existing, created: false };

    if (ref === 0) ref = this.nextRef;
    if (ref >= this.nextRef) this.nextRef = ref + 1;
    const interned: Label[] = labels.map((l) => ({ name: this.intern(l.name), value: this.intern(l.value) }));
    const s = new MemSeries(ref, interned, hash);
    this.seriesByRef[ref] = s;
    this.byLabels.add(s);
    this.postings.add(ref, interned);
    this.ensureValueCapacity(ref);
    this.numSeriesLive++;
    this.stats.seriesCreated++;
    return { series: s, created: true };
  }

  /** Whether sample `i` of `bits` (two u32 words per value) equals the series' newest value, bit for bit. */
  sameAsLastValue(ref: number, bits: Uint32Array, i: number): boolean {
    return this.lastValueBits[2 * ref] === bits[2 * i] && this.lastValueBits[2 * ref + 1] === bits[2 * i + 1];
  }

  /**
   * Applies committed, already logged samples: the in-order rules of Prometheus's
   * commit (older or equal-but-different samples are dropped, identical ones ignored),
   * chunk cutting in TypeScript, then one batch append into the WASM chunk store.
   */
  applySamples(refs: Uint32Array, ts: Float64Array, vs: Float64Array, n: number, allowOutOfOrder = true): ApplyResult {
    this.ensureBatchCapacity(n);
    const taken = this.oooTaken;
    taken.length = 0;
    const vsBits = new Uint32Array(vs.buffer, vs.byteOffset, 2 * n);
    const handles = this.batchHandles;
    const bts = this.batchTs;
    const bbits = this.batchVsBits;
    const last = this.lastValueBits;
    let m = 0;
    let outOfOrder = 0;
    let ooo = 0;
    let minT = Infinity;
    let maxT = -Infinity;
    for (let i = 0; i < n; i++) {
      const ref = refs[i]!;
      const s = this.seriesByRef[ref];
      const t = ts[i]!;
      if (s === undefined) {
        outOfOrder++;
        continue;
      }
      if (t < this.minValidTime || t <= s.lastT) {
        if (t === s.lastT && last[2 * ref] === vsBits[2 * i] && last[2 * ref + 1] === vsBits[2 * i + 1]) continue;
        if (t !== s.lastT && allowOutOfOrder && this.oooAcceptable(t) && this.insertOutOfOrder(s, t, vsBits, i)) {
          taken.push(ref, t, vsBits, i);
          ooo++;
        } else outOfOrder++;
        continue;
      }
      if (s.needsCut(t)) {
        s.cut(this.takeHandle(), t, this.chunkRange);
        this.stats.chunksCreated++;
      }
      s.chunkSamples++;
      s.lastT = t;
      last[2 * ref] = vsBits[2 * i]!;
      last[2 * ref + 1] = vsBits[2 * i + 1]!;
      handles[m] = s.headChunk;
      bts[m] = t;
      bbits[2 * m] = vsBits[2 * i]!;
      bbits[2 * m + 1] = vsBits[2 * i + 1]!;
      m++;
      if (t < minT) minT = t;
      if (t > maxT) maxT = t;
    }
    if (m > 0) {
      this.store.append(handles, bts, this.batchVs, 0, m);
      if (minT < this.minTime) this.minTime = minT;
      if (maxT > this.maxTime) this.maxTime = maxT;
    }
    this.stats.samplesAppended += m + ooo;
    this.stats.outOfOrderSamples += outOfOrder;
    return { appended: m + ooo, outOfOrder, outOfOrderTaken: taken };
  }

  /**
   * Inserts samples into the series' out-of-order buffers whatever the window: the replay of
   * the write-behind log, whose samples were accepted when they came.
   */
  insertOutOfOrderSamples(refs: Uint32Array | Float64Array, ts: Float64Array, vs: Float64Array, n: number): number {
    const vsBits = new Uint32Array(vs.buffer, vs.byteOffset, 2 * n);
    let taken = 0;
    for (let i = 0; i < n; i++) {
      const s = this.seriesByRef[refs[i]!];
      if (s !== undefined && this.insertOutOfOrder(s, ts[i]!, vsBits, i)) taken++;
    }
    return taken;
  }

  /** Whether a sample older than the series' newest may go in out of order: inside the window behind the head's max time. */
  oooAcceptable(t: number): boolean {
    return this.outOfOrderTimeWindow > 0 && t >= this.maxTime - this.outOfOrderTimeWindow;
  }

  /** Inserts one out-of-order sample; false when the series already holds one at that time. */
  private insertOutOfOrder(s: MemSeries, t: number, vsBits: Uint32Array, i: number): boolean {
    s.ooo ??= new OooSamples();
    if (s.ooo.insert(t, vsBits, i)) {
      this.stats.outOfOrderSamplesAppended++;
      if (t < this.minOOOTime) this.minOOOTime = t;
      if (t > this.maxOOOTime) this.maxOOOTime = t;
    }
    return true;
  }

  /** Label names in the head, sorted. */
  labelNames(): string[] {
    return this.postings.labelNames();
  }

  private intern(s: string): string {
    const hit = this.symbols.get(s);
    if (hit !== undefined) return hit;
    this.symbols.set(s, s);
    return s;
  }

  private takeHandle(): number {
    if (this.handlePos === this.handlePool.length) {
      this.handlePool = this.store.create(HANDLE_POOL);
      this.handlePos = 0;
    }
    return this.handlePool[this.handlePos++]!;
  }

  private ensureValueCapacity(ref: number): void {
    if (2 * ref + 2 <= this.lastValueBits.length) return;
    let cap = this.lastValueBits.length;
    while (cap < 2 * ref + 2) cap *= 2;
    const next = new Uint32Array(cap);
    next.set(this.lastValueBits);
    this.lastValueBits = next;
  }

  private ensureBatchCapacity(n: number): void {
    if (n <= this.batchHandles.length) return;
    let cap = this.batchHandles.length;
    while (cap < n) cap *= 2;
    this.batchHandles = new Uint32Array(cap);
    this.batchTs = new Float64Array(cap);
    this.batchVs = new Float64Array(cap);
    this.batchVsBits = new Uint32Array(this.batchVs.buffer);
  }
}

/**
 * Checks a label set for a new series as Prometheus's appender does: empty values are
 * dropped, names must be non-empty and unique, the set must not be empty. Returns the
 * cleaned set sorted by name, or an error message.
 */
export function cleanLabels(labels: Labels): Labels | string {
  let sorted = true;
  let hasEmpty = false;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l.value === '') hasEmpty = true;
    if (i > 0 && compareStrings(labels[i - 1]!.name, l.name) >= 0) sorted = false;
  }
  let out = labels;
  if (hasEmpty) out = out.filter((l) => l.value !== '');
  if (!sorted) out = [...out].sort((a, b) => compareStrings(a.name, b.name));
  if (out.length === 0) return 'empty labelset';
  for (let i = 0; i < out.length; i++) {
    const name = out[i]!.name;
    if (name === '') return 'label name must not be empty';
    if (i > 0 && out[i - 1]!.name === name) return `label name "${name}" is not unique`;
  }
  return out;
}
