// Scraping stays as lenient as Prometheus 2.42: bodies the OpenMetrics suite calls invalid but that
// Prometheus scrapes without complaint (NaN and negative counter values, interleaved families,
// histograms without required buckets or with buckets out of order, metadata after the samples,
// exemplars where none are allowed, ...) are served, as OpenMetrics and as text 0.0.4, to a real
// Prometheus and to promwasm at once. Each must see the same outcome per target, and store the same
// series with the same values (`promtool tsdb dump` against `promwasm tsdb dump`).

import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exited, freePort, runCli, startServer } from '../helpers/cli.js';

const HAS_PROMETHEUS = spawnSync('prometheus', ['--version']).status === 0 && spawnSync('promtool', ['--version']).status === 0;
if (!HAS_PROMETHEUS) console.warn('prometheus/promtool are not on PATH: skipping the lenient-scrape comparison with a real Prometheus 2.42');

const FIXTURES = join(import.meta.dirname, '../fixtures/scrape-lenient');
const OPENMETRICS = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
const TEXT = 'text/plain; version=0.0.4; charset=utf-8';
/** Differ from scrape to scrape (durations, series added by the first scrape only). */
const VOLATILE = new Set(['scrape_duration_seconds', 'scrape_series_added']);

interface Case {
  readonly name: string;
  readonly body: Buffer;
  readonly contentType: string;
}

const cases: Case[] = readdirSync(FIXTURES)
  .sort()
  .flatMap((file) => {
    const body = readFileSync(join(FIXTURES, file));
    const name = file.replace(/\.txt$/, '');
    return [
      { name: `${name} (openmetrics)`, body, contentType: OPENMETRICS },
      { name: `${name} (text)`, body, contentType: TEXT },
    ];
  });

const dir = mkdtempSync(join(tmpdir(), 'promwasm-lenient-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Outcome {
  health: string;
  lastError: string;
}

async function outcomes(url: string): Promise<Map<string, Outcome>> {
  const res = await fetch(`${url}/api/v1/targets?state=active`).catch(() => undefined);
  const out = new Map<string, Outcome>();
  if (!res?.ok) return out;
  const body = (await res.json()) as { data: { activeTargets: { labels: { job: string }; health: string; lastError: string }[] } };
  for (const t of body.data.activeTargets) if (t.health !== 'unknown') out.set(t.labels.job, { health: t.health, lastError: t.lastError });
  return out;
}

/** job → series → the values stored for it (report series that vary per scrape left out). */
function stored(dump: string): Map<string, Map<string, Set<string>>> {
  const out = new Map<string, Map<string, Set<string>>>();
  for (const line of dump.split('\n')) {
    if (line === '') continue;
    const cut = line.lastIndexOf('} ') + 1;
    const series = line.slice(0, cut);
    if (VOLATILE.has(/__name__="([^"]*)"/.exec(series)?.[1] ?? '')) continue;
    const job = /job="([^"]*)"/.exec(series)![1]!;
    const [value] = line.slice(cut + 1).split(' ');
    const perJob = out.get(job) ?? new Map<string, Set<string>>();
    out.set(job, perJob);
    if (!perJob.has(series)) perJob.set(series, new Set());
    perJob.get(series)!.add(value!);
  }
  return out;
}

describe.skipIf(!HAS_PROMETHEUS)('invalid bodies that Prometheus 2.42 scrapes', () => {
  it('are scraped by promwasm too, with the same outcome and the same stored series and values', async () => {
    const server = createServer((req, res) => {
      const c = cases[Number(/^\/case\/(\d+)$/.exec(req.url ?? '')?.[1] ?? -1)];
      if (c === undefined) res.writeHead(404).end();
      else res.writeHead(200, { 'Content-Type': c.contentType }).end(c.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    // A generous timeout: a scrape timing out on a loaded machine would fail one side only.
    const config = ['global:', '  scrape_interval: 3s', '  scrape_timeout: 3s', 'scrape_configs:'];
    cases.forEach((_, i) => config.push(`  - job_name: case${i}`, `    metrics_path: /case/${i}`, `    static_configs: [{ targets: ["${target}"] }]`));
    const configFile = join(dir, 'prometheus.yml');
    writeFileSync(configFile, config.join('\n') + '\n');

    const promPort = await freePort();
    const promData = join(dir, 'prometheus');
    const prom = spawn(
      'prometheus',
      [`--config.file=${configFile}`, `--storage.tsdb.path=${promData}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=error'],
      { stdio: 'ignore' },
    );
    const pwData = join(dir, 'promwasm');
    const promwasm = await startServer(pwData, [`--config.file=${configFile}`, '--log.level=error']);
    let theirs = new Map<string, Outcome>();
    let ours = new Map<string, Outcome>();
    try {
      for (let waited = 0; waited < 60_000 && (theirs.size < cases.length || ours.size < cases.length); waited += 500) {
        await new Promise((r) => setTimeout(r, 500));
        [theirs, ours] = await Promise.all([outcomes(`http://127.0.0.1:${promPort}`), outcomes(promwasm.url)]);
      }
    } finally {
      prom.kill('SIGTERM');
      promwasm.proc.kill('SIGTERM');
      await Promise.all([exited(prom), exited(promwasm.proc)]);
      await new Promise((r) => server.close(r));
    }
    expect(theirs.size).toBe(cases.length);
    expect(ours.size).toBe(cases.length);

    const promDump = spawnSync('promtool', ['tsdb', 'dump', promData], { encoding: 'utf8', maxBuffer: 1 << 28 });
    expect(promDump.status, promDump.stderr).toBe(0);
    const ourDump = runCli(['tsdb', 'dump', pwData]);
    expect(ourDump.status, ourDump.stderr).toBe(0);
    const [promStored, ourStored] = [stored(promDump.stdout), stored(ourDump.stdout)];

    let scrapedOpenMetrics = 0;
    let exposedSeries = 0;
    cases.forEach((c, i) => {
      const job = `case${i}`;
      const theirOutcome = theirs.get(job)!;
      expect(ours.get(job), c.name).toEqual(theirOutcome);
      if (c.contentType === OPENMETRICS) {
        // The selection holds only bodies Prometheus 2.42 scrapes as OpenMetrics.
        expect(theirOutcome, c.name).toEqual({ health: 'up', lastError: '' });
        scrapedOpenMetrics++;
      }
      const want = promStored.get(job)!;
      const got = ourStored.get(job)!;
      expect([...got.keys()].sort(), c.name).toEqual([...want.keys()].sort());
      for (const [series, values] of want) expect(got.get(series), `${c.name}: ${series}`).toEqual(values);
      exposedSeries += [...want.keys()].filter((series) => !/__name__="(up|scrape_[a-z_]+)"/.test(series)).length;
    });
    expect(scrapedOpenMetrics).toBe(18);
    expect(exposedSeries).toBeGreaterThan(40);
  }, 120_000);
});
