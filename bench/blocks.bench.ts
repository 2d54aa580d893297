// Backfill throughput and block size: the same generated OpenMetrics file through
// `promtool tsdb create-blocks-from openmetrics` and `promwasm tsdb create-blocks-from openmetrics`
// (both as processes, best of 3 wall times, startup included), and through backfillOpenMetrics in this
// process (no startup). Prints samples/s and the blocks' bytes per sample, chunks and index apart.
//
//   npx tsx bench/blocks.bench.ts [series=1000] [hours=2]
//
// Input: `series` series (half counters with small integer steps, half gauges on a random walk with
// 3 decimals) sampled every 10 s for `hours`, starting 1h before a 2h boundary (so two or more blocks),
// timestamps with millisecond digits, families of 50 series with 3 labels each.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { backfillOpenMetrics } from '../src/tsdb/backfill/index.js';
import { Prng } from '../test/helpers/prng.js';

const SERIES = Number(process.argv[2] ?? 1000);
const HOURS = Number(process.argv[3] ?? 2);
const STEP_MS = 10_000;
const ROOT = resolve(import.meta.dirname, '..');

function generate(): { text: string; samples: number } {
  const rng = new Prng(42);
  const start = 1_686_736_800_000 - 3_600_000;
  const end = start + HOURS * 3_600_000;
  const parts: string[] = [];
  let samples = 0;
  for (let s = 0; s < SERIES; s++) {
    const family = Math.floor(s / 50);
    const counter = family % 2 === 0;
    const name = counter ? `bench_requests_${family}_total` : `bench_temperature_${family}`;
    if (s % 50 === 0) parts.push(`# TYPE ${name.replace(/_total$/, '')} ${counter ? 'counter' : 'gauge'}\n`);
    const series = `${name}{instance="host-${s % 50}:9100",job="bench",region="eu-${family % 3}"}`;
    let v = rng.int(0, 1000);
    for (let t = start + rng.int(0, STEP_MS - 1); t < end; t += STEP_MS) {
      v = counter ? v + rng.int(0, 5) : Math.round((v + (rng.next() - 0.5) * 4) * 1000) / 1000;
      parts.push(`${series} ${v} ${Math.floor(t / 1000)}.${String(t % 1000).padStart(3, '0')}\n`);
      samples++;
    }
  }
  parts.push('# EOF\n');
  return { text: parts.join(''), samples };
}

interface Sizes {
  readonly chunks: number;
  readonly index: number;
  readonly blocks: number;
}

function blockSizes(dir: string): Sizes {
  let chunks = 0;
  let index = 0;
  let blocks = 0;
  for (const name of readdirSync(dir)) {
    const b = join(dir, name);
    index += statSync(join(b, 'index')).size;
    for (const seg of readdirSync(join(b, 'chunks'))) chunks += statSync(join(b, 'chunks', seg)).size;
    blocks++;
  }
  return { chunks, index, blocks };
}

function timeProcess(cmd: string, args: readonly string[], out: string): number {
  rmSync(out, { recursive: true, force: true });
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return ms;
}

function best(runs: number, f: () => number): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) min = Math.min(min, f());
  return min;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'promwasm-blocks-bench-'));
  try {
    const { text, samples } = generate();
    const input = join(work, 'input.om');
    writeFileSync(input, text);
    console.log(`input: ${SERIES} series × ${HOURS}h every ${STEP_MS / 1000}s = ${samples.toLocaleString('en-US')} samples, ${(text.length / 1e6).toFixed(1)} MB`);

    const rows: { tool: string; ms: number; sizes: Sizes }[] = [];
    const theirs = join(work, 'promtool');
    const promtoolMs = best(3, () => timeProcess('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '-q', input, theirs], theirs));
    rows.push({ tool: 'promtool 2.42 (process)', ms: promtoolMs, sizes: blockSizes(theirs) });

    // The command as users run it: the built CLI (npx promwasm), and the single executable when built.
    const backfillArgs = ['tsdb', 'create-blocks-from', 'openmetrics', '-q', input];
    const cli = join(ROOT, 'dist/cli/main.js');
    if (!existsSync(cli)) throw new Error('dist/ is missing: run `npm run build` first');
    const ours = join(work, 'promwasm');
    const oursMs = best(3, () => timeProcess(process.execPath, [cli, ...backfillArgs, ours], ours));
    rows.push({ tool: 'promwasm (process, node dist/cli/main.js)', ms: oursMs, sizes: blockSizes(ours) });
    const binary = join(ROOT, 'dist/promwasm');
    if (existsSync(binary)) {
      const fromBinary = join(work, 'binary');
      const binaryMs = best(3, () => timeProcess(binary, [...backfillArgs, fromBinary], fromBinary));
      rows.push({ tool: 'promwasm (single executable)', ms: binaryMs, sizes: blockSizes(fromBinary) });
    }

    const inProcess = join(work, 'in-process');
    const bytes = readFileSync(input);
    let inMs = Infinity;
    for (let i = 0; i < 3; i++) {
      rmSync(inProcess, { recursive: true, force: true });
      mkdirSync(inProcess);
      const t0 = performance.now();
      await backfillOpenMetrics(bytes, inProcess);
      inMs = Math.min(inMs, performance.now() - t0);
    }
    rows.push({ tool: 'promwasm backfillOpenMetrics (in process)', ms: inMs, sizes: blockSizes(inProcess) });

    const base = rows[0]!;
    const perSample = (n: number): string => (n / samples).toFixed(3);
    console.log('');
    console.log('| tool | blocks | wall time | samples/s | chunks B/sample | index B/sample | speed vs promtool | chunks vs promtool | index vs promtool |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(
        `| ${r.tool} | ${r.sizes.blocks} | ${(r.ms / 1000).toFixed(2)} s | ${Math.round((samples / r.ms) * 1000).toLocaleString('en-US')} | ` +
          `${perSample(r.sizes.chunks)} | ${perSample(r.sizes.index)} | ${(base.ms / r.ms).toFixed(2)}× | ` +
          `${(r.sizes.chunks / base.sizes.chunks).toFixed(3)} | ${(r.sizes.index / base.sizes.index).toFixed(3)} |`,
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
