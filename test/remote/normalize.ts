// A plain, comparable form of a decoded remote-write request, built either from the hand
// decoder's DecodedWriteRequest or from protobufjs's decoding of the same bytes (the oracle).
// Labels go through an independent, naive implementation of the normalization rules.

import { compareStrings } from '../../src/model/labels.js';
import type { DecodedWriteRequest } from '../../src/remote/decoded-request.js';

export interface NormRequest {
  series: NormSeries[];
  metadata: string[];
  symbols: string[];
}

export interface NormSeries {
  /** JSON of the normalized [name, value] pairs, or 'INVALID'. */
  labels: string;
  samples: string[];
  histograms: string[];
  exemplars: string[];
  metadata: string;
  created: string;
}

const scratch = new DataView(new ArrayBuffer(8));

/** A double as text: 'NaN' for any NaN (protobufjs may not keep payloads), else its exact bits. */
export function valueKey(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  scratch.setFloat64(0, v, true);
  return scratch.getBigUint64(0, true).toString(16);
}

/** int64 fields as protobufjs returns them (Long objects, or numbers) as decimal text. */
const int64 = (x: unknown): string => String(x ?? 0);

/** Independent restatement of series-labels.ts: drop empty values, sort by name, refuse empty/duplicate names and empty sets. */
function naiveNormalize(pairs: [string, string][]): string {
  const kept = pairs.filter(([, v]) => v !== '');
  if (kept.length === 0 || kept.some(([n]) => n === '')) return 'INVALID';
  kept.sort((a, b) => compareStrings(a[0], b[0]));
  if (new Set(kept.map(([n]) => n)).size !== kept.length) return 'INVALID';
  return JSON.stringify(kept);
}

export function fromDecoded(req: DecodedWriteRequest): NormRequest {
  const series: NormSeries[] = [];
  for (let i = 0; i < req.seriesCount; i++) {
    const samples: string[] = [];
    for (let k = req.sampleStart[i]!; k < req.sampleStart[i + 1]!; k++) {
      samples.push(`${req.timestamps[k]}/${valueKey(req.values[k]!)}/${req.startTimestamps[k]}`);
    }
    const histograms: string[] = [];
    for (let k = req.histogramStart[i]!; k < req.histogramStart[i + 1]!; k++) {
      const h = req.histograms[k]!;
      histograms.push(histogramKey({ ...h }));
    }
    const exemplars: string[] = [];
    for (let k = req.exemplarStart[i]!; k < req.exemplarStart[i + 1]!; k++) {
      const e = req.exemplars[k]!;
      exemplars.push(`${JSON.stringify(e.labels.map((l) => [l.name, l.value]))}/${valueKey(e.value)}/${e.ts}`);
    }
    const error = req.seriesErrors[i];
    const m = req.version === 2 ? req.seriesMetadata[i] : null;
    // A 2.0 series with a reference outside the symbols table has no usable exemplars.
    const badRefs = req.version === 2 && error?.startsWith('parsing series ');
    series.push({
      labels: error ? 'INVALID' : JSON.stringify(req.seriesLabels[i]!.map((l) => [l.name, l.value])),
      samples,
      histograms,
      exemplars: badRefs ? [] : exemplars,
      metadata: m ? `${m.type}/${m.help}/${m.unit}` : '',
      created: req.version === 2 ? String(req.createdTimestamps[i]) : '0',
    });
  }
  return {
    series,
    metadata: req.metadata.map((m) => `${m.type}/${m.metricFamilyName}/${m.help}/${m.unit}`),
    symbols: req.version === 2 ? [...req.symbols] : [],
  };
}

const TYPES = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'];
const HINTS = ['unknown', 'reset', 'not_reset', 'gauge'];

interface PbHistogram {
  countInt?: unknown; countFloat?: number; sum: number; schema: number; zeroThreshold: number;
  zeroCountInt?: unknown; zeroCountFloat?: number; resetHint: number; timestamp: unknown; startTimestamp?: unknown;
  negativeSpans: { offset: number; length: number }[]; positiveSpans: { offset: number; length: number }[];
  negativeDeltas: unknown[]; positiveDeltas: unknown[]; negativeCounts: number[]; positiveCounts: number[]; customValues: number[];
}

/** True when a histogram has both members of a oneof on the wire; protobufjs then keeps both and cannot say which came last. */
export function ambiguousOneof(h: PbHistogram): boolean {
  const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
  return (has(h, 'countInt') && has(h, 'countFloat')) || (has(h, 'zeroCountInt') && has(h, 'zeroCountFloat'));
}

