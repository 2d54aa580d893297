import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Histogram } from '../../../src/storage/interface.js';
import { Encbuf } from '../../../src/tsdb/encoding/encbuf.js';
import {
  encodeExemplars, encodeHistogramSamples, encodeMetadata, encodeMmapMarkers, encodeSamples, encodeSeries,
  encodeTombstones, type RefExemplar, type RefHistogramSample, type RefMetadata, type RefSeries, type RefTombstone,
} from '../../../src/tsdb/record/index.js';
import {
  WalWriter, checkpoint, deleteCheckpoints, lastCheckpoint, listCheckpoints, replayWal,
} from '../../../src/tsdb/wal/index.js';
import { STALE_BITS, bitsOf, f64FromBits, tempDir } from './helpers.js';

interface Replayed {
  series: RefSeries[];
  samples: [number, number, string][];
  stones: RefTombstone[];
  exemplars: RefExemplar[];
  metadata: RefMetadata[];
  histograms: RefHistogramSample[];
}

function replayAll(dir: string): Replayed & { checkpoint: number | undefined } {
  const out: Replayed = { series: [], samples: [], stones: [], exemplars: [], metadata: [], histograms: [] };
  const result = replayWal(dir, {
    series: (s) => out.series.push(...s),
    samples: (c) => {
      for (let i = 0; i < c.length; i++) out.samples.push([c.refs[i]!, c.ts[i]!, bitsOf(c.vs, i)]);
    },
    tombstones: (s) => out.stones.push(...s),
    exemplars: (e) => out.exemplars.push(...e),
    metadata: (m) => out.metadata.push(...m),
    histograms: (h) => out.histograms.push(...h),
  });
  return { ...out, checkpoint: result.checkpoint };
}

const histogram = (isFloat: boolean): Histogram => ({
  isFloat, counterResetHint: 'gauge', schema: 0, zeroThreshold: 0, zeroCount: 0, count: 2, sum: 3,
  positiveSpans: [{ offset: 0, length: 1 }], negativeSpans: [], positiveBuckets: [2], negativeBuckets: [],
});

/** Logs one batch of every record type for series `refs`, samples at times `ts`. */
function logBatch(w: WalWriter, refs: number[], ts: number[]): void {
  const recs: Uint8Array[] = [];
  const enc = (fn: (b: Encbuf) => void): void => {
    const b = new Encbuf();
    fn(b);
    recs.push(b.get());
  };
  enc((b) => encodeSeries(b, refs.map((ref) => ({ ref, labels: [{ name: '__name__', value: `m${ref}` }] }))));
  enc((b) => encodeMetadata(b, refs.map((ref) => ({ ref, meta: { type: 'counter', unit: '', help: `at ${ts[0]}` } }))));
  for (const t of ts) {
    const vs = new Float64Array(refs.length).fill(t / 1000);
    vs.set(f64FromBits(STALE_BITS), 0);
    enc((b) => encodeSamples(b, Float64Array.from(refs), new Float64Array(refs.length).fill(t), vs));
  }
  enc((b) => encodeTombstones(b, refs.map((ref) => ({ ref, mint: ts[0]!, maxt: ts[ts.length - 1]! }))));
  enc((b) => encodeExemplars(b, refs.map((ref) => ({ ref, t: ts[0]!, value: 1, labels: [{ name: 'id', value: String(ref) }] }))));
  enc((b) => encodeHistogramSamples(b, refs.map((ref) => ({ ref, t: ts[0]!, h: histogram(false) })), false));
  enc((b) => encodeHistogramSamples(b, refs.map((ref) => ({ ref, t: ts[0]!, h: histogram(true) })), true));
  enc((b) => encodeMmapMarkers(b, [{ ref: refs[0]!, chunkRef: 1 }]));
  recs.push(Uint8Array.from([200, 1, 2])); // a record type from the future
  w.log(recs);
}

