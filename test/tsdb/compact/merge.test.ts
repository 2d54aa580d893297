// The WASM chunk merge against a plain TypeScript reference built from independent parts: the
// compacting chunk iterator written out here over GoHeap, the chained sample merge of block/merge.ts
// (the query path's port of chainSampleIterator) and the XOR encoder.

import { describe, expect, it } from 'vitest';
import { chainSeries, GoHeap } from '../../../src/tsdb/block/merge.js';
import type { SampleColumns } from '../../../src/tsdb/block/source.js';
import { CorruptionError } from '../../../src/tsdb/encoding/errors.js';
import { decodeXorChunk, encodeXorChunk, mergeSeriesChunks, type MergeChunk, type SeriesChunkLists } from '../../../src/wasm/index.js';
import { Prng } from '../../helpers/prng.js';

const STALE = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;

function chunkOf(ts: number[], vs: Float64Array): MergeChunk {
  return { minTime: ts[0]!, maxTime: ts[ts.length - 1]!, bytes: encodeXorChunk(Float64Array.from(ts), vs) };
}

async function reference(lists: SeriesChunkLists): Promise<MergeChunk[]> {
  interface Iter {
    chunks: readonly MergeChunk[];
    i: number;
  }
  const at = (it: Iter): MergeChunk => it.chunks[it.i]!;
  const heap = new GoHeap<Iter>((a, b) => (at(a).minTime === at(b).minTime ? at(a).maxTime < at(b).maxTime : at(a).minTime < at(b).minTime));
  const advance = (it: Iter): void => {
    if (++it.i < it.chunks.length) heap.push(it);
  };
  for (const chunks of lists) if (chunks.length > 0) heap.push({ chunks, i: 0 });
  const out: MergeChunk[] = [];
  while (heap.length > 0) {
    const it = heap.pop();
    const curr = at(it);
    advance(it);
    const overlapping: MergeChunk[] = [];
    let oMax = curr.maxTime;
    let prev = curr;
    while (heap.length > 0) {
      const next = at(heap.peek());
      if (next.minTime > oMax) break;
      const same = next.minTime === prev.minTime && next.maxTime === prev.maxTime && Buffer.from(next.bytes).equals(Buffer.from(prev.bytes));
      if (!same) {
        overlapping.push(next);
        oMax = Math.max(oMax, next.maxTime);
        prev = next;
      }
      advance(heap.pop());
    }
    if (overlapping.length === 0) {
      out.push(curr);
      continue;
    }
    const merged = chainSeries(
      [...overlapping, curr].map((c) => ({
        labels: [],
        batches: async function* (): AsyncGenerator<SampleColumns> {
          yield decodeXorChunk(c.bytes);
        },
      })),
    );
    const ts: number[] = [];
    const bits: Float64Array[] = [];
    for await (const b of merged.batches()) {
      for (let i = 0; i < b.length; i++) ts.push(b.timestamps[i]!);
      bits.push(b.values.slice(0, b.length));
    }
    const values = new Float64Array(ts.length);
    let o = 0;
    for (const b of bits) values.set(b, (o += b.length) - b.length);
    const encoded: MergeChunk[] = [];
    for (let s = 0; s < ts.length; s += 120) {
      const e = Math.min(ts.length, s + 120);
      encoded.push(chunkOf(ts.slice(s, e), values.slice(s, e)));
    }
    out.push(encoded[0]!);
    if (encoded.length > 1) heap.push({ chunks: encoded, i: 1 });
  }
  return out;
}

/** A random series split over k sources: overlapping ranges, shared and conflicting samples, copies. */
function randomSeries(rng: Prng): SeriesChunkLists {
  const k = rng.int(1, 4);
  const base = rng.int(-5000, 5000) * 1000;
  const lists: MergeChunk[][] = [];
  for (let s = 0; s < k; s++) {
    if (s > 0 && rng.chance(0.15)) {
      lists.push([...lists[rng.int(0, s - 1)]!]); // the same chunks in two blocks
      continue;
    }
    const list: MergeChunk[] = [];
    let t = base + rng.int(0, 4) * rng.int(0, 60_000);
    const nChunks = rng.int(0, 4);
    for (let c = 0; c < nChunks; c++) {
      const n = rng.int(1, 150);
      const ts: number[] = [];
      const vs = new Float64Array(n);
      const step = rng.pick([1000, 15_000, 30_000]);
      for (let i = 0; i < n; i++) {
        t += rng.chance(0.1) ? rng.int(1, 3 * step) : step;
        ts.push(t);
        // Mostly a function of the timestamp, so sources agree; sometimes their own value or a stale marker.
        vs[i] = rng.chance(0.2) ? rng.int(0, 9) + s / 10 : rng.chance(0.05) ? STALE : Math.sin(t / 1e5);
      }
      list.push(chunkOf(ts, vs));
      t += rng.chance(0.5) ? rng.int(-200_000, 200_000) : 0; // next chunk of this source may overlap others
      if (list.length > 0 && t <= list[list.length - 1]!.maxTime) t = list[list.length - 1]!.maxTime;
    }
    lists.push(list);
  }
  return lists;
}