function pbHistogramKey(h: PbHistogram): string {
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(h, k);
  const isFloat = has('countFloat');
  const zeroCount = isFloat ? (has('zeroCountFloat') ? h.zeroCountFloat! : 0) : has('zeroCountInt') ? Number(int64(h.zeroCountInt)) : 0;
  return histogramKey({
    isFloat,
    counterResetHint: HINTS[h.resetHint] ?? 'unknown',
    schema: h.schema,
    zeroThreshold: h.zeroThreshold,
    zeroCount,
    count: isFloat ? h.countFloat! : has('countInt') ? Number(int64(h.countInt)) : 0,
    sum: h.sum,
    positiveSpans: h.positiveSpans.map((s) => ({ offset: s.offset, length: s.length })),
    negativeSpans: h.negativeSpans.map((s) => ({ offset: s.offset, length: s.length })),
    positiveBuckets: isFloat ? h.positiveCounts : h.positiveDeltas.map((d) => Number(int64(d))),
    negativeBuckets: isFloat ? h.negativeCounts : h.negativeDeltas.map((d) => Number(int64(d))),
    timestamp: Number(int64(h.timestamp)),
    startTimestamp: Number(int64(h.startTimestamp ?? 0)),
    customValues: h.customValues,
  });
}

function histogramKey(h: Record<string, unknown>): string {
  return JSON.stringify(h, (_k, v: unknown) => (typeof v === 'number' ? valueKey(v) : v));
}

type PbLabel = { name: string; value: string };

/** The normalized form of protobufjs's decoding of a 1.0 WriteRequest. */
export function fromProtobufV1(msg: Record<string, unknown>): NormRequest {
  const timeseries = msg.timeseries as {
    labels: PbLabel[]; samples: { value: number; timestamp: unknown }[];
    exemplars: { labels: PbLabel[]; value: number; timestamp: unknown }[]; histograms: PbHistogram[];
  }[];
  const series = timeseries.map((ts) => ({
    labels: naiveNormalize(ts.labels.map((l) => [l.name, l.value])),
    samples: ts.samples.map((s) => `${int64(s.timestamp)}/${valueKey(s.value)}/0`),
    histograms: ts.histograms.map(pbHistogramKey),
    exemplars: ts.exemplars.map(
      (e) =>
        `${JSON.stringify(e.labels.map((l) => [l.name, l.value]).sort((a, b) => compareStrings(a[0]!, b[0]!)))}/${valueKey(e.value)}/${int64(e.timestamp)}`,
    ),
    metadata: '',
    created: '0',
  }));
  const metadata = (msg.metadata as { type: number; metricFamilyName: string; help: string; unit: string }[]).map(
    (m) => `${TYPES[m.type] ?? 'unknown'}/${m.metricFamilyName}/${m.help}/${m.unit}`,
  );
  return { series, metadata, symbols: [] };
}

/** The normalized form of protobufjs's decoding of a 2.0 Request (symbols resolved here, independently). */
export function fromProtobufV2(msg: Record<string, unknown>): NormRequest {
  const symbols = msg.symbols as string[];
  const timeseries = msg.timeseries as {
    labelsRefs: number[]; samples: { value: number; timestamp: unknown; startTimestamp: unknown }[];
    histograms: PbHistogram[]; exemplars: { labelsRefs: number[]; value: number; timestamp: unknown }[];
    metadata?: { type: number; helpRef: number; unitRef: number } | null; createdTimestamp: unknown;
  }[];
  const refsOk = (refs: number[]): boolean => refs.length % 2 === 0 && refs.every((r) => r < symbols.length);
  const series = timeseries.map((ts) => {
    const m = ts.metadata;
    const valid =
      refsOk(ts.labelsRefs) && (!m || (m.helpRef < symbols.length && m.unitRef < symbols.length)) && ts.exemplars.every((e) => refsOk(e.labelsRefs));
    const pairs: [string, string][] = [];
    for (let k = 0; valid && k < ts.labelsRefs.length; k += 2) pairs.push([symbols[ts.labelsRefs[k]!]!, symbols[ts.labelsRefs[k + 1]!]!]);
    return {
      labels: valid ? naiveNormalize(pairs) : 'INVALID',
      samples: ts.samples.map((s) => `${int64(s.timestamp)}/${valueKey(s.value)}/${int64(s.startTimestamp)}`),
      histograms: ts.histograms.map(pbHistogramKey),
      exemplars: valid
        ? ts.exemplars.map((e) => {
            const ls: [string, string][] = [];
            for (let k = 0; k < e.labelsRefs.length; k += 2) ls.push([symbols[e.labelsRefs[k]!]!, symbols[e.labelsRefs[k + 1]!]!]);
            ls.sort((a, b) => compareStrings(a[0], b[0]));
            return `${JSON.stringify(ls)}/${valueKey(e.value)}/${int64(e.timestamp)}`;
          })
        : [],
      metadata: valid && m ? `${TYPES[m.type] ?? 'unknown'}/${symbols[m.helpRef]}/${symbols[m.unitRef]}` : '',
      created: int64(ts.createdTimestamp),
    };
  });
  return { series, metadata: [], symbols: [...symbols] };
}
