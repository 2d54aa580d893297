import { replayWal, WalCorruptionError } from '../wal/index.js';
import type { AgentSeriesMap } from './series.js';

export interface AgentReplayStats {
  records: number;
  series: number;
  /** Float and histogram samples read. */
  samples: number;
  /** Samples naming a series ref no Series record defined (Prometheus warns about them). */
  unknownRefs: number;
  /** Where reading stopped; everything before it was applied. */
  corruption?: WalCorruptionError;
}

/**
 * Rebuilds the agent's series map from its WAL (newest checkpoint, then segments), as 2.42's
 * agent loadWAL does: a Series record creates the series with newest time 0, samples and
 * histograms move that time forward, everything else is skipped. A label set seen again under
 * another ref maps onto the first series. Stops at the first corruption and reports it.
 */
export function replayAgentWal(walDir: string, series: AgentSeriesMap): AgentReplayStats {
  const stats: AgentReplayStats = { records: 0, series: 0, samples: 0, unknownRefs: 0 };
  // WAL ref -> live ref, for refs that differ (a label set logged twice).
  const remap = new Map<number, number>();
  const advance = (walRef: number, t: number): void => {
    const s = series.getByRef(remap.get(walRef) ?? walRef);
    if (s === undefined) {
      stats.unknownRefs++;
      return;
    }
    if (t > s.lastTs) s.lastTs = t;
  };
  try {
    stats.records = replayWal(walDir, {
      series(records) {
        for (const { ref, labels } of records) {
          if (series.getByRef(ref) !== undefined) continue;
          const existing = series.getByLabels(labels);
          if (existing !== undefined) {
            remap.set(ref, existing.ref);
            continue;
          }
          const s = series.create(labels, ref);
          s.lastTs = 0;
          s.logged = true;
          stats.series++;
        }
      },
      samples(cols) {
        const { refs, ts, length } = cols;
        for (let i = 0; i < length; i++) advance(refs[i]!, ts[i]!);
        stats.samples += length;
      },
      histograms(hs) {
        for (const { ref, t } of hs) advance(ref, t);
        stats.samples += hs.length;
      },
    }).records;
  } catch (err) {
    if (!(err instanceof WalCorruptionError)) throw err;
    stats.corruption = err;
  }
  return stats;
}
