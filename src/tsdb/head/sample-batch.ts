/**
 * A growable list of float samples as columns (series ref, time, value), appended one at a
 * time: an appender's transaction, the samples a commit took out of order. Values are copied
 * as their two u32 words, never as numbers, so NaN payloads stay exact.
 */
export class SampleBatch {
  refs: Uint32Array;
  ts: Float64Array;
  vs: Float64Array;
  private bits: Uint32Array;
  length = 0;

  constructor(capacity = 64) {
    this.refs = new Uint32Array(capacity);
    this.ts = new Float64Array(capacity);
    this.vs = new Float64Array(capacity);
    this.bits = new Uint32Array(this.vs.buffer);
  }

  /** Appends sample i of a value column seen as u32 words (`vsBits`). */
  push(ref: number, t: number, vsBits: Uint32Array, i: number): void {
    if (this.length === this.refs.length) this.grow();
    const n = this.length++;
    this.refs[n] = ref;
    this.ts[n] = t;
    this.bits[2 * n] = vsBits[2 * i]!;
    this.bits[2 * n + 1] = vsBits[2 * i + 1]!;
  }

  private grow(): void {
    const cap = this.refs.length * 2;
    const refs = new Uint32Array(cap);
    refs.set(this.refs);
    const ts = new Float64Array(cap);
    ts.set(this.ts);
    // Float64Array.set copies bytes: NaN payloads survive.
    const vs = new Float64Array(cap);
    vs.set(this.vs);
    this.refs = refs;
    this.ts = ts;
    this.vs = vs;
    this.bits = new Uint32Array(vs.buffer);
  }
}
