// An in-memory Appendable for scrape tests: committed samples with their exact value bits, and the
// head's per-series order checks (out of order, duplicate with another value).

import { labelsKey, type Labels } from '../../src/model/labels.js';
import { errDuplicateSample, errOutOfOrderSample } from '../../src/storage/errors.js';
import type { Appendable, Appender, SeriesRef } from '../../src/storage/interface.js';

export interface StoredSample {
  readonly t: number;
  readonly bits: bigint;
}

export class MemoryStorage implements Appendable {
  /** labelsKey → labels and samples, in commit order. */
  readonly series = new Map<string, { labels: Labels; samples: StoredSample[] }>();
  commits = 0;
  rollbacks = 0;
  private readonly refs = new Map<number, string>();
  private nextRef = 1;

  appender(): Appender {
    const pending: { key: string; labels: Labels; t: number; bits: bigint }[] = [];
    const lastOf = (key: string): StoredSample | undefined => {
      const mine = pending.filter((p) => p.key === key).at(-1);
      return mine ?? this.series.get(key)?.samples.at(-1);
    };
    const storage = this;
    return {
      append() {
        throw new Error('scrape code must use appendSamples');
      },
      appendSamples(ref: SeriesRef, labels: Labels, ts: Float64Array, vs: Float64Array, start: number, end: number): SeriesRef {
        const key = storage.refs.get(ref) ?? labelsKey(labels);
        const bits = new BigUint64Array(vs.buffer, vs.byteOffset, vs.length);
        for (let i = start; i < end; i++) {
          const last = lastOf(key);
          if (last !== undefined && ts[i]! < last.t) throw errOutOfOrderSample();
          if (last !== undefined && ts[i] === last.t) {
            if (last.bits !== bits[i]) throw errDuplicateSample();
            continue;
          }
          const stored = storage.refs.get(ref) !== undefined ? storage.series.get(key)?.labels ?? labels : labels;
          pending.push({ key, labels: stored, t: ts[i]!, bits: bits[i]! });
        }
        for (const [r, k] of storage.refs) if (k === key) return r;
        const r = storage.nextRef++;
        storage.refs.set(r, key);
        return r;
      },
      appendHistogram(): SeriesRef {
        throw new Error('not used');
      },
      appendExemplar: (ref: SeriesRef) => ref,
      updateMetadata: (ref: SeriesRef) => ref,
      async commit() {
        storage.commits++;
        for (const p of pending) {
          let s = storage.series.get(p.key);
          if (s === undefined) storage.series.set(p.key, (s = { labels: p.labels, samples: [] }));
          s.samples.push({ t: p.t, bits: p.bits });
        }
      },
      async rollback() {
        storage.rollbacks++;
      },
    };
  }

  /** Samples of the series with exactly these labels (given as a record). */
  samples(rec: Record<string, string>): StoredSample[] {
    for (const s of this.series.values()) {
      if (s.labels.length === Object.keys(rec).length && s.labels.every((l) => rec[l.name] === l.value)) return s.samples;
    }
    return [];
  }

  /** Values (as numbers) of the series named `name` for this target. */
  values(name: string, extra: Record<string, string> = {}): number[] {
    return this.samples({ __name__: name, ...extra }).map((s) => new Float64Array(new BigUint64Array([s.bits]).buffer)[0]!);
  }

  names(): string[] {
    return [...new Set([...this.series.values()].map((s) => s.labels.find((l) => l.name === '__name__')!.value))].sort();
  }
}

export function floatBits(v: number): bigint {
  return new BigUint64Array(new Float64Array([v]).buffer)[0]!;
}
