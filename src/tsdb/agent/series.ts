import type { Labels } from '../../model/labels.js';
import type { Exemplar } from '../../storage/interface.js';
import { hashLabels, SeriesHashIndex } from '../series-hash-index.js';

/**
 * One series of the agent (Prometheus's chunkless memSeries): its labels, the ref every WAL
 * record names it by, and the newest committed sample time, which out-of-order appends are
 * checked against and series GC reads.
 */
export class AgentSeries {
  /** Newest committed sample time; -Infinity for a new series, 0 for one replayed without samples (as 2.42). */
  lastTs = -Infinity;
  /** Whether the WAL holds this series' Series record (samples may only be logged after it). */
  logged = false;
  /** Open appenders that touched this series: GC leaves it alone meanwhile. */
  pendingCommits = 0;
  /** Id of the last appender that counted itself in pendingCommits. */
  lastAppenderId = 0;
  /** The newest exemplar appended, to drop exact repeats (Prometheus's latest-exemplar check). */
  latestExemplar: Exemplar | undefined;

  constructor(
    readonly ref: number,
    readonly labels: Labels,
    readonly hash: number,
  ) {}
}

/**
 * The agent's series, by ref (a dense array: refs count up from 1 and are never reused) and by
 * label hash (collisions kept in a list). Single-threaded: one Node event loop.
 */
export class AgentSeriesMap {
  private readonly byRef: (AgentSeries | undefined)[] = [undefined];
  private readonly byLabels = new SeriesHashIndex<AgentSeries>();
  private nextRef = 1;
  private live = 0;

  get size(): number {
    return this.live;
  }

  getByRef(ref: number): AgentSeries | undefined {
    return this.byRef[ref];
  }

  getByLabels(labels: Labels, hash = hashLabels(labels)): AgentSeries | undefined {
    return this.byLabels.get(labels, hash);
  }

  /** Adds a series for valid, sorted labels not in the map; `ref` 0 takes the next free ref. */
  create(labels: Labels, ref = 0, hash = hashLabels(labels)): AgentSeries {
    if (ref === 0) ref = this.nextRef;
    if (ref >= this.nextRef) this.nextRef = ref + 1;
    const s = new AgentSeries(ref, labels, hash);
    this.byRef[ref] = s;
    this.byLabels.add(s);
    this.live++;
    return s;
  }

  /**
   * Removes every series whose newest sample is older than `mint` and that no open appender
   * holds (Prometheus's stripeSeries.GC); returns their refs.
   */
  gc(mint: number): number[] {
    const removed: number[] = [];
    const byRef = this.byRef;
    for (let ref = 1; ref < byRef.length; ref++) {
      const s = byRef[ref];
      if (s === undefined || s.lastTs >= mint || s.pendingCommits > 0) continue;
      this.remove(s);
      removed.push(ref);
    }
    return removed;
  }

  *[Symbol.iterator](): IterableIterator<AgentSeries> {
    for (const s of this.byRef) if (s !== undefined) yield s;
  }

  private remove(s: AgentSeries): void {
    this.byRef[s.ref] = undefined;
    this.byLabels.delete(s);
    this.live--;
  }
}
