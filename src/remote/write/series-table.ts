// The series a queue knows from the WAL's series records, as it sends them: the external labels
// merged in (the series' own labels win, Go's processExternalLabels), then write_relabel_configs
// applied; a series relabeled away is kept as null, so its items are counted as dropped. Series
// a checkpoint dropped are forgotten (Go's Watcher garbage collection) once nothing queued can
// name them.

import { compareStrings, type Label, type Labels } from '../../model/labels.js';
import { process as relabel } from '../../relabel/process.js';
import type { RelabelConfig } from '../../relabel/config.js';
import { RecordType, decodeSeries, recordType, type RefMetadata, type RefSeries } from '../../tsdb/record/index.js';
import type { CheckpointRef } from '../../tsdb/wal/checkpoint.js';
import { WalReader } from '../../tsdb/wal/reader.js';
import { listSegments } from '../../tsdb/wal/segment.js';
import type { OutgoingSeries } from './batch.js';

export class SeriesTable {
  private readonly outgoing = new Map<number, OutgoingSeries | null>();
  /** The WAL segment each series record was read from. */
  private readonly definedIn = new Map<number, number>();

  constructor(
    private readonly externalLabels: Labels,
    private readonly relabelConfigs: readonly RelabelConfig[],
  ) {}

  get size(): number {
    return this.outgoing.size;
  }

  /** The series to send for a ref: null when relabeled away, undefined when unknown. */
  get(ref: number): OutgoingSeries | null | undefined {
    return this.outgoing.get(ref);
  }

  add(series: readonly RefSeries[], segment: number): void {
    for (const s of series) {
      this.definedIn.set(s.ref, segment);
      const out = relabel(withExternalLabels(s.labels, this.externalLabels), this.relabelConfigs);
      const prev = this.outgoing.get(s.ref);
      this.outgoing.set(s.ref, out === null || out.length === 0 ? null : { labels: sortedLabels(out), metadata: prev?.metadata });
    }
  }

  setMetadata(metadata: readonly RefMetadata[]): void {
    for (const m of metadata) {
      const s = this.outgoing.get(m.ref);
      if (s) s.metadata = m.meta;
    }
  }

  /**
   * Forgets the series defined in a segment the checkpoint covers and not among its series.
   * Returns how many; throws when the checkpoint cannot be read (a newer one replaced it).
   */
  collect(cp: CheckpointRef): number {
    const kept = new Set<number>();
    const reader = new WalReader(listSegments(cp.dir));
    try {
      while (reader.next()) {
        const rec = reader.record();
        if (recordType(rec) === RecordType.Series) for (const s of decodeSeries(rec)) kept.add(s.ref);
      }
    } finally {
      reader.close();
    }
    let removed = 0;
    for (const [ref, segment] of this.definedIn) {
      if (segment > cp.index || kept.has(ref)) continue;
      this.definedIn.delete(ref);
      this.outgoing.delete(ref);
      removed++;
    }
    return removed;
  }
}

/** The series' labels with the external labels it does not have (Go's processExternalLabels). */
export function withExternalLabels(labels: Labels, external: Labels): Labels {
  if (external.length === 0) return labels;
  const out: Label[] = [...labels];
  for (const e of external) if (!labels.some((l) => l.name === e.name)) out.push(e);
  return sortedLabels(out);
}

function sortedLabels(ls: Labels): Labels {
  for (let i = 1; i < ls.length; i++) {
    if (compareStrings(ls[i - 1]!.name, ls[i]!.name) > 0) return [...ls].sort((a, b) => compareStrings(a.name, b.name));
  }
  return ls;
}
