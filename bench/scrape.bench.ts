// Scrape benchmark, two parts:
//
// 1. Parser throughput on the node-exporter body (text 0.0.4 and OpenMetrics): samples/s and MB/s of
//    what the scrape loop does per sample, with every series in the scrape cache (next, seriesKey, the
//    value into a Float64Array) and on a first scrape (labels() too). Median of 7 rounds of >= 300 ms.
//
// 2. CPU per scraped sample: promwasm and Prometheus 2.42 scrape the same targets in the same run
//    (default 1,000 targets x 500 series at a 15 s interval, served by one child process under
//    /t/<i>). After a warm-up of two intervals, each server's CPU seconds (/proc/<pid>/stat, user +
//    system) and its prometheus_tsdb_head_samples_appended_total are read at both ends of a window
//    of whole intervals (default 4); CPU per sample is their ratio.
//
//   npm run bench:scrape -- [--targets=1000] [--series=500] [--interval=15] [--intervals=4] [--parser-only]
//
// promwasm runs as users run it, the built CLI (node dist/cli/main.js): `npm run build` first.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Entry, createParser } from '../src/textparse/index.js';
import { freePort } from '../test/helpers/cli.js';
import { cpuSeconds, rssBytes } from './lib/proc.js';
import { hasPrometheus } from './lib/servers.js';

const ROOT = resolve(import.meta.dirname, '..');
const FIXTURES = join(ROOT, 'test/fixtures/scrape');
const TEXT = 'text/plain; version=0.0.4; charset=utf-8';
const OPENMETRICS = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k!, v ?? 'true'];
  }),
);
const TARGETS = Number(args['targets'] ?? 1000);
const SERIES = Number(args['series'] ?? 500);
const INTERVAL_S = Number(args['interval'] ?? 15);
const INTERVALS = Number(args['intervals'] ?? 4);

// ---------------------------------------------------------------------------------------------
// Part 1: parser throughput

const values = new Float64Array(1 << 16);

/** The scrape loop's work per sample when the series is cached. */
function cached(bytes: Uint8Array, contentType: string): number {
  const p = createParser(bytes, contentType);
  let n = 0;
  let keyChars = 0;
  for (let e = p.next(); e !== Entry.Eof; e = p.next()) {
    if (e !== Entry.Series) continue;
    keyChars += p.seriesKey().length;
    p.copyValueTo(values, n & 0xffff);
    n++;
  }
  return n + (keyChars & 0);
}

/** A first scrape: every series' labels built too. */
function cold(bytes: Uint8Array, contentType: string): number {
  const p = createParser(bytes, contentType);
  let n = 0;
  let labels = 0;
  for (let e = p.next(); e !== Entry.Eof; e = p.next()) {
    if (e !== Entry.Series) continue;
    labels += p.seriesKey().length & 0;
    labels += p.labels().length;
    p.copyValueTo(values, n & 0xffff);
    n++;
  }
  return n + (labels & 0);
}

function rate(fn: () => number, rounds = 7, minMs = 300): number {
  for (let i = 0; i < 20; i++) fn();
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let samples = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    do {
      samples += fn();
      elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    } while (elapsed < minMs);
    rates.push((samples / elapsed) * 1000);
  }
  return rates.sort((x, y) => x - y)[rounds >> 1]!;
}

