// Forwarding throughput of an agent: remote-write load pushed into promwasm in agent mode and, in
// the same run, into Prometheus 2.42 in agent mode (--enable-feature=agent with its receiver on),
// each forwarding with remote_write (default queue_config) to the same kind of fast sink: a separate
// process decoding every request with promwasm's decoder and counting samples.
//
//   npm run bench:forward -- [--series=50000] [--rounds=20] [--batch=2000] [--connections=4] [--only=promwasm] [--from=source]
//                            [--queue=min_shards:4,max_samples_per_send:2000]   (queue_config for both agents; default: Prometheus's defaults)
//                            [--forward=off]   (no remote_write: what ingest alone costs the agents)
//                            [--arenas=2]   (MALLOC_ARENA_MAX for promwasm: glibc's per-thread arenas hold freed native memory)
//
// promwasm runs compiled (tsc into node_modules/.cache/forward-bench, as `npm start` runs dist/),
// or with --from=source through tsx (more memory: the loader and its transforms).
//
// Forwarded samples/s = samples / (first push → the sink has them all): ingest and forwarding
// together, so whichever is slower bounds it. RSS is the agent's peak and final resident set.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import snappy from 'snappy';
import type { Label } from '../src/model/labels.js';
import { encodeLabels, encodeWriteRequest } from '../test/helpers/rw-encode.js';
import { freePort } from '../test/helpers/cli.js';
import { cpuSeconds, rssBytes } from './lib/proc.js';
import { postRemoteWrite } from './lib/rw-post.js';

const ROOT = resolve(import.meta.dirname, '..');

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'];
  }),
);

const FORWARD = args.forward !== 'off';

interface Workload {
  readonly series: number;
  readonly rounds: number;
  readonly batch: number;
  readonly connections: number;
}

interface SinkCount {
  samples: number;
  requests: number;
  failed: number;
  series: number;
  repeats: number;
}

interface Proc {
  readonly proc: ChildProcess;
  readonly pid: number;
  stop(): Promise<void>;
}

interface Result {
  readonly name: string;
  readonly samples: number;
  readonly ingestSeconds: number;
  readonly forwardSeconds: number;
  readonly received: SinkCount;
  readonly peakRss: number;
  readonly finalRss: number;
  readonly cpu: number;
  readonly pushErrors: number;
}

function stopper(proc: ChildProcess, cleanup: () => void): () => Promise<void> {
  return async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }
    cleanup();
  };
}

async function startSink(): Promise<Proc & { url: string; count(): Promise<SinkCount> }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/lib/rw-sink.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((res, rej) => {
    createInterface({ input: proc.stdout! }).once('line', res);
    proc.once('exit', (code) => rej(new Error(`sink exited with ${code}`)));
  });
  const url = `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`;
  return {
    proc,
    pid: proc.pid!,
    url,
    stop: stopper(proc, () => {}),
    count: async () => (await (await fetch(`${url}/count`)).json()) as SinkCount,
  };
}

