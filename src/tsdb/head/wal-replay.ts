import type { SampleColumns } from '../record/index.js';
import { replayWal, WalCorruptionError } from '../wal/index.js';
import type { Head } from './head.js';

/** What a replay found. */
export interface ReplayStats {
  records: number;
  series: number;
  samples: number;
  /** Samples whose series ref was never defined (Prometheus: "unknown series references"). */
  unknownRefs: number;
  /** Where reading stopped on corruption; everything before it was applied. */
  corruption?: WalCorruptionError;
}

/**
 * Replays a WAL directory (newest checkpoint, then segments) into the head, as
 * Prometheus's loadWAL does: series records define refs (a label set seen again under
 * another ref maps onto the first series), samples go through the head's in-order
 * rules, metadata is attached. Stops at the first corruption and reports it.
 */
export function replayIntoHead(head: Head, walDir: string): ReplayStats {
  const stats: ReplayStats = { records: 0, series: 0, samples: 0, unknownRefs: 0 };
  // WAL ref -> head ref, for refs that differ (duplicate series records after a crash).
  const remap = new Map<number, number>();
  let refs = new Uint32Array(1024);
  const headRef = (walRef: number): number => remap.get(walRef) ?? walRef;
  try {
    stats.records = replayWal(walDir, {
      series(series) {
        for (const { ref, labels } of series) {
          const s = head.getOrCreate(labels, ref).series;
          if (s.ref !== ref) remap.set(ref, s.ref);
        }
        stats.series += series.length;
      },
      samples(cols: SampleColumns) {
        const n = cols.length;
        if (refs.length < n) refs = new Uint32Array(cols.capacity);
        for (let i = 0; i < n; i++) {
          const ref = headRef(cols.refs[i]!);
          const known = head.getByRef(ref) !== undefined;
          if (!known) stats.unknownRefs++;
          refs[i] = known ? ref : 0;
        }
        stats.samples += head.applySamples(refs, cols.ts, cols.vs, n).appended;
      },
      metadata(entries) {
        for (const { ref, meta } of entries) {
          const s = head.getByRef(headRef(ref));
          if (s !== undefined) s.meta = meta;
        }
      },
    }).records;
  } catch (err) {
    if (!(err instanceof WalCorruptionError)) throw err;
    stats.corruption = err;
  }
  return stats;
}
