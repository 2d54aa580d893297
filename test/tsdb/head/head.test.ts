import { describe, expect, it } from 'vitest';
import { labelsFromRecord } from '../../../src/model/labels.js';
import { codeOf } from '../../helpers/storage-error.js';
import { Head } from '../../../src/tsdb/head/head.js';
import { hashLabels } from '../../../src/tsdb/series-hash-index.js';
import { computeChunkEndTime, rangeForTimestamp } from '../../../src/tsdb/head/series.js';
import type { Transaction } from '../../../src/tsdb/head/transaction.js';
import { FakeChunkStore } from './fake-store.js';

const HOUR = 3_600_000;
const STALE = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;

function newHead(chunkRange = 2 * HOUR, logged: Transaction[] = []) {
  const store = new FakeChunkStore();
  const head = new Head({
    chunkRange,
    store,
    log: { log: (tx) => logged.push(structuredClone({ ...tx, series: tx.series.map((s) => s.ref) }) as never) },
  });
  return { head, store, logged };
}

describe('chunk cutting (Prometheus 2.42 appendPreprocessor)', () => {
  it('reproduces the worked example: 4h range, 15s spacing gives 122-sample chunks', async () => {
    const { head, store } = newHead(4 * HOUR);
    const t0 = 1_600_000_000_000;
    const app = head.appender();
    const ts = new Float64Array(400);
    const vs = new Float64Array(400);
    for (let i = 0; i < 400; i++) {
      ts[i] = t0 + i * 15_000;
      vs[i] = i;
    }
    app.appendSamples(0, labelsFromRecord({ __name__: 'x' }), ts, vs, 0, 400);
    await app.commit();
    const sizes = [...store.chunks.values()].map((c) => c.ts.length).filter((n) => n > 0);
    expect(sizes.slice(0, 2)).toEqual([122, 122]);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(400);
  });

  it('computes nextAt with truncating integer division', () => {
    expect(rangeForTimestamp(1_600_000_000_000, 4 * HOUR)).toBe(1_600_012_800_000);
    expect(computeChunkEndTime(1_600_000_000_000, 1_600_000_435_000, 1_600_012_800_000)).toBe(1_600_001_828_571);
    expect(rangeForTimestamp(-1, 10)).toBe(10); // Go truncates toward zero
  });

  it('never lets a chunk cross a range boundary and never exceeds 240 samples', async () => {
    const { head, store } = newHead(HOUR);
    const app = head.appender();
    const n = 5000;
    const ts = new Float64Array(n);
    const vs = new Float64Array(n);
    for (let i = 0; i < n; i++) ts[i] = 10 * HOUR + i * (i < 2000 ? 30_000 : 100);
    app.appendSamples(0, labelsFromRecord({ __name__: 'y' }), ts, vs, 0, n);
    await app.commit();
    for (const c of store.chunks.values()) {
      if (c.ts.length === 0) continue;
      expect(c.ts.length).toBeLessThanOrEqual(240);
      expect(Math.floor(c.ts[0]! / HOUR)).toBe(Math.floor(c.ts.at(-1)! / HOUR));
    }
  });
});

