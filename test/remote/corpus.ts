// Seed bodies for fuzzing: real captured requests and small ones that carry every message kind.

import snappy from 'snappy';
import { doubleOfBits, fixtureBody, fixtureExpected } from './fixtures.js';
import { WriteRequestV1 } from './proto-schema.js';
import { encodeV2, v2FromFixture } from './v2-requests.js';

const histograms = [
  {
    countInt: 12, sum: 34.5, schema: 3, zeroThreshold: 1e-128, zeroCountInt: 2, resetHint: 2, timestamp: 1000,
    negativeSpans: [{ offset: -2, length: 1 }], negativeDeltas: [3],
    positiveSpans: [{ offset: 0, length: 2 }, { offset: 3, length: 2 }], positiveDeltas: [1, 2, -1, -2],
  },
  {
    countFloat: 7.5, sum: -1, schema: -4, zeroThreshold: 0.001, zeroCountFloat: 0.5, resetHint: 3, timestamp: 2000,
    positiveSpans: [{ offset: 1, length: 3 }], positiveCounts: [1, 2.5, 3.5], customValues: [1, 2],
  },
];

function smallV1(): Uint8Array {
  const expected = fixtureExpected('022');
  const timeseries = expected.timeseries.slice(0, 6).map((ts, i) => ({
    labels: Object.entries(ts.labels).map(([name, value]) => ({ name, value })),
    samples: ts.samples.map((s) => ({ value: doubleOfBits(s.bits)[0]!, timestamp: s.timestamp })),
    exemplars: i === 1 ? [{ labels: [{ name: 'trace_id', value: 'abc' }], value: 2, timestamp: '-5' }] : [],
    histograms: i === 2 ? histograms : [],
  }));
  const metadata = (fixtureExpected('004').metadata ?? []).slice(0, 3).map((m) => ({
    type: m.typeNumber, metricFamilyName: m.metric_family_name, help: m.help, unit: m.unit,
  }));
  return WriteRequestV1.encode(WriteRequestV1.fromObject({ timeseries, metadata })).finish();
}

function smallV2(): Uint8Array {
  return encodeV2([
    {
      labels: { __name__: 'http_requests_total', code: '200', job: 'api' },
      samples: [{ value: 5, timestamp: 2000, startTimestamp: 1000 }, { value: 6, timestamp: 3000 }],
      exemplars: [{ labels: { trace_id: 'abc' }, value: 1.5, timestamp: 2500 }],
      metadata: { type: 1, help: 'Requests.', unit: 'requests' },
      createdTimestamp: 999,
    },
    { labels: { __name__: 'latency', job: 'api' }, histograms, metadata: { type: 3, help: 'Latency.' } },
    { labels: { __name__: 'up', job: 'api' }, samples: [{ value: Number.NaN, timestamp: -1 }] },
  ]);
}

export interface Seed {
  readonly name: string;
  readonly version: 1 | 2;
  readonly body: Uint8Array;
}

/** Plain Uint8Array copies: protobufjs hands out Buffers, whose slice() is a view, not a copy. */
export function fuzzSeeds(): Seed[] {
  const raw = (name: string) => new Uint8Array(snappy.uncompressSync(fixtureBody(name), { asBuffer: true }) as Buffer);
  const partial = fixtureExpected('000');
  const seeds: Seed[] = [
    { name: '000', version: 1, body: raw('000') },
    { name: '004 (metadata)', version: 1, body: raw('004') },
    { name: '022 (stale markers)', version: 1, body: raw('022') },
    { name: 'small 1.0', version: 1, body: smallV1() },
    { name: '000 as 2.0 (20 series)', version: 2, body: v2FromFixture({ ...partial, timeseries: partial.timeseries.slice(0, 20) }, fixtureExpected('004').metadata) },
    { name: 'small 2.0', version: 2, body: smallV2() },
  ];
  return seeds.map((s) => ({ ...s, body: new Uint8Array(s.body) }));
}
