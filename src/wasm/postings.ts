// Series order and postings lists of a block index, computed in WASM on symbol ids (assembly/postings.ts).
//
// A series crosses as its label pairs of symbol ids, (name, value) after (name, value), names strictly
// increasing; symbol ids must number a table sorted by UTF-8 bytes, so that ids compare as the strings.
// A batch of series is `pairs` (two u32 per label) and `ends` (u32 per series: the number of pairs in the
// batch up to and including that series).

import { WasmKernel, align8, type KernelExports } from './kernel.js';

interface PostingsExports extends KernelExports {
  sortLabelSets(pairs: number, ends: number, n: number, symbolCount: number, out: number): number;
  postingsInit(symbolCount: number): void;
  postingsAdd(pairs: number, ends: number, refs: number, n: number): number;
  postingsFinish(): number;
  postingsResult(): number;
}

/** Why a batch of series was refused (assembly/postings.ts status codes). */
export type LabelSetProblem = 'symbol-range' | 'unsorted-labels' | 'duplicate-series' | 'refs-order' | 'empty-labels' | 'too-large';

const PROBLEMS: Record<number, LabelSetProblem> = {
  [-20]: 'symbol-range',
  [-21]: 'unsorted-labels',
  [-22]: 'duplicate-series',
  [-23]: 'refs-order',
  [-24]: 'empty-labels',
  [-25]: 'too-large',
};

const MESSAGES: Record<LabelSetProblem, string> = {
  'symbol-range': 'a label refers to a symbol outside the symbol table',
  'unsorted-labels': 'label names are not strictly increasing',
  'duplicate-series': 'the label set occurs twice',
  'refs-order': 'series refs are not strictly increasing',
  'empty-labels': 'the series has no labels',
  'too-large': 'too many label occurrences for one index (WASM memory is 32-bit)',
};

/** A series the WASM side refused; `series` indexes the batch (and `other` the first of a duplicate pair). */
export class LabelSetError extends RangeError {
  override readonly name = 'LabelSetError';
  constructor(
    readonly problem: LabelSetProblem,
    readonly series: number,
    readonly other?: number,
  ) {
    super(`series ${series}${other === undefined ? '' : ` (and series ${other})`}: ${MESSAGES[problem]}`);
  }
}

/** Postings lists in index order, as built by PostingsBuilder.finish(). */
export interface BuiltPostings {
  /** Every series ref, increasing: the list of the all-postings key ("", ""). */
  readonly all: Uint32Array;
  /** (name id, value id) of list k at [2k, 2k+1]; sorted by name id, then value id. */
  readonly keys: Uint32Array;
  /** List k is refs[ends[k-1] (0 for k = 0), ends[k]). */
  readonly ends: Uint32Array;
  /** The series refs of all lists, concatenated; increasing within each list. */
  readonly refs: Uint32Array;
}

/** Checks that (pairs, ends) describe `ends.length` series, and returns how many u32 the pairs take. */
function checkBatch(pairs: Uint32Array, ends: Uint32Array, what: string): number {
  const count = ends.length === 0 ? 0 : ends[ends.length - 1]!;
  for (let i = 1; i < ends.length; i++) {
    if (ends[i]! < ends[i - 1]!) throw new RangeError(`${what}: ends must not decrease (index ${i})`);
  }
  if (2 * count > pairs.length) throw new RangeError(`${what}: ends need ${count} label pairs, pairs holds ${pairs.length / 2}`);
  return 2 * count;
}

function copyOut(k: WasmKernel, at: number, n: number): Uint32Array {
  return n === 0 ? new Uint32Array(0) : new Uint32Array(k.memory.buffer.slice(at, at + 4 * n));
}

/**
 * The order in which an index lists these series: result[k] is the index of the k-th series by label set
 * (Prometheus's labels.Compare). Throws a LabelSetError for an empty or unsorted label set, an id not
 * below `symbolCount`, or two equal label sets.
 */