async function waitReady(url: string, proc: ChildProcess, name: string): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    if (proc.exitCode !== null) throw new Error(`${name} exited with code ${proc.exitCode}`);
    try {
      if ((await fetch(`${url}/-/ready`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not become ready`);
}

/** The --queue settings as a queue_config block (empty: the defaults). */
function queueConfig(): string {
  if (args.queue === undefined) return '';
  const lines = String(args.queue)
    .split(',')
    .map((kv) => kv.split(':'))
    .map(([k, v]) => `      ${k}: ${v}\n`);
  return `    queue_config:\n${lines.join('')}`;
}

/** Where promwasm was compiled for this run; undefined: run the sources through tsx. */
let compiledMain: string | undefined;

/** Compiles src/ into a private directory inside the repository (so node_modules resolve) and returns its main. */
function compilePromwasm(): string {
  const base = join(ROOT, 'node_modules/.cache/forward-bench');
  const out = join(base, 'dist');
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  // The build reads its version from ../../package.json, as dist/ does.
  copyFileSync(join(ROOT, 'package.json'), join(base, 'package.json'));
  // Type errors elsewhere in a tree under work still leave the JavaScript emitted.
  spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json'), '--outDir', out, '--declaration', 'false', '--sourceMap', 'false'], { stdio: 'ignore' });
  const main = join(out, 'cli/main.js');
  if (!existsSync(main)) throw new Error('compiling promwasm failed');
  return main;
}

/** Starts an agent forwarding to `sinkUrl`: promwasm or Prometheus 2.42. */
async function startAgent(kind: 'promwasm' | 'prometheus', sinkUrl: string): Promise<Proc & { url: string }> {
  const dir = mkdtempSync(join(tmpdir(), `forward-bench-${kind}-`));
  const config = join(dir, 'agent.yml');
  const remoteWrite = FORWARD ? `remote_write:\n  - url: ${sinkUrl}/api/v1/write\n${queueConfig()}` : '';
  writeFileSync(config, `global:\n  scrape_interval: 1h\n${remoteWrite}`);
  const port = await freePort();
  const common = ['--enable-feature=agent', `--config.file=${config}`, `--storage.agent.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'];
  const proc =
    kind === 'promwasm'
      ? spawn(process.execPath, compiledMain ? [compiledMain, ...common] : ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...common], {
          cwd: ROOT,
          stdio: ['ignore', 'ignore', 'inherit'],
          env: { ...process.env, PROMWASM_WASM_FILE: join(ROOT, 'build/release.wasm'), ...(args.arenas ? { MALLOC_ARENA_MAX: String(args.arenas) } : {}) },
        })
      : spawn('prometheus', [...common, '--web.enable-remote-write-receiver'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, proc, kind);
  return { proc, pid: proc.pid!, url, stop: stopper(proc, () => rmSync(dir, { recursive: true, force: true })) };
}

const METRICS = ['node_cpu_seconds_total', 'node_memory_Active_bytes', 'http_requests_total', 'http_request_duration_seconds_bucket', 'process_resident_memory_bytes'];

/** k8s-shaped label sets, as bench:ingest uses. */
function makeSeries(n: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const pod = Math.floor(i / METRICS.length);
    const labels: Label[] = [
      { name: '__name__', value: METRICS[i % METRICS.length]! },
      { name: 'namespace', value: `ns-${pod % 37}` },
      { name: 'pod', value: `app-${pod % 997}-${(pod * 2654435761) % 100000}` },
      { name: 'instance', value: `10.${(pod >> 16) & 255}.${(pod >> 8) & 255}.${pod & 255}:9100` },
      { name: 'job', value: 'kubernetes-pods' },
    ];
    if (i % 3 !== 0) labels.push({ name: 'node', value: `node-${pod % 61}` });
    out.push(encodeLabels(labels));
  }
  return out;
}

/** A request and how many samples it carries. */
interface Push {
  readonly body: Buffer;
  readonly samples: number;
}

/**
 * The requests by round, timestamped from `start` (1 s per round: every sample newer than the
 * agent's start, never too far ahead). A round goes out whole before the next starts, so that no
 * series' samples overtake each other on parallel connections.
 */
function prepareRounds(series: Uint8Array[], w: Workload, start: number): Push[][] {
  const rounds: Push[][] = [];
  const values = new Float64Array(w.batch);
  for (let r = 0; r < w.rounds; r++) {
    const round: Push[] = [];
    for (let off = 0; off < series.length; off += w.batch) {
      const part = series.slice(off, off + w.batch);
      for (let i = 0; i < part.length; i++) values[i] = r * 10 + ((off + i) % 17);
      round.push({ body: snappy.compressSync(Buffer.from(encodeWriteRequest(part, values, start + r * 1000))), samples: part.length });
    }
    rounds.push(round);
  }
  return rounds;
}

async function run(kind: 'promwasm' | 'prometheus', series: Uint8Array[], w: Workload): Promise<Result> {
  const sink = await startSink();
  const agent = await startAgent(kind, sink.url).catch(async (err: unknown) => {
    await sink.stop();
    throw err;
  });
  try {
    const rounds = prepareRounds(series, w, Date.now() + 1000);
    const total = w.series * w.rounds;
    let peakRss = rssBytes(agent.pid);
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssBytes(agent.pid))), 100);
    const cpu0 = cpuSeconds(agent.pid);
    const http = new Agent({ keepAlive: true, maxSockets: w.connections });
    const url = new URL('/api/v1/write', agent.url);
    let pushErrors = 0;
    let accepted = 0;
    const t0 = performance.now();
    for (const round of rounds) {
      let next = 0;
      await Promise.all(
        Array.from({ length: w.connections }, async () => {
          while (next < round.length) {
            const push = round[next++]!;
            const status = await postRemoteWrite(http, url, push.body);
            if (status >= 200 && status <= 299) accepted += push.samples;
            else pushErrors++;
          }
        }),
      );
    }
    const ingestSeconds = (performance.now() - t0) / 1000;
    http.destroy();
    let received = await sink.count();
    for (const deadline = Date.now() + 300_000; FORWARD && received.samples < accepted && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 50));
      received = await sink.count();
    }
    const forwardSeconds = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(agent.pid) - cpu0;
    clearInterval(sampler);
    const finalRss = rssBytes(agent.pid);
    if (kind === 'promwasm') console.log(`promwasm memory at the end: ${await nodeMemory(agent.url)}`);
    peakRss = Math.max(peakRss, finalRss);
    return { name: kind === 'promwasm' ? 'promwasm agent' : 'prometheus 2.42 agent', samples: total, ingestSeconds, forwardSeconds, received, peakRss, finalRss, cpu, pushErrors };
  } finally {
    await agent.stop();
    await sink.stop();
  }
}

