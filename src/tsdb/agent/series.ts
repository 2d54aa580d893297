import type { Labels } from '../../model/labels.js';
import type { Exemplar } from '../../storage/interface.js';
import { hashLabels } from '../head/head.js';

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
  private readonly byHash = new Map<number, AgentSeries | AgentSeries[]>();
  private nextRef = 1;
  private live = 0;

  get size(): number {
    return this.live;
  }

  getByRef(ref: number): AgentSeries | undefined {
    return this.byRef[ref];
  }

  getByLabels(labels: Labels, hash = hashLabels(labels)): AgentSeries | undefined {
    const hit = this.byHash.get(hash);
    if (hit === undefined) return undefined;
    if (!Array.isArray(hit)) return sameLabels(hit.labels, labels) ? hit : undefined;
    for (const s of hit) if (sameLabels(s.labels, labels)) return s;
    return undefined;
  }

  /** Adds a series for valid, sorted labels not in the map; `ref` 0 takes the next free ref. */
  create(labels: Labels, ref = 0, hash = hashLabels(labels)): AgentSeries {
    if (ref === 0) ref = this.nextRef;
    if (ref >= this.nextRef) this.nextRef = ref + 1;
    const s = new AgentSeries(ref, labels, hash);
    this.byRef[ref] = s;
    const hit = this.byHash.get(hash);
    if (hit === undefined) this.byHash.set(hash, s);
    else if (Array.isArray(hit)) hit.push(s);
    else this.byHash.set(hash, [hit, s]);
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
    const hit = this.byHash.get(s.hash);
    if (Array.isArray(hit)) {
      const rest = hit.filter((x) => x !== s);
      if (rest.length === 1) this.byHash.set(s.hash, rest[0]!);
      else this.byHash.set(s.hash, rest);
    } else if (hit === s) this.byHash.delete(s.hash);
    this.live--;
  }
}

function sameLabels(a: Labels, b: Labels): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name || x.value !== y.value) return false;
  }
  return true;
}
