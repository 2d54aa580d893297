// Remote write 2.0 requests built with protobufjs (the schema in src/remote/proto), from the
// captured 1.0 fixtures or from plain descriptions.

import type { ExpectedRequest } from './fixtures.js';
import { doubleOfBits } from './fixtures.js';
import { RequestV2 } from './proto-schema.js';

/** Interns strings into a 2.0 symbols table; symbols[0] is "". */
export class SymbolTable {
  readonly symbols: string[] = [''];
  private readonly index = new Map<string, number>([['', 0]]);

  ref(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.symbols.length;
      this.symbols.push(s);
      this.index.set(s, i);
    }
    return i;
  }

  refs(labels: Record<string, string>): number[] {
    return Object.entries(labels).flatMap(([n, v]) => [this.ref(n), this.ref(v)]);
  }
}

export interface V2Series {
  labels: Record<string, string>;
  samples?: { value: number; timestamp: number | string; startTimestamp?: number | string }[];
  histograms?: Record<string, unknown>[];
  exemplars?: { labels: Record<string, string>; value: number; timestamp: number | string }[];
  metadata?: { type: number; help?: string; unit?: string };
  createdTimestamp?: number | string;
}

export function encodeV2(series: V2Series[]): Uint8Array {
  const table = new SymbolTable();
  const timeseries = series.map((s) => ({
    labelsRefs: table.refs(s.labels),
    samples: s.samples ?? [],
    histograms: s.histograms ?? [],
    exemplars: (s.exemplars ?? []).map((e) => ({ labelsRefs: table.refs(e.labels), value: e.value, timestamp: e.timestamp })),
    metadata: s.metadata && { type: s.metadata.type, helpRef: table.ref(s.metadata.help ?? ''), unitRef: table.ref(s.metadata.unit ?? '') },
    createdTimestamp: s.createdTimestamp ?? 0,
  }));
  return RequestV2.encode(RequestV2.fromObject({ symbols: table.symbols, timeseries })).finish();
}

const TYPE_NUMBERS: Record<string, number> = { COUNTER: 1, GAUGE: 2, HISTOGRAM: 3, GAUGEHISTOGRAM: 4, SUMMARY: 5, INFO: 6, STATESET: 7 };

/**
 * The 2.0 form of a captured 1.0 request: the same series and samples (values from their
 * exact bits), each with the metadata of its metric family when the capture has it.
 */
export function v2FromFixture(expected: ExpectedRequest, metadata: ExpectedRequest['metadata'] = []): Uint8Array {
  const byFamily = new Map((metadata ?? []).map((m) => [m.metric_family_name, m]));
  return encodeV2(
    expected.timeseries.map((ts) => {
      const name = ts.labels.__name__ ?? '';
      const m = byFamily.get(name) ?? byFamily.get(name.replace(/_(sum|count|bucket|total)$/, ''));
      return {
        labels: ts.labels,
        samples: ts.samples.map((s) => ({ value: doubleOfBits(s.bits)[0]!, timestamp: s.timestamp })),
        ...(m ? { metadata: { type: TYPE_NUMBERS[m.type] ?? 0, help: m.help, unit: m.unit } } : {}),
      };
    }),
  );
}
