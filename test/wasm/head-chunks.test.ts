// The head's chunk store: batched appends across many chunks and calls give exactly encodeXorChunk's bytes.

import { describe, expect, it } from 'vitest';
import { HeadChunkStore, encodeXorChunk } from '../../src/wasm/index.js';
import { Prng } from '../helpers/prng.js';
import { randomSeries, valueBits, type Series } from './series-gen.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/**
 * Appends the series to their chunks the way a head does: samples of all series interleaved in random
 * order (each series in its own order), cut into calls of random size.
 */
function appendInterleaved(store: HeadChunkStore, handles: Uint32Array, series: Series[], rng: Prng, maxBatch: number): number {
  const next = new Array<number>(series.length).fill(0);
  const pending: number[] = series.flatMap((s, i) => Array<number>(s.timestamps.length).fill(i));
  for (let i = pending.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [pending[i], pending[j]] = [pending[j]!, pending[i]!];
  }
  let calls = 0;
  for (let at = 0; at < pending.length; calls++) {
    const n = Math.min(rng.int(1, maxBatch), pending.length - at);
    const batchHandles = new Uint32Array(n);
    const ts = new Float64Array(n);
    const vs = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const s = pending[at + j]!;
      const k = next[s]++;
      batchHandles[j] = handles[s]!;
      ts[j] = series[s]!.timestamps[k]!;
      vs.set(series[s]!.values.subarray(k, k + 1), j); // set() copies bits: NaN payloads intact
    }
    store.append(batchHandles, ts, vs);
    at += n;
  }
  return calls;
}

