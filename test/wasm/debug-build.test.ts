// The same workloads against build/debug.wasm, whose allocator checks its own structures on every call:
// a stray write into the heap (a wrong pointer, an overrun buffer) aborts here instead of going unnoticed.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Prng } from '../helpers/prng.js';
import { randomSeries } from './series-gen.js';

const DEBUG_WASM = fileURLToPath(new URL('../../build/debug.wasm', import.meta.url));
process.env.PROMWASM_WASM_FILE = DEBUG_WASM;
const wasm = await import('../../src/wasm/index.js');

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('debug build', () => {
  beforeAll(() => {
    expect(hex(wasm.loadWasmBytes())).toBe(hex(readFileSync(DEBUG_WASM)));
  });

  it('survives create/append/free churn with the allocator checking itself', () => {
    const rng = new Prng(31337);
    const store = new wasm.HeadChunkStore();
    const live = new Map<number, { ts: number[]; vs: number[] }>();
    for (let round = 0; round < 60; round++) {
      for (const h of store.create(rng.int(0, 200))) live.set(h, { ts: [], vs: [] });
      const handles = [...live.keys()];
      if (handles.length > 0) {
        const n = rng.int(1, 5000);
        const batch = new Uint32Array(n);
        const ts = new Float64Array(n);
        const vs = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const h = rng.pick(handles);
          const series = live.get(h)!;
          batch[i] = h;
          ts[i] = (series.ts.at(-1) ?? rng.int(0, 1e12)) + rng.int(1, 1e5);
          vs[i] = rng.chance(0.5) ? rng.int(0, 100) : rng.next();
          series.ts.push(ts[i]!);
          series.vs.push(vs[i]!);
        }
        store.append(batch, ts, vs);
      }
      const doomed = handles.filter(() => rng.chance(0.3));
      store.free(doomed);
      for (const h of doomed) live.delete(h);
    }
    expect(store.liveChunks).toBe(live.size);
    for (const [h, series] of live) {
      expect(hex(store.bytes(h))).toBe(hex(wasm.encodeXorChunk(new Float64Array(series.ts), new Float64Array(series.vs))));
    }
  });

  it('encodes, decodes and rejects garbage without tripping a check', () => {
    const rng = new Prng(4242);
    for (let seed = 0; seed < 200; seed++) {
      const s = randomSeries(rng);
      const chunk = wasm.encodeXorChunk(s.timestamps, s.values);
      expect(wasm.decodeXorChunk(chunk).timestamps).toEqual(s.timestamps);
      const broken = chunk.slice(0, rng.int(0, chunk.length));
      if (broken.length > 0) broken[rng.int(0, broken.length - 1)]! ^= 1 << rng.int(0, 7);
      try {
        wasm.decodeXorChunk(broken);
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        expect((e as Error).name).toBe('CorruptionError');
      }
    }
  });
});
