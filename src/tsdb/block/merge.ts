// Merging the series of several sources, as Prometheus 2.42's merge querier with ChainedSeriesMerge:
// series sets are merged by labels through a heap, a series found in several sources becomes one
// series, and its samples are chained in time order, a timestamp already emitted being dropped.
//
// Which sample wins when two sources hold the same timestamp depends on the order in which Go's
// container/heap hands out equal keys, so both heaps here are ports of container/heap's exact sift
// rules (not just any priority queue): the output is the same sample for sample.

import { compareLabels, labelsEqual } from '../../model/labels.js';
import { MIN_INT64 } from '../tombstones/intervals.js';
import type { SampleColumns, SeriesData } from './source.js';

/** Samples per merged batch. */
const MERGED_BATCH = 4096;

/** Go's container/heap over an array, with the same up/down sifting, so ties resolve identically. */
export class GoHeap<T> {
  readonly items: T[] = [];

  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get length(): number {
    return this.items.length;
  }

  peek(): T {
    return this.items[0]!;
  }

  push(x: T): void {
    this.items.push(x);
    this.up(this.items.length - 1);
  }

  pop(): T {
    const n = this.items.length - 1;
    this.swap(0, n);
    this.down(0, n);
    return this.items.pop()!;
  }

  private swap(i: number, j: number): void {
    const h = this.items;
    const t = h[i]!;
    h[i] = h[j]!;
    h[j] = t;
  }

  private up(j: number): void {
    for (;;) {
      const i = Math.trunc((j - 1) / 2); // Go's integer division: the root is its own parent
      if (i === j || !this.less(this.items[j]!, this.items[i]!)) break;
      this.swap(i, j);
      j = i;
    }
  }

  private down(i: number, n: number): void {
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      let j = left;
      if (left + 1 < n && this.less(this.items[left + 1]!, this.items[left]!)) j = left + 1;
      if (!this.less(this.items[j]!, this.items[i]!)) break;
      this.swap(i, j);
      i = j;
    }
  }
}

interface SetCursor {
  readonly it: AsyncIterator<SeriesData>;
  current: SeriesData;
}

/**
 * Merges series sets that are each sorted by labels into one sorted set; equal label sets from several
 * sets become one chained series (the sets' order decides which sample wins a shared timestamp).
 */
export async function* mergeSeriesSets(sets: readonly AsyncIterable<SeriesData>[]): AsyncGenerator<SeriesData> {
  if (sets.length === 1) {
    yield* sets[0]!;
    return;
  }
  const heap = new GoHeap<SetCursor>((a, b) => compareLabels(a.current.labels, b.current.labels) < 0);
  const iterators = sets.map((s) => s[Symbol.asyncIterator]());
  try {
    for (const it of iterators) {
      const r = await it.next();
      if (!r.done) heap.push({ it, current: r.value });
    }
    let taken: SetCursor[] = [];
    for (;;) {
      for (const cursor of taken) {
        const r = await cursor.it.next();
        if (r.done) continue;
        cursor.current = r.value;
        heap.push(cursor);
      }
      if (heap.length === 0) return;
      const labels = heap.peek().current.labels;
      taken = [];
      while (heap.length > 0 && labelsEqual(labels, heap.peek().current.labels)) taken.push(heap.pop());
      yield taken.length === 1 ? taken[0]!.current : chainSeries(taken.map((c) => c.current));
    }
  } finally {
    await Promise.all(iterators.map((it) => it.return?.()));
  }
}

/** One series made of the same series from several sources (ChainedSeriesMerge). */
export function chainSeries(series: readonly SeriesData[]): SeriesData {
  return {
    labels: series[0]!.labels,
    batches: () => chainSamples(series.map((s) => s.batches())),
  };
}

/** A cursor over a stream of sample batches, stepping one sample at a time like a chunk iterator. */
class SampleCursor {
  private batch: SampleColumns | undefined;
  private bits: Uint32Array | undefined;
  private i = -1;
  private ended = false;

  constructor(private readonly it: AsyncIterator<SampleColumns>) {}

  /** Advances within the current batch; undefined when the next batch must be fetched first. */
  nextInBatch(): boolean | undefined {
    if (this.ended) return false;
    if (this.batch && this.i + 1 < this.batch.length) {
      this.i++;
      return true;
    }
    return undefined;
  }

  /** Advances to the next sample; false at the end. */
  async next(): Promise<boolean> {
    for (;;) {
      const step = this.nextInBatch();
      if (step !== undefined) return step;
      const r = await this.it.next();
      if (r.done) {
        this.ended = true;
        this.batch = this.bits = undefined;
        return false;
      }
      this.batch = r.value;
      this.bits = new Uint32Array(r.value.values.buffer, r.value.values.byteOffset, 2 * r.value.length);
      this.i = -1;
    }
  }

  get t(): number {
    return this.batch!.timestamps[this.i]!;
  }

  /** Copies the current sample into `out` at `j`, the value as raw bits. */
  copyTo(out: SampleColumns, outBits: Uint32Array, j: number): void {
    out.timestamps[j] = this.batch!.timestamps[this.i]!;
    outBits[2 * j] = this.bits![2 * this.i]!;
    outBits[2 * j + 1] = this.bits![2 * this.i + 1]!;
  }

  close(): Promise<unknown> | undefined {
    return this.it.return?.();
  }
}

/** A port of 2.42's chainSampleIterator.Next over batch streams: samples in time order, first one wins a timestamp. */
async function* chainSamples(streams: readonly AsyncIterable<SampleColumns>[]): AsyncGenerator<SampleColumns> {
  const cursors = streams.map((s) => new SampleCursor(s[Symbol.asyncIterator]()));
  try {
    const heap = new GoHeap<SampleCursor>((a, b) => a.t < b.t);
    // The first iterator starts as the current one without being advanced; the others are advanced once.
    let curr: SampleCursor | undefined = cursors[0];
    for (const c of cursors.slice(1)) if (await c.next()) heap.push(c);
    let lastT = MIN_INT64;
    let out = newBatch(MERGED_BATCH);
    let outBits = new Uint32Array(out.values.buffer);
    while (curr) {
      let currT = 0;
      for (;;) {
        let ok = curr.nextInBatch();
        if (ok === undefined) ok = await curr.next();
        if (ok) {
          currT = curr.t;
          if (currT === lastT) continue; // a sample for a timestamp already emitted
          if (heap.length === 0 || currT < heap.peek().t) break;
          heap.push(curr);
        } else if (heap.length === 0) {
          curr = undefined;
          break;
        }
        curr = heap.pop();
        currT = curr.t;
        if (currT !== lastT) break;
      }
      if (!curr) break;
      lastT = currT;
      curr.copyTo(out, outBits, out.length++);
      if (out.length === MERGED_BATCH) {
        yield out;
        out = newBatch(MERGED_BATCH);
        outBits = new Uint32Array(out.values.buffer);
      }
    }
    if (out.length > 0) yield out;
  } finally {
    await Promise.all(cursors.map((c) => c.close()));
  }
}

function newBatch(capacity: number): SampleColumns {
  return { timestamps: new Float64Array(capacity), values: new Float64Array(capacity), length: 0 };
}
