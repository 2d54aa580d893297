import type { Labels } from '../../model/labels.js';
import type { Metadata } from '../../storage/interface.js';
import type { OooSamples } from './ooo.js';

/** Samples per head chunk Prometheus aims for (2.42: fixed). */
export const SAMPLES_PER_CHUNK = 120;

/** A closed (full) head chunk of a series: a handle into the WASM chunk store plus its time range. */
export interface ClosedChunk {
  readonly handle: number;
  readonly minT: number;
  readonly maxT: number;
}

/**
 * One series of the head (Prometheus's memSeries). Its samples live in XOR chunks
 * held in WASM memory; this object only keeps the handles and the cutting state.
 * The value of the last sample is kept in the head's Float64Array column (indexed
 * by ref) so its NaN payload survives for duplicate detection.
 */
export class MemSeries {
  /** Handle of the open chunk, 0 when the series has none yet. */
  headChunk = 0;
  chunkMinT = 0;
  chunkSamples = 0;
  /** Time at which the open chunk must be cut (Prometheus's nextAt). */
  nextAt = 0;
  /** Timestamp of the newest sample; -Infinity while the series has none. */
  lastT = -Infinity;
  closed: ClosedChunk[] = [];
  meta: Metadata | undefined;
  /** Samples accepted out of order (inside the out-of-order window), if any. */
  ooo: OooSamples | undefined;
  /** Open appenders that touched this series: head truncation must not collect it meanwhile. */
  pendingCommits = 0;
  /** Id of the last appender that counted itself in pendingCommits. */
  lastAppenderId = 0;

  constructor(
    readonly ref: number,
    readonly labels: Labels,
    readonly hash: number,
  ) {}

  /** Smallest timestamp the series holds in memory, or +Infinity when it holds none. */
  minTime(): number {
    const inOrder = this.inOrderMinTime();
    return this.ooo === undefined ? inOrder : Math.min(inOrder, this.ooo.minTime);
  }

  /** Smallest in-order sample time held, or +Infinity when none. */
  inOrderMinTime(): number {
    if (this.closed.length > 0) return this.closed[0]!.minT;
    return this.headChunk !== 0 && this.chunkSamples > 0 ? this.chunkMinT : Infinity;
  }

  /**
   * Drops the chunks whose samples all lie before `mint` and returns their handles (to be freed).
   * Chunks never cross a chunk-range boundary and `mint` is one, so no chunk is split.
   */
  dropChunksBefore(mint: number): number[] {
    const freed: number[] = [];
    let k = 0;
    while (k < this.closed.length && this.closed[k]!.maxT < mint) freed.push(this.closed[k++]!.handle);
    if (k > 0) this.closed = this.closed.slice(k);
    if (this.headChunk !== 0 && this.closed.length === 0 && this.lastT < mint) {
      freed.push(this.headChunk);
      this.headChunk = 0;
      this.chunkSamples = 0;
    }
    return freed;
  }

  /** Whether the series holds no samples at all (in order or out of order). */
  isEmpty(): boolean {
    return this.closed.length === 0 && (this.headChunk === 0 || this.chunkSamples === 0) && (this.ooo === undefined || this.ooo.length === 0);
  }

  /** Handles of the chunks (closed, then open) that overlap [mint, maxt], oldest first. */
  chunkHandles(mint: number, maxt: number): number[] {
    const out: number[] = [];
    for (const c of this.closed) if (c.minT <= maxt && mint <= c.maxT) out.push(c.handle);
    if (this.headChunk !== 0 && this.chunkSamples > 0 && this.chunkMinT <= maxt && mint <= this.lastT) {
      out.push(this.headChunk);
    }
    return out;
  }

  /**
   * Decides, for an in-order sample at `t`, whether it opens a new chunk, and updates
   * the cutting state as Prometheus 2.42's appendPreprocessor does. Returns true when
   * the caller must give the series a new open chunk before appending.
   */
  needsCut(t: number): boolean {
    if (this.headChunk === 0) return true;
    const n = this.chunkSamples;
    if (n === SAMPLES_PER_CHUNK / 4) {
      this.nextAt = computeChunkEndTime(this.chunkMinT, this.lastT, this.nextAt);
    }
    return t >= this.nextAt || n >= SAMPLES_PER_CHUNK * 2;
  }

  /** Makes `handle` the open chunk starting at `t`, closing the previous one. */
  cut(handle: number, t: number, chunkRange: number): void {
    if (this.headChunk !== 0 && this.chunkSamples > 0) {
      this.closed.push({ handle: this.headChunk, minT: this.chunkMinT, maxT: this.lastT });
    }
    this.headChunk = handle;
    this.chunkMinT = t;
    this.chunkSamples = 0;
    this.nextAt = rangeForTimestamp(t, chunkRange);
  }
}

/** End of the chunk range that `t` falls into (Prometheus's rangeForTimestamp). */
export function rangeForTimestamp(t: number, width: number): number {
  return truncDiv(t, width) * width + width;
}

/**
 * Prometheus 2.42's computeChunkEndTime, in int64 arithmetic with truncating division:
 * spread the remaining samples of the range evenly over the chunks still to come.
 */
export function computeChunkEndTime(start: number, cur: number, max: number): number {
  const n = truncDiv(max - start, (cur - start + 1) * 4);
  if (n <= 1) return max;
  return start + truncDiv(max - start, n);
}

/** Go's int64 division (truncating toward zero), exact for operands below 2^53. */
function truncDiv(a: number, b: number): number {
  const q = Math.trunc(a / b);
  // A correctly rounded quotient can only overshoot an integer boundary; step back.
  return Math.abs(q * b) > Math.abs(a) ? q - Math.sign(q) : q;
}