const MiB = 1024 * 1024;

/** V8 heap and external memory of a promwasm process, from its /metrics (prom-client's defaults). */
async function nodeMemory(url: string): Promise<string> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string): number => Number(/^(\S+) (\S+)$/m.exec(text.split('\n').find((l) => l.startsWith(`${name} `)) ?? '')?.[2] ?? NaN);
  const mib = (name: string): string => `${(value(name) / MiB).toFixed(0)} MiB`;
  return `heap used ${mib('nodejs_heap_size_used_bytes')} of ${mib('nodejs_heap_size_total_bytes')}, external ${mib('nodejs_external_memory_bytes')}`;
}

function row(r: Result, ref?: Result): string {
  const rate = r.received.samples / r.forwardSeconds;
  const ratio = ref ? ` ${(rate / (ref.received.samples / ref.forwardSeconds)).toFixed(2)}×` : '';
  return [
    r.name.padEnd(22),
    `${Math.round(r.samples / r.ingestSeconds).toLocaleString('en-US')}/s`.padEnd(13),
    `${Math.round(rate).toLocaleString('en-US')}/s${ratio}`.padEnd(20),
    `${r.received.samples}/${r.samples}`.padEnd(17),
    String(r.received.repeats).padEnd(7),
    `${(r.peakRss / MiB).toFixed(0)} / ${(r.finalRss / MiB).toFixed(0)} MiB`.padEnd(15),
    `${((r.cpu / r.samples) * 1e6).toFixed(2)} µs`.padEnd(10),
    String(r.pushErrors),
  ].join(' | ');
}

async function main(): Promise<void> {
  const w: Workload = {
    series: Number(args.series ?? 50_000),
    rounds: Number(args.rounds ?? 20),
    batch: Number(args.batch ?? 2000),
    connections: Number(args.connections ?? 4),
  };
  compiledMain = args.from === 'source' ? undefined : compilePromwasm();
  console.log(`promwasm: ${compiledMain ? 'compiled (tsc)' : 'sources through tsx'}`);
  const withPrometheus = spawnSync('prometheus', ['--version']).status === 0 && args.only !== 'promwasm';
  if (!withPrometheus) console.log('prometheus not installed (or --only=promwasm): measuring promwasm alone\n');
  console.log(`workload: ${w.series} series × ${w.rounds} rounds = ${w.series * w.rounds} samples, ${w.batch} series per request, ${w.connections} connections`);
  console.log(`queue_config: ${args.queue ?? 'defaults'}`);
  console.log('agent                  | ingest/s      | forwarded/s (vs prom) | at the sink       | repeat | RSS peak/final  | CPU/sample | push errors');
  const series = makeSeries(w.series);
  const results: Result[] = [await run('promwasm', series, w)];
  if (withPrometheus) results.push(await run('prometheus', series, w));
  const ref = results.find((r) => r.name.startsWith('prometheus'));
  for (const r of results) console.log(row(r, r === ref ? undefined : ref));
}

await main();
