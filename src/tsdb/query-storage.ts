// The query API's view of a DB (QueryStorage in src/server/storage-seam.ts): label names and values read
// from the postings of the blocks and the head that overlap the range (Prometheus 2.42's querier
// LabelNames/LabelValues: no series is opened when no matcher is given; with matchers, the matching
// series' labels), the head's cardinality top lists (MemPostings.Stats), and the metadata the head keeps.

import { compareStrings, METRIC_NAME } from '../model/labels.js';
import type { Matcher } from '../model/matchers.js';
import type { CardinalityStat, HeadStatus, QueryStorage } from '../server/storage-seam.js';
import type { Metadata } from '../storage/interface.js';
import type { Block } from './block/block.js';
import type { SeriesData } from './block/source.js';
import type { Head } from './head/head.js';
import { HeadSource } from './head/source.js';
import { postingsForMatchers } from './index/postings-for-matchers.js';

/** Prometheus's MemPostings.Stats keeps the ten largest of each list. */
const TOP = 10;
const INT64_MIN = -9223372036854775808;
const INT64_MAX = 9223372036854775807;

/** What DBQueryStorage reads from a DB: its current blocks, its head and its merged selection. */
export interface QueryStorageSources {
  blocks(): readonly Block[];
  readonly head: Head;
  select(matchers: readonly Matcher[], mint: number, maxt: number): AsyncIterable<SeriesData>;
}

/** One index to read names and values from: a block's or the head's. */
interface LabelIndex {
  labelNames(): readonly string[];
  labelValues(name: string): readonly string[];
  /** Label names and values of the series selected by the matchers. */
  seriesLabels(matchers: readonly Matcher[]): Iterable<readonly { readonly name: string; readonly value: string }[]>;
}

export class DBQueryStorage implements QueryStorage {
  constructor(private readonly sources: QueryStorageSources) {}

  select(matchers: readonly Matcher[], mint: number, maxt: number): AsyncIterable<SeriesData> {
    return this.sources.select(matchers, mint, maxt);
  }

  async labelNames(mint: number, maxt: number, matchers?: readonly Matcher[]): Promise<string[]> {
    const names = new Set<string>();
    for (const ix of this.indexes(mint, maxt)) {
      if (matchers === undefined) for (const n of ix.labelNames()) names.add(n);
      else for (const ls of ix.seriesLabels(matchers)) for (const l of ls) names.add(l.name);
    }
    return [...names].sort(compareStrings);
  }

  async labelValues(name: string, mint: number, maxt: number, matchers?: readonly Matcher[]): Promise<string[]> {
    const values = new Set<string>();
    for (const ix of this.indexes(mint, maxt)) {
      if (matchers === undefined) for (const v of ix.labelValues(name)) values.add(v);
      else {
        for (const ls of ix.seriesLabels(matchers)) {
          const l = ls.find((x) => x.name === name);
          if (l !== undefined) values.add(l.value);
        }
      }
    }
    return [...values].sort(compareStrings);
  }

  headStatus(): HeadStatus {
    const head = this.sources.head;
    const postings = head.postings;
    const metrics: CardinalityStat[] = [];
    const labels: CardinalityStat[] = [];
    const bytes: CardinalityStat[] = [];
    const pairs: CardinalityStat[] = [];
    let numLabelPairs = 0;
    const utf8 = new TextEncoder();
    for (const name of postings.labelNames()) {
      const values = postings.labelValues(name);
      labels.push({ name, value: values.length });
      numLabelPairs += values.length;
      let size = 0;
      for (const value of values) {
        const count = postings.get(name, value).length;
        if (name === METRIC_NAME) metrics.push({ name: value, value: count });
        pairs.push({ name: `${name}=${value}`, value: count });
        size += utf8.encode(value).length;
      }
      bytes.push({ name, value: size });
    }
    return {
      numSeries: head.numSeries,
      numLabelPairs,
      chunkCount: head.numChunks(),
      minTime: head.minTime === Infinity ? INT64_MAX : head.minTime,
      maxTime: head.maxTime === -Infinity ? INT64_MIN : head.maxTime,
      seriesCountByMetricName: top(metrics),
      labelValueCountByLabelName: top(labels),
      memoryInBytesByLabelName: top(bytes),
      seriesCountByLabelValuePair: top(pairs),
    };
  }

  metadata(): ReadonlyMap<string, readonly Metadata[]> {
    const out = new Map<string, Metadata[]>();
    for (const s of this.sources.head.allSeries()) {
      const meta = s.meta;
      if (meta === undefined) continue;
      const name = s.labels.find((l) => l.name === METRIC_NAME)?.value ?? '';
      let list = out.get(name);
      if (list === undefined) out.set(name, (list = []));
      if (!list.some((m) => m.type === meta.type && m.help === meta.help && m.unit === meta.unit)) list.push(meta);
    }
    return out;
  }

  /** The blocks overlapping [mint, maxt], then the head if it does. */
  private *indexes(mint: number, maxt: number): Generator<LabelIndex> {
    for (const block of this.sources.blocks()) {
      if (!block.overlaps(mint, maxt)) continue;
      const index = block.index;
      yield {
        labelNames: () => index.labelNames(),
        labelValues: (name) => index.labelValues(name),
        *seriesLabels(matchers) {
          for (const id of index.select(matchers)) yield index.series(id).labels;
        },
      };
    }
    const head = this.sources.head;
    if (!new HeadSource(head).overlaps(mint, maxt)) return;
    yield {
      labelNames: () => head.postings.labelNames(),
      labelValues: (name) => head.postings.labelValues(name),
      *seriesLabels(matchers) {
        for (const ref of postingsForMatchers(head.postings, matchers)) {
          const s = head.getByRef(ref);
          if (s !== undefined) yield s.labels;
        }
      },
    };
  }
}

/** The `TOP` largest, largest first; ties by name so the answer is stable (Prometheus's heap leaves them unordered). */
function top(stats: CardinalityStat[]): CardinalityStat[] {
  return stats.sort((a, b) => b.value - a.value || compareStrings(a.name, b.name)).slice(0, TOP);
}
