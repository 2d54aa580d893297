import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Labels } from '../../../src/model/labels.js';
import type { Histogram } from '../../../src/storage/interface.js';
import { Encbuf } from '../../../src/tsdb/encoding/encbuf.js';
import {
  encodeExemplars, encodeHistogramSamples, encodeMetadata, encodeSamples, encodeSeries, encodeTombstones,
} from '../../../src/tsdb/record/index.js';
import { WalWriter, checkpoint, deleteCheckpoints } from '../../../src/tsdb/wal/index.js';
import { Prng } from '../../helpers/prng.js';
import { GO_NAN_BITS, STALE_BITS, SeriesSamples, dumpLines, f64FromBits, firstDifference, parseDump, tempDir } from './helpers.js';

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
if (!promtool) console.warn('promtool not on PATH: skipping the WAL compatibility tests against `promtool tsdb dump`');

const VALUES = [
  'Küche', 'Café ☕', '東京オフィス', 'salle d\'été "principale"', 'back\\slash', 'tab\there', 'new\nline',
  '🚀 launch bay 👩\u200d💻', 'nbsp\u00a0here', '\u0007bell', 'plain',
];

interface Generated {
  series: Map<number, SeriesSamples>;
  nans: number;
}

/** Writes series and samples records like a scraping head would; returns what promtool must print. */
function writeWal(w: WalWriter, r: Prng, opts: { t0: number; steps: number; refs: number[] }): Generated {
  const series = new Map<number, SeriesSamples>();
  const buf = new Encbuf();
  for (const ref of opts.refs) {
    const labels: Labels = [
      { name: '__name__', value: `wal_test_${ref % 7}` },
      { name: 'instance', value: r.pick(VALUES) },
      { name: 'ref', value: String(ref) },
    ];
    series.set(ref, new SeriesSamples(labels));
  }
  buf.reset();
  encodeSeries(buf, [...series.entries()].map(([ref, s]) => ({ ref, labels: s.labels })));
  const seriesRec = buf.get().slice();
  buf.reset();
  encodeMetadata(buf, opts.refs.map((ref) => ({ ref, meta: { type: 'gauge', unit: '', help: `help ${ref}` } })));
  w.log([seriesRec, buf.get()]);

  let nans = 0;
  const n = opts.refs.length;
  const refs = new Float64Array(n);
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  for (let step = 0; step < opts.steps; step++) {
    for (let i = 0; i < n; i++) {
      refs[i] = opts.refs[i]!;
      ts[i] = opts.t0 + step * 15_000 + r.int(0, 999);
      const kind = r.int(0, 20);
      if (kind === 0) vs.set(f64FromBits(STALE_BITS), i);
      else if (kind === 1) vs.set(f64FromBits(GO_NAN_BITS), i);
      else if (kind === 2) vs[i] = r.pick([Infinity, -Infinity, -0, 5e-324, 1.7976931348623157e308]);
      else vs[i] = (r.next() - 0.3) * 10 ** r.int(-12, 12);
      if (Number.isNaN(vs[i])) nans++;
      series.get(refs[i]!)!.push(ts[i]!, vs, i);
    }
    buf.reset();
    encodeSamples(buf, refs, ts, vs);
    w.log([buf.get()]);
  }
  return { series, nans };
}

function dump(dataDir: string): string {
  return execFileSync('promtool', ['tsdb', 'dump', dataDir], { encoding: 'utf8', maxBuffer: 256 << 20 });
}

