import type { HeadChunkStore } from '../../../src/tsdb/head/chunk-store.js';
import type { ChunkColumns } from '../../../src/wasm/index.js';

/** A test double of the WASM chunk store: keeps each chunk's samples in plain arrays, value bits as u32 pairs. */
export class FakeChunkStore implements HeadChunkStore {
  readonly chunks = new Map<number, { ts: number[]; bits: [number, number][] }>();
  private next = 1;

  create(n: number): Uint32Array {
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = this.next;
      this.chunks.set(this.next++, { ts: [], bits: [] });
    }
    return out;
  }

  append(handles: Uint32Array, ts: Float64Array, vs: Float64Array, start = 0, end = handles.length): void {
    const bits = new Uint32Array(vs.buffer, vs.byteOffset, 2 * vs.length);
    for (let i = start; i < end; i++) {
      const c = this.chunks.get(handles[i]!);
      if (!c) throw new Error(`unknown chunk ${handles[i]}`);
      c.ts.push(ts[i]!);
      c.bits.push([bits[2 * i]!, bits[2 * i + 1]!]);
    }
  }

  bytesMany(): Uint8Array[] {
    throw new Error('not used by these tests');
  }

  decodeMany(handles: Uint32Array | readonly number[]): ChunkColumns {
    const chunks = [...handles].map((h) => this.chunks.get(h)!);
    const total = chunks.reduce((n, c) => n + c.ts.length, 0);
    const values = new Float64Array(total);
    const vb = new Uint32Array(values.buffer);
    const timestamps = new Float64Array(total);
    let i = 0;
    for (const c of chunks) {
      c.ts.forEach((t, k) => {
        timestamps[i] = t;
        vb[2 * i] = c.bits[k]![0];
        vb[2 * i + 1] = c.bits[k]![1];
        i++;
      });
    }
    return { timestamps, values, length: total, counts: Uint32Array.from(chunks, (c) => c.ts.length) };
  }

  free(handles: Uint32Array | readonly number[]): void {
    for (const h of handles) this.chunks.delete(h);
  }
}
