// Differential test against a real Prometheus 2.42: it scrapes bodies we serve (the refusal tables, quirky
// bodies it accepts, the fixture bodies and seeded mutants of them), and for every body our parsers must
// predict the outcome: the same lastError for a refused body, and for an accepted one exactly the series
// and values `promtool tsdb dump` shows it stored.

import { describe, expect, it } from 'vitest';
import { formatGoFloat, formatLabels } from '../../src/format/index.js';
import type { Label } from '../../src/model/labels.js';
import { createParser, Entry, TextParseError } from '../../src/textparse/index.js';
import { Prng } from '../helpers/prng.js';
import { OPENMETRICS_REFUSALS, QUIRKY_ACCEPTS, TEXT_METADATA_REFUSALS, TEXT_SAMPLE_REFUSALS } from './cases.js';
import { OPENMETRICS, TEXT, fixtureBody } from './helpers.js';
import { HAS_PROMETHEUS, PROMETHEUS_MISSING, jobOf, scrapeWithPrometheus, type ServedBody } from './real-prometheus.js';

if (!HAS_PROMETHEUS) console.warn(PROMETHEUS_MISSING);

const REPORT_SERIES = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added']);
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

type Prediction =
  | { readonly kind: 'parse-error'; readonly reason: string }
  | { readonly kind: 'scrape-error' }
  | { readonly kind: 'ok'; readonly series: ReadonlyMap<string, string>; readonly timestamped: ReadonlySet<string> };

/** The scrape loop's label handling for honor_labels: false: target labels win, exposed ones become exported_*. */
function withTargetLabels(labels: readonly Label[], target: Record<string, string>): Label[] {
  const out = labels.filter((l) => l.value !== '');
  for (const [name, value] of Object.entries(target).sort(([a], [b]) => a.length - b.length)) {
    const i = out.findIndex((l) => l.name === name);
    if (i >= 0) {
      let renamed = `exported_${name}`;
      while (out.some((l) => l.name === renamed) || renamed in target) renamed = `exported_${renamed}`;
      out[i] = { name: renamed, value: out[i]!.value };
    }
    out.push({ name, value });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** What a 2.42 scrape of `body` does, as our parser and a model of the scrape loop's checks predict it. */
function predict(b: ServedBody, target: Record<string, string>): Prediction {
  const p = createParser(b.body, b.contentType);
  const series = new Map<string, string>();
  const timestamped = new Set<string>();
  let loopError = false;
  try {
    for (let e = p.next(); e !== Entry.Eof; e = p.next()) {
      if (e !== Entry.Series) continue;
      const parsed = p.labels();
      if (parsed.some((l) => l.name === '__name__' && !METRIC_NAME.test(l.value))) loopError = true;
      const labels = withTargetLabels(parsed, target);
      if (labels.some((l, i) => i > 0 && labels[i - 1]!.name === l.name)) loopError = true; // "label name is not unique"
      const key = formatLabels(labels);
      if (REPORT_SERIES.has(p.metricName())) continue;
      if (p.hasTimestamp()) timestamped.add(key);
      else if (!series.has(key)) series.set(key, formatGoFloat(p.value()));
    }
  } catch (e) {
    if (e instanceof TextParseError) return { kind: 'parse-error', reason: e.reason };
    throw e;
  }
  return loopError ? { kind: 'scrape-error' } : { kind: 'ok', series, timestamped };
}

/** dump lines of one job (report series left out): series text -> the set of values stored. */
function dumpedSeries(dump: string, job: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of dump.split('\n')) {
    if (!line.includes(`job="${job}"`)) continue;
    const cut = line.lastIndexOf('} ') + 1;
    const key = line.slice(0, cut);
    const name = /__name__="([^"]*)"/.exec(key)?.[1] ?? '';
    if (REPORT_SERIES.has(name)) continue;
    const [value] = line.slice(cut + 1).split(' ');
    if (!out.has(key)) out.set(key, new Set());
    out.get(key)!.add(value!);
  }
  return out;
}

function mutants(seed: number, path: string, contentType: string, n: number): ServedBody[] {
  const rng = new Prng(seed);
  const body = fixtureBody(path);
  const out: ServedBody[] = [];
  const bytes = [0, 0x0a, 0x20, 0x09, 0x22, 0x5c, 0x7b, 0x7d, 0x2c, 0x3d, 0x23, 0xff, 0x30, 0x65, 0x2e, 0x2d];
  for (let k = 0; k < n; k++) {
    const m = Buffer.from(body);
    const edits = rng.int(1, 3);
    for (let e = 0; e < edits; e++) m[rng.int(0, m.length - 1)] = rng.pick(bytes);
    out.push({ body: m, contentType });
  }
  return out;
}

describe.skipIf(!HAS_PROMETHEUS)('a real Prometheus 2.42 scrape', () => {
  it('fails and succeeds exactly where our parsers say, and stores the series and values they read', async () => {
    const bodies: ServedBody[] = [
      ...[...TEXT_METADATA_REFUSALS, ...TEXT_SAMPLE_REFUSALS].map(([b]) => ({ body: Buffer.from(b), contentType: TEXT })),
      ...OPENMETRICS_REFUSALS.map(([b]) => ({ body: Buffer.from(b), contentType: OPENMETRICS })),
      ...QUIRKY_ACCEPTS.map(([b, ct]) => ({ body: Buffer.from(b, 'latin1'), contentType: ct })),
      { body: fixtureBody('node-exporter/text.txt.gz'), contentType: TEXT },
      { body: fixtureBody('prometheus/protobuf-as-text.txt.gz'), contentType: TEXT },
      { body: fixtureBody('node-exporter/protobuf-as-openmetrics.txt.gz'), contentType: OPENMETRICS },
      { body: fixtureBody('prometheus/protobuf-as-openmetrics.txt.gz'), contentType: OPENMETRICS },
      ...mutants(1001, 'node-exporter/text.txt.gz', TEXT, 30),
      ...mutants(1002, 'prometheus/protobuf-as-openmetrics.txt.gz', OPENMETRICS, 30),
    ];
    const real = await scrapeWithPrometheus(bodies);
    const instance = /instance="([^"]*)"/.exec(real.dump)![1]!;
    let accepted = 0;
    let refused = 0;
    bodies.forEach((b, i) => {
      const job = jobOf(i);
      const got = real.outcomes[i]!;
      const want = predict(b, { instance, job });
      const what = `body ${i}: ${JSON.stringify(b.body.subarray(0, 120).toString('latin1'))}`;
      if (want.kind === 'parse-error') {
        expect(got, what).toEqual({ health: 'down', lastError: want.reason });
        refused++;
        return;
      }
      if (want.kind === 'scrape-error') {
        expect(got.health, what).toBe('down');
        return;
      }
      expect(got, what).toEqual({ health: 'up', lastError: '' });
      accepted++;
      const stored = dumpedSeries(real.dump, job);
      for (const [series, value] of want.series) expect(stored.get(series), `${what}\n${series}`).toEqual(new Set([value]));
      for (const series of stored.keys()) expect(want.series.has(series) || want.timestamped.has(series), `${what}\nunexpected ${series}`).toBe(true);
    });
    expect(accepted).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(60);
  }, 120_000);
});
