import { describe, expect, it } from 'vitest';
import { labelsFromRecord } from '../../../src/model/labels.js';
import { parseSeriesSelector } from '../../../src/model/matchers.js';
import { Head } from '../../../src/tsdb/head/head.js';
import { HeadSource } from '../../../src/tsdb/head/source.js';
import { FakeChunkStore } from './fake-store.js';

const RANGE = 60_000;

function newHead() {
  const store = new FakeChunkStore();
  return { head: new Head({ chunkRange: RANGE, store, outOfOrderTimeWindow: 30_000 }), store };
}

async function selectedTimes(head: Head, name: string): Promise<number[]> {
  const out: number[] = [];
  for await (const s of new HeadSource(head).select(parseSeriesSelector(`{__name__="${name}"}`), -1e15, 1e15)) {
    for await (const b of s.batches()) out.push(...b.timestamps.subarray(0, b.length));
  }
  return out;
}

describe('Head.truncateMemory', () => {
  it('is due once the head spans more than 1.5 ranges', async () => {
    const { head } = newHead();
    const app = head.appender();
    const a = labelsFromRecord({ __name__: 'a' });
    app.append(0, a, 0, 1);
    app.append(0, a, 90_000, 1);
    await app.commit();
    expect(head.compactable()).toBe(false);
    const app2 = head.appender();
    app2.append(0, a, 90_001, 1);
    await app2.commit();
    expect(head.compactable()).toBe(true);
  });

  it('frees chunks before mint, drops written out-of-order samples, collects empty series and never reuses refs', async () => {
    const { head, store } = newHead();
    const a = labelsFromRecord({ __name__: 'a', job: 'x' });
    const b = labelsFromRecord({ __name__: 'b', job: 'x' });
    const app = head.appender();
    for (let t = 0; t < 3 * RANGE; t += 10_000) app.append(0, a, t, t);
    for (let t = 0; t < RANGE; t += 10_000) app.append(0, b, t, t);
    await app.commit();
    const ooo = head.appender();
    ooo.append(0, a, 155_000, 1); // out of order, in the third range
    ooo.append(0, a, 165_000, 1);
    await ooo.commit();
    const chunksBefore = head.numChunks();
    const storeBefore = store.chunks.size;
    const refB = head.getByLabels(b)!.ref;

    const removed = head.truncateMemory(RANGE, new Map([[head.getByLabels(a)!.ref, Float64Array.of(155_000)]]));
    expect(removed).toEqual([refB]);
    expect(head.getByRef(refB)).toBeUndefined();
    expect(head.getByLabels(b)).toBeUndefined();
    expect(head.postings.labelValues('__name__')).toEqual(['a']);
    expect(head.numSeries).toBe(1);
    expect(head.numChunks()).toBe(chunksBefore - 2); // a's first chunk and b's only one
    expect(store.chunks.size).toBe(storeBefore - 2);
    expect(head.minTime).toBe(RANGE);
    expect(head.minValidTime).toBe(RANGE);
    expect(head.minOOOTime).toBe(165_000);
    expect(await selectedTimes(head, 'a')).toEqual([60_000, 70_000, 80_000, 90_000, 100_000, 110_000, 120_000, 130_000, 140_000, 150_000, 160_000, 165_000, 170_000]);

    // b comes back as a new series with a new ref.
    const again = head.appender();
    again.append(0, b, 175_000, 1);
    await again.commit();
    expect(head.getByLabels(b)!.ref).toBeGreaterThan(refB);
  });

  it('keeps a series an open appender has touched, even without samples', async () => {
    const { head } = newHead();
    const a = labelsFromRecord({ __name__: 'a' });
    const first = head.appender();
    first.append(0, a, 0, 1);
    await first.commit();
    const pending = head.appender();
    pending.append(0, labelsFromRecord({ __name__: 'new' }), 200_000, 1);
    const ref = pending.append(0, a, 200_000, 2);
    expect(head.truncateMemory(RANGE)).toEqual([]);
    await pending.commit();
    expect(await selectedTimes(head, 'a')).toEqual([200_000]);
    expect(await selectedTimes(head, 'new')).toEqual([200_000]);
    expect(head.getByRef(ref)).toBeDefined();
  });
});
