// What a shard hands to an encoder: the samples, histograms and exemplars of one request, in the
// order they were read from the WAL, as columns. Float values live only in Float64Array bytes, so
// stale markers keep their NaN payload all the way to the wire.

import type { Labels } from '../../model/labels.js';
import type { Histogram, Metadata } from '../../storage/interface.js';

export const Kind = { Sample: 0, Histogram: 1, Exemplar: 2 } as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

/** A flag on an item's kind byte: re-sent after a restart (it may already be upstream). */
export const REPLAY = 0x80;

/** The kind of item i, without flags. */
export function kindAt(items: ItemColumns, i: number): Kind {
  return (items.kinds[i]! & ~REPLAY) as Kind;
}

/** An exemplar as sent: its own labels, value and timestamp. */
export interface PendingExemplar {
  readonly labels: Labels;
  readonly value: number;
}

/** A series as it is sent: external labels merged and write relabeling applied. */
export interface OutgoingSeries {
  readonly labels: Labels;
  /** Its metadata, when the WAL carried a metadata record for it. */
  metadata?: Metadata;
  /** The encoded `repeated Label labels = 1` fields of a 1.0 TimeSeries, built on first use. */
  v1Labels?: Uint8Array;
}

/** Looks up the outgoing series of a WAL ref (only refs that were queued, so always known). */
export type SeriesLookup = (ref: number) => OutgoingSeries;

/**
 * Growable columns of pending data. `objs[i]` holds the histogram or exemplar of item i (undefined
 * for a float sample). `seqs[i]`/`idxs[i]` say which WAL record (by read sequence) and which item
 * of it item i came from: the queue turns acknowledgements into WAL positions with them.
 */
export class ItemColumns {
  length = 0;
  refs: Float64Array;
  ts: Float64Array;
  vs: Float64Array;
  kinds: Uint8Array;
  seqs: Float64Array;
  idxs: Uint32Array;
  objs: (Histogram | PendingExemplar | undefined)[] = [];

  constructor(capacity = 256) {
    this.refs = new Float64Array(capacity);
    this.ts = new Float64Array(capacity);
    this.vs = new Float64Array(capacity);
    this.kinds = new Uint8Array(capacity);
    this.seqs = new Float64Array(capacity);
    this.idxs = new Uint32Array(capacity);
  }

  /** The bytes of `vs`, for bit-exact copies. */
  get valueBytes(): Uint8Array {
    return new Uint8Array(this.vs.buffer, this.vs.byteOffset, this.vs.byteLength);
  }

  private grow(n: number): void {
    if (n <= this.refs.length) return;
    let cap = this.refs.length * 2;
    while (cap < n) cap *= 2;
    const keep = this.length;
    this.refs = grownF64(this.refs, cap, keep);
    this.ts = grownF64(this.ts, cap, keep);
    this.vs = grownF64(this.vs, cap, keep);
    this.seqs = grownF64(this.seqs, cap, keep);
    const kinds = new Uint8Array(cap);
    kinds.set(this.kinds.subarray(0, keep));
    this.kinds = kinds;
    const idxs = new Uint32Array(cap);
    idxs.set(this.idxs.subarray(0, keep));
    this.idxs = idxs;
  }

  /** Appends item `i` of `src`: a byte copy of its value. */
  pushFrom(src: ItemColumns, i: number): void {
    this.grow(this.length + 1);
    const n = this.length++;
    this.refs[n] = src.refs[i]!;
    this.ts[n] = src.ts[i]!;
    pushValueBits(this.valueBytes, n, src.valueBytes, i);
    this.kinds[n] = src.kinds[i]!;
    this.seqs[n] = src.seqs[i]!;
    this.idxs[n] = src.idxs[i]!;
    this.objs[n] = src.objs[i];
  }

  /** Appends a float sample whose value is `vb[vi]` (bytes of a Float64Array). */
  pushSample(ref: number, t: number, vb: Uint8Array, vi: number, seq: number, idx: number, flags = 0): void {
    this.grow(this.length + 1);
    const n = this.length++;
    this.refs[n] = ref;
    this.ts[n] = t;
    pushValueBits(this.valueBytes, n, vb, vi);
    this.kinds[n] = Kind.Sample | flags;
    this.seqs[n] = seq;
    this.idxs[n] = idx;
    this.objs[n] = undefined;
  }

  pushObject(kind: Kind, ref: number, t: number, obj: Histogram | PendingExemplar, seq: number, idx: number, flags = 0): void {
    this.grow(this.length + 1);
    const n = this.length++;
    this.refs[n] = ref;
    this.ts[n] = t;
    this.vs[n] = 0;
    this.kinds[n] = kind | flags;
    this.seqs[n] = seq;
    this.idxs[n] = idx;
    this.objs[n] = obj;
  }

  /** Drops the first `n` items (a batch taken off the front). */
  shift(n: number): void {
    const rest = this.length - n;
    this.refs.copyWithin(0, n, this.length);
    this.ts.copyWithin(0, n, this.length);
    this.vs.copyWithin(0, n, this.length);
    this.kinds.copyWithin(0, n, this.length);
    this.seqs.copyWithin(0, n, this.length);
    this.idxs.copyWithin(0, n, this.length);
    this.objs.splice(0, n);
    this.length = rest;
  }
}

function pushValueBits(dst: Uint8Array, n: number, src: Uint8Array, i: number): void {
  const d = n * 8;
  const s = i * 8;
  for (let j = 0; j < 8; j++) dst[d + j] = src[s + j]!;
}

function grownF64(a: Float64Array, cap: number, keep: number): Float64Array {
  const next = new Float64Array(cap);
  next.set(a.subarray(0, keep));
  return next;
}