export function sortLabelSets(pairs: Uint32Array, ends: Uint32Array, symbolCount: number): Uint32Array {
  const words = checkBatch(pairs, ends, 'sortLabelSets');
  const n = ends.length;
  // A short-lived instance: its memory (the size of the input) goes when the call returns.
  const k = new WasmKernel();
  const exports = k.exports as PostingsExports;
  const pairsAt = k.scratch(align8(4 * words) + align8(4 * n) + 4 * n);
  const endsAt = pairsAt + align8(4 * words);
  const outAt = endsAt + align8(4 * n);
  k.writeUint32(pairsAt, pairs.subarray(0, words));
  k.writeUint32(endsAt, ends);
  const status = exports.sortLabelSets(pairsAt, endsAt, n, symbolCount >>> 0, outAt);
  if (status < 0) throw labelSetError(k, status);
  return copyOut(k, outAt, n);
}

function labelSetError(k: WasmKernel, status: number): LabelSetError {
  const problem = PROBLEMS[status];
  if (!problem) throw new Error(`postings: unexpected WASM status ${status}`);
  const series = k.exports.lastErrorIndex() >>> 0;
  return new LabelSetError(problem, series, problem === 'duplicate-series' ? k.exports.lastErrorSample() >>> 0 : undefined);
}

/**
 * Collects series in index order, in batches, and builds their postings lists in one pass at the end.
 * Each builder has its own WASM instance, dropped with the builder.
 */
export class PostingsBuilder {
  private readonly kernel = new WasmKernel();
  private readonly exports = this.kernel.exports as PostingsExports;
  private added = 0;
  private finished = false;

  constructor(readonly symbolCount: number) {
    if (!Number.isInteger(symbolCount) || symbolCount < 0 || symbolCount > 0xffffffff) {
      throw new RangeError(`PostingsBuilder: bad symbol count ${symbolCount}`);
    }
    this.exports.postingsInit(symbolCount);
  }

  /** Series added so far. */
  get seriesCount(): number {
    return this.added;
  }

  /**
   * Adds a batch of series with their refs (refs[i] for series i), which must keep increasing across
   * batches. A refused batch (LabelSetError, `series` indexing this batch) adds nothing.
   */
  add(pairs: Uint32Array, ends: Uint32Array, refs: Uint32Array): void {
    if (this.finished) throw new Error('PostingsBuilder: add after finish');
    const words = checkBatch(pairs, ends, 'PostingsBuilder.add');
    const n = ends.length;
    if (refs.length < n) throw new RangeError(`PostingsBuilder.add: ${n} series but ${refs.length} refs`);
    const k = this.kernel;
    const pairsAt = k.scratch(align8(4 * words) + 2 * align8(4 * n));
    const endsAt = pairsAt + align8(4 * words);
    const refsAt = endsAt + align8(4 * n);
    k.writeUint32(pairsAt, pairs.subarray(0, words));
    k.writeUint32(endsAt, ends);
    k.writeUint32(refsAt, refs.subarray(0, n));
    const status = this.exports.postingsAdd(pairsAt, endsAt, refsAt, n);
    if (status < 0) throw labelSetError(k, status);
    this.added += n;
  }

  /** The postings lists of every series added. The builder accepts nothing afterwards. */
  finish(): BuiltPostings {
    if (this.finished) throw new Error('PostingsBuilder: finish called twice');
    this.finished = true;
    const k = this.kernel;
    const keyCount = this.exports.postingsFinish();
    if (keyCount < 0) throw labelSetError(k, keyCount);
    const [series, occurrences, , allAt, refsAt, keysAt, endsAt] = copyOut(k, this.exports.postingsResult(), 7);
    return {
      all: copyOut(k, allAt!, series!),
      refs: copyOut(k, refsAt!, occurrences!),
      keys: copyOut(k, keysAt!, 2 * keyCount),
      ends: copyOut(k, endsAt!, keyCount),
    };
  }
}