function table(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (cells: readonly string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [fmt(header), `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|')}|`, ...rows.map(fmt)].join('\n');
}

function parserThroughput(): void {
  const bodies = [
    { name: 'node-exporter, text 0.0.4', bytes: gunzipSync(readFileSync(join(FIXTURES, 'node-exporter/text.txt.gz'))), contentType: TEXT },
    { name: 'node-exporter, OpenMetrics', bytes: gunzipSync(readFileSync(join(FIXTURES, 'node-exporter/protobuf-as-openmetrics.txt.gz'))), contentType: OPENMETRICS },
  ];
  const rows: string[][] = [];
  for (const b of bodies) {
    const samples = cached(b.bytes, b.contentType);
    for (const [mode, fn] of [['cached series', cached], ['first scrape', cold]] as const) {
      const r = rate(() => fn(b.bytes, b.contentType));
      rows.push([b.name, mode, String(samples), `${(b.bytes.length / 1024).toFixed(1)}`, `${(r / 1e6).toFixed(2)}M`, ((r / samples) * b.bytes.length / 1e6).toFixed(0)]);
    }
  }
  console.log(`\nParser throughput (node ${process.version})\n`);
  console.log(table(['body', 'mode', 'samples', 'KiB', 'samples/s', 'MB/s'], rows));
}

// ---------------------------------------------------------------------------------------------
// Part 2: CPU per scraped sample, promwasm against Prometheus 2.42

interface Server {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly url: string;
}

function scrapeConfig(port: number): string {
  const lines = ['global:', `  scrape_interval: ${INTERVAL_S}s`, `  scrape_timeout: ${Math.min(10, INTERVAL_S)}s`, 'scrape_configs:', '  - job_name: bench', '    static_configs:'];
  // One group per target: its own path, and a label that keeps the targets' series apart.
  for (let i = 0; i < TARGETS; i++) lines.push(`      - { targets: ["127.0.0.1:${port}"], labels: { __metrics_path__: "/t/${i}", shard: "${i}" } }`);
  return lines.join('\n') + '\n';
}

async function waitReady(s: Server): Promise<void> {
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
    if (s.proc.exitCode !== null) throw new Error(`${s.name} exited with code ${s.proc.exitCode}`);
    if ((await fetch(`${s.url}/-/ready`).then((r) => r.status).catch(() => 0)) === 200) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${s.name} did not become ready`);
}

async function samplesAppended(s: Server): Promise<number> {
  const text = await fetch(`${s.url}/metrics`).then((r) => r.text());
  let sum = 0;
  for (const line of text.split('\n')) {
    if (/^prometheus_tsdb_head_samples_appended_total[ {]/.test(line)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Targets whose last scrape failed (a failed scrape also appends stale markers, inflating the count). */
async function failingTargets(s: Server): Promise<number> {
  const body = (await fetch(`${s.url}/api/v1/targets?state=active`).then((r) => r.json())) as { data: { activeTargets: { health: string }[] } };
  return body.data.activeTargets.filter((t) => t.health !== 'up').length;
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
  if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
}

async function startTargets(): Promise<{ proc: ChildProcess; port: number }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/lib/scrape-targets.ts'), String(TARGETS), String(SERIES)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((res, rej) => {
    proc.stdout!.once('data', (d: Buffer) => res(Number(d.toString().trim())));
    proc.once('exit', (code) => rej(new Error(`target server exited with ${code}`)));
  });
  return { proc, port };
}

async function cpuPerSample(): Promise<void> {
  if (!hasPrometheus()) {
    console.log('\nprometheus is not on PATH: skipping the CPU comparison');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'promwasm-scrape-bench-'));
  const targets = await startTargets();
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, scrapeConfig(targets.port));
  const servers: Server[] = [];
  try {
    const promPort = await freePort();
    servers.push({
      name: 'prometheus 2.42',
      url: `http://127.0.0.1:${promPort}`,
      proc: spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'prometheus')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], {
        stdio: ['ignore', 'ignore', 'inherit'],
      }),
    });
    const pwPort = await freePort();
    servers.push({
      name: 'promwasm',
      url: `http://127.0.0.1:${pwPort}`,
      proc: spawn(
        process.execPath,
        [builtCli(), `--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'promwasm')}`, `--web.listen-address=127.0.0.1:${pwPort}`, '--log.level=warn'],
        { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
      ),
    });
    await Promise.all(servers.map(waitReady));
    console.log(`\n${TARGETS} targets x ${SERIES} series every ${INTERVAL_S}s; warming up for 2 intervals, then measuring ${INTERVALS} intervals ...`);
    await new Promise((r) => setTimeout(r, 2 * INTERVAL_S * 1000));
    const before = await Promise.all(servers.map(async (s) => ({ cpu: cpuSeconds(s.proc.pid!), samples: await samplesAppended(s) })));
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, INTERVALS * INTERVAL_S * 1000));
    const after = await Promise.all(servers.map(async (s) => ({ cpu: cpuSeconds(s.proc.pid!), samples: await samplesAppended(s), rss: rssBytes(s.proc.pid!) })));
    const seconds = (performance.now() - t0) / 1000;
    const failing = await Promise.all(servers.map(failingTargets));
    const expected = TARGETS * (SERIES + 5) * INTERVALS;
    const rows = servers.map((s, i) => {
      const cpu = after[i]!.cpu - before[i]!.cpu;
      const samples = after[i]!.samples - before[i]!.samples;
      return [
        s.name,
        String(samples),
        `${((100 * samples) / expected).toFixed(1)}%`,
        cpu.toFixed(2),
        `${((100 * cpu) / seconds).toFixed(1)}%`,
        samples > 0 ? ((cpu / samples) * 1e6).toFixed(2) : '-',
        `${(after[i]!.rss / 2 ** 20).toFixed(0)}`,
        String(failing[i]),
      ];
    });
    console.log(`\nCPU per scraped sample over ${seconds.toFixed(1)} s (${expected} samples expected per server: ${SERIES} + 5 report series per target and scrape)\n`);
    console.log(table(['server', 'samples appended', 'of expected', 'CPU s', 'CPU (of one core)', 'CPU µs/sample', 'RSS MiB', 'targets failing at the end'], rows));
  } finally {
    await Promise.all(servers.map((s) => stop(s.proc)));
    await stop(targets.proc);
    rmSync(dir, { recursive: true, force: true });
  }
}

parserThroughput();
if (args['parser-only'] !== 'true') await cpuPerSample();

function builtCli(): string {
  const main = join(ROOT, 'dist/cli/main.js');
  if (!existsSync(main)) throw new Error('dist/ is missing: run `npm run build` first');
  return main;
}