describe('HeadChunkStore', () => {
  it('interleaved, split appends give the bytes encodeXorChunk gives', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rng = new Prng(seed);
      const store = new HeadChunkStore();
      const series = Array.from({ length: rng.int(1, 60) }, () => randomSeries(rng));
      const handles = store.create(series.length);
      const calls = appendInterleaved(store, handles, series, rng, rng.pick([1, 7, 100, 5000]));
      expect(calls).toBeGreaterThan(0);

      const bytes = store.bytesMany(handles);
      series.forEach((s, i) => {
        const what = `seed ${seed}, series ${i} (${s.name})`;
        const expected = encodeXorChunk(s.timestamps, s.values);
        expect(hex(store.bytes(handles[i]!)), what).toBe(hex(expected));
        expect(hex(bytes[i]!), what).toBe(hex(expected));
        expect(store.info(handles[i]!), what).toEqual({
          numSamples: s.timestamps.length,
          byteLength: expected.length,
          minTime: s.timestamps[0],
          maxTime: s.timestamps[s.timestamps.length - 1],
        });
      });

      const all = store.decodeMany(handles);
      let at = 0;
      series.forEach((s, i) => {
        expect(all.counts[i]).toBe(s.timestamps.length);
        expect(all.timestamps.subarray(at, at + s.timestamps.length)).toEqual(s.timestamps);
        expect(valueBits(all.values.subarray(at, at + s.values.length))).toEqual(valueBits(s.values));
        at += s.timestamps.length;
      });
    }
  });

  it('a chunk read between appends is already a valid chunk of the samples so far', () => {
    const rng = new Prng(5);
    const store = new HeadChunkStore();
    const [h] = store.create(1);
    const s = randomSeries(rng, 300);
    for (let i = 0; i < 300; i++) {
      store.append(Uint32Array.of(h!), s.timestamps.subarray(i, i + 1), s.values.subarray(i, i + 1));
      expect(hex(store.bytes(h!)), `after ${i + 1}`).toBe(hex(encodeXorChunk(s.timestamps, s.values, 0, i + 1)));
      const decoded = store.decode(h!);
      expect(decoded.length).toBe(i + 1);
      expect(decoded.timestamps[i]).toBe(s.timestamps[i]);
    }
  });

  it('reports empty chunks', () => {
    const store = new HeadChunkStore();
    const [h] = store.create(1);
    expect(hex(store.bytes(h!))).toBe('0000');
    expect(store.info(h!)).toEqual({ numSamples: 0, byteLength: 2, minTime: NaN, maxTime: NaN });
    expect(store.decode(h!).length).toBe(0);
  });

  it('keeps results right while memory grows in the middle of one batch', () => {
    const rng = new Prng(11);
    const store = new HeadChunkStore();
    const chunks = 4000;
    const perChunk = 120;
    const handles = store.create(chunks);
    const series = Array.from({ length: chunks }, (_, i) => ({
      timestamps: Float64Array.from({ length: perChunk }, (_, k) => 1.6e12 + k * 15000 + rng.int(-500, 500) + i),
      values: new Float64Array(new BigUint64Array(Array.from({ length: perChunk }, () => rng.u64())).buffer),
    }));
    // One call, sample k of every chunk before sample k + 1 of any: every chunk grows during the call.
    const n = chunks * perChunk;
    const batchHandles = new Uint32Array(n);
    const ts = new Float64Array(n);
    const vs = new Float64Array(n);
    for (let k = 0, j = 0; k < perChunk; k++) {
      for (let i = 0; i < chunks; i++, j++) {
        batchHandles[j] = handles[i]!;
        ts[j] = series[i]!.timestamps[k]!;
        vs.set(series[i]!.values.subarray(k, k + 1), j);
      }
    }
    const before = store.memoryBytes;
    store.append(batchHandles, ts, vs);
    // Random 64-bit values take about 2.3 KB per chunk: far beyond the scratch region and the first megabyte.
    expect(store.memoryBytes).toBeGreaterThan(before + chunks * 2000);

    const all = store.decodeMany(handles);
    expect(all.length).toBe(n);
    for (let i = 0; i < chunks; i += 37) {
      expect(hex(store.bytes(handles[i]!))).toBe(hex(encodeXorChunk(series[i]!.timestamps, series[i]!.values)));
      expect(all.timestamps.subarray(i * perChunk, (i + 1) * perChunk)).toEqual(series[i]!.timestamps);
      expect(valueBits(all.values.subarray(i * perChunk, (i + 1) * perChunk))).toEqual(valueBits(series[i]!.values));
    }
  });

  it('frees chunks in batches and reuses their handles', () => {
    const store = new HeadChunkStore();
    const handles = store.create(10);
    expect(new Set(handles).size).toBe(10);
    expect(handles.includes(0)).toBe(false);
    expect(store.liveChunks).toBe(10);
    store.append(handles, Float64Array.from(handles, (_, i) => i), new Float64Array(10));
    store.free(handles.subarray(0, 4));
    expect(store.liveChunks).toBe(6);
    expect(() => store.bytes(handles[0]!)).toThrow(/not an open chunk/);
    const again = store.create(4);
    expect(new Set([...again]).size).toBe(4);
    for (const h of again) expect(handles.subarray(0, 4)).toContain(h);
    expect(store.info(again[0]!).numSamples).toBe(0);
    expect(store.liveChunks).toBe(10);
  });

  it('rejects a bad batch as a whole', () => {
    const store = new HeadChunkStore();
    const handles = store.create(3);
    store.append(handles, new Float64Array([1000, 1000, 1000]), new Float64Array([1, 2, 3]));
    const snapshot = () => store.bytesMany(handles).map(hex);
    const before = snapshot();

    expect(() => store.append(Uint32Array.of(handles[0]!, 999), new Float64Array([2000, 2000]), new Float64Array(2))).toThrow(
      /999 at index 1 is not an open chunk/,
    );
    expect(() => store.append(Uint32Array.of(handles[1]!, 0), new Float64Array([2000, 2000]), new Float64Array(2))).toThrow(
      /0 at index 1 is not an open chunk/,
    );
    expect(() => store.append(Uint32Array.of(handles[1]!, handles[2]!), new Float64Array([2000, 2000.5]), new Float64Array(2))).toThrow(
      /timestamp 2000.5 at index 1/,
    );
    expect(() => store.append(handles, new Float64Array([2000, 2000]), new Float64Array(3))).toThrow(RangeError);
    expect(() => store.free([handles[0]!, handles[1]!, handles[0]!])).toThrow(/at index 2 .* listed twice/);
    expect(() => store.free([handles[2]!, 12345])).toThrow(/12345 at index 1/);
    expect(snapshot()).toEqual(before);
    expect(store.liveChunks).toBe(3);

    // The state of the batches that failed is gone: the next good append continues normally.
    store.append(handles, new Float64Array([2000, 2000, 2000]), new Float64Array([1, 2, 4]));
    store.append(handles, new Float64Array([3000, 3000, 3000]), new Float64Array([1, 2, 4]));
    expect(store.bytesMany(handles).map(hex)).toEqual(
      [[1, 1, 1], [2, 2, 2], [3, 4, 4]].map((v) => hex(encodeXorChunk(new Float64Array([1000, 2000, 3000]), new Float64Array(v)))),
    );
    store.free(handles);
    expect(store.liveChunks).toBe(0);
  });

  it('refuses the 65536th sample of a chunk, counting those earlier in the same batch', () => {
    const store = new HeadChunkStore();
    const [full, other] = store.create(2);
    const n = 65535;
    const ts = Float64Array.from({ length: n }, (_, i) => i * 1000);
    store.append(new Uint32Array(n - 2).fill(full!), ts, new Float64Array(n), 0, n - 2);
    const batch = Uint32Array.of(other!, full!, full!, full!);
    expect(() => store.append(batch, new Float64Array([0, 1e9, 2e9, 3e9]), new Float64Array(4))).toThrow(/exceed 65535 samples at index 3/);
    expect(store.numSamples(full!)).toBe(n - 2);
    expect(store.numSamples(other!)).toBe(0);
    store.append(batch, new Float64Array([0, 1e9, 2e9, 3e9]), new Float64Array(4), 0, 3);
    expect(store.numSamples(full!)).toBe(n);
  });
});