describe('appender semantics', () => {
  it('rejects out-of-order and duplicate samples, ignores identical ones, keeps NaN bits', async () => {
    const { head, store } = newHead();
    const lbls = labelsFromRecord({ __name__: 'm', job: 'j' });
    let app = head.appender();
    app.append(0, lbls, 1000, 1);
    app.append(0, lbls, 2000, STALE);
    await app.commit();

    app = head.appender();
    expect(codeOf(() => app.append(0, lbls, 1500, 5))).toBe('OUT_OF_ORDER_SAMPLE');
    expect(codeOf(() => app.append(0, lbls, 2000, 7))).toBe('DUPLICATE_SAMPLE_FOR_TIMESTAMP');
    expect(codeOf(() => app.append(0, lbls, 2000, NaN))).toBe('DUPLICATE_SAMPLE_FOR_TIMESTAMP'); // other NaN payload
    expect(codeOf(() => app.append(0, lbls, 2000, STALE))).toBeUndefined();
    await app.commit();

    const [chunk] = [...store.chunks.values()].filter((c) => c.ts.length > 0);
    expect(chunk!.ts).toEqual([1000, 2000]);
    expect(chunk!.bits[1]).toEqual([2, 0x7ff00000]);
    expect(head.stats.samplesAppended).toBe(2);
  });

  it('drops a sample not newer than an earlier one of the same transaction at commit', async () => {
    const { head } = newHead();
    const lbls = labelsFromRecord({ __name__: 'm' });
    const app = head.appender();
    app.append(0, lbls, 2000, 1);
    app.append(0, lbls, 1000, 1);
    await app.commit();
    expect(head.stats.samplesAppended).toBe(1);
    expect(head.stats.outOfOrderSamples).toBe(1);
  });

  it('bounds appends to half a chunk range behind the head max time', async () => {
    const { head } = newHead(2 * HOUR);
    const lbls = labelsFromRecord({ __name__: 'm' });
    let app = head.appender();
    app.append(0, lbls, 10 * HOUR, 1);
    await app.commit();
    app = head.appender();
    const other = labelsFromRecord({ __name__: 'other' });
    expect(codeOf(() => app.append(0, other, 9 * HOUR - 1, 1))).toBe('OUT_OF_BOUNDS');
    expect(codeOf(() => app.append(0, other, 9 * HOUR, 1))).toBeUndefined();
  });

  it('validates labels of new series and logs created series even on rollback', async () => {
    const logged: Transaction[] = [];
    const { head } = newHead(2 * HOUR, logged);
    const app = head.appender();
    expect(codeOf(() => app.append(0, [{ name: 'a', value: '1' }, { name: 'a', value: '2' }], 1, 1))).toBe(
      'INVALID_LABELS',
    );
    expect(codeOf(() => app.append(0, [{ name: 'a', value: '' }], 1, 1))).toBe('INVALID_LABELS');
    // A ref the head does not know, without labels: what a remote-write label set that released its labels meets.
    expect(codeOf(() => app.append(12_345, [], 1, 1))).toBe('INVALID_LABELS');
    const ref = app.append(0, [{ name: 'z', value: '1' }, { name: 'a', value: '' }, { name: '__name__', value: 'n' }], 1, 1);
    expect(head.getByRef(ref)!.labels).toEqual(labelsFromRecord({ __name__: 'n', z: '1' }));
    await app.rollback();
    expect(logged).toHaveLength(1);
    expect(logged[0]!.series).toEqual([ref]);
    expect(head.numSeries).toBe(1);
  });

  it('tells apart two label sets whose hashes collide', async () => {
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const name = `c${i}`;
      const h = hashLabels(labelsFromRecord({ __name__: name }));
      const other = seen.get(h);
      if (other !== undefined) pair = [other, name];
      seen.set(h, name);
    }
    const { head } = newHead();
    const app = head.appender();
    const a = app.append(0, labelsFromRecord({ __name__: pair[0] }), 1, 1);
    const b = app.append(0, labelsFromRecord({ __name__: pair[1] }), 1, 2);
    await app.commit();
    expect(a).not.toBe(b);
    expect(head.getByLabels(labelsFromRecord({ __name__: pair[1] }))!.ref).toBe(b);
    expect(head.getByLabels(labelsFromRecord({ __name__: pair[0] }))!.ref).toBe(a);
  });

  it('keeps refs stable for the life of a series', async () => {
    const { head } = newHead();
    const refs = new Map<string, number>();
    let app = head.appender();
    for (let i = 0; i < 2000; i++) refs.set(`s${i}`, app.append(0, labelsFromRecord({ __name__: `s${i}` }), 1, i));
    await app.commit();
    app = head.appender();
    for (let i = 0; i < 2000; i++) expect(app.append(0, labelsFromRecord({ __name__: `s${i}` }), 2, i)).toBe(refs.get(`s${i}`));
    await app.commit();
    expect(head.numSeries).toBe(2000);
    expect(head.postings.get('__name__', 's7')).toEqual(Uint32Array.of(refs.get('s7')!));
  });
});
