import { describe, expect, it } from 'vitest';
import { labelsFromRecord } from '../../../src/model/labels.js';
import { codeOf } from '../../helpers/storage-error.js';
import { Head } from '../../../src/tsdb/head/head.js';
import { HeadSource } from '../../../src/tsdb/head/source.js';
import { mergeOoo, OooSamples } from '../../../src/tsdb/head/ooo.js';
import { FakeChunkStore } from './fake-store.js';
import { Matcher } from '../../../src/model/matchers.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const STALE_BITS = [2, 0x7ff00000];

function headWithWindow(window: number): Head {
  return new Head({ chunkRange: 2 * HOUR, store: new FakeChunkStore(), outOfOrderTimeWindow: window });
}

async function samplesOf(head: Head): Promise<{ t: number; bits: number[] }[]> {
  const out: { t: number; bits: number[] }[] = [];
  for await (const s of new HeadSource(head).select([new Matcher('=~', '__name__', '.+')], -Infinity, Infinity)) {
    for await (const cols of s.batches()) {
      const bits = new Uint32Array(cols.values.buffer, cols.values.byteOffset, 2 * cols.length);
      for (let i = 0; i < cols.length; i++) out.push({ t: cols.timestamps[i]!, bits: [bits[2 * i]!, bits[2 * i + 1]!] });
    }
  }
  return out;
}

describe('out-of-order window (storage.tsdb.out_of_order_time_window)', () => {
  const lbls = labelsFromRecord({ __name__: 'm' });

  it('rejects older samples when the window is 0, as Prometheus', async () => {
    const head = headWithWindow(0);
    let app = head.appender();
    app.append(0, lbls, 10 * HOUR, 1);
    await app.commit();
    app = head.appender();
    expect(codeOf(() => app.append(0, lbls, 10 * HOUR - MIN, 1))).toBe('OUT_OF_ORDER_SAMPLE');
    expect(codeOf(() => app.append(0, lbls, 8 * HOUR, 1))).toBe('OUT_OF_BOUNDS');
  });

  it('takes older samples inside the window, merges them in time order, refuses older ones as too old', async () => {
    const head = headWithWindow(30 * MIN);
    let app = head.appender();
    app.append(0, lbls, 10 * HOUR, 1);
    app.append(0, lbls, 10 * HOUR + 2 * MIN, 3);
    await app.commit();

    app = head.appender();
    app.append(0, lbls, 10 * HOUR + MIN, 2); // between two in-order samples
    app.append(0, lbls, 10 * HOUR - 20 * MIN, 0);
    const stale = new Float64Array(new Uint32Array(STALE_BITS).buffer);
    app.appendSamples(0, lbls, Float64Array.of(10 * HOUR - 10 * MIN), stale, 0, 1);
    expect(codeOf(() => app.append(0, lbls, 10 * HOUR + 2 * MIN - 31 * MIN, 9))).toBe('TOO_OLD_SAMPLE');
    expect(codeOf(() => app.append(0, lbls, 10 * HOUR + 2 * MIN, 7))).toBe('DUPLICATE_SAMPLE_FOR_TIMESTAMP');
    await app.commit();

    const got = await samplesOf(head);
    expect(got.map((s) => s.t)).toEqual([10 * HOUR - 20 * MIN, 10 * HOUR - 10 * MIN, 10 * HOUR, 10 * HOUR + MIN, 10 * HOUR + 2 * MIN]);
    expect(got[1]!.bits).toEqual(STALE_BITS);
    expect(head.stats.outOfOrderSamplesAppended).toBe(3);
  });

  it('drops a second out-of-order sample at a timestamp already held', () => {
    const ooo = new OooSamples();
    const bits = new Uint32Array([1, 2, 3, 4]);
    expect(ooo.insert(5, bits, 0)).toBe(true);
    expect(ooo.insert(5, bits, 1)).toBe(false);
    expect(ooo.insert(3, bits, 1)).toBe(true);
    expect([...ooo.ts.subarray(0, ooo.length)]).toEqual([3, 5]);
    expect([...ooo.bits.subarray(0, 4)]).toEqual([3, 4, 1, 2]);
  });

  it('merges with the in-order samples, keeping the in-order one at an equal time', () => {
    const ooo = new OooSamples();
    const vb = new Uint32Array([7, 0, 8, 0, 9, 0]);
    ooo.insert(1, vb, 0);
    ooo.insert(4, vb, 1);
    ooo.insert(9, vb, 2);
    const a = Float64Array.of(2, 4, 6);
    const av = new Float64Array(new Uint32Array([1, 0, 2, 0, 3, 0]).buffer);
    const m = mergeOoo(a, av, 3, ooo, 0, 8);
    expect([...m.timestamps]).toEqual([1, 2, 4, 6]);
    expect([...new Uint32Array(m.values.buffer, m.values.byteOffset, 2 * m.length)].filter((_, i) => i % 2 === 0)).toEqual([7, 1, 2, 3]);
  });
});
