import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SampleColumns } from '../record/index.js';
import { replayWal, WalCorruptionError } from '../wal/index.js';
import type { Head } from './head.js';

/** What a replay found. */
export interface ReplayStats {
  records: number;
  series: number;
  samples: number;
  /** Out-of-order samples brought back from the write-behind log. */
  outOfOrderSamples: number;
  /** Samples whose series ref was never defined (Prometheus: "unknown series references"). */
  unknownRefs: number;
  /** Where reading stopped on corruption; everything before it was applied. */
  corruption?: WalCorruptionError;
  /** The same for the write-behind log. */
  wblCorruption?: WalCorruptionError;
}

/**
 * Replays a data directory's WAL (newest checkpoint, then segments) into the head, as
 * Prometheus's loadWAL does: series records define refs (a label set seen again under
 * another ref maps onto the first series), samples go through the head's in-order rules
 * (out-of-order samples come back from the WBL instead), metadata is attached, tombstones
 * (delete_series) hide their intervals again. Then the
 * write-behind log (wbl/), when there is one, returns the samples taken out of order.
 * Each log stops at its first corruption, which is reported.
 */
export function replayIntoHead(head: Head, dataDir: string): ReplayStats {
  const stats: ReplayStats = { records: 0, series: 0, samples: 0, outOfOrderSamples: 0, unknownRefs: 0 };
  // WAL ref -> head ref, for refs that differ (duplicate series records after a crash).
  const remap = new Map<number, number>();
  let refs = new Uint32Array(1024);
  const headRefs = (cols: SampleColumns): Uint32Array => {
    const n = cols.length;
    if (refs.length < n) refs = new Uint32Array(cols.capacity);
    for (let i = 0; i < n; i++) {
      const ref = remap.get(cols.refs[i]!) ?? cols.refs[i]!;
      const known = head.getByRef(ref) !== undefined;
      if (!known) stats.unknownRefs++;
      refs[i] = known ? ref : 0;
    }
    return refs;
  };
  try {
    stats.records += replayWal(join(dataDir, 'wal'), {
      series(series) {
        for (const { ref, labels } of series) {
          const s = head.getOrCreate(labels, ref).series;
          if (s.ref !== ref) remap.set(ref, s.ref);
        }
        stats.series += series.length;
      },
      samples(cols) {
        stats.samples += head.applySamples(headRefs(cols), cols.ts, cols.vs, cols.length, false).appended;
      },
      metadata(entries) {
        for (const { ref, meta } of entries) {
          const s = head.getByRef(remap.get(ref) ?? ref);
          if (s !== undefined) s.meta = meta;
        }
      },
      tombstones(stones) {
        // As loadWAL: intervals wholly before the newest block are gone with the data they covered.
        for (const { ref, mint, maxt } of stones) {
          if (maxt < head.minValidTime) continue;
          const headRef = remap.get(ref) ?? ref;
          if (head.getByRef(headRef) === undefined) {
            stats.unknownRefs++;
            continue;
          }
          head.tombstones.add(headRef, { mint, maxt });
        }
      },
    }).records;
  } catch (err) {
    if (!(err instanceof WalCorruptionError)) throw err;
    stats.corruption = err;
  }
  const wblDir = join(dataDir, 'wbl');
  if (!existsSync(wblDir)) return stats;
  try {
    stats.records += replayWal(wblDir, {
      samples(cols) {
        stats.outOfOrderSamples += head.insertOutOfOrderSamples(headRefs(cols), cols.ts, cols.vs, cols.length);
      },
    }).records;
  } catch (err) {
    if (!(err instanceof WalCorruptionError)) throw err;
    stats.wblCorruption = err;
  }
  return stats;
}
