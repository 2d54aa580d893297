import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { formatGoFloat } from '../../../src/format/index.js';
import { RecordType, decodeSamples, recordType, SampleColumns } from '../../../src/tsdb/record/index.js';
import { SNAPPY_FLAG, WalWriter, replayWal } from '../../../src/tsdb/wal/index.js';
import {
  GO_NAN_BITS, STALE_BITS, SeriesSamples, bitsOf, dumpLines, firstDifference, parseDump, readRecords, sameRecords, scanFragments, tempDir,
} from './helpers.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/wal');
const FRAGMENT_NAMES = ['term', 'full', 'first', 'middle', 'last'];

interface WalStats {
  segments: { bytes: number; pages: number; fragments: Record<string, number>; records: number }[];
  recordTypes: { series: number; samples: number };
  compressedRecords: number;
  seriesRefs: number;
  samples: number;
  staleMarkers: number;
  otherNaN: number;
  minTimestamp: string;
  maxTimestamp: string;
}

describe.each(['wal-snappy', 'wal-plain'])('Prometheus 2.42 WAL %s', (name) => {
  const dir = join(FIXTURES, name);
  const stats = JSON.parse(readFileSync(join(dir, 'wal-stats.json'), 'utf8')) as WalStats;
  const segment = readFileSync(join(dir, '00000000'));

  it('replays to exactly the samples promtool dumps', () => {
    const series = new Map<number, SeriesSamples>();
    const nanKinds = new Map<string, number>();
    let samples = 0;
    let minT = Infinity;
    let maxT = -Infinity;
    let seriesRecords = 0;
    let samplesRecords = 0;
    const result = replayWal(dir, {
      series(batch) {
        seriesRecords++;
        for (const s of batch) {
          expect(series.has(s.ref)).toBe(false);
          series.set(s.ref, new SeriesSamples(s.labels));
        }
      },
      samples(cols) {
        samplesRecords++;
        samples += cols.length;
        for (let i = 0; i < cols.length; i++) {
          const s = series.get(cols.refs[i]!);
          expect(s, `ref ${cols.refs[i]} defined before use`).toBeDefined();
          s!.push(cols.ts[i]!, cols.vs, i);
          minT = Math.min(minT, cols.ts[i]!);
          maxT = Math.max(maxT, cols.ts[i]!);
          if (Number.isNaN(cols.vs[i]!)) {
            const bits = bitsOf(cols.vs, i);
            nanKinds.set(bits, (nanKinds.get(bits) ?? 0) + 1);
          }
        }
      },
    });

    expect(result).toEqual({ checkpoint: undefined, firstSegment: 0, lastSegment: 0, records: stats.segments[0]!.records, unknownRecords: 0 });
    expect(seriesRecords).toBe(stats.recordTypes.series);
    expect(samplesRecords).toBe(stats.recordTypes.samples);
    expect(series.size).toBe(stats.seriesRefs);
    expect(samples).toBe(stats.samples);
    expect(String(minT)).toBe(stats.minTimestamp);
    expect(String(maxT)).toBe(stats.maxTimestamp);
    expect(Object.fromEntries(nanKinds)).toEqual({ [STALE_BITS]: stats.staleMarkers, [GO_NAN_BITS]: stats.otherNaN });

    const expected = gunzipSync(readFileSync(join(dir, 'expected-dump.txt.gz'))).toString('utf8');
    const want = parseDump(expected);
    const got = dumpLines(series.values());
    expect(got.length).toBe(want.length);
    const at = firstDifference(got, want);
    expect(at, `first difference at dump line ${at + 1}`).toBe(-1);
    // And printed the way promtool prints (Go's %g and strconv.Quote): the dump byte for byte.
    const text = got.map((l) => `${l.labels} ${formatGoFloat(l.value)} ${l.t}\n`).join('');
    expect(text === expected).toBe(true);
  });

  it('has the page and fragment layout wal-stats.json describes', () => {
    const seg = stats.segments[0]!;
    expect(segment.length).toBe(seg.bytes);
    expect(segment.length / 32768).toBe(seg.pages);
    const counts: Record<string, number> = {};
    for (const f of scanFragments(segment)) {
      const key = FRAGMENT_NAMES[f.header & 7]! + (f.header & SNAPPY_FLAG ? '+snappy' : '');
      counts[key] = (counts[key] ?? 0) + 1;
    }
    expect(counts).toEqual(seg.fragments);
  });

  it('rewrites its records into the same page layout with our writer', async () => {
    const records = readRecords(dir);
    expect(records.length).toBe(stats.segments[0]!.records);
    const out = tempDir();
    const w = WalWriter.open(out, { compress: name === 'wal-snappy' });
    for (const r of records) w.log([r]);
    await w.close();
    const ours = readFileSync(join(out, '00000000'));
    expect(sameRecords(readRecords(out), records)).toBe(true);
    if (name === 'wal-plain') {
      // Without compression the layout depends only on the records: byte for byte Prometheus's segment.
      expect(Buffer.compare(ours, segment)).toBe(0);
    } else {
      // Our snappy encoder may pick other matches than Go's, but every record is still compressed.
      const flags = scanFragments(ours).map((f) => f.header & SNAPPY_FLAG);
      expect(flags.every((f) => f === SNAPPY_FLAG)).toBe(true);
    }
  });

  it('decodes every samples record into reused columns without losing NaN bits', () => {
    const cols = new SampleColumns(1);
    let stale = 0;
    for (const r of readRecords(dir)) {
      if (recordType(r) !== RecordType.Samples) continue;
      decodeSamples(r, cols);
      for (let i = 0; i < cols.length; i++) if (bitsOf(cols.vs, i) === STALE_BITS) stale++;
    }
    expect(stale).toBe(stats.staleMarkers);
  });
});
