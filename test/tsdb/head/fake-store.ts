import type { HeadChunkStore } from '../../../src/tsdb/head/chunk-store.js';
import type { SampleColumns } from '../../../src/wasm/index.js';

/** A test double of the WASM chunk store: keeps each chunk's samples in plain typed arrays. */
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

  append(handles: Uint32Array, ts: Float64Array, vs: Float64Array, n: number): void {
    const bits = new Uint32Array(vs.buffer, vs.byteOffset, 2 * n);
    for (let i = 0; i < n; i++) {
      const c = this.chunks.get(handles[i]!);
      if (!c) throw new Error(`unknown chunk ${handles[i]}`);
      c.ts.push(ts[i]!);
      c.bits.push([bits[2 * i]!, bits[2 * i + 1]!]);
    }
  }

  bytes(): Uint8Array {
    throw new Error('not used by these tests');
  }

  decode(handle: number): SampleColumns {
    const c = this.chunks.get(handle)!;
    const values = new Float64Array(c.ts.length);
    const vb = new Uint32Array(values.buffer);
    c.bits.forEach(([lo, hi], i) => {
      vb[2 * i] = lo;
      vb[2 * i + 1] = hi;
    });
    return { timestamps: Float64Array.from(c.ts), values, length: c.ts.length };
  }

  free(handles: Uint32Array): void {
    for (const h of handles) this.chunks.delete(h);
  }
}