describe.skipIf(!promtool)('promtool tsdb dump reads our WAL', () => {
  it.each([true, false])('series, metadata, samples with NaN kinds, ±Inf, unicode labels (compress=%s)', async (compress) => {
    const data = tempDir();
    const w = WalWriter.open(join(data, 'wal'), { compress });
    const r = new Prng(compress ? 7 : 8);
    const refs = [1, 2, 3, 5, 8, 13, 21, 34, 2 ** 39, 2 ** 40 - 1]; // Prometheus panics at refs of 2^40 and above (5-byte head chunk refs)
    const { series, nans } = writeWal(w, r, { t0: 1_700_000_000_000, steps: 300, refs });
    // Exemplars and histograms must replay too (promtool dump lists float samples only).
    const buf = new Encbuf();
    encodeExemplars(buf, [{ ref: 1, t: 1_700_000_000_500, value: 1.5, labels: [{ name: 'trace_id', value: 'abc' }] }]);
    const ex = buf.get().slice();
    buf.reset();
    encodeSeries(buf, [{ ref: 100, labels: [{ name: '__name__', value: 'native_h' }] }, { ref: 101, labels: [{ name: '__name__', value: 'native_fh' }] }]);
    const hs = buf.get().slice();
    buf.reset();
    const h: Histogram = {
      isFloat: false, counterResetHint: 'unknown', schema: 1, zeroThreshold: 1e-128, zeroCount: 1, count: 5, sum: 12.5,
      positiveSpans: [{ offset: 0, length: 2 }, { offset: 1, length: 1 }], negativeSpans: [], positiveBuckets: [1, 1, 0], negativeBuckets: [],
    };
    encodeHistogramSamples(buf, [{ ref: 100, t: 1_700_000_000_000, h }, { ref: 100, t: 1_700_000_015_000, h }], false);
    const hrec = buf.get().slice();
    buf.reset();
    encodeHistogramSamples(buf, [{ ref: 101, t: 1_700_000_000_000, h: { ...h, isFloat: true, positiveBuckets: [1, 2, 2] } }], true);
    w.log([ex, hs, hrec, buf.get()]);
    await w.close();

    const got = parseDump(dump(data));
    const want = dumpLines(series.values());
    expect(got.length).toBe(want.length);
    expect(firstDifference(got, want)).toBe(-1);
    expect(got.filter((l) => Number.isNaN(l.value)).length).toBe(nans);
  });

  it('applies our tombstones records', async () => {
    const data = tempDir();
    const w = WalWriter.open(join(data, 'wal'));
    const { series } = writeWal(w, new Prng(9), { t0: 1_700_000_000_000, steps: 100, refs: [1, 2, 3] });
    const buf = new Encbuf();
    const deleteFrom = 1_700_000_000_000 + 20 * 15_000;
    const deleteTo = 1_700_000_000_000 + 40 * 15_000;
    encodeTombstones(buf, [{ ref: 2, mint: deleteFrom, maxt: deleteTo }, { ref: 3, mint: -9223372036854775808, maxt: 9223372036854775807 }]);
    w.log([buf.get()]);
    await w.close();
    const got = parseDump(dump(data));
    const s2 = series.get(2)!;
    const kept2 = s2.ts.filter((t) => t < deleteFrom || t > deleteTo).length;
    expect(got.filter((l) => l.labels.includes('ref="2"')).length).toBe(kept2);
    expect(got.filter((l) => l.labels.includes('ref="3"')).length).toBe(0);
    expect(got.filter((l) => l.labels.includes('ref="1"')).length).toBe(100);
  });

  it('reads a checkpoint we wrote, then the segments after it', async () => {
    const data = tempDir();
    const walDir = join(data, 'wal');
    mkdirSync(walDir);
    const r = new Prng(10);
    const t0 = 1_700_000_000_000;
    const w = WalWriter.open(walDir);
    const a = writeWal(w, r, { t0, steps: 50, refs: [1, 2, 3, 4] });
    w.nextSegment();
    const b = writeWal(w, r, { t0: t0 + 50 * 15_000, steps: 50, refs: [10, 11] });
    w.nextSegment();
    // Segment 2 refers to series defined in segments 0 and 1: they must survive in the checkpoint.
    const buf = new Encbuf();
    const late = new SeriesSamples(a.series.get(1)!.labels);
    const vs = new Float64Array([42]);
    encodeSamples(buf, new Float64Array([1]), new Float64Array([t0 + 200 * 15_000]), vs);
    late.push(t0 + 200 * 15_000, vs, 0);
    w.log([buf.get()]);

    const mint = t0 + 30 * 15_000;
    const keep = (ref: number): boolean => ref !== 4; // series 4 "was garbage-collected"
    const stats = await checkpoint(walDir, 0, 1, keep, mint);
    w.truncate(2);
    deleteCheckpoints(walDir, 1);
    await w.close();
    expect(stats.totalSeries).toBe(6);
    expect(stats.droppedSeries).toBe(1);

    const expected = new Map<string, SeriesSamples>();
    for (const [ref, s] of [...a.series, ...b.series]) {
      if (ref === 4) continue;
      const kept = new SeriesSamples(s.labels);
      s.ts.forEach((t, i) => {
        if (t >= mint) kept.push(t, s.vs, i);
      });
      if (ref === 1) kept.push(late.ts[0]!, late.vs, 0);
      expected.set(String(ref), kept);
    }
    const got = parseDump(dump(data));
    const want = dumpLines(expected.values());
    expect(got.length).toBe(want.length);
    expect(firstDifference(got, want)).toBe(-1);
  });
});
