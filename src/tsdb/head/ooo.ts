/**
 * Out-of-order samples of one series (accepted inside storage.tsdb.out_of_order_time_window),
 * kept sorted by time. Values travel as two u32 words each, never as numbers, so NaN payloads
 * stay exact. Prometheus keeps these in OOO head chunks; a sorted buffer serves the same reads.
 */
export class OooSamples {
  ts = new Float64Array(8);
  bits = new Uint32Array(16);
  length = 0;

  get minTime(): number {
    return this.length > 0 ? this.ts[0]! : Infinity;
  }

  get maxTime(): number {
    return this.length > 0 ? this.ts[this.length - 1]! : -Infinity;
  }

  /**
   * Inserts sample i of `vsBits` at time t. A sample at a timestamp already held is dropped,
   * as Prometheus's OOO head chunk drops it (returns false).
   */
  insert(t: number, vsBits: Uint32Array, i: number): boolean {
    const lo = this.lowerBound(t);
    if (lo < this.length && this.ts[lo] === t) return false;
    if (this.length === this.ts.length) this.grow();
    this.ts.copyWithin(lo + 1, lo, this.length);
    this.bits.copyWithin(2 * lo + 2, 2 * lo, 2 * this.length);
    this.ts[lo] = t;
    this.bits[2 * lo] = vsBits[2 * i]!;
    this.bits[2 * lo + 1] = vsBits[2 * i + 1]!;
    this.length++;
    return true;
  }

  /** Index of the first sample at or after t. */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Removes the samples at the given times (sorted ascending); times not held are ignored. */
  removeTimes(times: Float64Array): void {
    let w = 0;
    let j = 0;
    for (let r = 0; r < this.length; r++) {
      const t = this.ts[r]!;
      while (j < times.length && times[j]! < t) j++;
      if (j < times.length && times[j] === t) continue;
      if (w !== r) {
        this.ts[w] = t;
        this.bits[2 * w] = this.bits[2 * r]!;
        this.bits[2 * w + 1] = this.bits[2 * r + 1]!;
      }
      w++;
    }
    this.length = w;
  }

  private grow(): void {
    const ts = new Float64Array(this.ts.length * 2);
    ts.set(this.ts);
    const bits = new Uint32Array(this.bits.length * 2);
    bits.set(this.bits);
    this.ts = ts;
    this.bits = bits;
  }
}

/**
 * Merges in-order samples `[a, aLen)` with out-of-order ones in [mint, maxt] into new columns,
 * sorted by time; at an equal timestamp the in-order sample is kept.
 */
export function mergeOoo(
  aTs: Float64Array,
  aVs: Float64Array,
  aLen: number,
  ooo: OooSamples,
  mint: number,
  maxt: number,
): { timestamps: Float64Array; values: Float64Array; length: number } {
  let from = 0;
  while (from < ooo.length && ooo.ts[from]! < mint) from++;
  let to = from;
  while (to < ooo.length && ooo.ts[to]! <= maxt) to++;
  const timestamps = new Float64Array(aLen + to - from);
  const values = new Float64Array(aLen + to - from);
  const out = new Uint32Array(values.buffer);
  const aBits = new Uint32Array(aVs.buffer, aVs.byteOffset, 2 * aLen);
  let i = 0;
  let j = from;
  let n = 0;
  while (i < aLen || j < to) {
    const takeA = j >= to || (i < aLen && aTs[i]! <= ooo.ts[j]!);
    if (takeA) {
      if (j < to && aTs[i] === ooo.ts[j]) j++; // same time: the in-order sample wins
      timestamps[n] = aTs[i]!;
      out[2 * n] = aBits[2 * i]!;
      out[2 * n + 1] = aBits[2 * i + 1]!;
      i++;
    } else {
      timestamps[n] = ooo.ts[j]!;
      out[2 * n] = ooo.bits[2 * j]!;
      out[2 * n + 1] = ooo.bits[2 * j + 1]!;
      j++;
    }
    n++;
  }
  return { timestamps: timestamps.subarray(0, n), values: values.subarray(0, n), length: n };
}
