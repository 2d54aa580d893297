// The real scrape bodies of a node-exporter 1.5.0 and a Prometheus 2.42.0 parse completely, and the
// protobuf snapshot re-encoded as text and as OpenMetrics gives the same samples in both formats.

import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { OPENMETRICS, bitsOf, fixtureBody, fixtureContentType, parseAll, seriesOf, type ParsedEntry, type SeriesEntry } from './helpers.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGoFloat } from '../../src/textparse/index.js';

const TARGETS = [
  { name: 'node-exporter', samples: 507 },
  { name: 'prometheus', samples: 409 },
] as const;

/** An independent reading of a text-format line: name, labels, value (no escapes occur in these bodies). */
function naiveSample(line: string): { name: string; labels: Record<string, string>; value: number } {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
  if (!m) throw new Error(`unexpected line ${line}`);
  const labels: Record<string, string> = {};
  for (const pair of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)) labels[pair[1]!] = pair[2]!;
  const v = m[3]!;
  return { name: m[1]!, labels, value: v === 'NaN' ? NaN : v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v) };
}

function labelRecord(s: SeriesEntry): Record<string, string> {
  return Object.fromEntries(s.labels.filter((l) => l.name !== '__name__').map((l) => [l.name, l.value]));
}

function name(s: SeriesEntry): string {
  return s.labels.find((l) => l.name === '__name__')!.value;
}

describe.each(TARGETS)('$name scrape bodies', ({ name: target, samples }) => {
  const text = fixtureBody(`${target}/text.txt.gz`);
  const textCt = fixtureContentType(`${target}/text.json`);

  it(`parses text.txt completely: ${samples} samples, values as an independent reading gives them`, () => {
    const series = seriesOf(parseAll(text, textCt));
    expect(series).toHaveLength(samples);
    const lines = text.toString('utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(lines).toHaveLength(samples);
    series.forEach((s, i) => {
      const want = naiveSample(lines[i]!);
      expect(name(s)).toBe(want.name);
      expect(labelRecord(s)).toEqual(want.labels);
      expect(s.key).toBe(lines[i]!.slice(0, lines[i]!.lastIndexOf(' ')));
      if (Number.isNaN(want.value)) expect(s.bits).toBe('7ff8000000000001');
      else expect(s.bits).toBe(bitsOf(want.value));
    });
  });

  it('parses the gzip body as sent, with the same series as text.txt', () => {
    const gz = gunzipSync(readFileSync(join(import.meta.dirname, '../fixtures/scrape', target, 'text-gzip.gz')));
    const a = seriesOf(parseAll(gz, fixtureContentType(`${target}/text-gzip.json`)));
    const b = seriesOf(parseAll(text, textCt));
    expect(a.map((s) => s.key)).toEqual(b.map((s) => s.key));
  });

  it('reads one HELP and one TYPE per family in the text body', () => {
    const entries = parseAll(text, textCt);
    const helps = entries.filter((e) => e.kind === 'help');
    const types = entries.filter((e) => e.kind === 'type');
    expect(helps.length).toBe(types.length);
    expect(new Set(types.map((t) => (t as { name: string }).name)).size).toBe(types.length);
  });

  it('gives the same samples for the protobuf snapshot as text and as OpenMetrics', () => {
    const asText = parseAll(fixtureBody(`${target}/protobuf-as-text.txt.gz`), textCt);
    const omCt = fixtureContentType(`${target}/protobuf-as-openmetrics.json`);
    expect(omCt.startsWith('application/openmetrics-text')).toBe(true);
    const asOm = parseAll(fixtureBody(`${target}/protobuf-as-openmetrics.txt.gz`), omCt);
    const t = seriesOf(asText);
    const o = seriesOf(asOm);
    expect(t).toHaveLength(samples);
    expect(o).toHaveLength(samples);
    t.forEach((ts, i) => {
      const os = o[i]!;
      expect(name(os)).toBe(name(ts));
      expect(os.bits).toBe(ts.bits);
      // 2.42 keeps le/quantile verbatim, and OpenMetrics spells them as floats ("1" -> "1.0"): equal as numbers.
      const tl = labelRecord(ts);
      const ol = labelRecord(os);
      expect(Object.keys(ol).sort()).toEqual(Object.keys(tl).sort());
      for (const [k, v] of Object.entries(tl)) {
        if (k === 'le' || k === 'quantile') expect(asNumber(ol[k]!)).toBe(asNumber(v));
        else expect(ol[k]).toBe(v);
      }
    });
    // Metadata pairs up too; OpenMetrics names counter families without their _total.
    const meta = (es: ParsedEntry[]) => es.filter((e) => e.kind !== 'series');
    const tm = meta(asText);
    const om = meta(asOm);
    expect(om).toHaveLength(tm.length);
    om.forEach((e, i) => {
      const te = tm[i]! as { kind: string; name: string };
      expect(e.kind).toBe(te.kind);
      const counter = (tm.find((x) => x.kind === 'type' && (x as { name: string }).name === te.name) as { type?: string } | undefined)?.type === 'counter';
      expect((e as { name: string }).name).toBe(counter ? te.name.replace(/_total$/, '') : te.name);
    });
  });

  it('parses the OpenMetrics body without exemplars or timestamps, ending at # EOF', () => {
    const o = seriesOf(parseAll(fixtureBody(`${target}/protobuf-as-openmetrics.txt.gz`), OPENMETRICS));
    expect(o.every((s) => s.exemplar === undefined && s.ts === undefined)).toBe(true);
  });
});

function asNumber(s: string): number {
  const b = Buffer.from(s);
  return parseGoFloat(b, 0, b.length);
}