function sameChunks(actual: MergeChunk[], expected: MergeChunk[]): void {
  expect(actual.map((c) => [c.minTime, c.maxTime, Buffer.from(c.bytes).toString('hex')])).toEqual(
    expected.map((c) => [c.minTime, c.maxTime, Buffer.from(c.bytes).toString('hex')]),
  );
}

describe('mergeSeriesChunks', () => {
  const seen = { passedThrough: 0, reencoded: 0, seriesMerged: 0 };

  it.each(Array.from({ length: 40 }, (_, i) => i + 1))('matches the reference merge, seed %i', async (seed) => {
    const rng = new Prng(seed);
    const batch = Array.from({ length: rng.int(1, 30) }, () => randomSeries(rng));
    const merged = mergeSeriesChunks(batch);
    expect(merged).toHaveLength(batch.length);
    for (let s = 0; s < batch.length; s++) {
      const expected = await reference(batch[s]!);
      sameChunks(merged[s]!, expected);
      // Chunks passed through are the input objects themselves: their bytes are never re-encoded.
      const inputs = new Set(batch[s]!.flat());
      merged[s]!.forEach((c, i) => expect(inputs.has(c)).toBe(inputs.has(expected[i]!)));
      const fresh = merged[s]!.filter((c) => !inputs.has(c)).length;
      seen.reencoded += fresh;
      seen.passedThrough += merged[s]!.length - fresh;
      if (fresh > 0) seen.seriesMerged++;
    }
  });

  it('the seeded inputs exercised both paths', () => {
    expect(seen.seriesMerged).toBeGreaterThan(100);
    expect(seen.reencoded).toBeGreaterThan(200);
    expect(seen.passedThrough).toBeGreaterThan(200);
    console.log(`fuzz: ${seen.seriesMerged} series merged, ${seen.reencoded} chunks re-encoded, ${seen.passedThrough} passed through`);
  });

  it('passes non-overlapping chunks through and drops identical copies', () => {
    const a = chunkOf([0, 10, 20], new Float64Array([1, 2, 3]));
    const b = chunkOf([30, 40], new Float64Array([4, 5]));
    const [out] = mergeSeriesChunks([[[a, b], [a], [b]]]);
    expect(out).toHaveLength(2);
    expect(out![0]).toBe(a);
    expect(out![1]).toBe(b);
  });

  it('merges overlapping chunks into 120-sample chunks, one sample per timestamp, NaN payloads intact', () => {
    const n = 200;
    const even = Array.from({ length: n }, (_, i) => 2 * i);
    const odd = Array.from({ length: n }, (_, i) => 2 * i + 1);
    const staleAll = new Float64Array(n).fill(STALE);
    const [out] = mergeSeriesChunks([[[chunkOf(even.slice(0, 100), staleAll.slice(0, 100)), chunkOf(even.slice(100), staleAll.slice(100))], [chunkOf(odd.slice(0, 120), staleAll.slice(0, 120)), chunkOf(odd.slice(120), staleAll.slice(120))], [chunkOf(even.slice(0, 50), new Float64Array(50).fill(7))]]]);
    const counts = out!.map((c) => (c.bytes[0]! << 8) | c.bytes[1]!);
    expect(counts.reduce((a, b) => a + b)).toBe(2 * n);
    expect(counts.every((c) => c <= 120)).toBe(true);
    const ts: number[] = [];
    for (const c of out!) {
      const d = decodeXorChunk(c.bytes);
      ts.push(...d.timestamps.subarray(0, d.length));
      expect([c.minTime, c.maxTime]).toEqual([d.timestamps[0], d.timestamps[d.length - 1]]);
      const bits = new BigUint64Array(d.values.buffer, 0, d.length);
      // The third source agrees on the timestamps 0..98 but not on the value: one of the two is kept.
      for (let i = 0; i < d.length; i++) expect([0x7ff0000000000002n, 0x401c000000000000n]).toContain(bits[i]);
    }
    expect(ts).toEqual(Array.from({ length: 2 * n }, (_, i) => i));
  });

  it('names a corrupt input chunk', () => {
    const good = chunkOf([0, 10], new Float64Array([1, 2]));
    const bad: MergeChunk = { minTime: 5, maxTime: 15, bytes: Uint8Array.from([0, 3, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]), file: 'chunks/000001', offset: 77 };
    expect(() => mergeSeriesChunks([[[good], [bad]]])).toThrow(CorruptionError);
    expect(() => mergeSeriesChunks([[[good], [bad]]])).toThrow(/000001.*77|77.*000001/);
  });
});