describe('checkpoints', () => {
  it('keeps wanted series and recent data, drops the rest, and replays before later segments', async () => {
    const dir = tempDir();
    const w = WalWriter.open(dir);
    logBatch(w, [1, 2, 3], [1000, 2000, 3000]); // segment 0
    w.nextSegment();
    logBatch(w, [4, 5], [4000, 5000]); // segment 1
    w.nextSegment();
    logBatch(w, [6], [6000]); // segment 2: not checkpointed
    const stats = await checkpoint(dir, 0, 1, (ref) => ref !== 2 && ref !== 5, 2500);
    expect(stats).toEqual({
      totalSeries: 5, droppedSeries: 2,
      totalSamples: 3 * 3 + 2 * 2 + 5 + 5, droppedSamples: 3 * 2 + 3 + 3, // floats, then integer and float histograms
      totalTombstones: 5, droppedTombstones: 0,
      totalExemplars: 5, droppedExemplars: 3,
      totalMetadata: 5, droppedMetadata: 2,
    });
    expect(listCheckpoints(dir).map((c) => c.index)).toEqual([1]);
    expect(readdirSync(dir).sort()).toEqual(['00000000', '00000001', '00000002', 'checkpoint.00000001']);

    w.truncate(2);
    deleteCheckpoints(dir, 1);
    await w.close();
    const r = replayAll(dir);
    expect(r.checkpoint).toBe(1);
    expect(r.series.map((s) => s.ref)).toEqual([1, 3, 4, 6]);
    // Samples at t >= 2500 of every series (refs are not filtered, as in Prometheus), stale bits intact.
    expect(r.samples.map(([ref, t]) => `${ref}@${t}`)).toEqual(['1@3000', '2@3000', '3@3000', '4@4000', '5@4000', '4@5000', '5@5000', '6@6000']);
    expect(r.samples.filter(([, , bits]) => bits === STALE_BITS).map(([ref]) => ref)).toEqual([1, 4, 4, 6]);
    expect(r.stones.map((s) => s.ref)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.exemplars.map((e) => e.ref)).toEqual([4, 5, 6]);
    expect(r.histograms.map((h) => `${h.ref}${h.h.isFloat ? 'f' : 'i'}`)).toEqual(['4i', '5i', '4f', '5f', '6i', '6f']);
    // Latest metadata of kept series, by ref, after everything else; then segment 2's own.
    expect(r.metadata.map((m) => `${m.ref}:${m.meta.help}`)).toEqual(['1:at 1000', '3:at 1000', '4:at 4000', '6:at 6000']);
  });

  it('builds on the previous checkpoint and refuses a gap after it', async () => {
    const dir = tempDir();
    const w = WalWriter.open(dir, { compress: false });
    logBatch(w, [1], [1000]);
    w.nextSegment();
    logBatch(w, [2], [2000]);
    w.nextSegment();
    logBatch(w, [3], [3000]);
    w.nextSegment();
    await checkpoint(dir, 0, 0, () => true, 0);
    w.truncate(1);
    await checkpoint(dir, 1, 1, (ref) => ref !== 1, 1500);
    w.truncate(2);
    deleteCheckpoints(dir, 1);
    expect(lastCheckpoint(dir)).toEqual({ dir: join(dir, 'checkpoint.00000001'), index: 1 });
    await expect(checkpoint(dir, 3, 3, () => true, 0)).rejects.toThrow(/unexpected gap to last checkpoint/);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    await w.close();
    const r = replayAll(dir);
    expect(r.series.map((s) => s.ref)).toEqual([2, 3]);
    expect(r.samples.map(([ref, t]) => `${ref}@${t}`)).toEqual(['2@2000', '3@3000']);
  });

  it('ignores leftover .tmp directories and names that are not checkpoints, and rejects checkpoint files', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'checkpoint.00000007.tmp'));
    mkdirSync(join(dir, 'checkpoint.x'));
    expect(lastCheckpoint(dir)).toBeUndefined();
    writeFileSync(join(dir, 'checkpoint.00000002'), '');
    expect(() => listCheckpoints(dir)).toThrow(/not a directory/);
  });

  it('replaces a leftover temporary checkpoint and leaves nothing behind on failure', async () => {
    const dir = tempDir();
    const w = WalWriter.open(dir);
    logBatch(w, [1], [1000]);
    w.nextSegment();
    mkdirSync(join(dir, 'checkpoint.00000000.tmp'));
    writeFileSync(join(dir, 'checkpoint.00000000.tmp', 'junk'), 'x');
    await checkpoint(dir, 0, 0, () => true, 0);
    expect(readdirSync(join(dir, 'checkpoint.00000000'))).toEqual(['00000000']);

    writeFileSync(join(dir, '00000001'), Uint8Array.from([1, 0, 1, 0, 0, 0, 0, 9])); // CRC mismatch
    await expect(checkpoint(dir, 1, 1, () => true, 0)).rejects.toThrow(/checksum/);
    expect(readdirSync(dir).filter((n) => n.startsWith('checkpoint.'))).toEqual(['checkpoint.00000000']);
    await w.close();
  });
});
